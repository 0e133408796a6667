"""The report's queue of work: what to fix, re-film or film next, most urgent first, each with its reason.

The order is that of the kinds below: what workers marked wrong or out of date first (people may
be acting on it), then resources that do not help (low watch-through, few "helped" answers), then
searches that found nothing (the next clips to film), then resources past their review date.
Within a kind, the strongest evidence comes first. Answers count for the resource's current
version only (``version:`` in resources.yaml, 1 when absent): a new take starts afresh.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.workspace.reviewdates import due

if TYPE_CHECKING:
    from pipeline.report.answers import VersionAnswers
    from pipeline.report.model import ResourceStats, SearchStats
    from pipeline.workspace.catalogue import Catalogue

MARKED_WRONG, NOT_HELPING, SEARCH_FOUND_NOTHING, REVIEW_DUE = (
    "marked-wrong",
    "not-helping",
    "search-found-nothing",
    "review-due",
)
KINDS = (MARKED_WRONG, NOT_HELPING, SEARCH_FOUND_NOTHING, REVIEW_DUE)

WRONG_MIN = 1  # one "something's wrong or out of date" on the current version puts a resource in the queue
LOW_WATCH_THROUGH = 0.25  # a median fetched share of the video under this ...
MIN_VIEWERS = 5  # ... among at least this many viewers is low watch-through
FEW_HELPED = 0.5  # "helped" in under this share of the answers ...
MIN_ANSWERS = 5  # ... among at least this many answers to the current version is few "helped"
NO_RESULT_MIN = 1  # a term whose searches found nothing this often
QUEUE_SEARCHES = 20  # at most this many searches in the queue


@dataclass
class WorkItem:
    """One thing to do: its kind, the resource (or the search term) and why it is in the queue."""

    kind: str
    resource: str  # the resource's id; "" for a search
    title: str  # the resource's title, or the search term
    reason: str


def _review_due(catalogue: Catalogue, today: dt.date) -> list[tuple[str, str, WorkItem]]:
    """(due date, id, item) for each resource due for review on ``today``, by the workspace's own rule
    (:func:`pipeline.workspace.reviewdates.due`: ``review_by:``, or ``review_every:`` after the last check)."""
    found: list[tuple[str, str, WorkItem]] = []
    for item in due(catalogue, today):
        # Its reason reads "last checked <date>; review_every <period>: due <date>": the first part adds to ours.
        reason = f"due for review since {item.due}" + (f" ({item.reason.split(';')[0]})" if item.checked else "")
        found.append((item.due, item.id, WorkItem(REVIEW_DUE, item.id, item.title, reason)))
    return found


def _not_helping(stats: ResourceStats, answers: VersionAnswers | None) -> tuple[str, float] | None:
    """Why a resource is not helping, and a score (lower is worse); None when it is not in this kind."""
    reasons: list[str] = []
    scores: list[float] = []
    video = stats.video
    if video is not None and video.viewers >= MIN_VIEWERS and video.median_fetched < LOW_WATCH_THROUGH:
        reasons.append(
            f"low watch-through: median {100 * video.median_fetched:.0f} % fetched by {video.viewers} viewers"
        )
        scores.append(video.median_fetched)
    if answers is not None:
        total = answers.helped + answers.not_needed + answers.wrong
        if total >= MIN_ANSWERS and answers.helped < FEW_HELPED * total:
            reasons.append(f"few helped: {answers.helped} of {total} answers to version {answers.version}")
            scores.append(answers.helped / total)
    return ("; ".join(reasons), min(scores)) if reasons else None


def work_queue(
    catalogue: Catalogue, *, resources: list[ResourceStats], no_answer: list[SearchStats], today: dt.date
) -> list[WorkItem]:
    """The queue, most urgent first (see the module's notes for the order)."""
    stats_of = {r.id: r for r in resources}
    wrong: list[tuple[int, str, WorkItem]] = []
    weak: list[tuple[float, str, WorkItem]] = []
    for resource in catalogue.resources:
        stats = stats_of.get(resource.id)
        version = resource.version
        answers = stats.answers.version(version) if stats is not None and stats.answers is not None else None
        if answers is not None and answers.wrong >= WRONG_MIN:
            reason = f"{answers.wrong} marked it wrong or out of date (version {version})"
            wrong.append((-answers.wrong, resource.id, WorkItem(MARKED_WRONG, resource.id, resource.title, reason)))
        found = _not_helping(stats, answers) if stats is not None else None
        if found is not None:
            weak.append((found[1], resource.id, WorkItem(NOT_HELPING, resource.id, resource.title, found[0])))
    searches = [
        WorkItem(
            SEARCH_FOUND_NOTHING,
            "",
            s.term,
            f"searched {s.no_result} time{'s' if s.no_result != 1 else ''} and found nothing",
        )
        for s in no_answer
        if s.no_result >= NO_RESULT_MIN
    ][:QUEUE_SEARCHES]
    ordered = [item for _, _, item in sorted(wrong, key=lambda w: w[:2])] + [
        item for _, _, item in sorted(weak, key=lambda w: w[:2])
    ]
    due_now = sorted(_review_due(catalogue, today), key=lambda d: d[:2])
    return ordered + searches + [item for _, _, item in due_now]
