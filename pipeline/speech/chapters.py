"""Chapters and on-screen notes: their WebVTT tracks, and the chapters ``capture add`` suggests.

The expert writes chapters (``## Title``) and notes (``[on screen: ...]``) in the transcript file
(:mod:`pipeline.speech.transcript`). Here they become the site's ``chapters.vtt`` and
``descriptions.vtt``. Notes never reach ``captions.vtt``: the captions are planned from the
spoken lines alone.

The suggestions are a draft for the expert, not a finished answer: a chapter starts where a
line opens with a what, why, when or who cue, after a long pause, or where the words change
topic, and each suggestion says which of these it saw. No model decides this; the rules are
few, so an expert can see why a chapter was offered and move it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.speech.captions import Cue, format_vtt
from pipeline.speech.summary import about_the_clip
from pipeline.speech.transcript import Chapter, Line, Transcript

# A chapter shorter than this is no place to jump to.
MIN_CHAPTER = 4.0
# One chapter for every this many seconds of the clip at most (and never more than MAX_CHAPTERS).
SECONDS_PER_CHAPTER = 30.0
MAX_CHAPTERS = 12
# A pause this long before a line (after the words of the line before it are said) ends a chapter.
LONG_PAUSE = 1.5
# How fast people speak, to tell a pause from a long line when only the lines' starts are known.
SPEAKING_CPS = 15.0
# What a line must score to start a chapter.
THRESHOLD = 2
# How long an on-screen note stays: read at this pace, between these bounds.
NOTE_CPS = 15.0
NOTE_MIN = 2.0
NOTE_MAX = 7.0

# Cues at the start of a line: what the clip shows, why it matters, when to do it, who does it.
CUES = (
    ("what", "What it is", re.compile(r"^(?:this is|today|here is|here's|i'?ll show|i will show|let me show|"
                                      r"i'?m going to show|the (?:basics|idea|point) (?:is|of))\b", re.I)),
    ("why", "Why it matters", re.compile(r"^(?:why|because|the reason|that'?s (?:why|important)|this matters|"
                                         r"otherwise|so that)\b", re.I)),
    ("when", "When to do it", re.compile(r"^(?:when|whenever|before|after|once|if|until|during|every time|"
                                         r"at the (?:start|end))\b", re.I)),
    ("who", "Who to involve", re.compile(r"^(?:who|call|ask|tell|get the|find the)\b", re.I)),
)  # fmt: skip
STEP = re.compile(r"^(?:first|then|next|now|finally|after that|step \w+)\b", re.I)
WORD = re.compile(r"[a-z][a-z'-]{3,}")
STOP_WORDS = frozenset(
    [
        "that",
        "this",
        "with",
        "what",
        "have",
        "from",
        "they",
        "your",
        "will",
        "then",
        "there",
        "their",
        "them",
        "when",
        "where",
        "which",
        "would",
        "about",
        "into",
        "just",
        "like",
        "only",
        "also",
        "been",
        "were",
        "what's",
        "it's",
        "don't",
        "you're",
        "here",
        "need",
        "make",
        "sure",
        "want",
    ]
)


# What a heading or a note may look like in a transcript file's bytes: a cheap look, for a build
# that must not parse every transcript to plan its files. Every heading and note the parser reads
# matches (a false match costs an empty track file, never a missing one).
_HEADING_BYTES = re.compile(rb"[\r\n][ \t]*#")
_NOTE_BYTES = re.compile(rb"\[\s*on\s+screen\s*:", re.IGNORECASE)


def may_have_chapters(data: bytes) -> bool:
    """Whether a transcript file's bytes may hold a chapter heading (after the front matter)."""
    body = max(data.find(b"\n---", 3), 0)
    return data.find(b"#", body) >= 0 and _HEADING_BYTES.search(data, body) is not None


def may_have_notes(data: bytes) -> bool:
    """Whether a transcript file's bytes may hold an on-screen note."""
    return _NOTE_BYTES.search(data) is not None


@dataclass(frozen=True)
class Suggestion:
    """A chapter ``capture add`` offers, with what it saw there."""

    start: float
    title: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ChapterSpan:
    start: float
    end: float
    title: str


def chapter_spans(transcript: Transcript, duration: float) -> list[ChapterSpan]:
    """Each chapter from its start to the next one's (the last to the clip's end); empty ones left out."""
    spans: list[ChapterSpan] = []
    chapters = transcript.chapters
    last = max([x.start for x in transcript.lines] + [n.start for n in transcript.notes], default=0.0)
    for index, chapter in enumerate(chapters):
        if index + 1 < len(chapters):
            end = chapters[index + 1].start
        else:
            end = duration if duration > chapter.start else max(last, chapter.start) + 2.0
        if end > chapter.start:
            spans.append(ChapterSpan(chapter.start, end, chapter.title))
    return spans


def chapters_vtt(transcript: Transcript, duration: float) -> str:
    """The ``kind="chapters"`` track: one cue per chapter, its title the cue's text."""
    return format_vtt([Cue(s.start, s.end, (s.title,)) for s in chapter_spans(transcript, duration)])


def description_cues(transcript: Transcript, duration: float) -> list[Cue]:
    """One cue per on-screen note: long enough to read, over before the next note starts."""
    notes = transcript.notes
    cues: list[Cue] = []
    for index, note in enumerate(notes):
        end = note.start + min(max(len(note.text) / NOTE_CPS, NOTE_MIN), NOTE_MAX)
        if index + 1 < len(notes) and notes[index + 1].start > note.start:
            end = min(end, notes[index + 1].start)
        if duration > note.start:
            end = min(end, duration)
        cues.append(Cue(round(note.start, 3), round(max(end, note.start + 0.5), 3), (note.text,)))
    return cues


def descriptions_vtt(transcript: Transcript, duration: float) -> str:
    """The ``kind="descriptions"`` track: what is shown, not said, for a screen reader to speak."""
    return format_vtt(description_cues(transcript, duration))


# -- suggestions ---------------------------------------------------------------------------------------
def _words(lines: Sequence[Line]) -> set[str]:
    return {w for line in lines for w in WORD.findall(line.text.lower()) if w not in STOP_WORDS}


def _cue(text: str) -> tuple[str, str] | None:
    """The line's opening cue as (kind, label), if it has one."""
    opening = text.strip().lstrip("\"'“‘(").strip()
    for kind, label, pattern in CUES:
        if pattern.match(opening):
            return kind, label
    return None


def _clause(text: str) -> str:
    """The line's first clause, as a title, if it is short enough to be one (2 to 6 words)."""
    first = re.split(r"[,;:.?!—–]", text.strip(), maxsplit=1)[0].strip()
    words = first.split()
    if not 2 <= len(words) <= 6:
        return ""
    return first[:1].upper() + first[1:]


def _score(lines: Sequence[Line], index: int, *, ends: Sequence[float] | None) -> tuple[int, list[str], str]:
    """How strongly line ``index`` opens a chapter, the reasons, and a title from its cue."""
    line, before = lines[index], lines[index - 1]
    score, reasons, title = 0, [], ""
    cue = _cue(line.text)
    if cue is not None:
        score += 2
        reasons.append(f'a "{cue[0]}" cue: "{" ".join(line.text.split()[:4])}"')
        title = _clause(line.text) or cue[1]
    elif STEP.match(line.text.strip()):
        score += 1
        reasons.append(f'a next step: "{" ".join(line.text.split()[:3])}"')
    said_until = ends[index - 1] if ends is not None else before.start + len(before.text) / SPEAKING_CPS
    pause = line.start - said_until
    if pause >= LONG_PAUSE:
        score += 2 if pause >= 2 * LONG_PAUSE else 1
        reasons.append(f"a pause of {pause:.1f} s before it")
    earlier, later = _words(lines[max(0, index - 2) : index]), _words(lines[index : index + 2])
    if len(earlier) >= 3 and len(later) >= 3 and not earlier & later:
        score += 1
        reasons.append("a change of topic: new words (" + ", ".join(sorted(later)[:3]) + ")")
    return score, reasons, title


def _first_title(line: Line) -> str:
    return _clause(about_the_clip(line.text)) or "Introduction"


def suggest_chapters(
    transcript: Transcript, *, duration: float, ends: Sequence[float] | None = None
) -> list[Suggestion]:
    """Chapters for a fresh transcript, best first placed, returned in time order; none if fewer than two.

    ``ends`` (when each line's words end, from whisper's segments) tells a pause from a long line;
    without it the end is estimated from the line's length.
    """
    lines = [line for line in transcript.lines if line.text.strip()]
    if len(lines) < 2 or (ends is not None and len(ends) != len(lines)):
        return []
    end = max(duration, lines[-1].start)
    most = min(MAX_CHAPTERS, max(2, int(end // SECONDS_PER_CHAPTER) + 1))
    scored = [(index, *_score(lines, index, ends=ends)) for index in range(1, len(lines))]
    chosen: list[Suggestion] = []
    for index, score, reasons, title in sorted(scored, key=lambda item: (-item[1], item[0])):
        start = lines[index].start
        if score < THRESHOLD or len(chosen) + 1 >= most:
            continue
        if start - lines[0].start < MIN_CHAPTER or end - start < MIN_CHAPTER:
            continue
        if any(abs(start - other.start) < MIN_CHAPTER for other in chosen):
            continue
        chosen.append(Suggestion(start, title or f"Part {len(chosen) + 2}", tuple(reasons)))
    if not chosen:
        return []
    chosen.sort(key=lambda s: s.start)
    first = Suggestion(lines[0].start, _first_title(lines[0]), ("the start of the clip",))
    return [first, *(_numbered(s, n) for n, s in enumerate(chosen, start=2))]


def _numbered(suggestion: Suggestion, number: int) -> Suggestion:
    """A fallback title says where the chapter is in the clip, once they are in time order."""
    if re.fullmatch(r"Part \d+", suggestion.title):
        return Suggestion(suggestion.start, f"Part {number}", suggestion.reasons)
    return suggestion


def with_suggested_chapters(transcript: Transcript, suggestions: Sequence[Suggestion]) -> int:
    """Write the suggestions into a transcript that has no chapters yet, marked as suggested; how many."""
    if transcript.chapters or not suggestions:
        return 0
    transcript.chapters = [Chapter(s.start, s.title, suggested=True) for s in suggestions]
    for line in transcript.lines:
        line.chapter = next((s.title for s in reversed(suggestions) if s.start <= line.start), "")
    return len(suggestions)


# -- the site's transcript -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Aside:
    """A chapter heading or an on-screen note as the site's transcript shows it between lines."""

    kind: str  # chapter or note
    start: float
    text: str


def asides_by_line(transcript: Transcript) -> dict[int, list[Aside]]:
    """The headings and notes to show before each line (by its index; ``len(lines)``: after the last).

    They sit where the transcript file puts them: a heading before the line its chapter starts
    with, a note after the lines said before or at its time.
    """
    lines = transcript.lines
    tenths = [round(max(line.start, 0.0) * 10) for line in lines]
    asides: dict[int, list[Aside]] = {}
    items = [(c.start, 0, Aside("chapter", c.start, c.title)) for c in transcript.chapters]
    items += [(n.start, 2, Aside("note", n.start, n.text)) for n in transcript.notes]
    for start, rank, aside in sorted(items, key=lambda item: (round(max(item[0], 0.0) * 10), item[1])):
        at = round(max(start, 0.0) * 10)
        # A heading goes before the first line at or after its time; a note before the first line after it.
        index = next((i for i, t in enumerate(tenths) if (t >= at if rank == 0 else t > at)), len(lines))
        asides.setdefault(index, []).append(aside)
    return asides
