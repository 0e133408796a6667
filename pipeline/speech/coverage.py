"""Which stretches of speech the transcript has no text for.

Voice activity detection (Silero, through faster-whisper) marks where someone speaks;
the transcript's lines say where text was heard. A stretch of speech of a second or
more that no line covers is speech the decoder lost: batched decoding can stop after a
pause and leave a region's last sentence out. Those stretches are decoded again one by
one, and what still has no text is reported, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Speech shorter than this is a cough or a breath as often as a word.
MIN_UNHEARD = 1.0
# The VAD pads each stretch by 0.4 s; text whose timings end this close counts as covering it.
EDGE = 0.1


@dataclass(frozen=True)
class Stretch:
    """A span of the clip, in seconds."""

    start: float
    end: float

    @property
    def length(self) -> float:
        return self.end - self.start


def _merged(spans: Iterable[Stretch]) -> list[Stretch]:
    merged: list[Stretch] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and span.start <= merged[-1].end + EDGE:
            merged[-1] = Stretch(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def _uncovered(stretch: Stretch, covered: Sequence[Stretch]) -> list[Stretch]:
    """The parts of ``stretch`` outside every span of ``covered`` (sorted, not overlapping)."""
    parts: list[Stretch] = []
    cursor = stretch.start
    for span in covered:
        if span.end <= cursor or span.start >= stretch.end:
            continue
        if span.start > cursor:
            parts.append(Stretch(cursor, span.start))
        cursor = max(cursor, span.end)
    if cursor < stretch.end:
        parts.append(Stretch(cursor, stretch.end))
    return parts


def speech_without_text(
    speech: Iterable[Stretch], heard: Iterable[Stretch], *, least: float = MIN_UNHEARD
) -> list[Stretch]:
    """The stretches of ``speech`` (from VAD) that no span of ``heard`` (the lines' timings) covers,
    each ``least`` seconds or longer, in time order."""
    covered = _merged(heard)
    gaps = [part for stretch in speech for part in _uncovered(stretch, covered)]
    return [gap for gap in _merged(gaps) if gap.length >= least]


def clock(seconds: float) -> str:
    """``mm:ss`` (``h:mm:ss`` past an hour), as a person reads a time in a clip."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def span(gap: Stretch) -> str:
    """``00:08-00:14``; the end is rounded up so a short gap never reads 00:08-00:08."""
    return f"{clock(gap.start)}-{clock(gap.end + 0.999)}"


def describe(gap: Stretch) -> str:
    """``speech with no text at 00:08-00:14``."""
    return f"speech with no text at {span(gap)}"
