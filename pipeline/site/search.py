"""The search index: titles, summaries and every transcript line, shipped as scripts.

Browsers refuse ``fetch`` of a JSON file from ``file://``, so the index is made of
scripts. The home page loads a small one, ``search-index.js``, which sets
``window.CAPTURE_INDEX`` to the list of *shards*; ``static/search.js`` adds a
``<script>`` tag for each shard the first time someone reaches for the search box,
so a visit that does not search downloads none of it. Each shard holds the rows of
the resources whose id hashes to it (``shard_of``) and pushes them onto
``window.CAPTURE_INDEX_PARTS``; its file name carries its key, so no cache serves an
old shard, and one changed resource rewrites one shard, not the whole index.

A row is compact by design, one array per resource and no repeated keys:

    [id, title, summary, level, duration, flags, starts, text]

What the search page's filters need sits beside the rows, one *facet* a row in the same order
(``"f"`` in the shard): ``[roles, kind]``, so a shard without it (an older build) still searches.

``flags`` is a bit set (1: has a poster, 2: transcript reviewed by the expert);
``starts`` are the transcript lines' start times in tenths of a second, each stored
as the gap from the line before (small numbers compress well); ``text`` is the
lines joined with ``\\n``. Nothing is stored twice, so the payload is about the
size of the transcripts themselves and gzip takes it to roughly a third.

Words are matched by their stem (:func:`stem`): the browser cuts each query word with the
same rules (``stem`` in ``static/search.js``, kept equal by a test) and finds every word that
starts with what is left, so "fault codes" finds "fault code" and "closing" finds "closed".
The rules only ever cut a word's ending, never add to it, so a stem is a prefix of its word.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.speech.transcript import Line

INDEX_VERSION = 2
SHARD_ROWS = 256  # about this many resources a shard (about 0.5 MB of text for two-minute clips)
HAS_POSTER = 1
REVIEWED = 2


@dataclass(frozen=True)
class SearchEntry:
    id: str
    title: str
    summary: str
    level: str
    duration: float
    has_poster: bool
    reviewed: bool
    lines: Sequence[Line]
    roles: Sequence[str] = ()
    kind: str = ""


MIN_STEM = 3  # a stem is never shorter: "uses" gives "use", "bus" and "red" stay as they are
_DOUBLED = frozenset("bdgmnprt")  # "stopped", "running"; never "called" or "stuffed"


def stem(word: str) -> str:
    """A folded word's stem for matching: plural and -ing/-ed endings cut (a light English stemmer).

    Written by hand because it must be the same, rule for rule, as the browser's copy in
    ``static/search.js``; a library stemmer (Snowball, Porter) has no twin in the page.
    """
    cut = word
    if word.endswith("ies") and len(word) - 3 >= MIN_STEM:
        cut = word[:-3]
    elif word.endswith(("sses", "shes", "ches", "xes", "zes")) and len(word) - 2 >= MIN_STEM:
        cut = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) - 1 >= MIN_STEM:
        cut = word[:-1]
    elif word.endswith("ing") and len(word) - 3 >= MIN_STEM:
        cut = _undouble(word[:-3])
    elif word.endswith("ed") and len(word) - 2 >= MIN_STEM:
        cut = _undouble(word[:-2])
    return cut


def _undouble(cut: str) -> str:
    """A doubled last consonant made single: "runn" (from "running") to "run"; "fall" and "miss" keep theirs."""
    if len(cut) > MIN_STEM and cut[-1] == cut[-2] and cut[-1] in _DOUBLED:
        return cut[:-1]
    return cut


def encode_starts(lines: Iterable[Line]) -> list[int]:
    """Start times as gaps in tenths of a second from the line before."""
    gaps: list[int] = []
    previous = 0
    for line in lines:
        tenths = round(line.start * 10)
        gaps.append(max(tenths - previous, 0))
        previous = max(tenths, previous)
    return gaps


def encode_entry(entry: SearchEntry) -> str:
    """One resource's row of the index, as JSON text (cached per resource by the build)."""
    flags = (HAS_POSTER if entry.has_poster else 0) | (REVIEWED if entry.reviewed else 0)
    text = "\n".join(" ".join(line.text.split()) for line in entry.lines)
    row = [
        entry.id,
        entry.title,
        entry.summary,
        entry.level,
        round(entry.duration),
        flags,
        encode_starts(entry.lines),
        text,
    ]
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def encode_facets(entry: SearchEntry) -> str:
    """What the filters need of one resource, ``[roles, kind]``, as JSON text."""
    return json.dumps([list(entry.roles), entry.kind], ensure_ascii=False, separators=(",", ":"))


def shard_count(resources: int) -> int:
    """How many shards for ``resources`` rows: a power of two, so the count changes rarely as a library grows."""
    count = 1
    while count * SHARD_ROWS < resources:
        count *= 2
    return count


def shard_of(resource_id: str, count: int) -> int:
    """The shard a resource's row lives in: a hash of its id, so rows stay put as others come and go."""
    return zlib.crc32(resource_id.encode("utf-8")) % count


def _script(text: str) -> str:
    return text.replace("</", "<\\/")  # no text can end the script element that loads it


def shard_script(rows: Iterable[str], facets: Iterable[str] | None = None) -> str:
    """One shard's file from encoded rows and, where given, their facets (one each, in order)."""
    body = ",\n".join(rows)
    extra = "" if facets is None else ',"f":[' + ",".join(facets) + "]"
    return _script(
        f'(window.CAPTURE_INDEX_PARTS=window.CAPTURE_INDEX_PARTS||[]).push({{"v":{INDEX_VERSION},"r":[\n{body}\n]{extra}}});\n'
    )


def index_script(shards: Sequence[str], resources: int) -> str:
    """The ``search-index.js`` file: the shards' paths (relative to the site) and the number of resources."""
    listing = json.dumps({"v": INDEX_VERSION, "n": resources, "shards": list(shards)}, separators=(",", ":"))
    return _script(f"window.CAPTURE_INDEX={listing};\n")
