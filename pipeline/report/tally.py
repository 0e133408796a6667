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
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

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
SITE_SUFFIXES = (b"/", b"/index.html", b"/video.mp4", b"/search.gif")
CACHE_LIMIT = 50_000
_UNSEEN = object()
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


@dataclass
class VideoTally:
    requests: int = 0
    bytes_served: int = 0
    content_range_total: int = 0
    furthest: int = 0


@dataclass
class LogTally:
    """Everything counted while streaming the logs; visitors are opaque hashes."""

    files: list[LogFileStats] = field(default_factory=list)
    lines: int = 0
    malformed: int = 0
    before_since: int = 0
    bots: int = 0
    days_seen: list[date] = field(default_factory=list)
    # (b"r" or b"j", id, day) -> [views, {visitor, ...}]
    pages: dict[tuple[bytes, bytes, date], list[Any]] = field(default_factory=dict)
    videos: dict[bytes, VideoTally] = field(default_factory=dict)
    watches: dict[tuple[bytes, bytes], Watch] = field(default_factory=dict)
    # term -> [searches, no result, {visitor, ...}]
    searches: dict[str, list[Any]] = field(default_factory=dict)
    unknown_pages: dict[str, int] = field(default_factory=dict)


def _search_term(query: bytes) -> tuple[str, int | None]:
    fields = parse_qs(query.decode("utf-8", "replace"), keep_blank_values=True)
    term = " ".join((fields.get("q") or [""])[0].casefold().split())[:MAX_TERM_LENGTH]
    found = (fields.get("n") or [""])[0].strip()
    return term, int(found) if found.isdigit() else None


def tally_logs(
    paths: list[Path],
    known_resources: set[str],
    known_journeys: set[str],
    since: date | None,
    salt: bytes,
    on_progress: ProgressCallback | None = None,
) -> LogTally:
    """Stream every log once and count what the report needs; memory grows with visitors, not lines."""
    tally = LogTally()
    resources = {r.encode() for r in known_resources}
    journeys = {j.encode() for j in known_journeys}
    sizes = [p.stat().st_size for p in paths]
    total = sum(sizes)
    match = LINE_PATTERN.match
    path_search = PATH_PATTERN.search
    bot_search = BOT_PATTERN.search
    rest_match = REST_PATTERN.match
    plain_rest_match = PLAIN_REST_PATTERN.match
    blake2b = hashlib.blake2b
    day_cache: dict[bytes, date | None] = {}
    site_cache: dict[bytes, Any] = {}
    bot_cache: dict[bytes, bool] = {}
    query_cache: dict[bytes, tuple[str, int | None]] = {}
    pages = tally.pages
    videos = tally.videos
    watches = tally.watches
    searches = tally.searches
    unknown = tally.unknown_pages
    done_before = 0
    for path, size in zip(paths, sizes, strict=False):
        stats = LogFileStats(path=str(path), bytes=size)
        tally.files.append(stats)
        offset = done_before

        def on_bytes(done: int, offset: int = offset) -> None:
            if on_progress is not None:
                on_progress(offset + done, total)

        lines = malformed = before_since = bots = overlong = 0
        first_bad: list[int] = []
        for block in read_blocks(path, stats, on_bytes if on_progress else None):
            for line in block:
                lines += 1
                m = match(line)
                if m is None:
                    if line.strip():
                        malformed += 1
                        overlong += line == OVERLONG_LINE
                        if len(first_bad) < 5:
                            first_bad.append(lines)
                    continue
                day_text = m[2]
                try:
                    day = day_cache[day_text]
                except KeyError:
                    day = day_cache[day_text] = parse_log_date(day_text)
                if day is None:
                    malformed += 1
                    if len(first_bad) < 5:
                        first_bad.append(lines)
                    continue
                if since is not None and day < since:
                    before_since += 1
                    continue
                target = m[4]
                question = target.find(b"?")
                url_path = target if question < 0 else target[:question]
                if not url_path.endswith(SITE_SUFFIXES) or m[3] != b"GET":
                    continue
                # Pages and agents repeat endlessly in a log: classify each distinct one once.
                site = site_cache.get(url_path, _UNSEEN)
                if site is _UNSEEN:
                    found = path_search(url_path)
                    site = None if found is None else found.groups()
                    if len(site_cache) >= CACHE_LIMIT:
                        site_cache.clear()
                    site_cache[url_path] = site
                if site is None:
                    continue
                rest_text = m[7]
                rest = (rest_match if b"\\" in rest_text else plain_rest_match)(rest_text)
                # A common-format line (no referer and agent) still counts, keyed by address alone.
                agent, extra = (rest[1], rest[2]) if rest is not None else (b"", rest_text)
                is_bot = bot_cache.get(agent)
                if is_bot is None:
                    is_bot = bot_search(agent) is not None
                    if len(bot_cache) >= CACHE_LIMIT:
                        bot_cache.clear()
                    bot_cache[agent] = is_bot
                if is_bot:
                    bots += 1
                    continue
                visitor = blake2b(m[1] + b"\0" + agent, key=salt, digest_size=8).digest()
                status = m[5]
                kind = site[0]
                if kind is not None:
                    if status not in PAGE_OK:
                        continue
                    page_id = site[1]
                    if page_id not in (resources if kind == b"r" else journeys):
                        name = f"{kind.decode()}/{page_id.decode()}/"
                        if name in unknown or len(unknown) < MAX_UNKNOWN_PAGES:
                            unknown[name] = unknown.get(name, 0) + 1
                        continue
                    key = (kind, page_id, day)
                    entry = pages.get(key)
                    if entry is None:
                        pages[key] = [1, {visitor}]
                    else:
                        entry[0] += 1
                        entry[1].add(visitor)
                elif site[2] is not None:
                    video_id = site[2]
                    if status not in VIDEO_OK:
                        continue
                    if video_id not in resources:
                        name = f"media/{video_id.decode()}/video.mp4"
                        if name in unknown or len(unknown) < MAX_UNKNOWN_PAGES:
                            unknown[name] = unknown.get(name, 0) + 1
                        continue
                    sent = int(m[6]) if m[6] != b"-" else 0
                    video = videos.get(video_id)
                    if video is None:
                        video = videos[video_id] = VideoTally()
                    video.requests += 1
                    video.bytes_served += sent
                    start: int | None = None
                    if status == b"200":
                        start = 0
                    else:
                        found = CONTENT_RANGE_PATTERN.search(extra) if extra else None
                        if found is not None:
                            start = int(found[1])
                            if found[3] != b"*":
                                video.content_range_total = max(video.content_range_total, int(found[3]))
                        elif extra and (found := RANGE_PATTERN.search(extra)) is not None:
                            start = int(found[1])
                    watch = watches.get((video_id, visitor))
                    if watch is None:
                        watch = watches[(video_id, visitor)] = Watch()
                    if start is None:
                        watch.unplaced += sent
                        video.furthest = max(video.furthest, sent)
                    else:
                        watch.add(start, start + sent)
                        video.furthest = max(video.furthest, start + sent)
                else:
                    query = target[question + 1 :] if question >= 0 else b""
                    parsed = query_cache.get(query)
                    if parsed is None:
                        parsed = _search_term(query)
                        if len(query_cache) >= CACHE_LIMIT:
                            query_cache.clear()
                        query_cache[query] = parsed
                    term, results = parsed
                    if not term:
                        continue
                    entry = searches.get(term)
                    if entry is None:
                        if len(searches) >= MAX_SEARCH_TERMS:
                            continue
                        entry = searches[term] = [0, 0, set()]
                    entry[0] += 1
                    if results == 0:
                        entry[1] += 1
                    entry[2].add(visitor)
        stats.lines = lines
        stats.malformed = malformed
        stats.overlong = overlong
        stats.first_malformed_lines = tuple(first_bad)
        tally.lines += lines
        tally.malformed += malformed
        tally.before_since += before_since
        tally.bots += bots
        done_before += size
    tally.days_seen = sorted(d for d in day_cache.values() if d is not None and (since is None or d >= since))
    return tally
