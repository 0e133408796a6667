"""The search index: titles, summaries and every transcript line, shipped as a script.

Browsers refuse ``fetch`` of a JSON file from ``file://``, so the index is a script
that sets ``window.CAPTURE_INDEX``; the home page loads it with a ``<script>`` tag.
It is compact by design, one array per resource and no repeated keys:

    [id, title, summary, level, duration, flags, starts, text]

``flags`` is a bit set (1: has a poster, 2: transcript reviewed by the expert);
``starts`` are the transcript lines' start times in tenths of a second, each stored
as the gap from the line before (small numbers compress well); ``text`` is the
lines joined with ``\\n``. Nothing is stored twice, so the payload is about the
size of the transcripts themselves and gzip takes it to roughly a third.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .transcript import Line

INDEX_VERSION = 1
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


def encode_starts(lines: Iterable[Line]) -> list[int]:
    """Start times as gaps in tenths of a second from the line before."""
    gaps: list[int] = []
    previous = 0
    for line in lines:
        tenths = int(round(line.start * 10))
        gaps.append(max(tenths - previous, 0))
        previous = max(tenths, previous)
    return gaps


def encode_entry(entry: SearchEntry) -> str:
    """One resource's row of the index, as JSON text (cached per resource by the build)."""
    flags = (HAS_POSTER if entry.has_poster else 0) | (REVIEWED if entry.reviewed else 0)
    text = "\n".join(" ".join(line.text.split()) for line in entry.lines)
    row = [entry.id, entry.title, entry.summary, entry.level, round(entry.duration), flags,
           encode_starts(entry.lines), text]
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def index_script(rows: Iterable[str]) -> str:
    """The ``search-index.js`` file from encoded rows. ``</`` is escaped so no text ends a script."""
    body = ",\n".join(rows)
    return (f'window.CAPTURE_INDEX={{"v":{INDEX_VERSION},"r":[\n{body}\n]}};\n').replace("</", "<\\/")
