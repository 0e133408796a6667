"""The transcript file: YAML front matter, then one ``[mm:ss.s] text`` line per segment.

Once an expert has reviewed it, this file is the source of truth for captions,
the site's transcript and search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import TranscriptError
from .fsutil import atomic_write_text

TIME_LINE = re.compile(r"^\[(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)\]\s?(.*)$")
FRONT_KEYS = ("id", "status", "model", "language", "approved_by", "approved_at")


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

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


def format_time(seconds: float) -> str:
    seconds = max(0.0, seconds)
    tenths = int(round(seconds * 10))
    minutes, rest = divmod(tenths, 600)
    hours, minutes = divmod(minutes, 60)
    clock = f"{minutes:02d}:{rest // 10:02d}.{rest % 10}"
    return f"{hours}:{clock}" if hours else clock


def format_transcript(transcript: Transcript) -> str:
    front = [f"{key}: {_scalar(getattr(transcript, key))}" for key in FRONT_KEYS if getattr(transcript, key)]
    body = [f"[{format_time(line.start)}] {line.text}" for line in transcript.lines]
    return "---\n" + "\n".join(front) + "\n---\n" + "".join(f"{row}\n" for row in body)


def _scalar(value: Any) -> str:
    text = str(value)
    if re.fullmatch(r"[A-Za-z0-9_.@+ -]*", text) and not text.startswith((" ", "-")) and text.strip() == text:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_transcript(text: str, name: str = "transcript") -> Transcript:
    """Parse what a person may have edited; raise TranscriptError with the line number otherwise."""
    rows = text.replace("\r\n", "\n").split("\n")
    if not rows or rows[0].strip() != "---":
        raise TranscriptError(f"{name}:1: expected '---' to open the front matter; restore the header block")
    try:
        end = next(i for i in range(1, len(rows)) if rows[i].strip() == "---")
    except StopIteration:
        raise TranscriptError(f"{name}:1: the front matter is not closed; add a line '---' after it") from None
    front: dict[str, str] = {}
    for number in range(1, end):
        row = rows[number].strip()
        if not row or row.startswith("#"):
            continue
        key, sep, value = row.partition(":")
        if not sep:
            raise TranscriptError(f"{name}:{number + 1}: expected 'key: value' in the front matter, got {row!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        front[key.strip()] = value
    if "id" not in front:
        raise TranscriptError(f"{name}:1: the front matter has no 'id'; add 'id: <resource id>'")
    status = front.get("status", "draft")
    if status not in ("draft", "approved"):
        raise TranscriptError(f"{name}: status: expected draft or approved, got {status!r}")
    lines: list[Line] = []
    pending: list[tuple[int, str]] = []
    for number in range(end + 1, len(rows)):
        row = rows[number].strip()
        if not row:
            continue
        match = TIME_LINE.match(row)
        if match is None:
            if row.startswith("["):
                raise TranscriptError(
                    f"{name}:{number + 1}: cannot read the time in {row[:24]!r}; write it as [mm:ss.s], e.g. [01:23.4]"
                )
            pending.append((number + 1, row))
            continue
        hours, minutes, seconds, words = match.groups()
        start = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
        if lines and start < lines[-1].start:
            raise TranscriptError(
                f"{name}:{number + 1}: [{format_time(start)}] comes before the line above it "
                f"([{format_time(lines[-1].start)}]); keep the times in order"
            )
        _place_untimed(lines, pending, start)
        pending = []
        if words.strip():
            lines.append(Line(start, words.strip()))
    _place_untimed(lines, pending, None)
    return Transcript(
        id=front["id"], status=status, model=front.get("model", ""), language=front.get("language", "en"),
        approved_by=front.get("approved_by", ""), approved_at=front.get("approved_at", ""), lines=lines,
    )


def _place_untimed(lines: list[Line], pending: list[tuple[int, str]], next_start: float | None) -> None:
    """Lines without a time get times spread between their neighbours' starts."""
    if not pending:
        return
    before = lines[-1].start if lines else 0.0
    after = next_start if next_start is not None else before + 2.0 * (len(pending) + 1)
    step = (after - before) / (len(pending) + 1)
    for index, (_, text) in enumerate(pending, start=1):
        lines.append(Line(round(before + step * index, 1), text))


def read_transcript(path: Path) -> Transcript:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TranscriptError(f"{path}: the transcript is missing; run `capture transcribe` to make it again") from None
    except UnicodeDecodeError as exc:
        raise TranscriptError(f"{path}: not UTF-8 text; save it as UTF-8") from exc
    return parse_transcript(text, path.name)


def write_transcript(path: Path, transcript: Transcript) -> None:
    atomic_write_text(path, format_transcript(transcript))
