"""A resource page's living parts: its previous takes, still playable, and who checked it when.

``capture add --replaces`` keeps each previous take's media in ``media/<id>/vN/`` (version 1 in
``media/<id>/``); the site publishes a previous take's video and poster as
``site/media/<id>/vN/<name>`` beside the current take's ``site/media/<id>/<name>``, keyed like
any media file (its media record, the file's name and size), and the page lists them, newest first.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.site.output import Output
from pipeline.takes import TAKE_PREFIX
from pipeline.workspace.catalogue import Resource, Take

if TYPE_CHECKING:
    from pipeline.site.inputs import InputLog
    from pipeline.site.views import SiteModel


@dataclass(frozen=True)
class TakeFile:
    source: str  # the file in the workspace
    rel: str  # where the site publishes it, e.g. media/<id>/v1/video.mp4
    key: str


@dataclass(frozen=True)
class PublishedTake:
    """A previous take the page can play: its version, date, note and the site's copies of its media."""

    version: int
    date: str
    note: str
    video: TakeFile
    poster: TakeFile | None
    audio_only: bool

    @property
    def key(self) -> tuple[object, ...]:
        return (self.version, self.date, self.note, self.video.key, self.poster.key if self.poster else "")


def _take_file(root: str, relative: str | None, *, rel: str, meta: str, log: InputLog) -> TakeFile | None:
    """A previous take's file inside the workspace, or None where it is gone (pruned) or not a plain file."""
    if not relative:
        return None
    path = f"{root}/{relative}"
    try:
        info = os.stat(path)
    except OSError:
        log.size(path, None)
        return None
    real_root = os.path.realpath(root)
    if not stat.S_ISREG(info.st_mode) or not os.path.realpath(path).startswith(real_root + os.sep):
        log.size(path, None)
        return None
    log.size(path, info.st_size)
    name = os.path.basename(relative)
    return TakeFile(path, f"{rel}/{name}", f"{meta}:{name}:{info.st_size}")


def _published(root: str, resource: Resource, take: Take, *, log: InputLog) -> PublishedTake | None:
    if not take.video:
        return None
    folder = os.path.dirname(take.video)
    meta_path = f"{root}/{folder}/meta.json"
    try:
        with open(meta_path, "rb") as handle:
            meta_bytes: bytes | None = handle.read()
    except OSError:
        meta_bytes = None
    log.content(meta_path, meta_bytes)
    meta = hashlib.sha1(meta_bytes or take.sha256.encode()).hexdigest()  # noqa: S324 - a change key
    rel = f"media/{resource.id}/{TAKE_PREFIX}{take.version}"
    video = _take_file(root, take.video, rel=rel, meta=meta, log=log)
    if video is None:
        return None
    poster = _take_file(root, take.poster, rel=rel, meta=meta, log=log)
    audio_only = take.video.endswith(".m4a")
    return PublishedTake(take.version, take.date, take.note, video, poster, audio_only)


def published_takes(root: str, resource: Resource, log: InputLog) -> tuple[PublishedTake, ...]:
    """The previous takes whose video is still there, newest first (``capture prune`` may have dropped some)."""
    if not resource.versions:
        return ()
    found = (_published(root, resource, take, log=log) for take in reversed(resource.versions))
    return tuple(take for take in found if take is not None)


def take_suffix(version: int) -> str:
    """The current take's folder under ``media/<id>``: none for version 1, ``/vN`` after."""
    return f"/{TAKE_PREFIX}{version}" if version > 1 else ""


def take_media(model: SiteModel) -> list[Output]:
    """Every previous take's video and poster, as media outputs of the site."""
    return [
        Output(file.rel, file.key, source=file.source)
        for view in model.views
        for take in view.takes
        for file in (take.video, take.poster)
        if file is not None
    ]


def checked_by(resource: Resource, front: dict[str, str] | None) -> tuple[str, str] | None:
    """Who checked the current take and on which date: the transcript's approval (``front``, its front
    matter) or, for a resource without a transcript, its ``reviewed:`` date; None where neither says."""
    if front is not None:
        if front.get("status") != "approved" or len(front.get("approved_at", "")) < 10:
            return None
        return front.get("approved_by") or resource.expert.name or "the expert", front["approved_at"][:10]
    if resource.review == "approved" and resource.reviewed:
        return resource.expert.name or "the expert", resource.reviewed
    return None
