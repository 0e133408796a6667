"""The transcript file: YAML front matter, then one ``[mm:ss.s] text`` line per segment.

Once an expert has reviewed it, this file is the source of truth for captions,
the site's transcript and search. The parser accepts what a person does to it in
an editor (edited words, merged or split lines, deleted lines, a line without a
time) and reports what it cannot accept with the line number.

Two more kinds of line, both plain text an expert can type:

- ``## Clearing the jam`` (no time) starts a chapter at the line after it;
  ``## Clearing the jam (suggested)`` is one ``capture add`` guessed, for the expert to accept or edit.
- ``[00:12.0] [on screen: press the blue reset button]`` describes what is shown, not said, from
  its time on (without a time it gets one between its neighbours, like any line). Notes go to the
  site's transcript and its descriptions track, never into the spoken captions or the summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import TranscriptError
from pipeline.fsutil import atomic_write_bytes, sha256_text

# [mm:ss], [mm:ss.s], [h:mm:ss.s]; a comma works as the decimal mark too.
TIME_LINE = re.compile(r"^\[\s*(?:(\d{1,6}):)?(\d{1,6}):(\d{2}(?:[.,]\d{1,3})?)\s*\]\s?(.*)$")
# A bracket that starts like a time but does not read as one: "[1:2:3:4]", "[00:5x]".
TIME_ATTEMPT = re.compile(r"^\[\s*\d[\d:.,\s]*(?:\]|$|[^\]\s]*\])")
FRONT_KEYS = ("id", "status", "model", "language", "approved_by", "approved_at")
STATUSES = ("draft", "approved")
_FRONT_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# The latest line time a save accepts: capture takes no clip over 48 hours (media.max_duration's
# ceiling), so a later time is a slip, and a far later one (1e13 s) no longer reads back as a time.
LATEST_TIME = 48 * 3600.0
# "## Clearing the jam": a chapter heading (one to six #, then a space), as Markdown writes one.
HEADING = re.compile(r"^#{1,6}(?:\s+(.*))?$")
SUGGESTED = re.compile(r"\s*\(suggested\)$", re.IGNORECASE)
# "[on screen: press the blue reset button]": what is shown, not said.
NOTE = re.compile(r"^\[\s*on screen\s*:\s*(.*)\]$", re.IGNORECASE)


@dataclass
class Line:
    start: float
    text: str
    # The title of the chapter the line is in ("" before the first), set when the file is read.
    chapter: str = field(default="", compare=False)


@dataclass(frozen=True)
class Chapter:
    """A chapter heading: it starts at the first line after it in the file."""

    start: float
    title: str
    suggested: bool = False  # guessed by ``capture add``; the expert accepts it by removing "(suggested)"


@dataclass(frozen=True)
class Note:
    """A description of what is shown, not said, from ``start`` on."""

    start: float
    text: str


@dataclass
class BodyRow:
    """One line of the file's body as read: a spoken line, a note, a chapter heading, or an empty timed line."""

    kind: str  # line, note, chapter, empty
    text: str
    start: float | None = None
    suggested: bool = False


@dataclass
class Transcript:
    id: str
    status: str = "draft"
    model: str = ""
    language: str = "en"
    approved_by: str = ""
    approved_at: str = ""
    lines: list[Line] = field(default_factory=list)
    # Front matter keys capture does not know, kept so a person's notes survive a save.
    extra: dict[str, str] = field(default_factory=dict)
    chapters: list[Chapter] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


def clean_text(text: str) -> str:
    """One line of transcript text: whitespace (newlines too) collapsed to single spaces."""
    return " ".join(text.split())


def format_time(seconds: float) -> str:
    seconds = max(0.0, seconds)
    tenths = round(seconds * 10)
    minutes, rest = divmod(tenths, 600)
    hours, minutes = divmod(minutes, 60)
    clock = f"{minutes:02d}:{rest // 10:02d}.{rest % 10}"
    return f"{hours}:{clock}" if hours else clock


def note_text(text: str) -> str:
    """A note as the file writes it: ``[on screen: text]``."""
    return f"[on screen: {clean_text(text)}]"


def chapter_heading(chapter: Chapter) -> str:
    """The chapter's line in the file: ``## Title``, or ``## Title (suggested)``."""
    return f"## {clean_text(chapter.title)}" + (" (suggested)" if chapter.suggested else "")


def format_transcript(transcript: Transcript) -> str:
    front = [f"{key}: {_scalar(getattr(transcript, key))}" for key in FRONT_KEYS if getattr(transcript, key)]
    front += [f"{key}: {_scalar(value)}" for key, value in transcript.extra.items() if key not in FRONT_KEYS]
    # In time order; at one time a heading comes first (it starts there), then the line, then the note.
    rows = [(c.start, 0, chapter_heading(c)) for c in transcript.chapters if clean_text(c.title)]
    rows += [
        (x.start, 1, f"[{format_time(x.start)}] {clean_text(x.text)}") for x in transcript.lines if clean_text(x.text)
    ]
    rows += [
        (n.start, 2, f"[{format_time(n.start)}] {note_text(n.text)}") for n in transcript.notes if clean_text(n.text)
    ]
    body = [row for _, _, row in sorted(rows, key=lambda item: (round(max(item[0], 0.0) * 10), item[1]))]
    return "---\n" + "".join(f"{row}\n" for row in front) + "---\n" + "".join(f"{row}\n" for row in body)


def _scalar(value: Any) -> str:
    text = clean_text(str(value))
    if re.fullmatch(r"[A-Za-z0-9_.@+ -]*", text) and not text.startswith("-"):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        inner = value[1:-1]
        if value[0] == "'":
            return inner.replace("''", "'")
        return re.sub(r"\\(.)", r"\1", inner)
    return value


def _read_front(rows: list[str], name: str) -> tuple[dict[str, str], dict[str, int], int]:
    """The front matter's keys and values, the line each key is on, and the index of the closing ``---``."""
    if not rows or rows[0].strip() != "---":
        raise TranscriptError(f"{name}:1: expected '---' to open the front matter; restore the header block")
    end = next((i for i in range(1, len(rows)) if rows[i].strip() == "---"), None)
    if end is None:
        raise TranscriptError(f"{name}:1: the front matter is not closed; add a line '---' after it")
    front: dict[str, str] = {}
    where: dict[str, int] = {}
    for number in range(1, end):
        row = rows[number].strip()
        if not row or row.startswith("#"):
            continue
        key, sep, value = row.partition(":")
        key = key.strip()
        if not sep or not _FRONT_KEY.fullmatch(key):
            raise TranscriptError(f"{name}:{number + 1}: expected 'key: value' in the front matter, got {row[:40]!r}")
        front[key] = _unquote(value.strip())
        where[key] = number + 1
    return front, where, end


def read_header(text: str, name: str = "transcript") -> dict[str, str]:
    """The front matter's keys and values (quotes removed), read as :func:`parse_transcript` reads them.

    The lines are not parsed, so a caller that needs only the header may pass the file's first few KiB.
    """
    rows = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return _read_front(rows, name)[0]


def _time_of(match: re.Match[str], *, name: str, number: int, row: str) -> float:
    hours, minutes, seconds = match.group(1), match.group(2), match.group(3).replace(",", ".")
    if float(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
        raise TranscriptError(
            f"{name}:{number}: cannot read the time in {row[:24]!r}: seconds and minutes go up to 59; "
            "write it as [mm:ss.s], e.g. [01:23.4]"
        )
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def parse_transcript(text: str, name: str = "transcript") -> Transcript:
    """Parse what a person may have edited; raise TranscriptError with the line number otherwise."""
    rows = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    front, where, end = _read_front(rows, name)
    if not front.get("id"):
        raise TranscriptError(f"{name}:1: the front matter has no 'id'; add 'id: <resource id>'")
    status = front.get("status", "draft") or "draft"
    if status not in STATUSES:
        raise TranscriptError(f"{name}:{where['status']}: status: expected draft or approved, got {status!r}")
    transcript = Transcript(
        id=front["id"],
        status=status,
        model=front.get("model", ""),
        language=front.get("language", "en") or "en",
        approved_by=front.get("approved_by", ""),
        approved_at=front.get("approved_at", ""),
        extra={k: v for k, v in front.items() if k not in FRONT_KEYS},
    )
    set_body(transcript, _read_body(rows, end + 1, name))
    return transcript


def _read_body(rows: list[str], first: int, name: str) -> list[BodyRow]:
    """The body's rows from index ``first`` on, as written; times checked to be in order."""
    body: list[BodyRow] = []
    previous: tuple[float, int] | None = None
    for number in range(first, len(rows)):
        row = rows[number].strip()
        if not row:
            continue
        heading = HEADING.match(row)
        if heading is not None:
            title = clean_text(heading.group(1) or "")
            suggested = SUGGESTED.search(title) is not None
            body.append(BodyRow("chapter", SUGGESTED.sub("", title).strip(), suggested=suggested))
            continue
        match = TIME_LINE.match(row)
        if match is None:
            if TIME_ATTEMPT.match(row):
                raise TranscriptError(
                    f"{name}:{number + 1}: cannot read the time in {row[:24]!r}; write it as [mm:ss.s], e.g. [01:23.4]"
                )
            body.append(_text_row(row, None))  # a line a person split off, or typed without a time
            continue
        start = _time_of(match, name=name, number=number + 1, row=row)
        if previous is not None and start < previous[0]:
            raise TranscriptError(
                f"{name}:{number + 1}: [{format_time(start)}] comes before line {previous[1]} "
                f"([{format_time(previous[0])}]); keep the times in order"
            )
        previous = (start, number + 1)
        body.append(_text_row(match.group(4), start))
    return body


def _text_row(text: str, start: float | None) -> BodyRow:
    words = clean_text(text)
    note = NOTE.match(words)
    if note is not None:
        return BodyRow("note" if clean_text(note.group(1)) else "empty", clean_text(note.group(1)), start)
    return BodyRow("line" if words else "empty", words, start)


def body_row(kind: str, text: str, start: float | None = None, *, suggested: bool = False) -> BodyRow:
    """A row of the body as a review page sends it (``kind``: line, note or chapter)."""
    if kind not in ("line", "note", "chapter"):
        raise TranscriptError(f"a row's kind must be line, note or chapter, not {kind[:20]!r}; reload the page")
    words = clean_text(text)
    if kind == "chapter":  # "(suggested)" typed at the end marks it as in the file
        title = SUGGESTED.sub("", words).strip()
        marked = suggested or title != words
        return BodyRow("chapter" if title else "empty", title, suggested=marked)
    if kind == "line":  # "[on screen: ...]" typed into a line's box is a note, as it would be in the file
        return _text_row(words, start)
    return BodyRow(kind if words else "empty", words, start)


def set_body(transcript: Transcript, body: list[BodyRow]) -> None:
    """The transcript's lines, notes and chapters from its body's rows, in file order.

    A row without a time gets one between its neighbours'; a chapter starts at the row after
    it (just after the one before it when it is the last row); each line learns its chapter.
    """
    _place_untimed(body)
    kept = [row for row in body if row.kind != "empty" and (row.kind != "chapter" or row.text)]
    transcript.lines, transcript.notes, transcript.chapters = [], [], []
    chapter = ""
    for index, row in enumerate(kept):
        if row.kind == "chapter":
            chapter = row.text
            transcript.chapters.append(Chapter(_chapter_start(kept, index), row.text, row.suggested))
        elif row.kind == "note":
            transcript.notes.append(Note(float(row.start or 0.0), row.text))
        else:
            transcript.lines.append(Line(float(row.start or 0.0), row.text, chapter))


def _chapter_start(kept: list[BodyRow], index: int) -> float:
    after = [row.start for row in kept[index + 1 :] if row.kind != "chapter" and row.start is not None]
    if after:
        return float(after[0])
    # A heading after the last line: a tenth of a second after it, so it is written after it again.
    before = [row.start for row in reversed(kept[:index]) if row.kind != "chapter" and row.start is not None]
    return round(float(before[0]) + 0.1, 1) if before else 0.0


def _place_untimed(body: list[BodyRow]) -> None:
    """Rows without a time get times spread evenly between their neighbours' starts.

    An empty timed row still bounds the rows before it; chapters take no time.
    """
    pending: list[BodyRow] = []
    before = 0.0
    for row in body:
        if row.kind == "chapter":
            continue
        if row.start is None:
            if row.kind != "empty":
                pending.append(row)
            continue
        before = _spread(pending, before, row.start)
        pending = []
        if row.kind != "empty":
            before = row.start
    _spread(pending, before, None)


def _spread(pending: list[BodyRow], before: float, next_start: float | None) -> float:
    """Times for ``pending`` between ``before`` and ``next_start``; the last one given (``before`` if none)."""
    if not pending:
        return before
    after = next_start if next_start is not None else before + 2.0 * (len(pending) + 1)
    after = max(after, before)
    step = (after - before) / (len(pending) + 1)
    for index, row in enumerate(pending, start=1):
        row.start = min(after, max(before, round(before + step * index, 1)))
    return float(pending[-1].start or 0.0)


def read_transcript(path: Path, name: str | None = None) -> Transcript:
    """The transcript at ``path``; its messages begin with ``name`` (the file's name if not given)."""
    return parse_transcript(read_transcript_text(path, name), name or path.name)


def read_transcript_text(path: Path, name: str | None = None) -> str:
    """The file's text; its messages begin with ``name`` (the path if not given)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TranscriptError(
            f"{name or path}: the transcript is missing; run `capture transcribe ID` to make it again"
        ) from None
    except UnicodeDecodeError as exc:
        raise TranscriptError(f"{name or path}: not UTF-8 text; save it as UTF-8") from exc


def transcript_version(text: str) -> str:
    """A short fingerprint of a transcript file's text, to notice edits made elsewhere."""
    return sha256_text(text)[:16]


def write_transcript(path: Path, transcript: Transcript) -> None:
    save_transcript_text(path, format_transcript(transcript))


def save_transcript_text(path: Path, text: str) -> None:
    """Write a transcript atomically, keeping the file's mode; a file its owner made read-only is refused."""
    from pipeline.workspace.yamlio import writable_mode

    atomic_write_bytes(path, text.encode("utf-8"), mode=writable_mode(path, f"transcripts/{path.name}"))
