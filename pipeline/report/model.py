"""Evidence of use from what a static site already has: the web server's access log and a feedback export.

The site's layout (relative to wherever it is published, so only the path's end is matched):

- ``r/<id>/`` or ``r/<id>/index.html``: a resource page; a GET answered 200 or 304 is a view;
- ``j/<id>/`` or ``j/<id>/index.html``: a journey page;
- ``media/<id>/video.mp4``: the resource's video; the bytes served (200 or 206) say how much of
  it a visitor fetched;
- ``search.gif?q=<term>&n=<results>``: the site's search records each search this way, so any
  static host's log sees it; ``n=0`` is a search that found nothing;
- ``feedback.gif?r=<id>&v=<version>&a=<answer>``: a worker's answer to "Did this help?" on a
  resource page (see :mod:`pipeline.report.answers`); the answers feed the queue of work
  (:mod:`pipeline.report.queue`).

A visitor is a keyed BLAKE2b hash of address and user agent. The key (salt) is random for each
run unless ``report: salt:`` is set, so clear addresses are never kept and hashes from different
runs cannot be joined. Requests from crawlers (by user agent) and HEAD requests are not counted.

Watch-through is an estimate. For each visitor and video the byte ranges served are merged; the
fraction of the video's size they cover is how much was fetched. Where the log has the range
(a Content-Range or Range field after the user agent, see docs/report.md) the offsets are exact;
otherwise a 200 starts at byte 0 and a 206's bytes are added without an offset (so overlapping
re-fetches may count twice, capped at the whole file). Browsers buffer ahead of what is played,
so it is an upper bound on what was watched. The video's size is that of ``media/<id>/video.mp4``
in the workspace when present, else the largest total a Content-Range gave, else the furthest
byte seen (then every figure for that video is an upper bound).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from statistics import median
from typing import Any, NamedTuple

from pipeline import clock
from pipeline.errors import CatalogueError, ReportError
from pipeline.report.answers import AnswerStats, answer_stats
from pipeline.report.feedback import FeedbackColumns, FeedbackExport, FeedbackRow, read_feedback
from pipeline.report.logs import MAX_LINE_BYTES, LogFileStats, ProgressCallback, check_log_files
from pipeline.report.questions import CandidateQuestion, candidate_questions
from pipeline.report.queue import WorkItem, work_queue
from pipeline.report.tally import JOURNEY, RESOURCE, LogTally, PageCount, VideoTally, Watch, tally_logs
from pipeline.workspace.catalogue import Catalogue, read_catalogue
from pipeline.workspace.paths import Workspace
from pipeline.workspace.yamlio import line_of

STAGES: tuple[str, ...] = ("beginner", "intermediate", "advanced")
REPORT_KEYS = ("salt", "feedback")
FEEDBACK_KEYS = ("resource", "rating", "comment", "date")
FINISHED = 0.95


# ---------------------------------------------------------------- settings and journeys


@dataclass
class ReportSettings:
    salt: str = ""
    feedback: FeedbackColumns = field(default_factory=FeedbackColumns)


def read_report_settings(catalogue: Catalogue) -> ReportSettings:
    """The ``report:`` section of resources.yaml, every problem reported with its line."""
    doc = catalogue.doc
    node = doc.get("report") if isinstance(doc, dict) else None
    name = catalogue.path.name
    if node is None:
        return ReportSettings()
    problems: list[str] = []
    if not isinstance(node, dict):
        where = f"{name}:{line_of(doc, 'report') or '?'}"
        raise CatalogueError(
            f"{name} has 1 problem; fix it and run the command again",
            [f"{where}: report: expected a mapping with salt and feedback, got {node!r}"],
        )

    def text(parent: Any, key: str, where: str) -> str:
        value = parent.get(key)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            problems.append(f"{name}:{line_of(parent, key) or '?'}: {where}.{key}: expected text, got {value!r}")
            return ""
        return str(value).strip()

    for key in node:
        if key not in REPORT_KEYS:
            problems.append(
                f"{name}:{line_of(node, key) or '?'}: report.{key}: unknown key (known keys: {', '.join(REPORT_KEYS)})"
            )
    settings = ReportSettings(salt=text(node, "salt", "report"))
    columns = node.get("feedback")
    if columns is not None:
        if not isinstance(columns, dict):
            problems.append(
                f"{name}:{line_of(node, 'feedback') or '?'}: report.feedback: expected a mapping of column names "
                f"(resource, rating, comment, date), got {columns!r}"
            )
        else:
            for key in columns:
                if key not in FEEDBACK_KEYS:
                    problems.append(
                        f"{name}:{line_of(columns, key) or '?'}: report.feedback.{key}: unknown key "
                        f"(known keys: {', '.join(FEEDBACK_KEYS)})"
                    )
            settings.feedback = FeedbackColumns(**{k: text(columns, k, "report.feedback") for k in FEEDBACK_KEYS})
    if problems:
        count = len(problems)
        raise CatalogueError(
            f"{name} has {count} problem{'s' if count > 1 else ''} in its report settings; "
            f"fix {'them' if count > 1 else 'it'} and run the command again",
            problems,
        )
    return settings


@dataclass
class JourneyPlan:
    """Just what the report needs of a journey: its id, title and the resource ids of each stage."""

    id: str
    title: str
    stages: dict[str, list[str]]


def read_journey_plans(folder: Path) -> tuple[list[JourneyPlan], list[str]]:
    """Every ``journeys/*.yaml``, read by the journeys' one reader and used tolerantly.

    A file that cannot be parsed is a warning and left out, not an error: the report still
    counts everything else.
    """
    from pipeline.workspace.journeys import read_journey

    plans: list[JourneyPlan] = []
    warnings: list[str] = []
    if not folder.is_dir():
        return plans, warnings
    for path in sorted(folder.glob("*.yaml")):
        journey, doc, problems = read_journey(path)
        if doc is None:
            warnings.append(f"{problems[0]}; the journey is left out of the report")
            continue
        if not isinstance(doc, dict):
            warnings.append(f"journeys/{path.name}: expected a mapping with title and stages; left out of the report")
            continue
        if not isinstance(doc.get("stages"), dict):
            warnings.append(f"journeys/{path.name}: no stages; the journey's progression cannot be measured")
        stages = {stage: [step.id for step in journey.stages.get(stage, []) if step.id] for stage in STAGES}
        title = doc.get("title")
        # The site publishes a journey at j/<file name without .yaml>/.
        plans.append(JourneyPlan(id=path.stem, title=str(title) if title else path.stem, stages=stages))
    return plans, warnings


# ---------------------------------------------------------------- the result


@dataclass
class DayCount:
    day: date
    views: int
    visitors: int


@dataclass
class WeekCount:
    week: str  # ISO week, e.g. 2026-W47
    views: int
    visitors: int


@dataclass
class VideoStats:
    """How much of a video its viewers fetched (see the module's notes on the estimate)."""

    size: int
    size_source: str  # "file", "content-range" or "furthest-byte"
    requests: int
    bytes_served: int
    viewers: int
    median_fetched: float  # fraction of the video, 0..1
    past_quarter: int  # viewers who fetched more than 25 %
    past_half: int
    past_three_quarters: int
    finished: int  # fetched at least 95 %


@dataclass
class FeedbackComment:
    text: str
    rating: float | None
    day: date | None


@dataclass
class FeedbackStats:
    responses: int
    ratings: int
    mean_rating: float | None
    rating_counts: dict[str, int]
    comments: list[FeedbackComment]


@dataclass
class ResourceStats:
    id: str
    title: str
    views: int
    visitors: int
    days: list[DayCount]
    weeks: list[WeekCount]
    video: VideoStats | None
    feedback: FeedbackStats | None
    answers: AnswerStats | None = None  # "Did this help?" from the page, per version


@dataclass
class JourneyStats:
    id: str
    title: str
    page_views: int
    started: int  # visitors who opened the journey page or a beginner-stage resource
    reached_intermediate: int  # of those, visitors who viewed an intermediate-stage resource
    reached_advanced: int  # of those, visitors who viewed an advanced-stage resource

    @property
    def drop_out(self) -> float:
        """The share of starters who never reached the intermediate stage."""
        return 1 - self.reached_intermediate / self.started if self.started else 0.0


@dataclass
class SearchStats:
    term: str
    searches: int
    no_result: int  # searches that reported n=0
    visitors: int


@dataclass
class Report:
    generated: str
    since: date | None
    first_day: date | None
    last_day: date | None
    files: list[LogFileStats]
    lines: int
    malformed: int
    before_since: int
    bot_requests: int
    page_views: int  # resource and journey pages
    visitors: int
    days: list[DayCount]
    weeks: list[WeekCount]
    resources: list[ResourceStats]
    journeys: list[JourneyStats]
    searches: list[SearchStats]
    unknown_pages: dict[str, int]
    feedback_file: str
    feedback_rows: int
    feedback_unmatched: int
    salt_source: str  # "random" (this run only) or "setting"
    warnings: list[str]
    answer_junk: int = 0  # feedback.gif requests whose query was not an answer: counted, never kept
    unknown_answers: dict[str, int] = field(default_factory=dict)  # answers naming an id the catalogue lacks
    queue: list[WorkItem] = field(default_factory=list)  # most urgent first (pipeline.report.queue)

    @property
    def unwatched(self) -> list[ResourceStats]:
        """Resources with video viewers of whom none fetched more than the first quarter."""
        return [r for r in self.resources if r.video and r.video.viewers and r.video.past_quarter == 0]

    @property
    def no_answer(self) -> list[SearchStats]:
        """Searches that found nothing at least once, most asked first: the next clips to film."""
        return sorted((s for s in self.searches if s.no_result), key=lambda s: (-s.no_result, s.term))

    @property
    def candidate_questions(self) -> list[CandidateQuestion]:
        """The searches with no answer, near duplicates merged (``capture questions import-searches`` adopts them)."""
        return candidate_questions(self.no_answer)


# ---------------------------------------------------------------- from counts to a report


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


class Series(NamedTuple):
    """Views and distinct visitors per day and per ISO week, and over the whole period."""

    days: list[DayCount]
    weeks: list[WeekCount]
    views: int
    visitors: int


def _series(by_day: dict[date, PageCount]) -> Series:
    days = [DayCount(day, count.views, len(count.visitors)) for day, count in sorted(by_day.items())]
    weeks: dict[str, PageCount] = {}
    everyone: set[bytes] = set()
    for day, count in by_day.items():
        week = weeks.setdefault(_week(day), PageCount(0, set()))
        week.views += count.views
        week.visitors |= count.visitors
        everyone |= count.visitors
    week_counts = [WeekCount(w, count.views, len(count.visitors)) for w, count in sorted(weeks.items())]
    return Series(days, week_counts, sum(d.views for d in days), len(everyone))


def _video_size(workspace: Workspace, resource_id: str, tally: VideoTally) -> tuple[int, str]:
    media = workspace.media_folder(resource_id) / "video.mp4"
    try:
        return media.stat().st_size, "file"
    except OSError:
        pass
    if tally.content_range_total:
        return tally.content_range_total, "content-range"
    return tally.furthest, "furthest-byte"


def _video_stats(
    workspace: Workspace, resource_id: str, *, video: VideoTally | None, watches: list[Watch]
) -> VideoStats | None:
    if video is None:
        return None
    size, source = _video_size(workspace, resource_id, video)
    fractions = [w.fetched(size) for w in watches]
    return VideoStats(
        size=size,
        size_source=source,
        requests=video.requests,
        bytes_served=video.bytes_served,
        viewers=len(fractions),
        median_fetched=round(median(fractions), 4) if fractions else 0.0,
        past_quarter=sum(f > 0.25 for f in fractions),
        past_half=sum(f > 0.5 for f in fractions),
        past_three_quarters=sum(f > 0.75 for f in fractions),
        finished=sum(f >= FINISHED for f in fractions),
    )


def _feedback_stats(export: FeedbackExport | None) -> dict[str, FeedbackStats]:
    if export is None:
        return {}
    grouped: dict[str, list[FeedbackRow]] = {}
    for row in export.rows:
        grouped.setdefault(row.resource_id, []).append(row)
    result: dict[str, FeedbackStats] = {}
    for resource_id, rows in grouped.items():
        ratings = [r.rating for r in rows if r.rating is not None]
        counts: dict[str, int] = {}
        for rating in sorted(ratings):
            label = f"{rating:g}"
            counts[label] = counts.get(label, 0) + 1
        result[resource_id] = FeedbackStats(
            responses=len(rows),
            ratings=len(ratings),
            mean_rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
            rating_counts=counts,
            comments=[FeedbackComment(r.comment, r.rating, r.day) for r in rows if r.comment],
        )
    return result


class PageDays:
    """The tally's page counts by page: (kind, id) → day → views and visitors."""

    def __init__(self, tally: LogTally) -> None:
        self.by_page: dict[tuple[bytes, bytes], dict[date, PageCount]] = {}
        for (kind, page_id, day), count in tally.pages.items():
            self.by_page.setdefault((kind, page_id), {})[day] = count

    def days(self, kind: bytes, page_id: str) -> dict[date, PageCount]:
        return self.by_page.get((kind, page_id.encode()), {})

    def visitors(self, kind: bytes, page_id: str) -> set[bytes]:
        everyone: set[bytes] = set()
        for count in self.days(kind, page_id).values():
            everyone |= count.visitors
        return everyone

    def site(self) -> Series:
        """Resource and journey pages together, per day."""
        by_day: dict[date, PageCount] = {}
        for days in self.by_page.values():
            for day, count in days.items():
                merged = by_day.setdefault(day, PageCount(0, set()))
                merged.views += count.views
                merged.visitors |= count.visitors
        return _series(by_day)


def _resource_stats(
    workspace: Workspace, catalogue: Catalogue, *, pages: PageDays, tally: LogTally, feedback: FeedbackExport | None
) -> list[ResourceStats]:
    """Every resource with a view, a video fetch or feedback, most viewed first."""
    watches_of: dict[bytes, list[Watch]] = {}
    for (video_id, _), watch in tally.watches.items():
        watches_of.setdefault(video_id, []).append(watch)
    ratings = _feedback_stats(feedback)
    answers = answer_stats(tally.answers)
    resources: list[ResourceStats] = []
    for resource in catalogue.resources:
        series = _series(pages.days(RESOURCE, resource.id))
        key = resource.id.encode()
        video = _video_stats(workspace, resource.id, video=tally.videos.get(key), watches=watches_of.get(key, []))
        stats = ratings.get(resource.id)
        answered = answers.get(resource.id)
        if series.views or video is not None or stats is not None or answered is not None:
            resources.append(
                ResourceStats(
                    resource.id,
                    resource.title,
                    series.views,
                    series.visitors,
                    series.days,
                    series.weeks,
                    video,
                    stats,
                    answered,
                )
            )
    resources.sort(key=lambda r: (-r.views, -r.visitors, r.id))
    return resources


def _journey_stats(plans: list[JourneyPlan], pages: PageDays) -> list[JourneyStats]:
    journeys: list[JourneyStats] = []
    for plan in plans:
        reached = {
            stage: set().union(*(pages.visitors(RESOURCE, rid) for rid in ids)) for stage, ids in plan.stages.items()
        }
        started = pages.visitors(JOURNEY, plan.id) | reached["beginner"]
        journeys.append(
            JourneyStats(
                id=plan.id,
                title=plan.title,
                page_views=sum(count.views for count in pages.days(JOURNEY, plan.id).values()),
                started=len(started),
                reached_intermediate=len(started & reached["intermediate"]),
                reached_advanced=len(started & reached["advanced"]),
            )
        )
    return journeys


def _search_stats(tally: LogTally) -> list[SearchStats]:
    return sorted(
        (SearchStats(term, c.searches, c.no_result, len(c.visitors)) for term, c in tally.searches.items()),
        key=lambda s: (-s.searches, s.term),
    )


def _warnings(warnings: list[str], tally: LogTally, feedback: FeedbackExport | None) -> list[str]:
    """The journeys' warnings, then each file's problem, over-long lines and a file that is not a log."""
    found = list(warnings)
    found += [f.problem for f in tally.files if f.problem]
    found += [
        f"{Path(f.path).name}: {f.overlong:,} line{'s' if f.overlong != 1 else ''} over {MAX_LINE_BYTES:,} bytes "
        "skipped as not a log line"
        for f in tally.files
        if f.overlong
    ]
    found += [
        f"{Path(f.path).name}: {f.malformed:,} of {f.lines:,} lines are not in the combined or common log format; "
        "check it is an access log (a custom log_format must start with the combined fields)"
        for f in tally.files
        if f.malformed and f.malformed * 10 >= f.lines * 9
    ]
    if feedback is not None:
        found += feedback.warnings
    return found


def summarise(
    workspace: Workspace,
    catalogue: Catalogue,
    *,
    plans: list[JourneyPlan],
    tally: LogTally,
    feedback: FeedbackExport | None,
    since: date | None,
    salt_source: str,
    warnings: list[str],
    today: date | None = None,
) -> Report:
    """Turn the streamed counts into the typed report: per resource, journey and search term, and the queue."""
    pages = PageDays(tally)
    site = pages.site()
    report = Report(
        generated=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        since=since,
        first_day=tally.days_seen[0] if tally.days_seen else None,
        last_day=tally.days_seen[-1] if tally.days_seen else None,
        files=tally.files,
        lines=tally.lines,
        malformed=tally.malformed,
        before_since=tally.before_since,
        bot_requests=tally.bots,
        page_views=site.views,
        visitors=site.visitors,
        days=site.days,
        weeks=site.weeks,
        resources=_resource_stats(workspace, catalogue, pages=pages, tally=tally, feedback=feedback),
        journeys=_journey_stats(plans, pages),
        searches=_search_stats(tally),
        unknown_pages=dict(sorted(tally.unknown_pages.items(), key=lambda item: (-item[1], item[0]))),
        feedback_file=feedback.path if feedback else "",
        feedback_rows=feedback.total_rows if feedback else 0,
        feedback_unmatched=feedback.unmatched_rows if feedback else 0,
        salt_source=salt_source,
        warnings=_warnings(warnings, tally, feedback),
        answer_junk=tally.answers.junk,
        unknown_answers=dict(sorted(tally.answers.unknown.items(), key=lambda item: (-item[1], item[0]))),
    )
    report.queue = work_queue(
        catalogue, resources=report.resources, no_answer=report.no_answer, today=today or clock.today()
    )
    return report


def build_report(
    workspace: Workspace,
    access_logs: list[Path],
    feedback_csv: Path | None = None,
    *,
    since: date | None = None,
    salt: str | None = None,
    on_progress: ProgressCallback | None = None,
    today: date | None = None,
) -> Report:
    """Read the workspace, stream the logs, read the feedback: the whole report in one call.

    Everything that can be checked cheaply (files exist, settings, the feedback CSV's columns) is
    checked before the long read of the logs starts.
    """
    logs = check_log_files(list(access_logs))
    catalogue = read_catalogue(workspace.catalogue_path)
    settings = read_report_settings(catalogue)
    plans, warnings = read_journey_plans(workspace.journeys_dir)
    known = {r.id for r in catalogue.resources}
    feedback = None
    if feedback_csv is not None:
        by_title = {r.title.casefold(): r.id for r in catalogue.resources}
        feedback = read_feedback(feedback_csv, settings.feedback, known_ids=known, ids_by_title=by_title, since=since)
    key_text = salt if salt is not None else settings.salt
    salt_source = "setting" if key_text else "random"
    key = hashlib.blake2b(key_text.encode("utf-8"), digest_size=32).digest() if key_text else secrets.token_bytes(32)
    tally = tally_logs(
        logs, resources=known, journeys={p.id for p in plans}, since=since, salt=key, on_progress=on_progress
    )
    return summarise(
        workspace,
        catalogue,
        plans=plans,
        tally=tally,
        feedback=feedback,
        since=since,
        salt_source=salt_source,
        warnings=warnings,
        today=today,
    )


# ---------------------------------------------------------------- JSON


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def report_to_dict(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = _plain(asdict(report))
    for journey, stats in zip(data["journeys"], report.journeys, strict=False):
        journey["drop_out"] = round(stats.drop_out, 4)
    data["unwatched"] = [r.id for r in report.unwatched]
    data["no_answer"] = [s.term for s in report.no_answer]
    data["candidate_questions"] = [asdict(c) | {"count": c.count} for c in report.candidate_questions]
    return data


def report_to_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"


def parse_since(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReportError(f"--since expects a date like 2026-11-01, got {text!r}") from None
