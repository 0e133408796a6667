"""Feedback exports: a CSV from a form tool, its columns named by a setting, read into typed rows.

Form tools name their columns after the questions ("Which clip was it?", "How useful was it?"),
so ``resources.yaml`` says which column is which::

    report:
      feedback:
        resource: Which clip was it?   # an id, a resource URL (…/r/<id>/) or a title
        rating: How useful was it?     # a number (4, 4.5, "4 - good") or stars (★★★★)
        comment: Anything to add?
        date: Timestamp                # optional: lets --since apply to feedback too

Without the setting, columns called resource / resource id / id, rating, comment(s) and
timestamp / date are used.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pipeline.errors import FeedbackError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

MAX_FEEDBACK_BYTES = 64 * 1024 * 1024
MAX_LINE_CHARS = 1 << 20  # a longer line is junk: read to its end, skipped and counted
MAX_COMMENT_CHARS = 10_000  # a longer comment is cut to this and counted
DELIMITERS = (",", ";", "\t", "|")
DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    "resource": ("resource", "resource id", "resource_id", "id", "clip", "page", "url"),
    "rating": ("rating", "score", "stars", "how useful"),
    "comment": ("comment", "comments", "feedback", "message"),
    "date": ("timestamp", "date", "submitted", "submitted at", "created"),
}
_RESOURCE_URL = re.compile(r"/r/([a-z0-9][a-z0-9-]*)(?:/|$|\?|#)")
_RATING = re.compile(r"^\s*(\d+(?:[.,]\d+)?)")
_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DAY_FIRST = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")


@dataclass
class FeedbackColumns:
    """Which CSV column holds what; an empty name means "find it by the usual names"."""

    resource: str = ""
    rating: str = ""
    comment: str = ""
    date: str = ""


@dataclass
class FeedbackRow:
    resource_id: str
    rating: float | None
    comment: str
    day: date | None
    line: int


@dataclass
class FeedbackExport:
    path: str
    rows: list[FeedbackRow] = field(default_factory=list)
    total_rows: int = 0  # responses in the period (all of them without --since or a date column)
    unmatched_rows: int = 0
    before_since: int = 0
    skipped_lines: int = 0  # lines over MAX_LINE_CHARS, and records over it in a quoted field
    cut_comments: int = 0  # comments over MAX_COMMENT_CHARS, cut to it
    warnings: list[str] = field(default_factory=list)


def _find_column(headers: list[str], wanted: str, *, role: str, path: Path) -> int | None:
    folded = [h.strip().casefold() for h in headers]
    if wanted:
        try:
            return folded.index(wanted.strip().casefold())
        except ValueError:
            raise FeedbackError(
                f"{path.name} has no column {wanted!r} (set as report.feedback.{role} in resources.yaml); "
                f"its columns are: {', '.join(repr(h) for h in headers)}; fix the setting to name one of them"
            ) from None
    for name in DEFAULT_NAMES[role]:
        if name in folded:
            return folded.index(name)
    return None


def parse_rating(text: str) -> float | None:
    """``4``, ``4.5``, ``4,5``, ``4 - very useful``, ``★★★★`` → a number; anything else → None."""
    text = text.strip()
    if not text:
        return None
    stars = text.count("★")
    if stars:
        return float(stars)
    found = _RATING.match(text)
    return float(found.group(1).replace(",", ".")) if found else None


def parse_day(text: str) -> date | None:
    """``2026-11-09``, ``2026/11/09 10:00`` or, as spreadsheets in many European locales write it,
    ``09.11.2026 10:00`` → a date; anything else (``11/09/2026`` could be either) → None."""
    found = _DATE.search(text)
    if found:
        year, month, day = found.groups()
    elif found := _DAY_FIRST.search(text):
        day, month, year = found.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def resource_of(value: str, known_ids: set[str], ids_by_title: dict[str, str]) -> str | None:
    """The resource a cell names: its id, a URL to its page, or its title (case does not matter)."""
    text = value.strip()
    if not text:
        return None
    if text in known_ids:
        return text
    if text.lower() in known_ids:
        return text.lower()
    found = _RESOURCE_URL.search(text)
    if found and found.group(1) in known_ids:
        return found.group(1)
    return ids_by_title.get(text.casefold())


class _ExportBytes(io.RawIOBase):
    """The export's bytes as they are read: counted against the size cap (a pipe or a device has no size to
    check first) and checked as UTF-8 on the way, so one pass over a stream tells which encoding it was."""

    def __init__(self, handle: io.BufferedReader, name: str) -> None:
        super().__init__()
        self._handle = handle
        self._name = name
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.read_bytes = 0
        self.utf8 = True

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        count = self._handle.readinto(buffer)
        self.read_bytes += count
        if self.read_bytes > MAX_FEEDBACK_BYTES:
            raise FeedbackError(_too_big(self._name, self.read_bytes))
        if self.utf8:
            try:
                self._decoder.decode(memoryview(buffer)[:count].tobytes(), final=count == 0)
            except UnicodeDecodeError:
                self.utf8 = False
        return count


def _too_big(name: str, size: int) -> str:
    return f"{name} is {size} bytes, more than the {MAX_FEEDBACK_BYTES} a feedback export may be"


def _windows_1252(error: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 are read as Windows-1252, which spreadsheet programs on Windows still save."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("capture-windows-1252", _windows_1252)


def text_encoding(head: bytes) -> tuple[str, str]:
    """The codec and error handler for an export that starts with ``head``: a byte order mark says UTF-8
    or UTF-16 (either byte order); UTF-16 without one shows as a zero byte beside each ASCII letter."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "capture-windows-1252"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "replace"
    if len(head) >= 2 and head[0] == 0 and head[1] != 0:
        return "utf-16-be", "replace"
    if len(head) >= 2 and head[1] == 0 and head[0] != 0:
        return "utf-16-le", "replace"
    return "utf-8", "capture-windows-1252"


def bounded_lines(stream: TextIO, export: FeedbackExport) -> Iterator[str]:
    """The physical lines of ``stream`` for the CSV reader, none over MAX_LINE_CHARS.

    A longer line is read to its end in pieces and dropped, so memory stays flat whatever the input;
    an empty line stands in its place so the line numbers of what follows stay true.
    """
    while line := stream.readline(MAX_LINE_CHARS):
        if len(line) < MAX_LINE_CHARS or line.endswith(("\n", "\r")):
            yield line
            continue
        while (piece := stream.readline(MAX_LINE_CHARS)) and not piece.endswith(("\n", "\r")):
            if len(piece) < MAX_LINE_CHARS:
                break
        export.skipped_lines += 1
        yield "\n"


def _header_cells(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return [line]


def choose_delimiter(first_line: str, columns: FeedbackColumns) -> str:
    """The separator that makes the header name the resource column, else the one that gives most columns.

    Sniffing the whole sample guesses wrong on real exports (Excel's "CSV UTF-8" in a European locale:
    ``;`` between fields, ``,`` inside ratings like 4,5 and in comments); the header row decides instead.
    """
    wanted = {columns.resource.strip().casefold()} if columns.resource else set(DEFAULT_NAMES["resource"])

    def fit(delimiter: str) -> tuple[bool, int]:
        cells = _header_cells(first_line, delimiter)
        return any(cell.strip().casefold() in wanted for cell in cells), len(cells)

    return max(DELIMITERS, key=fit)


@contextmanager
def _csv_field_limit(limit: int) -> Iterator[None]:
    # The csv module's field limit is process-wide: raise it for this read only.
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


@dataclass
class _Layout:
    """Where each field is in a row of this export."""

    resource: int
    rating: int | None
    comment: int | None
    date: int | None


def _layout(headers: list[str], columns: FeedbackColumns, path: Path) -> _Layout:
    resource_col = _find_column(headers, columns.resource, role="resource", path=path)
    listed = ", ".join(repr(h) for h in headers)
    if resource_col is None:
        raise FeedbackError(
            f"{path.name} has no column that names the resource (its columns are: {listed}); say which one in "
            "resources.yaml under report: feedback: resource: <column name>"
        )
    layout = _Layout(
        resource=resource_col,
        rating=_find_column(headers, columns.rating, role="rating", path=path),
        comment=_find_column(headers, columns.comment, role="comment", path=path),
        date=_find_column(headers, columns.date, role="date", path=path),
    )
    if layout.rating is None and layout.comment is None:
        raise FeedbackError(
            f"{path.name} has no rating or comment column (its columns are: {listed}); "
            "say which in resources.yaml under report: feedback: rating: <column> and comment: <column>"
        )
    return layout


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


@dataclass
class _Lookup:
    """What a row is checked against."""

    known_ids: set[str]
    ids_by_title: dict[str, str]
    since: date | None


def _add_row(export: FeedbackExport, row: list[str], *, layout: _Layout, lookup: _Lookup, line: int) -> None:
    if not any(value.strip() for value in row):
        return
    day = parse_day(_cell(row, layout.date)) if layout.date is not None else None
    if lookup.since is not None and day is not None and day < lookup.since:
        export.before_since += 1
        return
    export.total_rows += 1
    resource_id = resource_of(_cell(row, layout.resource), lookup.known_ids, lookup.ids_by_title)
    if resource_id is None:
        export.unmatched_rows += 1
        return
    comment = _cell(row, layout.comment)
    if len(comment) > MAX_COMMENT_CHARS:
        comment = comment[:MAX_COMMENT_CHARS] + "…"
        export.cut_comments += 1
    rating = parse_rating(_cell(row, layout.rating))
    export.rows.append(FeedbackRow(resource_id=resource_id, rating=rating, comment=comment, day=day, line=line))


def _read_rows(stream: TextIO, path: Path, *, columns: FeedbackColumns, lookup: _Lookup) -> FeedbackExport:
    export = FeedbackExport(path=str(path))
    physical = bounded_lines(stream, export)
    first = next(physical, None)
    if first is None:
        raise FeedbackError(f"{path.name} is empty; export the form's responses as CSV with a header row")
    reader = csv.reader(itertools.chain([first], physical), delimiter=choose_delimiter(first, columns))
    try:
        headers = next(reader)
    except csv.Error as exc:
        raise FeedbackError(f"{path.name}:1: not a CSV file: {exc}") from exc
    layout = _layout(headers, columns, path)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            # A quoted field over the limit: the record is junk, the rows after it are still read.
            export.skipped_lines += 1
            continue
        _add_row(export, row, layout=layout, lookup=lookup, line=reader.line_num)
    return export


def _open_export(handle: io.BufferedReader, path: Path) -> tuple[TextIO, _ExportBytes, str]:
    info = os.fstat(handle.fileno())
    if stat.S_ISREG(info.st_mode) and info.st_size > MAX_FEEDBACK_BYTES:
        raise FeedbackError(_too_big(path.name, info.st_size))
    raw = _ExportBytes(handle, path.name)
    buffered = io.BufferedReader(raw)
    encoding, errors = text_encoding(buffered.peek(4)[:4])
    return io.TextIOWrapper(buffered, encoding=encoding, errors=errors, newline=""), raw, encoding


def _warnings(export: FeedbackExport, name: str, *, windows_1252: bool) -> list[str]:
    warnings = [f"{name} is not UTF-8; read it as Windows-1252"] if windows_1252 else []
    if export.skipped_lines:
        count = export.skipped_lines
        warnings.append(
            f"{name}: {count:,} line{'s' if count != 1 else ''} over {MAX_LINE_CHARS:,} characters skipped; "
            "check the export is the form tool's CSV"
        )
    if export.cut_comments:
        count = export.cut_comments
        warnings.append(
            f"{name}: {count:,} comment{'s' if count != 1 else ''} over {MAX_COMMENT_CHARS:,} characters "
            f"cut to the first {MAX_COMMENT_CHARS:,}"
        )
    return warnings


def read_feedback(
    path: Path,
    columns: FeedbackColumns,
    *,
    known_ids: set[str],
    ids_by_title: dict[str, str],
    since: date | None = None,
) -> FeedbackExport:
    """Read a feedback CSV: one :class:`FeedbackRow` per response that names a known resource.

    The file is streamed (UTF-8 with or without a byte order mark, UTF-16 in either byte order, else
    Windows-1252), so memory stays flat whatever it holds: a line over MAX_LINE_CHARS is skipped and
    counted, a comment over MAX_COMMENT_CHARS is cut and counted.
    """
    lookup = _Lookup(known_ids, ids_by_title, since)
    try:
        with open(path, "rb") as handle:
            stream, raw, encoding = _open_export(handle, path)
            with _csv_field_limit(MAX_LINE_CHARS):
                export = _read_rows(stream, path, columns=columns, lookup=lookup)
    except FileNotFoundError:
        raise FeedbackError(
            f"feedback file not found: {path}; check the path to the CSV your form tool exported"
        ) from None
    except IsADirectoryError:
        raise FeedbackError(f"{path} is a folder; pass the CSV file your form tool exported") from None
    except OSError as exc:
        raise FeedbackError(f"cannot read {path}: {exc.strerror or exc}") from exc
    export.warnings += _warnings(export, path.name, windows_1252=encoding.startswith("utf-8") and not raw.utf8)
    return export
