"""What the site shows, as plain data: one :class:`ResourceView` per resource and the :class:`SiteModel`.

A view reads its transcript lazily: the header (status, approval date) when a card needs it,
the whole file only when a page that shows the lines is rendered. The ``*_key`` properties
are hashes of everything a card, a page or a search row shows (see :mod:`pipeline.site.plan`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload
from urllib.parse import quote

from pipeline.errors import BuildError, CaptureError, TranscriptError
from pipeline.site.inputs import InputLog
from pipeline.speech.transcript import Line, Transcript, parse_transcript, read_header
from pipeline.workspace.catalogue import FEEDBACK_SCHEME, ID_PATTERN, Catalogue, Resource, Role
from pipeline.workspace.journeys import Journey, by_level

if TYPE_CHECKING:
    from pipeline.site.questions import Row
    from pipeline.site.takes import PublishedTake
    from pipeline.speech.captions import Cue
    from pipeline.speech.chapters import Aside, ChapterSpan
    from pipeline.workspace.questions import OpenQuestion

NEW_DAYS = 7
NEW_MAX = 12
HEADER_BYTES = 16384  # where a transcript's front matter must end for the site to read its status
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_VTT_TIME = re.compile(r"^(\d+):(\d\d):(\d\d)\.(\d{3}) --> (\d+):(\d\d):(\d\d)\.(\d{3})")

T = TypeVar("T")


class cached_property(Generic[T]):  # noqa: N801 - named like the functools one it replaces
    """``functools.cached_property`` without its per-instance lock (Python < 3.12 takes one on every
    first access, which costs more than the values here take to compute, 10,000 views at a time)."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> cached_property[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> T | cached_property[T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


def content_key(*parts: object) -> str:
    """A change key over ``parts``: equal while everything they hold is equal."""
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()  # noqa: S324 - a change key, not security


def feedback_link(setting: str, resource: Resource) -> str:
    """The feedback address for one resource: ``{id}`` filled in, or the id added as a subject or parameter."""
    setting = setting.strip()
    if not FEEDBACK_SCHEME.match(setting):
        return ""  # only a web form or an e-mail address; never javascript: or the like
    if "{id}" in setting:
        return setting.replace("{id}", quote(resource.id))
    joiner = "&" if "?" in setting else "?"
    if setting.startswith("mailto:"):
        return f"{setting}{joiner}subject={quote(f'Feedback on {resource.title} ({resource.id})')}"
    return f"{setting}{joiner}resource={quote(resource.id)}"


def _frame_header(data: bytes, at: int) -> tuple[int, int] | None:
    """Width and height from a start-of-frame segment at ``at``, or None where that is not one."""
    marker = data[at + 1]
    if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
        height = int.from_bytes(data[at + 5 : at + 7], "big")
        width = int.from_bytes(data[at + 7 : at + 9], "big")
        return (width, height) if width and height else (0, 0)
    return None


def jpeg_size(path: Path) -> tuple[int, int] | None:
    """Width and height from a JPEG's frame header, without decoding it."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(1 << 16)
    except OSError:
        return None
    if data[:2] != b"\xff\xd8":
        return None
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            at += 1
            continue
        marker = data[at + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            at += 1 if marker == 0xFF else 2
            continue
        frame = _frame_header(data, at)
        if frame is not None:
            return frame if frame != (0, 0) else None
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return None


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    """Cues ``(start, end, text)`` back from a WebVTT file ``format_vtt`` wrote."""
    cues: list[tuple[float, float, str]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        rows = block.strip("\n").split("\n")
        index = next((i for i, row in enumerate(rows) if "-->" in row), None)
        if index is None:
            continue
        match = _VTT_TIME.match(rows[index])
        if match is None:
            raise ValueError(f"not a cue timing line: {rows[index]!r}")
        h1, m1, s1, ms1, h2, m2, s2, ms2 = (int(g) for g in match.groups())
        words = "\n".join(rows[index + 1 :]).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        start = round(h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, 3)
        cues.append((start, round(h2 * 3600 + m2 * 60 + s2 + ms2 / 1000, 3), words))
    return cues


@dataclass
class MediaFile:
    source: str
    name: str
    key: str


@dataclass(kw_only=True)
class ResourceView:
    """One resource as the site shows it; the transcript is parsed only when a page needs it."""

    resource: Resource
    transcript_path: str | None
    transcript_bytes: bytes | None
    publish_drafts: bool
    video: MediaFile | None
    poster: MediaFile | None
    expert_slug: str
    words_bytes: bytes | None = None  # whisper's word timings (``capture add`` keeps them), for caption breaks
    current_vtt: str | None = None  # the site's captions.vtt, when it is already what this build would write
    takes: tuple[PublishedTake, ...] = ()  # the previous takes the page can still play, newest first

    @cached_property
    def transcript_digest(self) -> str:
        return hashlib.sha1(self.transcript_bytes).hexdigest() if self.transcript_bytes is not None else ""  # noqa: S324

    @cached_property
    def words_digest(self) -> str:
        return hashlib.sha1(self.words_bytes).hexdigest() if self.words_bytes is not None else ""  # noqa: S324

    @cached_property
    def _front(self) -> dict[str, str]:
        """The front matter, read by the transcript format's own reader from the file's first bytes."""
        if self.transcript_bytes is None:
            return {}
        head = self.transcript_bytes[:HEADER_BYTES]
        close = head.find(b"\n---", 3)  # most likely the closing line: the reader need see no further
        end = head.find(b"\n", close + 1) if close > 0 else -1
        for text in (head[:end], head) if end > 0 else (head,):
            try:
                return read_header(text.decode("utf-8", "replace"))
            except TranscriptError:
                continue  # "----" or "--- x" is no closing line: read on
        return {}  # a draft, then; parse_transcript says what is wrong where a page shows it

    @cached_property
    def transcript_status(self) -> str | None:
        if self.transcript_bytes is None:
            return None
        return "approved" if self._front.get("status") == "approved" else "draft"

    @property
    def reviewed(self) -> bool:
        status = self.transcript_status
        return status == "approved" if status else self.resource.review == "approved"

    @property
    def published(self) -> bool:
        """Whether the transcript (and so captions and search lines) is shown."""
        return self.transcript_bytes is not None and (self.publish_drafts or self.reviewed)

    @cached_property
    def transcript(self) -> Transcript | None:
        if not self.published or self.transcript_bytes is None:
            return None
        name = os.path.basename(self.transcript_path) if self.transcript_path else f"{self.resource.id}.md"
        try:
            return parse_transcript(self.transcript_bytes.decode("utf-8"), name)
        except UnicodeDecodeError as exc:
            raise BuildError(f"{self.resource.id}: transcripts/{name} is not UTF-8 text; save it as UTF-8") from exc
        except CaptureError as exc:
            raise BuildError(f"{self.resource.id}: {exc}") from exc

    @property
    def lines(self) -> list[Line]:
        return self.transcript.lines if self.transcript else []

    @cached_property
    def chapters(self) -> list[ChapterSpan]:
        """The chapters the page lists (and its ``chapters.vtt`` holds)."""
        from pipeline.speech.chapters import chapter_spans

        return chapter_spans(self.transcript, self.resource.duration) if self.transcript else []

    @property
    def chapters_track(self) -> bool:
        """Whether the page has a ``chapters.vtt`` (planned from a look at the bytes: see site.tracks)."""
        from pipeline.speech.chapters import may_have_chapters

        return bool(self.chapters and self.transcript_bytes and may_have_chapters(self.transcript_bytes))

    @property
    def notes(self) -> bool:
        """Whether the transcript has on-screen notes and the page a ``descriptions.vtt``."""
        from pipeline.speech.chapters import may_have_notes

        notes = bool(self.transcript and self.transcript.notes)
        return notes and bool(self.transcript_bytes and may_have_notes(self.transcript_bytes))

    @cached_property
    def track_cues(self) -> dict[str, list[tuple[float, float, str]]]:
        """The cues of the chapters and descriptions tracks for the page's script (``file://`` loads no track file)."""
        from pipeline.speech.chapters import description_cues

        if self.transcript is None:
            return {"chapters": [], "descriptions": []}
        descriptions = description_cues(self.transcript, self.resource.duration)
        return {
            "chapters": [(c.start, c.end, c.title) for c in self.chapters],
            "descriptions": [(c.start, c.end, c.text) for c in descriptions],
        }

    @cached_property
    def asides(self) -> dict[int, list[Aside]]:
        """Chapter headings and on-screen notes by the index of the transcript line they come before."""
        from pipeline.speech.chapters import asides_by_line

        return asides_by_line(self.transcript) if self.transcript else {}

    @cached_property
    def _cues(self) -> list[Cue]:
        from pipeline.speech.captions import make_cues
        from pipeline.speech.transcribe import parse_words

        if not self.lines or self.transcript is None:
            return []
        # With the word timings, as the expert's review page and `capture captions` make them.
        words = parse_words(self.words_bytes) if self.words_bytes is not None else ()
        return make_cues(self.transcript, self.resource.duration, words)

    @cached_property
    def cues(self) -> list[tuple[float, float, str]]:
        """The captions as ``[start, end, text]`` for the page's script (``file://`` refuses the track file).

        Planning cues is the costliest step of a page, so when the site's ``captions.vtt`` for
        this resource is current (its key in the manifest matches), its cues are read back from it.
        """
        if self.current_vtt is not None:
            try:
                with open(self.current_vtt, encoding="utf-8") as handle:
                    return parse_vtt(handle.read())
            except (OSError, UnicodeDecodeError, ValueError):
                pass
        return [(c.start, c.end, c.text) for c in self._cues]

    @cached_property
    def vtt(self) -> str:
        from pipeline.speech.captions import format_vtt

        return format_vtt(self._cues) if self._cues else ""

    @cached_property
    def answers(self) -> list[tuple[str, float | None]]:
        """The questions it answers with the second each answer starts (None: the start), chapters looked up."""
        from pipeline.workspace.answered import first_chapter_start

        found = []
        for question in self.resource.questions:
            seconds = question.seconds
            if question.chapter:
                seconds = first_chapter_start(self.lines, question.chapter)
            found.append((question.text, seconds))
        return found

    @cached_property
    def frame(self) -> tuple[int, int] | None:
        return jpeg_size(Path(self.poster.source)) if self.poster else None

    @property
    def portrait(self) -> bool:
        return bool(self.frame and self.frame[1] > self.frame[0])

    @cached_property
    def updated(self) -> str:
        approved = self._front.get("approved_at", "")[:10]
        if not DATE.match(approved):
            approved = ""
        return max(self.resource.captured[:10], approved, self.resource.updated[:10])

    @property
    def checked(self) -> tuple[str, str] | None:
        """("<expert>", "<date>") for "Checked by <expert> on <date>", where the approval says so."""
        from pipeline.site.takes import checked_by

        return checked_by(self.resource, self._front if self.transcript_bytes is not None else None)

    @cached_property
    def card_key(self) -> str:
        r = self.resource
        poster = self.poster.key if self.poster else ""
        return content_key(
            r.id, r.title, r.summary, r.duration, r.expert.name, r.level, r.kind, r.captured,
            self.reviewed, poster, self.video is not None, self.updated, r.version, r.update_note,
        )  # fmt: skip

    @cached_property
    def page_key(self) -> str:
        r = self.resource
        return content_key(
            r.id, r.title, r.summary, r.expert.name, r.expert.job_title, r.captured, r.what, r.why, r.when,
            r.roles, r.level, r.kind, r.prerequisites, r.topics, r.audio_only, r.review, r.duration,
            self.transcript_digest, self.words_digest, self.published, self.video.key if self.video else "",
            self.poster.key if self.poster else "", r.code, r.questions, r.version, r.updated, r.update_note,
            r.reviewed, r.review_by, self.checked, [take.key for take in self.takes],
        )  # fmt: skip

    @cached_property
    def search_key(self) -> str:
        r = self.resource
        return content_key(
            r.id, r.title, r.summary, r.level, r.duration, self.poster is not None, self.reviewed,
            self.transcript_digest if self.published else "", r.roles, r.kind,
        )  # fmt: skip


@dataclass(frozen=True)
class JourneyPlace:
    """Where a resource sits in one journey: its practice task there and the step after it."""

    journey_id: str
    title: str
    practice: str
    next_id: str  # "" for the journey's last step


@dataclass(kw_only=True)
class SiteModel:
    """Everything gathered in phase one."""

    catalogue: Catalogue
    journeys: list[Journey]
    views: list[ResourceView]
    by_id: dict[str, ResourceView]
    next_steps: dict[str, list[str]]
    in_journeys: dict[str, list[Journey]]
    warnings: list[str]
    today: dt.date
    inputs: InputLog

    @cached_property
    def experts(self) -> dict[str, list[ResourceView]]:
        found: dict[str, list[ResourceView]] = {}
        for view in self.views:
            if view.resource.expert.name:
                found.setdefault(view.expert_slug, []).append(view)
        return found

    def roles(self) -> list[Role]:
        return self._roles

    def journey_places(self, resource_id: str) -> list[JourneyPlace]:
        """Each journey the resource is a step of, in the order of ``in_journeys``: its practice and next step."""
        places = []
        for journey in self.in_journeys.get(resource_id, []):
            steps = [step for _, step in journey.steps() if step.id in self.by_id]
            at = next((i for i, step in enumerate(steps) if step.id == resource_id), None)
            if at is None:
                continue
            after = steps[at + 1].id if at + 1 < len(steps) else ""
            places.append(JourneyPlace(journey.id, journey.title, steps[at].practice, after))
        return places

    @cached_property
    def questions(self) -> list[Row]:
        """The questions the site shows (``pipeline.site.questions.question_rows``); none: no Questions page."""
        from pipeline.site.questions import question_rows

        return list(question_rows(self))

    @cached_property
    def open_questions(self) -> list[OpenQuestion]:
        """``questions.yaml`` beside ``resources.yaml``, read once per build (its codes lead on even when hidden)."""
        from pipeline.site.questions import read_open_questions

        return read_open_questions(self, self.catalogue.path.parent)

    @cached_property
    def _roles(self) -> list[Role]:
        """The settings' roles, then any other role a resource names (a page each: ids must be URL-safe)."""
        known = list(self.catalogue.settings.roles)
        ids = {r.id for r in known}
        for view in self.views:
            for role_id in view.resource.roles:
                if role_id not in ids and ID_PATTERN.match(role_id):
                    ids.add(role_id)
                    known.append(Role(id=role_id, name=role_id.replace("-", " ").capitalize()))
        return known

    @cached_property
    def role_members(self) -> dict[str, list[ResourceView]]:
        """Each role's resources in catalogue order (what the role page's key is made from)."""
        grouped: dict[str, list[ResourceView]] = {}
        for view in self.views:
            for role_id in dict.fromkeys(view.resource.roles):
                grouped.setdefault(role_id, []).append(view)
        return grouped

    def role_levels(self, role_id: str) -> dict[str, list[ResourceView]]:
        """A role's resources in the three levels ("" for none), prerequisites first."""
        members = [view.resource for view in self.role_members.get(role_id, [])]
        levels = by_level(members, unplaced=True)
        return {level: [self.by_id[r.id] for r in resources] for level, resources in levels.items()}

    @cached_property
    def newest(self) -> tuple[str, list[ResourceView]]:
        """("new" or "newest", views): resources captured in the last week, else the latest few."""
        dated = [v for v in self.views if DATE.match(v.resource.captured)]
        dated.sort(key=lambda v: v.resource.captured, reverse=True)
        since = (self.today - dt.timedelta(days=NEW_DAYS - 1)).isoformat()
        fresh = [v for v in dated if since <= v.resource.captured[:10] <= self.today.isoformat()]
        return ("new", fresh[:NEW_MAX]) if fresh else ("newest", dated[:6])
