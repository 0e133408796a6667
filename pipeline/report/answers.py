"""The "Did this help?" answers a resource page sends as ``feedback.gif?r=<id>&v=<version>&a=<answer>``.

``templates/static/feedback.js`` requests the site's tiny ``feedback.gif`` with the answer in its
query string, once per device and resource version, so any static host's access log holds the
answers (as ``search.gif`` holds the searches). This module reads those query strings strictly:
an answer is one of :data:`ANSWERS`, a version is a small whole number, an id has the catalogue's
shape. Anything else (a missing or repeated field, another answer, control characters, HTML, an
overlong value) is *junk*: counted, never kept, so nothing raw from a log reaches a report. An id
of the right shape that the catalogue does not know is counted under that id, to be listed as
unknown. Answers are counted as requests: the page already sends one per device and version, and
many devices on one shop floor share an address and a browser, so distinct visitors would undercount.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qs

from pipeline.workspace.catalogue import ID_PATTERN, MAX_VERSION  # the versions resources.yaml allows

# The answers a page sends, in the order the report shows them.
HELPED, NOT_NEEDED, WRONG = "helped", "not-needed", "wrong"
ANSWERS = (HELPED, NOT_NEEDED, WRONG)
MAX_QUERY_BYTES = 300  # a real answer's query is under 120 bytes
MAX_UNKNOWN_IDS = 1_000
MAX_CACHED_QUERIES = 50_000


@dataclass(slots=True)
class VersionCount:
    """The answers one version of one resource got."""

    helped: int = 0
    not_needed: int = 0
    wrong: int = 0

    def add(self, answer: str) -> None:
        if answer == HELPED:
            self.helped += 1
        elif answer == NOT_NEEDED:
            self.not_needed += 1
        else:
            self.wrong += 1

    @property
    def total(self) -> int:
        return self.helped + self.not_needed + self.wrong


def parse_answer(query: bytes) -> tuple[str, int, str] | None:
    """``(resource id, version, answer)`` from a beacon's query string; None for anything else (junk)."""
    if len(query) > MAX_QUERY_BYTES:
        return None
    try:
        text = query.decode("ascii")
    except UnicodeDecodeError:
        return None
    try:
        fields = parse_qs(text, keep_blank_values=True, strict_parsing=True, max_num_fields=8)
    except ValueError:
        return None
    if sorted(fields) != ["a", "r", "v"] or any(len(values) != 1 for values in fields.values()):
        return None
    resource_id, version, answer = fields["r"][0], fields["v"][0], fields["a"][0]
    if answer not in ANSWERS or not ID_PATTERN.match(resource_id):
        return None
    if not (version.isascii() and version.isdigit()) or version.startswith("0") or int(version) > MAX_VERSION:
        return None
    return resource_id, int(version), answer


@dataclass
class AnswerTally:
    """Every answer in the logs: per resource and version, per resource and month (helped only), junk, unknown ids."""

    known: set[str] = field(default_factory=set)
    versions: dict[tuple[str, int], VersionCount] = field(default_factory=dict)
    helped_by_month: dict[tuple[str, str], int] = field(default_factory=dict)
    junk: int = 0
    unknown: dict[str, int] = field(default_factory=dict)
    _cache: dict[bytes, tuple[str, int, str] | None] = field(default_factory=dict, repr=False)

    def add(self, query: bytes, day: date) -> None:
        """Count one beacon request's query string, from a line dated ``day``."""
        try:
            parsed = self._cache[query]
        except KeyError:
            if len(self._cache) >= MAX_CACHED_QUERIES:
                self._cache.clear()
            parsed = self._cache[query] = parse_answer(query)
        if parsed is None:
            self.junk += 1
            return
        resource_id, version, answer = parsed
        if resource_id not in self.known:
            if resource_id in self.unknown or len(self.unknown) < MAX_UNKNOWN_IDS:
                self.unknown[resource_id] = self.unknown.get(resource_id, 0) + 1
            return
        count = self.versions.get((resource_id, version))
        if count is None:
            count = self.versions[(resource_id, version)] = VersionCount()
        count.add(answer)
        if answer == HELPED:
            month = (resource_id, f"{day.year:04d}-{day.month:02d}")
            self.helped_by_month[month] = self.helped_by_month.get(month, 0) + 1


@dataclass
class VersionAnswers:
    """One version's answers, as the report shows them."""

    version: int
    helped: int
    not_needed: int
    wrong: int


@dataclass
class AnswerStats:
    """A resource's answers: over all its versions, per version, and "helped" per month (``YYYY-MM``)."""

    helped: int
    not_needed: int
    wrong: int
    versions: list[VersionAnswers]
    helped_by_month: dict[str, int]

    def version(self, number: int) -> VersionAnswers | None:
        return next((v for v in self.versions if v.version == number), None)


def answer_stats(tally: AnswerTally) -> dict[str, AnswerStats]:
    """Each answered resource's :class:`AnswerStats`, versions and months in order."""
    result: dict[str, AnswerStats] = {}
    for (resource_id, version), count in sorted(tally.versions.items()):
        stats = result.get(resource_id)
        if stats is None:
            stats = result[resource_id] = AnswerStats(0, 0, 0, [], {})
        stats.versions.append(VersionAnswers(version, count.helped, count.not_needed, count.wrong))
        stats.helped += count.helped
        stats.not_needed += count.not_needed
        stats.wrong += count.wrong
    for (resource_id, month), helped in sorted(tally.helped_by_month.items()):
        result[resource_id].helped_by_month[month] = helped
    return result
