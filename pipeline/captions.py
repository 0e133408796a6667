"""Captions (WebVTT, SRT) generated from the transcript, following common subtitle practice.

At most 42 characters a line and 2 lines a cue; a cue stays between ``MIN_CUE`` and
``MAX_CUE`` seconds on screen and, where timing allows, is read at no more than
``MAX_CPS`` characters a second.
"""

from __future__ import annotations

from dataclasses import dataclass

from .transcript import Transcript

MAX_LINE = 42
MAX_LINES = 2
MIN_CUE = 1.0
MAX_CUE = 7.0
MAX_CPS = 20.0


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def wrap_text(text: str, width: int = MAX_LINE) -> list[str]:
    """Greedy word wrap; a single word longer than ``width`` is split."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def balance_two(text: str, width: int = MAX_LINE) -> tuple[str, ...]:
    """Break ``text`` (at most two lines' worth) into one line or two lines of similar length."""
    if len(text) <= width:
        return (text,)
    words = text.split()
    best: tuple[int, tuple[str, ...]] | None = None
    for cut in range(1, len(words)):
        top, bottom = " ".join(words[:cut]), " ".join(words[cut:])
        if len(top) <= width and len(bottom) <= width:
            score = abs(len(top) - len(bottom))
            if best is None or score < best[0]:
                best = (score, (top, bottom))
    return best[1] if best else tuple(wrap_text(text, width)[:MAX_LINES])


def split_chunks(text: str, width: int = MAX_LINE, lines: int = MAX_LINES) -> list[str]:
    """Split a transcript line into pieces that each fit one cue."""
    wrapped = wrap_text(text, width)
    chunks: list[str] = []
    for index in range(0, len(wrapped), lines):
        chunks.append(" ".join(wrapped[index:index + lines]))
    return chunks


def make_cues(transcript: Transcript, duration: float) -> list[Cue]:
    """Cues for every transcript line; a line's time runs to the next line's start."""
    cues: list[Cue] = []
    lines = transcript.lines
    for index, line in enumerate(lines):
        next_start = lines[index + 1].start if index + 1 < len(lines) else max(duration, line.start + MIN_CUE)
        chunks = split_chunks(line.text)
        total_chars = sum(len(c) for c in chunks) or 1
        span = max(next_start - line.start, 0.0)
        # Text read at MAX_CPS needs this long; longer gaps are silence, not caption time.
        needed = max(total_chars / MAX_CPS, MIN_CUE * len(chunks))
        span = min(span, max(needed * 1.5, MIN_CUE), MAX_CUE * len(chunks)) if span > 0 else needed
        moment = line.start
        for chunk in chunks:
            share = span * len(chunk) / total_chars
            end = moment + min(max(share, MIN_CUE), MAX_CUE)
            end = min(end, next_start) if next_start > moment + 0.3 else end
            cues.append(Cue(round(moment, 3), round(end, 3), balance_two(chunk)))
            moment = end
    return cues


def _stamp(seconds: float, separator: str) -> str:
    millis = int(round(max(seconds, 0.0) * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _clean(line: str) -> str:
    # "-->" inside cue text would end the timing line; angle brackets start tags.
    return line.replace("-->", "->").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def format_vtt(cues: list[Cue]) -> str:
    blocks = ["WEBVTT\n"]
    for cue in cues:
        blocks.append(f"{_stamp(cue.start, '.')} --> {_stamp(cue.end, '.')}\n" + "\n".join(_clean(l) for l in cue.lines) + "\n")
    return "\n".join(blocks)


def format_srt(cues: list[Cue]) -> str:
    blocks = []
    for number, cue in enumerate(cues, start=1):
        blocks.append(f"{number}\n{_stamp(cue.start, ',')} --> {_stamp(cue.end, ',')}\n" + "\n".join(cue.lines) + "\n")
    return "\n".join(blocks)
