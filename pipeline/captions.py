"""Captions (WebVTT, SRT) generated from the transcript, following common subtitle practice.

At most 42 characters a line and 2 lines a cue; a cue stays between ``MIN_CUE`` and
``MAX_CUE`` seconds on screen and, where the gap before the next cue allows, is read at
no more than ``MAX_CPS`` characters a second.

Where a transcript line still says what whisper heard (case and punctuation aside), its
words carry whisper's own timings, so a cue changes when the speaker gets there. A line a
person edited has no such timings: its words are spread over the line's time by length.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from .transcribe import Word
from .transcript import Line, Transcript

MAX_LINE = 42
MAX_LINES = 2
MIN_CUE = 1.0
MAX_CUE = 7.0
MAX_CPS = 20.0
# Nobody speaks slower than this; an edited line's longer window is a pause after it.
SLOW_CPS = 10.0
# How far a line's recorded start may be from its first word's (times are kept to 0.1 s).
START_SLACK = 0.5


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Token:
    """One word of a transcript line with the time it is said (measured or estimated)."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class _Planned:
    start: float
    end: float
    text: str


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


def fits(text: str) -> bool:
    """Whether ``text`` fits one cue: at most two lines of at most 42 characters."""
    return len(wrap_text(text)) <= MAX_LINES


def balance_two(text: str, width: int = MAX_LINE) -> tuple[str, ...]:
    """One line, or two of similar length, preferring a break after punctuation."""
    if len(text) <= width:
        return (text,)
    words = text.split()
    best: tuple[float, tuple[str, ...]] | None = None
    for cut in range(1, len(words)):
        top, bottom = " ".join(words[:cut]), " ".join(words[cut:])
        if len(top) <= width and len(bottom) <= width:
            score = abs(len(top) - len(bottom)) - (12 if top.endswith((",", ".", "?", "!", ";", ":")) else 0)
            if best is None or score < best[0]:
                best = (score, (top, bottom))
    return best[1] if best else tuple(wrap_text(text, width))


def _norm(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def timed_tokens(line: Line, words: Sequence[Word]) -> list[Token] | None:
    """The line's words with whisper's timings, if the line still says what whisper heard; else None."""
    target = _norm(line.text)
    if not target or not words:
        return None
    for first in range(len(words)):
        if words[first].start < line.start - START_SLACK:
            continue
        if words[first].start > line.start + START_SLACK:
            break
        run: list[Word] = []
        heard = ""
        for word in words[first:]:
            run.append(word)
            heard += _norm(word.text)
            if len(heard) >= len(target):
                break
        if heard == target:
            return _align(line.text.split(), run)
    return None


def _align(tokens: list[str], run: list[Word]) -> list[Token]:
    """Give each token the time of the whisper words its letters came from."""
    spans: list[tuple[int, int, Word]] = []
    offset = 0
    for word in run:
        size = len(_norm(word.text))
        spans.append((offset, offset + size, word))
        offset += size
    result: list[Token] = []
    offset = 0
    previous_end = run[0].start
    for token in tokens:
        size = len(_norm(token))
        covering = [w for lo, hi, w in spans if lo < offset + size and hi > offset] if size else []
        if covering:
            start, end = covering[0].start, max(w.end for w in covering)
        else:  # punctuation on its own: said with the word before it
            start = end = previous_end
        result.append(Token(start, max(start, end), token))
        previous_end = max(start, end)
        offset += size
    return result


def estimated_tokens(line: Line, window_end: float) -> list[Token]:
    """The line's words spread over the time it is likely said, in proportion to their length."""
    tokens = line.text.split()
    chars = sum(len(t) + 1 for t in tokens)
    spoken = min(max(window_end - line.start, 0.0), max(chars / SLOW_CPS, MIN_CUE))
    result: list[Token] = []
    offset = 0
    for token in tokens:
        start = line.start + spoken * offset / chars
        offset += len(token) + 1
        result.append(Token(start, line.start + spoken * offset / chars, token))
    return result


def _split_long(tokens: list[Token]) -> list[Token]:
    """A word longer than a caption line (a URL, say) becomes pieces that each fit one."""
    result: list[Token] = []
    for token in tokens:
        if len(token.text) <= MAX_LINE:
            result.append(token)
            continue
        pieces = [token.text[i:i + MAX_LINE] for i in range(0, len(token.text), MAX_LINE)]
        step = (token.end - token.start) / len(pieces)
        result += [Token(token.start + step * i, token.start + step * (i + 1), p) for i, p in enumerate(pieces)]
    return result


# Breaking a cue right after one of these words separates it from the word it belongs to.
WEAK_WORDS = frozenset("a an the to of and or but in on at with for from by your my our their this that".split())


def _break_bonus(before: Token, after: Token) -> float:
    """How good a place for a cue break is between two words: sentence ends, clauses, pauses."""
    bonus = 0.0
    text = before.text.rstrip("\"')”’")
    if text.endswith((".", "?", "!")):
        bonus += 6.0
    elif text.endswith((",", ";", ":", "—", "–")):
        bonus += 3.0
    bonus += min(6.0, max(0.0, after.start - before.end - 0.15) * 8.0)
    if before.text.lower() in WEAK_WORDS:
        bonus -= 4.0
    return bonus


def chunk_line(tokens: list[Token]) -> list[list[Token]]:
    """Split a line's words into cues: each fits two lines and seven seconds; breaks go where they read best.

    A small dynamic programme: every cue costs the same, a stub of a cue costs more, and a break
    at a sentence end, a clause or a pause earns a bonus (one after "the" or "a" pays a fine).
    """
    tokens = _split_long(tokens)
    count = len(tokens)
    prefix = [0]  # prefix[i]: characters of the first i words, each with one space after it
    for token in tokens:
        prefix.append(prefix[-1] + len(token.text) + 1)
    best = [0.0] + [math.inf] * count
    back = [0] * (count + 1)
    for end in range(1, count + 1):
        bonus = _break_bonus(tokens[end - 1], tokens[end]) if end < count else 0.0  # the same for every begin
        length = -1
        for begin in range(end - 1, -1, -1):
            length += len(tokens[begin].text) + 1
            if end - begin > 1 and (length > MAX_LINE * MAX_LINES
                                    or tokens[end - 1].end - tokens[begin].start > MAX_CUE):
                break
            # One line always fits; a longer span is wrapped greedily (as wrap_text does) by prefix
            # sums: the first line ends at the last word that keeps it within MAX_LINE.
            if length > MAX_LINE and end - begin > 1:
                first_end = min(bisect.bisect_right(prefix, prefix[begin] + MAX_LINE + 1) - 1, end)
                if prefix[end] - prefix[first_end] - 1 > MAX_LINE:
                    continue
            cost = 10.0 + (max(0, 24 - length) * 0.4 if (begin, end) != (0, count) else 0.0)
            cost -= bonus
            if best[begin] + cost < best[end]:
                best[end], back[end] = best[begin] + cost, begin
    groups: list[list[Token]] = []
    end = count
    while end > 0:
        groups.append(tokens[back[end]:end])
        end = back[end]
    return groups[::-1]


def plan_line(line: Line, window_end: float, words: Sequence[Word]) -> list[_Planned]:
    tokens = timed_tokens(line, words) or estimated_tokens(line, window_end)
    planned: list[_Planned] = []
    for group in chunk_line(tokens):
        start = max(group[0].start, line.start, planned[-1].start if planned else line.start)
        end = min(max(group[-1].end, start), max(window_end, start))
        planned.append(_Planned(start, end, " ".join(t.text for t in group)))
    return planned


def make_cues(transcript: Transcript, duration: float, words: Sequence[Word] = ()) -> list[Cue]:
    """Cues for every transcript line; ``words`` (whisper's timings) place breaks where lines are unedited."""
    lines = [line for line in transcript.lines if line.text.strip()]
    planned: list[_Planned] = []
    for index, line in enumerate(lines):
        if index + 1 < len(lines):
            window_end = lines[index + 1].start
        elif duration > line.start:
            window_end = duration
        else:  # no known end: allow the time the words need
            window_end = line.start + max(len(line.text) / SLOW_CPS, MIN_CUE)
        planned += plan_line(line, window_end, words)
    return _place(planned, duration)


def _place(planned: list[_Planned], duration: float) -> list[Cue]:
    """Final timings: long enough to read, never overlapping, never longer than MAX_CUE."""
    cues: list[Cue] = []
    cursor = 0.0
    for index, item in enumerate(planned):
        start = max(item.start, cursor)
        if index + 1 < len(planned):
            room = planned[index + 1].start
        else:
            room = duration if duration > start else math.inf
        reading = start + len(item.text) / MAX_CPS
        end = max(item.end, min(reading, room))  # stay up for reading where the gap allows
        end = min(max(end, start + MIN_CUE), start + MAX_CUE)
        start, end = round(start, 3), round(end, 3)
        end = max(end, round(start + MIN_CUE, 3))
        cues.append(Cue(start, end, balance_two(item.text)))
        cursor = end
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
        lines = "\n".join(line.replace("-->", "->") for line in cue.lines)
        blocks.append(f"{number}\n{_stamp(cue.start, ',')} --> {_stamp(cue.end, ',')}\n{lines}\n")
    return "\n".join(blocks)
