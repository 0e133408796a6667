"""The transcript file: YAML front matter, then one ``[mm:ss.s] text`` line per segment.

Once an expert has reviewed it, this file is the source of truth for captions,
the site's transcript and search. The parser accepts what a person does to it in
an editor (edited words, merged or split lines, deleted lines, a line without a
time) and reports what it cannot accept with the line number.
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


@dataclass
class Line:
    start: float
    text: str


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


def format_transcript(transcript: Transcript) -> str:
    front = [f"{key}: {_scalar(getattr(transcript, key))}" for key in FRONT_KEYS if getattr(transcript, key)]
    front += [f"{key}: {_scalar(value)}" for key, value in transcript.extra.items() if key not in FRONT_KEYS]
    body = [
        f"[{format_time(line.start)}] {clean_text(line.text)}" for line in transcript.lines if clean_text(line.text)
    ]
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
    lines: list[Line] = []
    pending: list[str] = []
    previous: tuple[float, int] | None = None
    for number in range(end + 1, len(rows)):
        row = rows[number].strip()
        if not row:
            continue
        match = TIME_LINE.match(row)
        if match is None:
            if TIME_ATTEMPT.match(row):
                raise TranscriptError(
                    f"{name}:{number + 1}: cannot read the time in {row[:24]!r}; write it as [mm:ss.s], e.g. [01:23.4]"
                )
            pending.append(clean_text(row))  # a line a person split off, or typed without a time
            continue
        start = _time_of(match, name=name, number=number + 1, row=row)
        if previous is not None and start < previous[0]:
            raise TranscriptError(
                f"{name}:{number + 1}: [{format_time(start)}] comes before line {previous[1]} "
                f"([{format_time(previous[0])}]); keep the times in order"
            )
        previous = (start, number + 1)
        _place_untimed(lines, pending, start)
        pending = []
        words = clean_text(match.group(4))
        if words:
            lines.append(Line(start, words))
    _place_untimed(lines, pending, None)
    extra = {k: v for k, v in front.items() if k not in FRONT_KEYS}
    return Transcript(
        id=front["id"],
        status=status,
        model=front.get("model", ""),
        language=front.get("language", "en") or "en",
        approved_by=front.get("approved_by", ""),
        approved_at=front.get("approved_at", ""),
        lines=lines,
        extra=extra,
    )


def _place_untimed(lines: list[Line], pending: list[str], next_start: float | None) -> None:
    """Lines without a time get times spread evenly between their neighbours' starts."""
    if not pending:
        return
    before = lines[-1].start if lines else 0.0
    after = next_start if next_start is not None else before + 2.0 * (len(pending) + 1)
    after = max(after, before)
    step = (after - before) / (len(pending) + 1)
    for index, text in enumerate(pending, start=1):
        lines.append(Line(min(after, max(before, round(before + step * index, 1))), text))


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
