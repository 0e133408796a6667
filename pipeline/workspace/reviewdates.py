"""Review dates: when a resource is due for another check by its expert.

A resource is due on its own ``review_by:`` date or, without one, ``review_every:`` (a
workspace-wide period such as ``6 months``) after it was last checked: the transcript's approval
date, the entry's ``reviewed:`` date, or else the date of its current take. ``capture status``
lists what is due, ``capture check`` warns about it, and ``capture report`` may queue it
(:func:`due` is the one place the rule is written).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.workspace.catalogue import Catalogue, Resource

_PERIOD = re.compile(r"^\s*(\d{1,4})\s*(day|week|month|year)s?\s*$", re.IGNORECASE)
MAX_COUNT = 1000


@dataclass(frozen=True)
class Period:
    count: int
    unit: str  # day, week, month or year

    def after(self, start: dt.date) -> dt.date:
        """The date this period after ``start``; a month end stays in its month (31 Jan + 1 month: 28/29 Feb)."""
        if self.unit == "day":
            return start + dt.timedelta(days=self.count)
        if self.unit == "week":
            return start + dt.timedelta(weeks=self.count)
        months = self.count * (12 if self.unit == "year" else 1)
        year, month = divmod(start.month - 1 + months, 12)
        year += start.year
        day = min(start.day, calendar.monthrange(year, month + 1)[1])
        return dt.date(year, month + 1, day)

    def __str__(self) -> str:
        return f"{self.count} {self.unit}{'s' if self.count != 1 else ''}"


def parse_period(text: str) -> Period | None:
    """``6 months``, ``2 weeks``, ``90 days``, ``1 year``; None where it is none of these."""
    match = _PERIOD.match(text)
    if match is None or not 1 <= int(match.group(1)) <= MAX_COUNT:
        return None
    return Period(int(match.group(1)), match.group(2).lower())


def interval_problem(text: str) -> str | None:
    """What is wrong with a ``review_every:`` value, for the catalogue's ``file:line`` message; None if fine."""
    if parse_period(text) is not None:
        return None
    return (
        f"expected a period like '6 months' (1 to {MAX_COUNT} days, weeks, months or years), got {text!r}; "
        "fix it or remove the line"
    )


@dataclass(frozen=True)
class ReviewDue:
    """A resource due for another check: since ``due``, with the reason in words."""

    id: str
    title: str
    due: str  # YYYY-MM-DD
    checked: str  # the last check (or take) the date counts from; "" for a review_by date
    reason: str
    line: int | None  # the entry's line in resources.yaml

    def days_over(self, today: dt.date) -> int:
        return (today - dt.date.fromisoformat(self.due)).days


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def approval_dates(catalogue: Catalogue) -> dict[str, str]:
    """Each resource's transcript approval date (``approved_at``), read from the transcripts beside the catalogue."""
    from pipeline.errors import CaptureError
    from pipeline.speech.transcript import read_header

    root = catalogue.path.parent
    found: dict[str, str] = {}
    for resource in catalogue.resources:
        if not resource.transcript:
            continue
        try:
            with open(Path(root, resource.transcript), encoding="utf-8", errors="replace") as handle:
                header = read_header(handle.read(4096))
        except (OSError, CaptureError):
            continue
        if header.get("status") == "approved" and _date(header.get("approved_at", "")):
            found[resource.id] = header["approved_at"][:10]
    return found


def last_checked(resource: Resource, approved: str = "") -> str:
    """The date a check of the current take counts from: its approval, its ``reviewed:`` date, or the take's date."""
    dates = [d for d in (approved, resource.reviewed) if _date(d)]
    if dates:
        return max(dates)[:10]
    taken = resource.updated or resource.captured
    return taken[:10] if _date(taken) else ""


def _was_checked(resource: Resource, approved: str) -> bool:
    return bool(_date(approved) or _date(resource.reviewed))


def due_on(resource: Resource, period: Period | None, approved: str = "") -> ReviewDue | None:
    """When ``resource`` is due for a check (None: no date applies to it)."""
    if resource.review_by and _date(resource.review_by):
        reason = f"review by {resource.review_by} (review_by in resources.yaml)"
        return ReviewDue(resource.id, resource.title, resource.review_by, "", reason, resource.line)
    checked = last_checked(resource, approved)
    if period is None or not checked:
        return None
    when = period.after(dt.date.fromisoformat(checked)).isoformat()
    since = (
        f"last checked {checked}" if _was_checked(resource, approved) else f"not checked since its take of {checked}"
    )
    reason = f"{since}; review_every {period}: due {when}"
    return ReviewDue(resource.id, resource.title, when, checked, reason, resource.line)


def due(catalogue: Catalogue, today: dt.date, *, approved: Mapping[str, str] | None = None) -> list[ReviewDue]:
    """Every resource due for a check on ``today``, the longest overdue first.

    ``approved`` maps ids to transcript approval dates; without it they are read from the transcripts.
    """
    period = parse_period(catalogue.settings.review_every) if catalogue.settings.review_every else None
    dates = approval_dates(catalogue) if approved is None else approved
    found = []
    for resource in catalogue.resources:
        item = due_on(resource, period, dates.get(resource.id, ""))
        if item is not None and item.due <= today.isoformat():
            found.append(item)
    return sorted(found, key=lambda item: (item.due, item.id))
