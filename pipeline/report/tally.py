"""Counting, in one streaming pass over the logs, what the report needs (see :mod:`pipeline.report.model`).

Per line: one compiled regular expression, a suffix test on the path, and for the site's own
pages a cached classification, a keyed hash of the visitor and a few dict updates. Paths, user
agents and search queries repeat endlessly in a log, so each distinct one is classified once
(caches are bounded and simply emptied when full). Memory grows with distinct visitors, pages,
days and search terms, never with the number of lines.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple, TypeVar
from urllib.parse import parse_qs

from pipeline.report.answers import AnswerTally
from pipeline.report.logs import (
    CONTENT_RANGE_PATTERN,
    LINE_PATTERN,
    OVERLONG_LINE,
    PATH_PATTERN,
    PLAIN_REST_PATTERN,
    RANGE_PATTERN,
    REST_PATTERN,
    LogFileStats,
    ProgressCallback,
    parse_log_date,
    read_blocks,
)

MAX_SEARCH_TERMS = 100_000
MAX_UNKNOWN_PAGES = 1_000
MAX_TERM_LENGTH = 100
BOT_PATTERN = re.compile(
    rb"(?i)(?:bot|crawler|spider)[/;)\s]|bot$|crawl|slurp|curl/|wget/|python-requests|go-http-client|headlesschrome"
)
SITE_SUFFIXES = (b"/", b"/index.html", b"/video.mp4", b"/search.gif", b"/feedback.gif")
CACHE_LIMIT = 50_000
MAX_FIRST_MALFORMED = 5
_blake2b = hashlib.blake2b
PAGE_OK = (b"200", b"304")
VIDEO_OK = (b"200", b"206")


class Watch:
    """The byte spans of one video one visitor was sent, merged, plus bytes with no known offset."""

    __slots__ = ("spans", "unplaced")

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []
        self.unplaced = 0

    def add(self, start: int, end: int) -> None:
        if end <= start:
            return
        merged: list[tuple[int, int]] = []
        placed = False
        for s, e in self.spans:
            if e < start:
                merged.append((s, e))
            elif s > end:
                if not placed:
                    merged.append((start, end))
                    placed = True
                merged.append((s, e))
            else:
                start, end = min(s, start), max(e, end)
        if not placed:
            merged.append((start, end))
        self.spans = merged

    def fetched(self, size: int) -> float:
        if size <= 0:
            return 0.0
        covered = sum(min(e, size) - s for s, e in self.spans if s < size) + self.unplaced
        return min(1.0, covered / size)


@dataclass(slots=True)
class VideoTally:
    requests: int = 0
    bytes_served: int = 0
    content_range_total: int = 0
    furthest: int = 0


@dataclass(slots=True)
class PageCount:
    """The views of one page on one day, and who viewed it."""

    views: int
    visitors: set[bytes]


@dataclass(slots=True)
class SearchCount:
    """How often one term was searched, how often it found nothing, and who searched it."""

    searches: int = 0
    no_result: int = 0
    visitors: set[bytes] = field(default_factory=set)


class SitePath(NamedTuple):
    """A path of the site's own: a resource page, a journey page, a video, the search or the answer beacon."""

    kind: bytes  # RESOURCE, JOURNEY, VIDEO, SEARCH or ANSWER
    id: bytes  # the resource's or journey's id; empty for a search


RESOURCE, JOURNEY, VIDEO, SEARCH, ANSWER = b"r", b"j", b"v", b"s", b"a"


@dataclass
class LogTally:
    """Everything counted while streaming the logs; visitors are opaque hashes."""

    files: list[LogFileStats] = field(default_factory=list)
    lines: int = 0
    malformed: int = 0
    before_since: int = 0
    bots: int = 0
    days_seen: list[date] = field(default_factory=list)
    pages: dict[tuple[bytes, bytes, date], PageCount] = field(default_factory=dict)  # (kind, id, day)
    videos: dict[bytes, VideoTally] = field(default_factory=dict)
    watches: dict[tuple[bytes, bytes], Watch] = field(default_factory=dict)  # (video id, visitor)
    searches: dict[str, SearchCount] = field(default_factory=dict)
    unknown_pages: dict[str, int] = field(default_factory=dict)
    answers: AnswerTally = field(default_factory=AnswerTally)


def _search_term(query: bytes) -> tuple[str, int | None]:
    fields = parse_qs(query.decode("utf-8", "replace"), keep_blank_values=True)
    term = " ".join((fields.get("q") or [""])[0].casefold().split())[:MAX_TERM_LENGTH]
    found = (fields.get("n") or [""])[0].strip()
    return term, int(found) if found.isdigit() else None


def classify_path(url_path: bytes) -> SitePath | None:
    """The site's own page, video or search that ``url_path`` ends in; None for anything else."""
    found = PATH_PATTERN.search(url_path)
    if found is None:
        return None
    kind, page_id, video_id, search, _ = found.groups()
    if kind is not None:
        return SitePath(kind, page_id)
    if video_id is not None:
        return SitePath(VIDEO, video_id)
    return SitePath(SEARCH if search is not None else ANSWER, b"")


def _range_start(video: VideoTally, extra: bytes) -> int | None:
    """Where a 206's bytes start, from the Content-Range sent or else the Range asked for; None if not logged."""
    if not extra:
        return None
    found = CONTENT_RANGE_PATTERN.search(extra)
    if found is not None:
        if found[3] != b"*":
            video.content_range_total = max(video.content_range_total, int(found[3]))
        return int(found[1])
    found = RANGE_PATTERN.search(extra)
    return int(found[1]) if found is not None else None


Key = TypeVar("Key")
Value = TypeVar("Value")


def _remember(cache: dict[Key, Value], key: Key, value: Value) -> Value:
    """Keep ``value`` in a bounded cache: a full one is simply emptied (distinct values are few in a real log)."""
    if len(cache) >= CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


class _Counter:
    """One streaming pass: the tally it fills, what it checks ids against, and the caches that keep a line cheap.

    Paths, user agents, days and search queries repeat endlessly in a log, so each distinct one is
    classified once. Most lines (assets, other sites' paths) are dropped by :meth:`read_file` itself;
    only requests for the site's own pages go on to :meth:`request`.
    """

    __slots__ = (
        "bot_cache",
        "day_cache",
        "first_bad",
        "journeys",
        "pages",
        "query_cache",
        "resources",
        "salt",
        "since",
        "site_cache",
        "tally",
    )

    def __init__(
        self, tally: LogTally, *, resources: set[bytes], journeys: set[bytes], since: date | None, salt: bytes
    ) -> None:
        self.tally = tally
        self.pages = tally.pages
        self.resources = resources
        self.journeys = journeys
        self.since = since
        self.salt = salt
        self.day_cache: dict[bytes, date | None] = {}
        self.site_cache: dict[bytes, SitePath | None] = {}
        self.bot_cache: dict[bytes, bool] = {}
        self.query_cache: dict[bytes, tuple[str, int | None]] = {}
        self.first_bad: list[int] = []

    def read_file(self, path: Path, stats: LogFileStats, on_bytes: Callable[[int], None] | None) -> None:
        """Count every line of one file; the cheap tests that drop most lines are inline, on purpose."""
        match = LINE_PATTERN.match
        day_cache = self.day_cache
        since = self.since
        request = self.request
        self.first_bad = []
        lines = before_since = 0
        for block in read_blocks(path, stats, on_bytes):
            for line in block:
                lines += 1
                m = match(line)
                if m is None:
                    if line.strip():
                        self.malformed(stats, lines, line)
                    continue
                try:
                    day = day_cache[m[2]]
                except KeyError:
                    day = day_cache[m[2]] = parse_log_date(m[2])
                if day is None:
                    self.malformed(stats, lines, line)
                    continue
                if since is not None and day < since:
                    before_since += 1
                    continue
                target = m[4]
                question = target.find(b"?")
                url_path = target if question < 0 else target[:question]
                if url_path.endswith(SITE_SUFFIXES) and m[3] == b"GET":
                    request(m, day, url_path)
        stats.lines = lines
        stats.first_malformed_lines = tuple(self.first_bad)
        self.tally.before_since += before_since

    def malformed(self, stats: LogFileStats, number: int, line: bytes) -> None:
        stats.malformed += 1
        if line == OVERLONG_LINE:
            stats.overlong += 1
        if len(self.first_bad) < MAX_FIRST_MALFORMED:
            self.first_bad.append(number)

    def request(self, m: re.Match[bytes], day: date, url_path: bytes) -> None:
        """A GET whose path ends like one of the site's: which it is, who asked, and what it counts as."""
        try:
            site = self.site_cache[url_path]
        except KeyError:
            site = _remember(self.site_cache, url_path, classify_path(url_path))
        if site is None:
            return
        rest_text = m[7]
        rest = (REST_PATTERN.match if b"\\" in rest_text else PLAIN_REST_PATTERN.match)(rest_text)
        # A common-format line (no referer and agent) still counts, keyed by address alone.
        agent, extra = (rest[1], rest[2]) if rest is not None else (b"", rest_text)
        try:
            is_bot = self.bot_cache[agent]
        except KeyError:
            is_bot = _remember(self.bot_cache, agent, BOT_PATTERN.search(agent) is not None)
        if is_bot:
            self.tally.bots += 1
            return
        visitor = _blake2b(m[1] + b"\0" + agent, key=self.salt, digest_size=8).digest()
        kind = site[0]
        if kind == VIDEO:
            self.video(site[1], visitor, m=m, extra=extra)
        elif kind == SEARCH:
            self.search(m[4][len(url_path) + 1 :], visitor)  # the query after the path and its "?"
        elif kind == ANSWER:
            self.tally.answers.add(m[4][len(url_path) + 1 :], day)
        elif m[5] in PAGE_OK:
            self.page(site, day, visitor)

    def unknown(self, name: str) -> None:
        unknown = self.tally.unknown_pages
        if name in unknown or len(unknown) < MAX_UNKNOWN_PAGES:
            unknown[name] = unknown.get(name, 0) + 1

    def page(self, site: SitePath, day: date, visitor: bytes) -> None:
        kind, page_id = site
        if page_id not in (self.resources if kind == RESOURCE else self.journeys):
            self.unknown(f"{kind.decode()}/{page_id.decode()}/")
            return
        key = (kind, page_id, day)
        count = self.pages.get(key)
        if count is None:
            self.pages[key] = PageCount(1, {visitor})
        else:
            count.views += 1
            count.visitors.add(visitor)

    def video(self, video_id: bytes, visitor: bytes, *, m: re.Match[bytes], extra: bytes) -> None:
        status = m[5]
        if status not in VIDEO_OK:
            return
        if video_id not in self.resources:
            self.unknown(f"media/{video_id.decode()}/video.mp4")
            return
        sent = int(m[6]) if m[6] != b"-" else 0
        video = self.tally.videos.get(video_id)
        if video is None:
            video = self.tally.videos[video_id] = VideoTally()
        video.requests += 1
        video.bytes_served += sent
        start = 0 if status == b"200" else _range_start(video, extra)
        watch = self.tally.watches.get((video_id, visitor))
        if watch is None:
            watch = self.tally.watches[(video_id, visitor)] = Watch()
        if start is None:
            watch.unplaced += sent
            video.furthest = max(video.furthest, sent)
        else:
            watch.add(start, start + sent)
            video.furthest = max(video.furthest, start + sent)

    def search(self, query: bytes, visitor: bytes) -> None:
        try:
            term, results = self.query_cache[query]
        except KeyError:
            term, results = _remember(self.query_cache, query, _search_term(query))
        if not term:
            return
        searches = self.tally.searches
        count = searches.get(term)
        if count is None:
            if len(searches) >= MAX_SEARCH_TERMS:
                return
            count = searches[term] = SearchCount()
        count.searches += 1
        if results == 0:
            count.no_result += 1
        count.visitors.add(visitor)


def _progress(on_progress: ProgressCallback | None, offset: int, total: int) -> Callable[[int], None] | None:
    """A file's bytes read, as the bytes of all files read, for a bar over their total size."""
    if on_progress is None:
        return None
    report = on_progress
    return lambda done: report(offset + done, total)


def tally_logs(
    paths: list[Path],
    *,
    resources: set[str],
    journeys: set[str],
    since: date | None,
    salt: bytes,
    on_progress: ProgressCallback | None = None,
) -> LogTally:
    """Stream every log once and count what the report needs; memory grows with visitors, not lines."""
    tally = LogTally(answers=AnswerTally(known=set(resources)))
    counter = _Counter(
        tally,
        resources={r.encode() for r in resources},
        journeys={j.encode() for j in journeys},
        since=since,
        salt=salt,
    )
    sizes = [p.stat().st_size for p in paths]
    total = sum(sizes)
    done_before = 0
    for path, size in zip(paths, sizes, strict=True):
        stats = LogFileStats(path=str(path), bytes=size)
        tally.files.append(stats)
        counter.read_file(path, stats, _progress(on_progress, done_before, total))
        tally.lines += stats.lines
        tally.malformed += stats.malformed
        done_before += size
    tally.days_seen = sorted(d for d in counter.day_cache.values() if d is not None and (since is None or d >= since))
    return tally
