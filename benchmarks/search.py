"""What a phone downloads for its first search: the search-transfer benchmark of issue 14.

    python benchmarks/search.py                 # 1,000 and 10,000 resources
    python benchmarks/search.py --counts 1000

For each library size it makes the search index as ``capture build`` does (the same row
encoder, shard count, shard placement and shard files, with synthetic two-minute transcripts
of 24 lines of 11 words, and each row's facets) and prints, per size, what a visit that does
not search loads (``search-index.js`` and ``static/search.js``) and what the first search adds
(today: every shard, since shards are cut by resource id), raw and gzipped at level 6, as a
static host would serve them. The target in issue 14 is 300 KB for the first search at 10,000
resources; ``--json`` prints the figures for a script.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.site import sentence  # noqa: E402 - after the path is set
from pipeline.site.search import (  # noqa: E402
    SearchEntry,
    encode_entry,
    encode_facets,
    index_script,
    shard_count,
    shard_of,
    shard_script,
)
from pipeline.speech.transcript import Line  # noqa: E402

TARGET_KB = 300
ROLES = ("line-operator", "shift-lead", "maintenance", "quality")


def entries(count: int, seed: int = 3) -> list[SearchEntry]:
    """``count`` resources with two-minute transcripts (24 lines of 11 words, 130 words a minute)."""
    rng = random.Random(seed)
    made = []
    for index in range(count):
        lines = [Line(round(n * 5.0, 1), sentence(rng, 11)) for n in range(24)]
        made.append(
            SearchEntry(
                id=f"clip-{index:05d}",
                title=sentence(rng, 5),
                summary=sentence(rng, 16),
                level=rng.choice(("beginner", "intermediate", "advanced")),
                duration=120.0,
                has_poster=True,
                reviewed=index % 2 == 0,
                lines=lines,
                roles=rng.sample(ROLES, 2),
                kind=rng.choice(("skill", "theory", "strategy")),
            )
        )
    return made


def measure(count: int) -> dict[str, float]:
    """Bytes (raw and gzipped) of the files a visit loads, without and with a first search."""
    made = entries(count)
    shards: list[list[SearchEntry]] = [[] for _ in range(shard_count(count))]
    for entry in made:
        shards[shard_of(entry.id, len(shards))].append(entry)
    files = [
        shard_script([encode_entry(e) for e in members], [encode_facets(e) for e in members]).encode("utf-8")
        for members in shards
    ]
    names = [f"search/{n:03d}-000000000000.js" for n in range(len(shards))]
    listing = index_script(names, count).encode("utf-8")
    script = (ROOT / "templates" / "static" / "search.js").read_bytes()
    zipped = [len(gzip.compress(data, 6)) for data in files]
    return {
        "resources": count,
        "shards": len(files),
        "no_search_kb": (len(gzip.compress(listing, 6)) + len(gzip.compress(script, 6))) / 1000,
        "first_search_raw_kb": sum(len(data) for data in files) / 1000,
        "first_search_gzip_kb": sum(zipped) / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [measure(count) for count in args.counts]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print("| resources | shards | a visit without search (gzip) | first search, raw | first search, gzip | target |")
    print("|---|---|---|---|---|---|")
    for r in results:
        met = "met" if r["first_search_gzip_kb"] <= TARGET_KB else "missed"
        print(
            f"| {r['resources']:,} | {r['shards']} | {r['no_search_kb']:.1f} KB"
            f" | {r['first_search_raw_kb'] / 1000:.1f} MB | {r['first_search_gzip_kb'] / 1000:.2f} MB"
            f" | {met} ({TARGET_KB} KB) |"
        )


if __name__ == "__main__":
    main()
