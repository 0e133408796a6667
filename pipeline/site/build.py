"""``capture build``: the static, resources-first site.

Two phases, as in mkdocs. First *gather*: the catalogue, journeys and transcripts
become views, and every output file gets a key, a hash of everything it shows
(see :mod:`pipeline.site.output`). Then *write*: only files whose key changed are
rendered, staged, and moved into ``site/`` one atomic rename at a time; a first
build stages the whole site and swaps the folder in. Rendering is lazy, so a
rebuild with nothing changed parses no transcript and renders no template.

URL layout (relative links only, so the site works from ``file://`` and any sub-path):
``index.html``, ``r/<id>/index.html`` (+ ``captions.vtt``), ``j/<id>/index.html``,
``role/<id>/index.html``, ``expert/<slug>/index.html``, ``media/<id>/video.mp4`` and
``poster.jpg``, ``feed.xml``, ``search-index.js`` and its shards ``search/*.js``, ``search.gif`` and ``static/``.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import json
import os
import re
import stat
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pipeline.workspace.catalogue import ID_PATTERN, LEVELS, Catalogue, Resource, Role
from pipeline.workspace.slugs import person_slug
from pipeline.errors import BuildError, CaptureError
from pipeline.fsutil import file_lock
from pipeline.workspace.journeys import Journey, by_level, load_journeys
from pipeline.site.search import SearchEntry, encode_entry, index_script, shard_count, shard_of, shard_script
from pipeline.site.codekey import code_digest
from pipeline.site.catalogue_cache import load_catalogue_cached
from pipeline.site.inputs import InputLog, InputsRecord, fixed_digest, load_record, reread, save_record
from pipeline.site.output import Output, load_manifest, site_intact, write_site
from pipeline.speech.transcript import Line, Transcript, format_time, parse_transcript
from pipeline.workspace.paths import Workspace

# Bump when the pages' structure changes in a way the theme files do not show.
SITE_FORMAT = 1
NEW_DAYS = 7
NEW_MAX = 12
PAGE_SIZE = 48  # cards on one page of a long list: a role's level, an expert's clips
ROLE_PREVIEW = 12  # cards of each level on a role's page; a link leads to the whole level
FEED_MAX = 50
_FEEDBACK_SCHEME = re.compile(r"(?:https?://|mailto:)\S", re.IGNORECASE)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FRONT_FIELD = re.compile(rb"^(status|approved_at):[ \t]*\"?([A-Za-z0-9_:.-]+)", re.MULTILINE)
# The modules whose code shapes the output (with all they import): a change rebuilds every page.
SITE_CODE = ("pipeline.site.build",)
CAPTIONS_CODE = ("pipeline.speech.captions",)


@dataclass
class BuildResult:
    site: Path
    resources: int
    pages: int
    written: int
    unchanged: int
    removed: int
    seconds: float
    full: bool = False
    warnings: list[str] = field(default_factory=list)


def theme_dir() -> Path:
    """The Jinja2 theme: ``templates/`` in a checkout, ``pipeline/theme`` in an installed wheel."""
    checkout = Path(__file__).resolve().parent.parent.parent / "templates"
    if (checkout / "base.html").is_file():
        return checkout
    from importlib import resources

    return Path(str(resources.files("pipeline.theme")))


class cached_property:  # noqa: N801 - named like the functools one it replaces
    """``functools.cached_property`` without its per-instance lock (Python < 3.12 takes one on every
    first access, which costs more than the values here take to compute, 10,000 views at a time)."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:  # noqa: ANN401
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


def _hash(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()  # noqa: S324 - a change key, not security


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80].strip("-") or "expert"


def feedback_link(setting: str, resource: Resource) -> str:
    """The feedback address for one resource: ``{id}`` filled in, or the id added as a subject or parameter."""
    setting = setting.strip()
    if not _FEEDBACK_SCHEME.match(setting):
        return ""  # only a web form or an e-mail address; never javascript: or the like
    if "{id}" in setting:
        return setting.replace("{id}", quote(resource.id))
    joiner = "&" if "?" in setting else "?"
    if setting.startswith("mailto:"):
        return f"{setting}{joiner}subject={quote(f'Feedback on {resource.title} ({resource.id})')}"
    return f"{setting}{joiner}resource={quote(resource.id)}"


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
        length = int.from_bytes(data[at + 2:at + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height = int.from_bytes(data[at + 5:at + 7], "big")
            width = int.from_bytes(data[at + 7:at + 9], "big")
            return (width, height) if width and height else None
        at += 2 + length
    return None


@dataclass
class MediaFile:
    source: str
    name: str
    key: str


@dataclass
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

    @cached_property
    def transcript_digest(self) -> str:
        return hashlib.sha1(self.transcript_bytes).hexdigest() if self.transcript_bytes is not None else ""  # noqa: S324

    @cached_property
    def words_digest(self) -> str:
        return hashlib.sha1(self.words_bytes).hexdigest() if self.words_bytes is not None else ""  # noqa: S324

    @cached_property
    def _front(self) -> dict[bytes, bytes]:
        """``status`` and ``approved_at`` from the front matter, without parsing the whole file."""
        data = self.transcript_bytes or b""
        end = data.find(b"\n---", 3, 4000)
        return dict(_FRONT_FIELD.findall(data[:end if end > 0 else 4000]))

    @cached_property
    def transcript_status(self) -> str | None:
        if self.transcript_bytes is None:
            return None
        status = self._front.get(b"status", b"draft")
        return "approved" if status == b"approved" else "draft"

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
    def _cues(self) -> list[Any]:
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
    def frame(self) -> tuple[int, int] | None:
        return jpeg_size(Path(self.poster.source)) if self.poster else None

    @property
    def portrait(self) -> bool:
        return bool(self.frame and self.frame[1] > self.frame[0])

    @cached_property
    def updated(self) -> str:
        approved = self._front.get(b"approved_at", b"").decode("ascii", "replace")[:10]
        if not _DATE.match(approved):
            approved = ""
        return max(self.resource.captured[:10], approved)

    @cached_property
    def card_key(self) -> str:
        r = self.resource
        return _hash(r.id, r.title, r.summary, r.duration, r.expert.name, r.level, r.kind, r.captured,
                     self.reviewed, self.poster.key if self.poster else "", self.video is not None, self.updated)

    @cached_property
    def page_key(self) -> str:
        r = self.resource
        return _hash(r.id, r.title, r.summary, r.expert.name, r.expert.job_title, r.captured, r.what, r.why, r.when,
                     r.roles, r.level, r.kind, r.prerequisites, r.topics, r.audio_only, r.review, r.duration,
                     self.transcript_digest, self.words_digest, self.published, self.video.key if self.video else "",
                     self.poster.key if self.poster else "")

    @cached_property
    def search_key(self) -> str:
        r = self.resource
        return _hash(r.id, r.title, r.summary, r.level, r.duration, self.poster is not None, self.reviewed,
                     self.transcript_digest if self.published else "")


_VTT_TIME = re.compile(r"^(\d+):(\d\d):(\d\d)\.(\d{3}) --> (\d+):(\d\d):(\d\d)\.(\d{3})")


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
        words = "\n".join(rows[index + 1:]).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        cues.append((round(h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, 3), round(h2 * 3600 + m2 * 60 + s2 + ms2 / 1000, 3),
                     words))
    return cues


@functools.lru_cache(maxsize=1)
def _markdown():  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt

    # CommonMark with raw HTML off: a person's <b> or <script> is shown as text, and
    # markdown-it refuses javascript:, vbscript: and data: link targets by itself.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(text: str, inline: bool = True) -> Any:
    """A person's short Markdown (links, emphasis, lists) as safe HTML for a template."""
    from markupsafe import Markup

    md = _markdown()
    html = md.renderInline(text) if inline else md.render(text)
    return Markup(html)


@functools.lru_cache(maxsize=8)
def _real(root: str) -> str:
    return os.path.realpath(root)


@functools.lru_cache(maxsize=64)
def _top_folder_inside(folder: str, real_root: str) -> bool:
    return os.path.realpath(folder).startswith(real_root + os.sep)


def outside_workspace(path: str, real_root: str, root: str | None = None, is_link: bool | None = None) -> bool:
    """True where ``path`` (through any symbolic link) lands outside the workspace: never published.

    The usual layout (``media/<id>/video.mp4``, ``transcripts/<id>.md``) is checked with
    ``lstat`` of the file (``is_link`` when the caller already has it), a cached ``lstat`` of its
    folder and a cached look at the top folder: ``realpath`` of every file cost a second per
    rebuild of a 10,000-clip site.
    """
    if root is not None and path.startswith(root + "/"):
        parts = path[len(root) + 1:].split("/")
        if 2 <= len(parts) <= 3 and _top_folder_inside(f"{root}/{parts[0]}", real_root):
            if is_link is None:
                is_link = os.path.islink(path)
            if not is_link and not (len(parts) == 3 and _folder_is_link(path.rpartition("/")[0])):
                return False
    return not os.path.realpath(path).startswith(real_root + os.sep)


@functools.lru_cache(maxsize=256)
def _folder_is_link(folder: str) -> bool:
    return os.path.islink(folder)


def _read_if_there(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _media_file(relative: str | None, root: str, meta: str | None, log: InputLog) -> MediaFile | None:
    if not relative:
        return None
    path = f"{root}/{relative}"
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            info = os.stat(path)
            if outside_workspace(path, _real(root), root, is_link=True):
                return None
        elif outside_workspace(path, _real(root), root, is_link=False):
            return None
        size = info.st_size
    except OSError:
        log.size(path, None)
        return None
    name = os.path.basename(path)
    if meta is not None:  # the media stage's own content key: source sha256, settings, stage version
        log.size(path, size)
        key = f"{meta}:{name}:{size}"
    else:
        from pipeline.fsutil import sha256_file

        key = sha256_file(Path(path))
        log.sha256(path, key)
    return MediaFile(path, name, key)


@dataclass
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
        return {level: [self.by_id[r.id] for r in resources] for level, resources in by_level(members, unplaced=True).items()}

    @cached_property
    def newest(self) -> tuple[str, list[ResourceView]]:
        """("new" or "newest", views): resources captured in the last week, else the latest few."""
        dated = [v for v in self.views if _DATE.match(v.resource.captured)]
        dated.sort(key=lambda v: v.resource.captured, reverse=True)
        since = (self.today - dt.timedelta(days=NEW_DAYS - 1)).isoformat()
        fresh = [v for v in dated if since <= v.resource.captured[:10] <= self.today.isoformat()]
        return ("new", fresh[:NEW_MAX]) if fresh else ("newest", dated[:6])


def gather(workspace: Workspace, today: dt.date | None = None) -> SiteModel:
    """Phase one: read everything the site is made from; logs each file read for the next no-op check."""
    log = InputLog()
    cache = workspace.cache_dir / "site"
    catalogue = load_catalogue_cached(workspace.catalogue_path, cache / "catalogue.pickle")
    journeys = load_journeys(workspace.journeys_dir)
    settings = catalogue.settings
    views: list[ResourceView] = []
    warnings: list[str] = []
    root = str(workspace.root)
    _real.cache_clear()  # links may have changed since the last build of this process (capture serve)
    _top_folder_inside.cache_clear()
    _folder_is_link.cache_clear()
    real_root = _real(root)
    media_root = str(workspace.media_dir)
    words_root = str(workspace.words_dir)
    for resource in catalogue.resources:
        # Plain string paths: at 10,000 resources, pathlib's objects cost a noticeable share of a rebuild.
        transcript_path = f"{root}/{resource.transcript}" if resource.transcript else None
        data: bytes | None = None
        if transcript_path is not None and outside_workspace(transcript_path, real_root, root):
            warnings.append(f"{resource.id}: {resource.transcript} links outside the workspace; it is not published")
            transcript_path = None
        if transcript_path is not None:
            try:
                with open(transcript_path, "rb") as handle:
                    data = handle.read()
                log.content(transcript_path, data)
            except FileNotFoundError:
                log.content(transcript_path, None)
                warnings.append(f"{resource.id}: {resource.transcript} is missing; run `capture add` on its clip again")
            except OSError as exc:
                raise BuildError(f"{resource.id}: cannot read {resource.transcript}: {exc.strerror or exc}") from exc
        meta_path = f"{media_root}/{resource.id}/meta.json"
        meta_bytes = _read_if_there(meta_path)
        log.content(meta_path, meta_bytes)
        words_bytes = None
        if data is not None:
            words_path = f"{words_root}/{resource.id}.json"
            words_bytes = _read_if_there(words_path)
            log.content(words_path, words_bytes)
        meta = hashlib.sha1(meta_bytes).hexdigest() if meta_bytes is not None else None  # noqa: S324
        video = _media_file(resource.video, root, meta, log)
        if resource.video and video is None:
            warnings.append(f"{resource.id}: media is missing; run `capture add` on its clip again to rebuild it")
        view = ResourceView(
            resource=resource, transcript_path=transcript_path, transcript_bytes=data,
            publish_drafts=settings.site.publish_drafts, video=video,
            poster=_media_file(resource.poster, root, meta, log),
            expert_slug=person_slug(resource.expert.name) if resource.expert.name else "", words_bytes=words_bytes,
        )
        if data is not None and not view.published:
            warnings.append(f"{resource.id}: draft transcript not published (site.publish_drafts is false)")
        views.append(view)
    if settings.feedback.strip() and not _FEEDBACK_SCHEME.match(settings.feedback.strip()):
        warnings.append(f"feedback: expected an https:// form address or a mailto: address, got "
                        f"{settings.feedback.strip()!r}; the pages show no feedback link")
    by_id = {v.resource.id: v for v in views}
    next_steps: dict[str, list[str]] = {}
    for view in views:
        for need in view.resource.prerequisites:
            if need in by_id and need != view.resource.id:
                next_steps.setdefault(need, []).append(view.resource.id)
    in_journeys: dict[str, list[Journey]] = {}
    for journey in journeys:
        steps = [step.id for _, step in journey.steps() if step.id in by_id]
        for index, step_id in enumerate(steps):
            if journey not in in_journeys.get(step_id, []):
                in_journeys.setdefault(step_id, []).append(journey)
            if index + 1 < len(steps) and steps[index + 1] not in next_steps.get(step_id, []):
                next_steps.setdefault(step_id, []).append(steps[index + 1])
        missing = sorted({step.id for _, step in journey.steps() if step.id not in by_id})
        if missing:
            warnings.append(f"journeys/{journey.path.name}: unknown resource ids {', '.join(missing)}; see `capture check`")
    return SiteModel(catalogue=catalogue, journeys=journeys, views=views, by_id=by_id, next_steps=next_steps,
                     in_journeys=in_journeys, warnings=warnings, today=today or dt.date.today(), inputs=log)


@functools.lru_cache(maxsize=2)
def _environment(cache: Path | None = None, code: str = ""):  # type: ignore[no-untyped-def]
    """The theme's Jinja2 environment, kept while ``code`` (the theme's and renderers' hash) stays the same.

    Its compiled templates then serve every build of a process (``capture serve``) and, loaded
    before the render workers fork (:func:`warm_theme`), every worker without compiling again.
    """
    from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, select_autoescape

    bytecode = None
    if cache is not None:  # compiled templates kept between builds: a small rebuild skips compiling them
        try:
            cache.mkdir(parents=True, exist_ok=True)
            bytecode = FileSystemBytecodeCache(str(cache))
        except OSError:
            bytecode = None
    env = Environment(
        bytecode_cache=bytecode,
        loader=FileSystemLoader(str(theme_dir())),
        autoescape=select_autoescape(["html", "xml"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["clock"] = format_time
    env.filters["markdown"] = render_markdown
    env.filters["minutes"] = lambda s: f"{int(s) // 60}:{int(s) % 60:02d}"
    env.filters["seconds"] = lambda s: str(int(s))
    return env


def warm_theme(cache: Path | None) -> None:
    """Compile every page template and make the Markdown parser now, once, before workers fork."""
    env = _environment(cache, _code_key())
    for name in env.list_templates(filter_func=lambda name: name.endswith((".html", ".xml")) and "review/" not in name):
        env.get_template(name)
    _markdown()


def _code_key(modules: Sequence[str] = SITE_CODE, theme: bool = True) -> str:
    """A hash of the theme and of the code that renders it (or of ``modules`` alone)."""
    digest = hashlib.sha1(str(SITE_FORMAT).encode())  # noqa: S324
    if theme:
        folder = theme_dir()
        files = sorted(p for p in folder.rglob("*") if p.is_file() and "review" not in p.relative_to(folder).parts
                       and "__pycache__" not in p.parts)
        for path in files:
            digest.update(path.name.encode())
            try:
                digest.update(path.read_bytes())
            except OSError:
                pass
    digest.update(code_digest(*modules).encode())
    return digest.hexdigest()


class Renderer:
    """Builds every template context in one place and renders pages to bytes."""

    def __init__(self, model: SiteModel, cache: Path | None = None) -> None:
        self.model = model
        self.env = _environment(cache, _code_key())
        settings = model.catalogue.settings
        self.base = dict(site_title=settings.title, organisation=settings.organisation, lang=settings.site.language,
                         levels=LEVELS, role_names={r.id: r.name for r in model.roles()})

    def render(self, template: str, root: str, **context: Any) -> bytes:
        return self.env.get_template(template).render(root=root, **self.base, **context).encode("utf-8")

    def journey_view(self, journey: Journey) -> dict[str, Any]:
        by_id = self.model.by_id
        stages = []
        for level in LEVELS:
            steps = [dict(card=by_id[s.id], practice=s.practice) for s in journey.stages.get(level, []) if s.id in by_id]
            stages.append(dict(level=level, steps=steps))
        return dict(id=journey.id, title=journey.title, goal=journey.goal, summary=journey.summary,
                    roles=journey.roles, stages=stages, count=sum(len(s["steps"]) for s in stages))

    def resource_page(self, view: ResourceView) -> bytes:
        model = self.model
        rid = view.resource.id
        return self.render(
            "resource.html", "../../", card=view,
            prerequisites=[model.by_id[p] for p in view.resource.prerequisites if p in model.by_id and p != rid],
            next_steps=[model.by_id[n] for n in model.next_steps.get(rid, [])],
            journeys=model.in_journeys.get(rid, []),
            feedback=feedback_link(model.catalogue.settings.feedback, view.resource),
        )


def _feed(model: SiteModel, renderer: Renderer, entries: list[ResourceView]) -> bytes:
    settings = model.catalogue.settings
    updated = max((v.updated for v in entries), default="1970-01-01") or "1970-01-01"
    return renderer.render(
        "feed.xml", "", entries=entries, updated=updated,
        feed_id=uuid.uuid5(uuid.NAMESPACE_URL, f"capture:{settings.title}:{settings.organisation}").urn,
        entry_id=lambda view: uuid.uuid5(uuid.NAMESPACE_URL, f"capture:{settings.title}:{view.resource.id}").urn,
    )


def _search_rows(views: Sequence[ResourceView]) -> list[str]:
    rows = []
    for view in views:
        r = view.resource
        rows.append(encode_entry(SearchEntry(
            id=r.id, title=r.title, summary=r.summary, level=r.level or "", duration=r.duration,
            has_poster=view.poster is not None, reviewed=view.reviewed, lines=view.lines)))
    return rows


def pager(number: int, total: int) -> list[int | None]:
    """The page numbers a pager shows: all of a few, else the ends and the pages around this one (None: a gap)."""
    if total <= 9:
        return list(range(1, total + 1))
    shown = sorted({1, 2, total - 1, total, *range(max(1, number - 2), min(total, number + 2) + 1)})
    result: list[int | None] = []
    for page in shown:
        if result and page - result[-1] > 1:  # type: ignore[operator]
            result.append(None)
        result.append(page)
    return result


def page_path(folder: str, number: int) -> str:
    """A list page's path: ``folder/index.html`` for the first, ``folder/<n>/index.html`` after."""
    return f"{folder}/index.html" if number == 1 else f"{folder}/{number}/index.html"


def _paged_list(base: str, folder: str, cards: Sequence[ResourceView], renderer: Callable[[], Renderer],
                template: str, **context: Any) -> list[Output]:
    """A long list of cards as pages of ``PAGE_SIZE``, each keyed by the cards it shows.

    ``context`` (plain values only) goes to the template and into every page's key.
    """
    total = max(1, -(-len(cards) // PAGE_SIZE))
    outputs = []
    for number in range(1, total + 1):
        shown = cards[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
        rel = page_path(folder, number)
        page = dict(number=number, total=total, first=(number - 1) * PAGE_SIZE + 1, count=len(cards),
                    links=[(n, page_path(folder, n) if n else None) for n in pager(number, total)],
                    previous=page_path(folder, number - 1) if number > 1 else None,
                    next=page_path(folder, number + 1) if number < total else None)
        key = _hash(base, template, folder, context, page, [v.card_key for v in shown])
        outputs.append(Output(rel, key, render=lambda rel=rel, shown=shown, page=page: renderer().render(
            template, "../" * rel.count("/"), cards=shown, page=page, **context)))
    return outputs


def plan_outputs(model: SiteModel, workspace: Workspace, built: dict[str, tuple[str, int]] | None = None) -> list[Output]:
    """Every file of the site with its key, in commit order: media, assets, resources, lists, home."""
    renderer_box: list[Renderer] = []

    def renderer() -> Renderer:
        if not renderer_box:
            renderer_box.append(Renderer(model, workspace.cache_dir / "site" / "jinja"))
        return renderer_box[0]

    settings = model.catalogue.settings
    code = _code_key()
    captions_code = _code_key(CAPTIONS_CODE, theme=False)
    site_root = str(workspace.site_dir)
    if built is None:
        built = load_manifest(workspace.cache_dir / "site" / "manifest.txt", workspace.site_dir)
    base = _hash(code, settings.title, settings.organisation, settings.feedback, settings.site.language,
                 settings.site.publish_drafts, [(r.id, r.name, r.description) for r in model.roles()])
    outputs: list[Output] = []
    for view in model.views:
        rid = view.resource.id
        for media in (view.video, view.poster):
            if media is not None:
                outputs.append(Output(f"media/{rid}/{media.name}", media.key, source=media.source))
    static = theme_dir() / "static"
    for asset in sorted(static.iterdir()):
        if asset.is_file():
            data = asset.read_bytes()
            rel = "search.gif" if asset.name == "search.gif" else f"static/{asset.name}"
            outputs.append(Output(rel, hashlib.sha1(data).hexdigest(), render=lambda data=data: data))  # noqa: S324

    def card_keys(ids: Sequence[str]) -> list[str]:
        return [model.by_id[i].card_key for i in ids if i in model.by_id]

    for view in model.views:
        rid = view.resource.id
        links = [p for p in view.resource.prerequisites if p != rid] + model.next_steps.get(rid, [])
        key = _hash(base, view.page_key, card_keys(links),
                    [(j.id, j.title) for j in model.in_journeys.get(rid, [])])
        outputs.append(Output(f"r/{rid}/index.html", key,
                              render=lambda view=view: renderer().resource_page(view)))
        if view.published:
            rel, key = f"r/{rid}/captions.vtt", _hash(captions_code, view.transcript_digest, view.words_digest,
                                                      view.resource.duration)
            if built.get(rel, ("",))[0] == key:
                view.current_vtt = f"{site_root}/{rel}"
            outputs.append(Output(rel, key, render=lambda view=view: view.vtt.encode("utf-8")))
    for journey in model.journeys:
        ids = [s.id for _, s in journey.steps()]
        key = _hash(base, journey.id, journey.title, journey.goal, journey.summary, journey.roles,
                    [(lvl, s.id, s.practice) for lvl, s in journey.steps()], card_keys(ids))
        outputs.append(Output(f"j/{journey.id}/index.html", key, render=lambda journey=journey: renderer().render(
            "journey.html", "../../", journey=renderer().journey_view(journey))))
    for role in model.roles():
        journeys = [j for j in model.journeys if role.id in j.roles]
        by_level = model.role_levels(role.id)
        previews = {level: cards[:ROLE_PREVIEW] for level, cards in by_level.items()}
        counts = {level: len(cards) for level, cards in by_level.items()}
        key = _hash(base, role.id, role.name, role.description, counts,
                    {level: [v.card_key for v in cards] for level, cards in previews.items()},
                    [(j.id, j.title, j.goal, len(j.steps())) for j in journeys])
        outputs.append(Output(f"role/{role.id}/index.html", key, render=lambda role=role, journeys=journeys, previews=previews,
                              counts=counts: renderer().render("role.html", "../../", role=role, by_level=previews,
                                                               counts=counts, journeys=[renderer().journey_view(j) for j in journeys])))
        for level, cards in by_level.items():
            if len(cards) > ROLE_PREVIEW:  # the role page shows the first few; the whole list is paged
                title = f"{level.capitalize() if level else 'Unplaced'} clips for {role.name}"
                folder = f"role/{role.id}/{level or 'unplaced'}"
                outputs += _paged_list(base, folder, cards, renderer, "list.html", heading=title,
                                       crumbs=[("index.html", "Home"), (f"role/{role.id}/index.html", role.name)])
    for slug, views in model.experts.items():
        jobs = sorted({v.resource.expert.job_title for v in views if v.resource.expert.job_title})
        outputs += _paged_list(base, f"expert/{slug}", views, renderer, "expert.html", name=views[0].resource.expert.name, jobs=jobs)
    feed_entries = sorted(model.views, key=lambda v: v.resource.captured, reverse=True)[:FEED_MAX]
    outputs.append(Output("feed.xml", _hash(base, [(v.card_key, v.resource.summary, v.expert_slug) for v in feed_entries]),
                          render=lambda: _feed(model, renderer(), feed_entries)))
    count = shard_count(len(model.views))
    shards: list[list[ResourceView]] = [[] for _ in range(count)]
    for view in model.views:
        shards[shard_of(view.resource.id, count)].append(view)
    names = []
    for number, members in enumerate(shards):
        key = _hash(code, [v.search_key for v in members])
        names.append(f"search/{number:03d}-{key[:12]}.js")
        outputs.append(Output(names[-1], key, render=lambda members=members: shard_script(
            _search_rows(members)).encode("utf-8")))
    outputs.append(Output("search-index.js", _hash(code, names, len(model.views)),
                          render=lambda: index_script(names, len(model.views)).encode("utf-8")))
    which, newest = model.newest
    role_counts = []
    for role in model.roles():
        counted = Counter(v.resource.level for v in model.role_members.get(role.id, []))
        role_counts.append((role.id, [counted[level] for level in LEVELS]))
    experts = [(slug, views[0].resource.expert.name, len(views)) for slug, views in model.experts.items()]
    experts.sort(key=lambda e: e[1].lower())
    home_key = _hash(base, which, [v.card_key for v in newest], role_counts, experts, len(model.views),
                     [(j.id, j.title, j.goal, j.roles, len(j.steps())) for j in model.journeys])
    outputs.append(Output("index.html", home_key, render=lambda: renderer().render(
        "index.html", "", journey_cards=[renderer().journey_view(j) for j in model.journeys], which_new=which,
        newest=newest, roles=model.roles(), role_counts=dict(role_counts), experts=experts, total=len(model.views))))
    return outputs


def _fixed_inputs(workspace: Workspace, today: dt.date) -> str:
    """The digest of the inputs every page may depend on: catalogue, journeys, theme and code, the day."""
    parts = [_code_key().encode(), today.isoformat().encode(), str(workspace.site_dir).encode()]
    for path in (workspace.catalogue_path, *sorted(workspace.journeys_dir.glob("*.yaml"))):
        try:
            parts += [path.name.encode(), path.read_bytes()]
        except OSError:
            parts += [path.name.encode(), b"\x00missing"]
    return fixed_digest(parts)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold off Python's cycle collector for a build.

    The gathered model is some million dicts, lists and strings at 10,000 resources (the parsed
    catalogue alone some 500,000), none of them in a cycle; the collector would still walk them
    again and again as they are made. Nothing here makes cycles, so the pause frees no less
    memory, it only frees it later.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_site(workspace: Workspace, today: dt.date | None = None) -> BuildResult:
    """Build ``site/``: gather everything, then write only what changed (see the module doc).

    One build at a time per workspace (``capture serve`` and ``capture build`` may overlap).
    """
    with file_lock(workspace.cache_dir / "site" / "build.lock"), collector_paused():
        return _build_site(workspace, today)


def _build_site(workspace: Workspace, today: dt.date | None) -> BuildResult:
    started = time.monotonic()
    today = today or dt.date.today()
    cache = workspace.cache_dir / "site"
    record_path = cache / "inputs.txt"
    manifest_path = cache / "manifest.txt"
    fixed = _fixed_inputs(workspace, today)
    record = load_record(record_path)
    if record is not None and record.fixed == fixed and reread(record.entries) == record.variable:
        files = site_intact(workspace.site_dir, manifest_path)
        if files is not None:
            return BuildResult(site=workspace.site_dir, resources=record.resources, pages=files[1], written=0,
                               unchanged=files[0], removed=0, seconds=time.monotonic() - started,
                               warnings=record.warnings)
    model = gather(workspace, today)
    built = load_manifest(manifest_path, workspace.site_dir) if workspace.site_dir.is_dir() else {}
    outputs = plan_outputs(model, workspace, built)
    if not built:  # a full build: the render workers share one compiled theme
        warm_theme(cache / "jinja")
    report = write_site(workspace.site_dir, outputs, manifest_path, built)
    done = InputsRecord(fixed, model.inputs.hexdigest(), len(model.views), model.inputs.entries,
                        [" ".join(w.split()) for w in model.warnings])
    if done != record:
        save_record(record_path, done)
    pages = sum(1 for o in outputs if o.rel.endswith(".html"))
    return BuildResult(site=workspace.site_dir, resources=len(model.views), pages=pages, written=len(report.written),
                       unchanged=report.unchanged, removed=len(report.removed), seconds=time.monotonic() - started,
                       full=report.full, warnings=model.warnings)
