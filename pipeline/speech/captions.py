"""Captions (WebVTT, SRT) generated from the transcript, following common subtitle practice.

At most 42 characters a line and 2 lines a cue; a cue stays between ``MIN_CUE`` and
``MAX_CUE`` seconds on screen and, where the gap before the next cue allows, is read at
no more than ``MAX_CPS`` characters a second.

Where a transcript line still says what whisper heard (case and punctuation aside), its
words carry whisper's own timings, so a cue changes when the speaker gets there. A line a
person edited has no such timings: its words are spread over the line's time by length.

A site build plans the cues of every page, so planning is written for speed: inside this
module a line's words are parallel lists (texts, starts, ends), a planned cue is a
``(start, end, text)`` tuple, and only ``Cue`` (and ``Token``, for ``timed_tokens``) is a
dataclass. The arithmetic on times keeps its order, so the cues stay the same to the bit.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from pipeline.speech.transcribe import Word
from pipeline.speech.transcript import Line, Transcript

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
    """One word of a transcript line with the time whisper heard it said."""

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


def balance_two(text: str, width: int = MAX_LINE) -> tuple[str, ...]:
    """One line, or two of similar length, preferring a break after punctuation."""
    if len(text) <= width:
        return (text,)
    return _cut_in_two(" ".join(text.split()), width)


def _cut_in_two(spaced: str, width: int) -> tuple[str, ...]:
    """``balance_two``'s two lines for words one space apart (as every planned cue's are).

    A cut at the space ``at`` leaves ``at`` characters above it and ``len(spaced) - at - 1``
    below, so only the spaces that leave both within ``width`` are tried, and nothing is joined.
    """
    best_score: int | None = None
    best_at = 0
    at = spaced.find(" ", max(len(spaced) - width - 1, 0))
    while 0 <= at <= width:
        score = abs(at - (len(spaced) - at - 1)) - (12 if spaced[at - 1] in ",.?!;:" else 0)
        if best_score is None or score < best_score:
            best_score, best_at = score, at
        at = spaced.find(" ", at + 1)
    if best_score is None:
        return tuple(wrap_text(spaced, width))
    return (spaced[:best_at], spaced[best_at + 1 :])


def _norm(text: str) -> str:
    return "".join(filter(str.isalnum, text.lower()))


def timed_tokens(line: Line, words: Sequence[Word]) -> list[Token] | None:
    """The line's words with whisper's timings, if the line still says what whisper heard; else None."""
    texts = line.text.split()
    times = _heard_times(line, texts, words, heard=[_norm(word.text) for word in words]) if words else None
    if times is None:
        return None
    starts, ends = times
    return [Token(start, end, text) for start, end, text in zip(starts, ends, texts, strict=False)]


def _heard_times(
    line: Line, texts: list[str], words: Sequence[Word], *, heard: Sequence[str]
) -> tuple[list[float], list[float]] | None:
    """When each of the line's words is said, from whisper's words (``heard``: each one normalised).

    None unless whisper's words from one starting near the line's start spell the line's
    letters exactly (case and punctuation aside).
    """
    target = _norm(line.text)
    if not target:
        return None
    earliest, latest = line.start - START_SLACK, line.start + START_SLACK
    for first, word in enumerate(words):
        if word.start < earliest:
            continue
        if word.start > latest:
            break
        # Read on while each word's letters are the next ones of the line; stop once all are read.
        size = 0
        for last in range(first, len(words)):
            if not target.startswith(heard[last], size):
                break
            size += len(heard[last])
            if size >= len(target):
                return _align(texts, words[first : last + 1], heard[first : last + 1])
    return None


def _align(texts: list[str], run: Sequence[Word], heard: Sequence[str]) -> tuple[list[float], list[float]]:
    """Give each word the time of the whisper words its letters came from."""
    spans: list[tuple[int, int, Word]] = []
    offset = 0
    for word, letters in zip(run, heard, strict=False):
        spans.append((offset, offset + len(letters), word))
        offset += len(letters)
    starts: list[float] = []
    ends: list[float] = []
    offset = 0
    previous_end = run[0].start
    for text in texts:
        size = len(_norm(text))
        covering = [w for lo, hi, w in spans if lo < offset + size and hi > offset] if size else []
        if covering:
            start, end = covering[0].start, max(w.end for w in covering)
        else:  # punctuation on its own: said with the word before it
            start = end = previous_end
        starts.append(start)
        ends.append(max(start, end))
        previous_end = max(start, end)
        offset += size
    return starts, ends


def _prefix(texts: list[str]) -> list[int]:
    """``prefix[i]``: the characters of the first ``i`` words, each with one space after it."""
    return list(accumulate([len(text) + 1 for text in texts], initial=0))


def _estimated_times(line: Line, prefix: list[int], window_end: float) -> tuple[list[float], list[float]]:
    """The line's words (``prefix`` of their lengths) spread over the time it is likely said, by length.

    Each word ends when the next one starts: estimated words have no pauses between them.
    """
    start, chars = line.start, prefix[-1]
    spoken = min(max(window_end - start, 0.0), max(chars / SLOW_CPS, MIN_CUE))
    bounds = [start + spoken * offset / chars for offset in prefix]
    return bounds[:-1], bounds[1:]


def _split_long(texts: list[str], starts: list[float], ends: list[float]) -> tuple[list[str], list[float], list[float]]:
    """A word longer than a caption line (a URL, say) becomes pieces that each fit one."""
    split_texts: list[str] = []
    split_starts: list[float] = []
    split_ends: list[float] = []
    for text, start, end in zip(texts, starts, ends, strict=False):
        if len(text) <= MAX_LINE:
            split_texts.append(text)
            split_starts.append(start)
            split_ends.append(end)
            continue
        pieces = [text[i : i + MAX_LINE] for i in range(0, len(text), MAX_LINE)]
        step = (end - start) / len(pieces)
        split_texts += pieces
        split_starts += [start + step * i for i in range(len(pieces))]
        split_ends += [start + step * (i + 1) for i in range(len(pieces))]
    return split_texts, split_starts, split_ends


# Breaking a cue right after one of these words separates it from the word it belongs to.
WEAK_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "and",
        "or",
        "but",
        "in",
        "on",
        "at",
        "with",
        "for",
        "from",
        "by",
        "your",
        "my",
        "our",
        "their",
        "this",
        "that",
    ]
)
# What a break after a word ending in this mark (closing quotes aside) earns: a sentence end, a clause.
_MARK_BONUS = {".": 6.0, "?": 6.0, "!": 6.0, ",": 3.0, ";": 3.0, ":": 3.0, "—": 3.0, "–": 3.0}


def _break_bonuses(texts: list[str], starts: list[float], ends: list[float]) -> list[float]:
    """How good a place for a cue break is after each word: sentence ends, clauses, pauses (0 after the last)."""
    bonuses: list[float] = []
    for text, end, next_start in zip(texts, ends, starts[1:], strict=False):
        bonus = _MARK_BONUS.get(text.rstrip("\"')”’")[-1:], 0.0)
        pause = next_start - end - 0.15
        if pause > 0.0:  # a pause of more than 0.15 s earns up to 6
            bonus += min(6.0, pause * 8.0)
        if text.lower() in WEAK_WORDS:
            bonus -= 4.0
        bonuses.append(bonus)
    bonuses.append(0.0)
    return bonuses


# What a cue costs, by its length in characters: 10, and 0.4 more for each character short of 24.
_CUE_COST = tuple(10.0 + max(0, 24 - length) * 0.4 for length in range(MAX_LINE * MAX_LINES + 1))
# The whole line as one cue pays no fine for being short.
_LINE_COST = 10.0
# No break earning at most this pays for a second cue. A cue costs at least 10 less the bonus of
# the break after it, and the last earns none: k cues cost at least 10 + (k - 1) * 0.5, more
# than the 10 of the whole line as one cue (the margin keeps rounding out of the question).
_ONE_CUE_BONUS = 9.5


def chunk_line(texts: list[str], prefix: list[int], *, starts: list[float], ends: list[float]) -> list[int]:
    """Split a line's words into cues: each fits two lines and seven seconds; breaks go where they read best.

    Returns where each cue ends (a word index; the last is the number of words); ``prefix`` is
    ``_prefix(texts)``. A small dynamic programme: every cue costs the same, a stub of a cue
    costs more, and a break at a sentence end, a clause or a pause earns a bonus (one after
    "the" or "a" pays a fine). Most lines are one cue, and no break in them earns enough to
    pay for a second: that is settled before the programme runs.
    """
    count = len(texts)
    one_cue = _fits_one_cue(prefix, starts, ends)
    if one_cue and starts[1:] == ends[:-1]:
        # Words said back to back leave no pause: no break earns more than a sentence end's 6.
        return [count]
    bonuses = _break_bonuses(texts, starts, ends)
    if one_cue and max(bonuses) <= _ONE_CUE_BONUS:
        return [count]
    return _best_breaks(prefix, starts=starts, ends=ends, bonuses=bonuses)


def _second_lines(prefix: list[int]) -> list[int]:
    """Where the second line starts when the words from each one on are wrapped greedily (as wrap_text does).

    ``prefix`` as in ``chunk_line``: the first line takes every word that keeps it within MAX_LINE.
    """
    return [bisect.bisect_right(prefix, chars + MAX_LINE + 1) - 1 for chars in prefix[:-1]]


def _fits_one_cue(prefix: list[int], starts: list[float], ends: list[float]) -> bool:
    """Whether the whole line may be one cue: what the dynamic programme would find for that span."""
    count = len(starts)
    length = prefix[count] - 1
    if count == 1:
        return True
    if length > MAX_LINE * MAX_LINES:
        return False
    # The programme stops at a word said more than MAX_CUE before the last one ends: the
    # earliest is the one to check. (A NaN time is never too early there; with math.inf
    # first, min() passes over NaNs too.)
    if ends[-1] - min([math.inf, *starts[:-1]]) > MAX_CUE:
        return False
    if length <= MAX_LINE:
        return True
    second = bisect.bisect_right(prefix, MAX_LINE + 1) - 1
    return prefix[count] - prefix[second] - 1 <= MAX_LINE


def _best_breaks(prefix: list[int], *, starts: list[float], ends: list[float], bonuses: list[float]) -> list[int]:
    """The dynamic programme: ``bonuses[i]`` is what a break after word ``i`` earns (0 after the last)."""
    count = len(starts)
    most = MAX_LINE * MAX_LINES
    second = _second_lines(prefix)
    best = [0.0] + [math.inf] * count  # best[i]: the least cost of cues for the first i words
    back = [0] * (count + 1)  # back[i]: where the last of those cues begins
    for end in range(1, count + 1):
        bonus, last, chars = bonuses[end - 1], ends[end - 1], prefix[end] - 1
        whole_line = end == count
        # One word is always a cue of its own: the first candidate, and a finite cost beats none.
        begin = end - 1
        best_end = best[begin] + (
            (_LINE_COST if whole_line and begin == 0 else _CUE_COST[chars - prefix[begin]]) - bonus
        )
        back_end = begin
        for begin in range(end - 2, -1, -1):
            length = chars - prefix[begin]  # words begin..end-1 with spaces between
            if length > most or last - starts[begin] > MAX_CUE:
                break
            # Longer than a line: the greedy wrap must leave the rest within one more. (Its first
            # line cannot hold all the words, so the second starts before ``end``.)
            if length > MAX_LINE and chars - prefix[second[begin]] > MAX_LINE:
                continue
            total = best[begin] + ((_LINE_COST if whole_line and begin == 0 else _CUE_COST[length]) - bonus)
            if total < best_end:
                best_end, back_end = total, begin
        best[end], back[end] = best_end, back_end
    breaks: list[int] = []
    end = count
    while end > 0:
        breaks.append(end)
        end = back[end]
    return breaks[::-1]


def _plan_line(
    line: Line, window_end: float, *, words: Sequence[Word], heard: Sequence[str]
) -> list[tuple[float, float, str]]:
    """The line's cues as (start, end, text), before ``_place`` settles their final timings."""
    texts = line.text.split()
    if not texts:
        return []
    prefix = _prefix(texts)
    times = _heard_times(line, texts, words, heard=heard) if words else None
    starts, ends = times or _estimated_times(line, prefix, window_end)
    if max(map(len, texts)) > MAX_LINE:
        texts, starts, ends = _split_long(texts, starts, ends)
        prefix = _prefix(texts)
    planned: list[tuple[float, float, str]] = []
    begin = 0
    for end in chunk_line(texts, prefix, starts=starts, ends=ends):
        start = max(starts[begin], line.start, planned[-1][0] if planned else line.start)
        finish = min(max(ends[end - 1], start), max(window_end, start))
        planned.append((start, finish, " ".join(texts[begin:end])))
        begin = end
    return planned


def make_cues(transcript: Transcript, duration: float, words: Sequence[Word] = ()) -> list[Cue]:
    """Cues for every transcript line; ``words`` (whisper's timings) place breaks where lines are unedited."""
    lines = [line for line in transcript.lines if line.text.strip()]
    heard = [_norm(word.text) for word in words]
    planned: list[tuple[float, float, str]] = []
    for index, line in enumerate(lines):
        if index + 1 < len(lines):
            window_end = lines[index + 1].start
        elif duration > line.start:
            window_end = duration
        else:  # no known end: allow the time the words need
            window_end = line.start + max(len(line.text) / SLOW_CPS, MIN_CUE)
        planned += _plan_line(line, window_end, words=words, heard=heard)
    return _place(planned, duration)


def _place(planned: list[tuple[float, float, str]], duration: float) -> list[Cue]:
    """Final timings: long enough to read, never overlapping, never longer than MAX_CUE."""
    cues: list[Cue] = []
    cursor = 0.0
    for index, (planned_start, planned_end, text) in enumerate(planned):
        start = max(planned_start, cursor)
        room = planned[index + 1][0] if index + 1 < len(planned) else duration if duration > start else math.inf
        reading = start + len(text) / MAX_CPS
        end = max(planned_end, min(reading, room))  # stay up for reading where the gap allows
        end = min(max(end, start + MIN_CUE), start + MAX_CUE)
        start, end = round(start, 3), round(end, 3)
        end = max(end, round(start + MIN_CUE, 3))
        cues.append(Cue(start, end, (text,) if len(text) <= MAX_LINE else _cut_in_two(text, MAX_LINE)))
        cursor = end
    return cues


def _stamp(seconds: float, separator: str) -> str:
    millis = round(max(seconds, 0.0) * 1000)
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
        blocks.append(
            f"{_stamp(cue.start, '.')} --> {_stamp(cue.end, '.')}\n"
            + "\n".join(_clean(line) for line in cue.lines)
            + "\n"
        )
    return "\n".join(blocks)


def format_srt(cues: list[Cue]) -> str:
    blocks = []
    for number, cue in enumerate(cues, start=1):
        lines = "\n".join(line.replace("-->", "->") for line in cue.lines)
        blocks.append(f"{number}\n{_stamp(cue.start, ',')} --> {_stamp(cue.end, ',')}\n{lines}\n")
    return "\n".join(blocks)
