"""What a phone downloads for its first search: the search-transfer benchmark of issue 14.

    python benchmarks/search.py                 # 1,000 and 10,000 resources, figures into docs/benchmarks.md
    python benchmarks/search.py --counts 1000 --no-write

For each library size it makes the search index as ``capture build`` does (the same rows,
postings, buckets, facets and listing, from ``pipeline.site.searchfiles``' parts), with synthetic
two-minute transcripts of 24 lines of 11 words drawn from the 79 words of ``benchmarks/site.py``
(so every word is in about one line in eight: a hard case, since a query word then matches
nearly every resource). It prints, gzipped at level 6 as a static host serves them:

- a visit that does not search: ``search-index.js`` and ``static/search.js``;
- a first one-word query ("fault"): that, plus the listing, the word's bucket and the rows of
  the 50 hits shown (those of the first 50 matching resources; the rows are all alike);
- a first two-word query ("fault codes"): the same with both words' buckets;
- before the split (round 3's design): every shard, all of the index.

and the CPU time to make the index's files, against encoding round 3's rows alone (what its
shards held). The target in issue 14 is 300 KB for the first search at 10,000 resources.
The browser test ``tests/test_search.py::test_a_first_search_on_a_large_site_stays_under_budget``
counts what Chromium really loads.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.docsection import write_section  # noqa: E402 - after the path is set
from benchmarks.site import sentence  # noqa: E402
from pipeline.site.search import SearchEntry, encode_entry, index_script, row_script, stem, words  # noqa: E402
from pipeline.site.terms import (  # noqa: E402
    bucket_scripts,
    buckets_for,
    decode_postings,
    entry_said,
    facets_script,
    postings,
    terms_script,
    text_key,
)
from pipeline.speech.transcript import Line  # noqa: E402
from pipeline.workspace.catalogue import KINDS, LEVELS  # noqa: E402

TARGET_KB = 300
SHOWN = 50  # hits the first page of results shows (MAX_SHOWN in static/search.js)
ROLES = ("line-operator", "shift-lead", "maintenance", "quality")
QUERIES = ("fault", "fault codes")
PROSE_QUERIES = ("the", "the interface")  # the commonest English word, a prefix of many more


def english_lines() -> list[str]:
    """Real English prose (Python's own reference text) cut into speech-sized lines of 11 words."""
    from pydoc_data.topics import topics

    said = " ".join(topics.values()).split()
    return [" ".join(said[i : i + 11]) for i in range(0, len(said) - 11, 11)]


def entries(count: int, seed: int = 3, *, prose: bool = False) -> list[SearchEntry]:
    """``count`` resources with two-minute transcripts (24 lines of 11 words, 130 words a minute).

    The words come from the 79 of ``benchmarks/site.py``, or with ``prose`` 24 lines running on
    from a random place in :func:`english_lines`.
    """
    rng = random.Random(seed)
    text = english_lines() if prose else []
    made = []
    for index in range(count):
        start = rng.randrange(len(text) - 24) if prose else 0
        lines = [Line(round(n * 5.0, 1), text[start + n] if prose else sentence(rng, 11)) for n in range(24)]
        made.append(
            SearchEntry(
                id=f"clip-{index:05d}",
                title=sentence(rng, 5),
                summary=sentence(rng, 16),
                level=rng.choice(LEVELS),
                duration=120.0,
                has_poster=True,
                reviewed=index % 2 == 0,
                lines=lines,
                roles=rng.sample(ROLES, 2),
                kind=rng.choice(KINDS),
            )
        )
    return made


def gz(text: str | bytes) -> int:
    return len(gzip.compress(text.encode("utf-8") if isinstance(text, str) else text, 6))


def first_query(query: str, buckets: dict[str, str], rows: list[str]) -> int:
    """Gzipped bytes of the buckets a query needs and of the rows of its first ``SHOWN`` hits."""
    tokens = [stem(word) for word in words(query)]
    total, matches = 0, None
    for name in sorted({prefix for token in tokens for prefix in buckets_for(token, buckets)}):
        total += gz(buckets[name])
    table = {}
    for text in buckets.values():
        table.update(json.loads(text[text.index("]=") + 2 : -2]))
    for token in tokens:
        found: set[int] = set()
        for term, encoded in table.items():
            if term.startswith(token):
                found |= set(decode_postings(encoded))
        matches = found if matches is None else matches & found
    return total + sum(gz(rows[n]) for n in sorted(matches or ())[:SHOWN])


def measure(count: int, *, prose: bool = False) -> dict[str, float]:
    made = entries(count, prose=prose)
    queries = PROSE_QUERIES if prose else QUERIES
    started = time.process_time()
    old_rows = ",\n".join(encode_entry(e) for e in made)
    old_seconds = time.process_time() - started
    started = time.process_time()
    rows = [row_script(n, e) for n, e in enumerate(made)]
    buckets = bucket_scripts(postings([entry_said(e) for e in made]))
    facets = facets_script(made, roles=ROLES, levels=LEVELS, kinds=KINDS)
    keys = {name: text_key(text) for name, text in buckets.items()}
    listing = terms_script(resources=count, buckets=keys, facets="search/facets-0000000000.js", rows="0" * 10)
    seconds = time.process_time() - started
    index = index_script("search/terms-0000000000.js", count)
    visit = gz(index) + gz((ROOT / "templates" / "static" / "search.js").read_bytes())
    return {
        "resources": count,
        "buckets": len(buckets),
        "visit_kb": visit / 1000,
        "one_word_kb": (visit + gz(listing) + first_query(queries[0], buckets, rows)) / 1000,
        "two_words_kb": (visit + gz(listing) + first_query(queries[1], buckets, rows)) / 1000,
        "prose": prose,
        "facets_kb": gz(facets) / 1000,
        "before_kb": gz(old_rows) / 1000,
        "index_mb": (sum(len(t.encode()) for t in (*rows, *buckets.values(), facets, listing))) / 1e6,
        "build_s": seconds,
        "before_build_s": old_seconds,
    }


def table(results: list[dict[str, float]]) -> str:
    lines = [
        "| resources | buckets | a visit without search | first query, one word | first query, two words "
        "| + facets (a filter chosen) | before the split: first search | target | index files, raw "
        "| CPU to make the index (round 3: rows only) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        english = " (English)" if r["prose"] else ""
        met = "met" if max(r["one_word_kb"], r["two_words_kb"]) <= TARGET_KB else "missed"
        lines.append(
            f"| {r['resources']:,}{english} | {r['buckets']} | {r['visit_kb']:.1f} KB | {r['one_word_kb']:.0f} KB"
            f" | {r['two_words_kb']:.0f} KB | {r['facets_kb']:.1f} KB | {r['before_kb'] / 1000:.2f} MB"
            f" | {met} ({TARGET_KB} KB) | {r['index_mb']:.1f} MB | {r['build_s']:.2f} s ({r['before_build_s']:.2f} s) |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    results = [measure(count) for count in args.counts] + [measure(max(args.counts), prose=True)]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    body = table(results)
    print(body)
    if not args.no_write:
        note = (
            "## Search transfer (`python benchmarks/search.py`)\n\n"
            f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, Python {platform.python_version()}. "
            "The index as `capture build` writes it, split by term: a query loads the buckets of its words "
            "(stems grouped by their first two letters, a big bucket split by one letter more) and the rows of "
            f"the {SHOWN} hits it shows. Synthetic "
            "two-minute transcripts (24 lines of 11 words from 79 words, so a word is in about one line in eight "
            "and matches nearly every resource), gzip level 6 as a static host serves it; queries "
            f"“{QUERIES[0]}” and “{QUERIES[1]}”. *English*: 24 lines running on from a random place in Python's "
            f"reference text (`pydoc_data`), queries “{PROSE_QUERIES[0]}” (a prefix of their, them, then, there, "
            f"these, they: every such bucket) and “{PROSE_QUERIES[1]}”. *Before the split*: every shard of "
            "round 3's index, which its first search loaded. CPU: making the index's files in one process.\n"
        )
        write_section("search", note + "\n" + body)


if __name__ == "__main__":
    main()
