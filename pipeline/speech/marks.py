"""What the review page marks for the expert: unsure words, speech with no text, a readable date."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.speech.coverage import Stretch, describe, span
from pipeline.speech.transcribe import Word, unsure_words
from pipeline.speech.transcript import Line


@dataclass(frozen=True)
class LineMarks:
    """The words of one line whisper was unsure of, as they still stand in the line's text."""

    unsure: tuple[str, ...]


def _key(text: str) -> str:
    return re.sub(r"[^\w']+", "", text.lower())


def unsure_by_line(lines: Sequence[Line], words: Sequence[Word]) -> list[LineMarks]:
    """For each line, the unsure words timed inside it that its text still says.

    A line runs from its start to the next line's start. A word the expert has since
    corrected is no longer in the text, so it is no longer marked.
    """
    doubtful = unsure_words(words)
    marks: list[LineMarks] = []
    for index, line in enumerate(lines):
        end = lines[index + 1].start if index + 1 < len(lines) else float("inf")
        said = {_key(token) for token in line.text.split()}
        found = tuple(w.text.strip() for w in doubtful if line.start - 0.05 <= w.start < end and _key(w.text) in said)
        marks.append(LineMarks(found))
    return marks


def gaps_json(gaps: Sequence[Stretch]) -> list[dict[str, object]]:
    """The stretches of speech with no text as the page shows them."""
    return [{"start": g.start, "end": g.end, "span": span(g), "label": describe(g)} for g in gaps]


def readable_date(stamp: str) -> str:
    """``2026-12-01T18:44+00:00`` as people read it: ``1 December 2026 at 18:44 UTC``; unchanged if not a date."""
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    text = f"{when.day} {when:%B %Y} at {when:%H:%M}"
    offset = when.utcoffset()
    if offset is None:
        return text
    if not offset:
        return f"{text} UTC"
    zone = f"{when:%z}"  # +0100
    return f"{text} (UTC{zone[:3]}:{zone[3:5]})"
