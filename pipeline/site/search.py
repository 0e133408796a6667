"""The search index: words folded and stemmed as the browser does, one row file per resource.

Browsers refuse ``fetch`` of a JSON file from ``file://``, so every part of the index is a
script that assigns into a global. The index is split by term (see :mod:`pipeline.site.terms`
for the postings, the buckets and the listing); this module holds what both halves share:
how text is cut into words (:func:`fold`, :func:`words`, :func:`stem`, kept rule for rule
equal to ``static/search.js`` by a test) and the *row* of one resource, which the browser
loads only for the hits it shows, to print the title, the matching lines and their times.

A row is compact by design, one array per resource and no repeated keys:

    [id, title, summary, level, duration, flags, starts, text]            (+ chapters)

``flags`` is a bit set (1: has a poster, 2: transcript reviewed by the expert);
``starts`` are the transcript lines' start times in tenths of a second, each stored
as the gap from the line before (small numbers compress well); ``text`` is the
lines joined with ``\\n``. Where a line opens a chapter, a ninth item lists
``[line, chapter name]`` pairs, so a hit can say which chapter its line is in.

Words are matched by their stem (:func:`stem`): the browser cuts each query word with the
same rules and finds every indexed stem that starts with what is left, so "fault codes" finds
"fault code" and "closing" finds "closed". The rules only ever cut a word's ending, never add
to it, so a stem is a prefix of its word.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.speech.transcript import Line

INDEX_VERSION = 3
HAS_POSTER = 1
REVIEWED = 2
MIN_WORD = 2  # shorter words are neither indexed nor searched for ("a", "I", a lone digit)


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
_MARKS = re.compile("[\u0300-\u036f]+")
_NOT_WORD = re.compile(r"[\W_]+")  # Python's \w is letters and numbers (and _): the browser's [\p{L}\p{N}]
_NOT_LINE_WORD = re.compile(r"[^\w\n]+|_+")


def fold(text: str) -> str:
    """Text as the search compares it: lower case, accents dropped, anything but letters and digits a space.

    The twin of ``fold`` in ``static/search.js``: lower case, NFD, combining marks dropped,
    every run of characters that are not letters or numbers one space.
    """
    return _NOT_WORD.sub(" ", _MARKS.sub("", unicodedata.normalize("NFD", text.lower()))).strip()


def fold_lines(text: str) -> list[str]:
    """Each line of ``text`` (split at ``"\\n"`` only) folded as :func:`fold` folds it, in one pass for them all."""
    lowered = text.lower()
    if not lowered.isascii():  # ASCII has nothing to decompose (most transcripts: a third of the time)
        lowered = _MARKS.sub("", unicodedata.normalize("NFD", lowered))
    return _NOT_LINE_WORD.sub(" ", lowered).split("\n")


def words(text: str) -> list[str]:
    """The folded words of ``text`` that the index holds (at least ``MIN_WORD`` characters)."""
    return [word for word in fold(text).split(" ") if len(word) >= MIN_WORD]


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


def chapters(lines: Sequence[Line]) -> list[tuple[int, str]]:
    """``(line, name)`` for each line that opens a chapter (a ``chapter`` attribute, where lines have one)."""
    found = []
    for index, line in enumerate(lines):
        name = getattr(line, "chapter", "")
        if name:
            found.append((index, " ".join(str(name).split())))
    return found


def encode_entry(entry: SearchEntry) -> str:
    """One resource's row of the index, as JSON text."""
    flags = (HAS_POSTER if entry.has_poster else 0) | (REVIEWED if entry.reviewed else 0)
    text = "\n".join(" ".join(line.text.split()) for line in entry.lines)
    row: list[object] = [
        entry.id,
        entry.title,
        entry.summary,
        entry.level,
        round(entry.duration),
        flags,
        encode_starts(entry.lines),
        text,
    ]
    opened = chapters(entry.lines)
    if opened:
        row.append([list(pair) for pair in opened])
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def script_text(text: str) -> str:
    """``text`` made safe inside a script element: no text can end the element that loads it."""
    return text.replace("</", "<\\/")


def row_script(number: int, entry: SearchEntry) -> str:
    """The file of one resource's row, ``search/r/<number>.js``."""
    return script_text(
        f"(window.CAPTURE_INDEX_ROWS=window.CAPTURE_INDEX_ROWS||{{}})[{number}]={encode_entry(entry)};\n"
    )


def index_script(terms: str, resources: int) -> str:
    """The ``search-index.js`` file the home page loads: the number of resources and where the listing is."""
    listing = json.dumps({"v": INDEX_VERSION, "n": resources, "terms": terms}, separators=(",", ":"))
    return script_text(f"window.CAPTURE_INDEX={listing};\n")
