"""The search index: compact rows, safe inside a script tag, small enough for a phone."""

from __future__ import annotations

import gzip
import json
import random

from benchmarks.site import sentence
from pipeline.site.search import (
    SearchEntry,
    encode_entry,
    encode_facets,
    encode_starts,
    index_script,
    shard_count,
    shard_of,
    shard_script,
    stem,
)
from pipeline.speech.transcript import Line


def entry(lines: list[Line], **changes: object) -> SearchEntry:
    fields = {
        "id": "jam-clearing",
        "title": "Clearing a jam",
        "summary": "Stop, lock out, clear.",
        "level": "beginner",
        "duration": 83.4,
        "has_poster": True,
        "reviewed": False,
        "lines": lines,
    }
    fields.update(changes)
    return SearchEntry(**fields)  # type: ignore[arg-type]


def test_starts_are_gaps_in_tenths() -> None:
    assert encode_starts([Line(0.0, "a"), Line(5.1, "b"), Line(9.14, "c"), Line(83.0, "d")]) == [0, 51, 40, 739]


def test_a_row_holds_every_line_once() -> None:
    row = json.loads(encode_entry(entry([Line(0.0, "Stop  the belt."), Line(4.5, "Lock it out.")], reviewed=True)))
    assert row == [
        "jam-clearing",
        "Clearing a jam",
        "Stop, lock out, clear.",
        "beginner",
        83,
        3,
        [0, 45],
        "Stop the belt.\nLock it out.",
    ]


def test_no_text_can_close_the_script() -> None:
    script = shard_script([encode_entry(entry([Line(1.0, "say </script><script>alert(1)</script>")]))])
    assert "</script" not in script
    prefix = "(window.CAPTURE_INDEX_PARTS=window.CAPTURE_INDEX_PARTS||[]).push("
    assert script.startswith(prefix + '{"v":2,"r":[\n')
    payload = script[len(prefix) : -3].replace("<\\/", "</")
    assert json.loads(payload)["r"][0][7] == "say </script><script>alert(1)</script>"


def test_the_index_lists_its_shards() -> None:
    script = index_script(["search/000-abc.js", "search/001-def.js"], 300)
    assert script == 'window.CAPTURE_INDEX={"v":2,"n":300,"shards":["search/000-abc.js","search/001-def.js"]};\n'


def test_shards_grow_by_doubling_and_rows_stay_put() -> None:
    assert [shard_count(n) for n in (0, 1, 256, 257, 1000, 10_000)] == [1, 1, 1, 2, 4, 64]
    ids = [f"clip-{i:05d}" for i in range(10_000)]
    sizes = [0] * 64
    for rid in ids:
        sizes[shard_of(rid, 64)] += 1
    assert max(sizes) < 1.3 * 10_000 / 64  # evenly spread
    assert all(shard_of(rid, 64) % 32 == shard_of(rid, 32) for rid in ids)  # doubling splits a shard in two


def english_lines() -> list[str]:
    """Real English prose (Python's own reference text) cut into speech-sized lines."""
    from pydoc_data.topics import topics

    words = " ".join(topics.values()).split()
    return [" ".join(words[i : i + 11]) for i in range(0, len(words) - 11, 11)]


def test_a_thousand_two_minute_clips_fit_in_a_megabyte_gzipped() -> None:
    rng = random.Random(3)
    prose = english_lines()
    rows = []
    for index in range(1000):
        start = rng.randrange(len(prose) - 24)
        # 24 lines of 11 words: about 2 minutes of speech at 130 words a minute.
        lines = [Line(round(n * 5.0, 1), prose[start + n]) for n in range(24)]
        rows.append(
            encode_entry(entry(lines, id=f"clip-{index:04d}", title=sentence(rng, 5), summary=sentence(rng, 16)))
        )
    data = "".join(shard_script(rows[i::4]) for i in range(4)).encode("utf-8")
    assert len(data) > 1_500_000  # the text itself is bigger than the budget...
    assert len(gzip.compress(data, 9)) < 1_000_000  # ...and the index compresses under it


# Words and the stems both copies of the stemmer must give (static/search.js has the twin).
STEMS = {
    "codes": "code",
    "code": "code",
    "faults": "fault",
    "batteries": "batter",
    "watches": "watch",
    "boxes": "box",
    "glasses": "glass",
    "running": "run",
    "walking": "walk",
    "closing": "clos",
    "stopped": "stop",
    "stuffed": "stuff",
    "dropping": "drop",
    "called": "call",
    "filled": "fill",
    "missed": "miss",
    "bus": "bus",
    "uses": "use",
    "status": "status",
    "analysis": "analysis",
    "is": "is",
    "red": "red",
    "sing": "sing",
    "": "",
}


def test_stems_only_cut_an_ending() -> None:
    assert {word: stem(word) for word in STEMS} == STEMS
    assert all(word.startswith(stem(word)) for word in STEMS)


def test_roles_and_kind_sit_beside_the_rows() -> None:
    lines = [Line(0.0, "Stop the belt.")]
    both = entry(lines, roles=("line-operator", "shift-lead"), kind="skill")
    assert encode_facets(both) == '[["line-operator","shift-lead"],"skill"]'
    assert encode_facets(entry(lines)) == '[[],""]'
    assert len(json.loads(encode_entry(both))) == 8  # the row itself is unchanged
    script = shard_script(
        [encode_entry(both), encode_entry(entry(lines))], [encode_facets(both), encode_facets(entry(lines))]
    )
    payload = json.loads(script[script.index("(") + 1 :].split(".push(", 1)[1][:-3])
    assert payload["f"] == [[["line-operator", "shift-lead"], "skill"], [[], ""]]
    assert len(payload["r"]) == 2
