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

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.errors import CaptureError

MAX_FEEDBACK_BYTES = 64 * 1024 * 1024
DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    "resource": ("resource", "resource id", "resource_id", "id", "clip", "page", "url"),
    "rating": ("rating", "score", "stars", "how useful"),
    "comment": ("comment", "comments", "feedback", "message"),
    "date": ("timestamp", "date", "submitted", "submitted at", "created"),
}
_RESOURCE_URL = re.compile(r"/r/([a-z0-9][a-z0-9-]*)(?:/|$|\?|#)")
_RATING = re.compile(r"^\s*(\d+(?:[.,]\d+)?)")
_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


class FeedbackError(CaptureError):
    """A feedback export that cannot be read or does not have the columns the settings name."""


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
    warnings: list[str] = field(default_factory=list)


def _find_column(headers: list[str], wanted: str, role: str, path: Path) -> int | None:
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
    found = _DATE.search(text)
    if not found:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
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


def _read_text(path: Path) -> tuple[str, str]:
    try:
        size = path.stat().st_size
        if size > MAX_FEEDBACK_BYTES:
            raise FeedbackError(
                f"{path.name} is {size} bytes, more than the {MAX_FEEDBACK_BYTES} a feedback export may be"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise FeedbackError(
            f"feedback file not found: {path}; check the path to the CSV your form tool exported"
        ) from None
    except IsADirectoryError:
        raise FeedbackError(f"{path} is a folder; pass the CSV file your form tool exported") from None
    except OSError as exc:
        raise FeedbackError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        # Spreadsheet programs on Windows still save CSV in the old Windows encoding.
        return data.decode("cp1252", errors="replace"), f"{path.name} is not UTF-8; read it as Windows-1252"


def read_feedback(
    path: Path,
    columns: FeedbackColumns,
    known_ids: set[str],
    ids_by_title: dict[str, str],
    since: date | None = None,
) -> FeedbackExport:
    """Read a feedback CSV: one :class:`FeedbackRow` per response that names a known resource."""
    text, warning = _read_text(path)
    export = FeedbackExport(path=str(path))
    if warning:
        export.warnings.append(warning)
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        headers = next(reader)
    except StopIteration:
        raise FeedbackError(f"{path.name} is empty; export the form's responses as CSV with a header row") from None
    except csv.Error as exc:
        raise FeedbackError(f"{path.name}:1: not a CSV file: {exc}") from exc
    resource_col = _find_column(headers, columns.resource, "resource", path)
    if resource_col is None:
        raise FeedbackError(
            f"{path.name} has no column that names the resource (its columns are: "
            f"{', '.join(repr(h) for h in headers)}); say which one in resources.yaml under "
            "report: feedback: resource: <column name>"
        )
    rating_col = _find_column(headers, columns.rating, "rating", path)
    comment_col = _find_column(headers, columns.comment, "comment", path)
    date_col = _find_column(headers, columns.date, "date", path)
    if rating_col is None and comment_col is None:
        raise FeedbackError(
            f"{path.name} has no rating or comment column (its columns are: {', '.join(repr(h) for h in headers)}); "
            "say which in resources.yaml under report: feedback: rating: <column> and comment: <column>"
        )

    def cell(row: list[str], index: int | None) -> str:
        return row[index].strip() if index is not None and index < len(row) else ""

    try:
        for row in reader:
            if not any(value.strip() for value in row):
                continue
            day = parse_day(cell(row, date_col)) if date_col is not None else None
            if since is not None and day is not None and day < since:
                export.before_since += 1
                continue
            export.total_rows += 1
            resource_id = resource_of(cell(row, resource_col), known_ids, ids_by_title)
            if resource_id is None:
                export.unmatched_rows += 1
                continue
            export.rows.append(
                FeedbackRow(
                    resource_id=resource_id,
                    rating=parse_rating(cell(row, rating_col)),
                    comment=cell(row, comment_col),
                    day=day,
                    line=reader.line_num,
                )
            )
    except csv.Error as exc:
        raise FeedbackError(f"{path.name}:{reader.line_num}: {exc}; check the export is a plain CSV file") from exc
    return export
