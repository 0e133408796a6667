"""Phase one of a build: read everything the site is made from into a :class:`SiteModel`.

The catalogue, the journeys, every transcript's bytes, word timings and media record. Each file
read goes into an :class:`InputLog`, so the next build can tell, by content, that nothing changed
(:mod:`pipeline.site.inputs`). Nothing is parsed that a page may not need: transcripts stay bytes.
Nothing outside the workspace is published, even through a symbolic link.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from pipeline import clock
from pipeline.errors import BuildError
from pipeline.site.catalogue_cache import load_catalogue_cached
from pipeline.site.inputs import InputLog
from pipeline.site.takes import published_takes, take_suffix
from pipeline.site.views import MediaFile, ResourceView, SiteModel
from pipeline.workspace.catalogue import FEEDBACK_SCHEME, Resource
from pipeline.workspace.journeys import Journey, load_journeys
from pipeline.workspace.paths import Workspace
from pipeline.workspace.slugs import person_slug


@functools.lru_cache(maxsize=8)
def _real(root: str) -> str:
    return os.path.realpath(root)


@functools.lru_cache(maxsize=64)
def _top_folder_inside(folder: str, real_root: str) -> bool:
    return os.path.realpath(folder).startswith(real_root + os.sep)


@functools.lru_cache(maxsize=256)
def _folder_is_link(folder: str) -> bool:
    return os.path.islink(folder)


def outside_workspace(path: str, real_root: str, *, root: str | None = None, is_link: bool | None = None) -> bool:
    """True where ``path`` (through any symbolic link) lands outside the workspace: never published.

    The usual layout (``media/<id>/video.mp4``, ``transcripts/<id>.md``) is checked with
    ``lstat`` of the file (``is_link`` when the caller already has it), a cached ``lstat`` of its
    folder and a cached look at the top folder: ``realpath`` of every file cost a second per
    rebuild of a 10,000-clip site.
    """
    if root is not None and path.startswith(root + "/"):
        parts = path[len(root) + 1 :].split("/")
        if 2 <= len(parts) <= 3 and _top_folder_inside(f"{root}/{parts[0]}", real_root):
            if is_link is None:
                is_link = os.path.islink(path)
            if not is_link and not (len(parts) == 3 and _folder_is_link(path.rpartition("/")[0])):
                return False
    return not os.path.realpath(path).startswith(real_root + os.sep)


def _read_if_there(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _media_file(relative: str | None, *, root: str, meta: str | None, log: InputLog) -> MediaFile | None:
    """A media file to publish, keyed by the media record (or its own sha256); None where there is none."""
    if not relative:
        return None
    path = f"{root}/{relative}"
    try:
        info = os.lstat(path)
        is_link = stat.S_ISLNK(info.st_mode)
        if is_link:
            info = os.stat(path)
        if outside_workspace(path, _real(root), root=root, is_link=is_link):
            return None
        if not stat.S_ISREG(info.st_mode):  # a folder (a path cut short) or a device is no media file
            log.size(path, None)
            return None
        size = info.st_size
    except OSError:
        log.size(path, None)
        return None
    name = os.path.basename(path)
    if meta is not None:  # the media stage's own content key: source sha256, settings, stage version
        log.size(path, size)
        return MediaFile(path, name, f"{meta}:{name}:{size}")
    from pipeline.fsutil import sha256_file

    key = sha256_file(Path(path))
    log.sha256(path, key)
    return MediaFile(path, name, key)


@dataclass(frozen=True, kw_only=True)
class _Reader:
    """Where one build reads each resource's files from, and what it has read so far."""

    root: str
    real_root: str
    media_root: str
    words_root: str
    publish_drafts: bool
    log: InputLog
    warnings: list[str]

    def transcript(self, resource: Resource) -> tuple[str | None, bytes | None]:
        # Plain string paths: at 10,000 resources, pathlib's objects cost a noticeable share of a rebuild.
        if not resource.transcript:
            return None, None
        path = f"{self.root}/{resource.transcript}"
        if outside_workspace(path, self.real_root, root=self.root):
            self.warnings.append(
                f"{resource.id}: {resource.transcript} links outside the workspace; it is not published"
            )
            return None, None
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            self.log.content(path, None)
            self.warnings.append(
                f"{resource.id}: {resource.transcript} is missing; run `capture add` on its clip again"
            )
            return path, None
        except OSError as exc:
            raise BuildError(f"{resource.id}: cannot read {resource.transcript}: {exc.strerror or exc}") from exc
        self.log.content(path, data)
        return path, data

    def view(self, resource: Resource) -> ResourceView:
        transcript_path, data = self.transcript(resource)
        meta_path = f"{self.media_root}/{resource.id}{take_suffix(resource.version)}/meta.json"
        meta_bytes = _read_if_there(meta_path)
        self.log.content(meta_path, meta_bytes)
        words_bytes = None
        if data is not None:
            words_path = f"{self.words_root}/{resource.id}.json"
            words_bytes = _read_if_there(words_path)
            self.log.content(words_path, words_bytes)
        meta = hashlib.sha1(meta_bytes).hexdigest() if meta_bytes is not None else None  # noqa: S324
        video = _media_file(resource.video, root=self.root, meta=meta, log=self.log)
        if resource.video and video is None:
            self.warnings.append(f"{resource.id}: media is missing; run `capture add` on its clip again to rebuild it")
        view = ResourceView(
            resource=resource,
            transcript_path=transcript_path,
            transcript_bytes=data,
            publish_drafts=self.publish_drafts,
            video=video,
            poster=_media_file(resource.poster, root=self.root, meta=meta, log=self.log),
            expert_slug=person_slug(resource.expert.name) if resource.expert.name else "",
            words_bytes=words_bytes,
            takes=published_takes(self.root, resource, self.log),
        )
        if data is not None and not view.published:
            self.warnings.append(f"{resource.id}: draft transcript not published (site.publish_drafts is false)")
        return view


def _links(
    views: list[ResourceView], journeys: list[Journey], warnings: list[str]
) -> tuple[dict[str, ResourceView], dict[str, list[str]], dict[str, list[Journey]]]:
    """Views by id, each resource's next steps (what needs it, the journeys' next step), its journeys."""
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
            warnings.append(
                f"journeys/{journey.path.name}: unknown resource ids {', '.join(missing)}; see `capture check`"
            )
    return by_id, next_steps, in_journeys


def gather(workspace: Workspace, today: dt.date | None = None) -> SiteModel:
    """Phase one: read everything the site is made from; logs each file read for the next no-op check."""
    log = InputLog()
    catalogue = load_catalogue_cached(workspace.catalogue_path, workspace.cache_dir / "site" / "catalogue.pickle")
    journeys = load_journeys(workspace.journeys_dir)
    settings = catalogue.settings
    warnings: list[str] = []
    root = str(workspace.root)
    _real.cache_clear()  # links may have changed since the last build of this process (capture serve)
    _top_folder_inside.cache_clear()
    _folder_is_link.cache_clear()
    reader = _Reader(
        root=root,
        real_root=_real(root),
        media_root=str(workspace.media_dir),
        words_root=str(workspace.words_dir),
        publish_drafts=settings.site.publish_drafts,
        log=log,
        warnings=warnings,
    )
    views = [reader.view(resource) for resource in catalogue.resources]
    feedback = settings.feedback.strip()
    if feedback and not FEEDBACK_SCHEME.match(feedback):
        warnings.append(
            f"feedback: expected an https:// form address or a mailto: address, got {feedback!r}; "
            "the pages show no feedback link"
        )
    by_id, next_steps, in_journeys = _links(views, journeys, warnings)
    return SiteModel(
        catalogue=catalogue,
        journeys=journeys,
        views=views,
        by_id=by_id,
        next_steps=next_steps,
        in_journeys=in_journeys,
        warnings=warnings,
        today=today or clock.today(),
        inputs=log,
    )
