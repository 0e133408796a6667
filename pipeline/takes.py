"""New takes that replace old ones: ``capture add NEW-CLIP --replaces ID --note "what changed"``.

A resource keeps its id, title, tags, journeys and links; the new clip becomes its next version
and each previous take is kept in its ``versions:`` history, playable on the page. Nothing a take
is made of is ever overwritten: version N's media goes into ``media/<id>/vN/`` and its transcript
into ``transcripts/<id>.vN.md``, so until the catalogue names them (the commit point, in
:mod:`pipeline.ingest`) the resource is exactly its old version. The rules live here, pure.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.errors import CaptureError
from pipeline.fsutil import disk_size
from pipeline.workspace.catalogue import Catalogue, Resource, Settings, Take
from pipeline.workspace.paths import Workspace

TAKE_PREFIX = "v"
PENDING_WORDS = "words.json"  # a take's word timings, parked in its folder while they are not the live ones
MAX_NOTE = 500  # characters of a --note: one sentence or two on the page
# Control characters and text-direction overrides: a note is one line of plain text.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class TakeError(CaptureError):
    """A new take that cannot replace the resource named (the catalogue is left as it was)."""


def take_folder(workspace: Workspace, resource_id: str, version: int) -> Path:
    """Where version ``version`` (2 and later) of a resource keeps its media."""
    return workspace.media_folder(resource_id) / f"{TAKE_PREFIX}{version}"


def current_folder(workspace: Workspace, resource: Resource) -> Path:
    """The folder of the resource's current take: ``media/<id>/`` for version 1, ``media/<id>/vN/`` after."""
    if resource.version > 1:
        return take_folder(workspace, resource.id, resource.version)
    return workspace.media_folder(resource.id)


def take_transcript(workspace: Workspace, resource_id: str, version: int) -> Path:
    return workspace.transcripts_dir / f"{resource_id}.{TAKE_PREFIX}{version}.md"


def check_note(note: str) -> str:
    """The ``--note`` as one line of text; refused when empty or too long to read on a page."""
    text = " ".join(_CONTROLS.sub(" ", note).split())
    if not text:
        raise TakeError('--note: say what changed in the new take, e.g. --note "new guard fitted"')
    if len(text) > MAX_NOTE:
        raise TakeError(f"--note: {len(text)} characters, more than {MAX_NOTE}; say what changed in a sentence or two")
    return text


def check_replacement(catalogue: Catalogue, resource_id: str, *, sha256: str, clip: str) -> Resource:
    """The resource a clip may become the next take of; raises :class:`TakeError` (or NotFoundError)."""
    resource = catalogue.get(resource_id)
    if resource.source is not None and resource.source.sha256 == sha256:
        raise TakeError(
            f"{clip}: is already the current take of '{resource.id}' (version {resource.version}); "
            "give the new clip to replace it"
        )
    for other in catalogue.resources:
        if other.source is not None and other.source.sha256 == sha256:
            raise TakeError(
                f"{clip}: is the clip of '{other.id}', not a new take of '{resource.id}'; "
                "give the new clip to replace it"
            )
        old = next((t for t in other.versions if t.sha256 == sha256), None)
        if old is not None:
            whose = "an earlier take" if other.id == resource.id else f"an earlier take of '{other.id}'"
            raise TakeError(
                f"{clip}: is version {old.version} of '{other.id}', {whose}; give the new clip to replace it"
            )
    return resource


def previous_take(resource: Resource) -> Take:
    """The current take of ``resource`` as a history entry."""
    return Take(
        version=resource.version,
        date=(resource.updated or resource.captured)[:10],
        note=resource.update_note,
        video=resource.video,
        poster=resource.poster,
        transcript=resource.transcript,
        sha256=resource.source.sha256 if resource.source else "",
        duration=resource.duration,
    )


def next_take(old: Resource, made: Resource, *, note: str, today: dt.date) -> Resource:
    """``old`` with the clip, media, transcript and length of ``made``: the next version, a draft again.

    Id, title, summary, tags, roles, prerequisites, what/why/when and the expert stay; the review
    date is cleared (the check was of the old take).
    """
    return replace(
        old,
        source=made.source,
        video=made.video,
        poster=made.poster,
        audio_only=made.audio_only,
        transcript=made.transcript,
        review="draft",
        reviewed="",
        review_by="",
        duration=made.duration,
        produced_by=made.produced_by,
        version=old.version + 1,
        updated=today.isoformat(),
        update_note=note,
        versions=[*old.versions, previous_take(old)],
    )


def take_glossary(settings: Settings, resource: Resource) -> tuple[str, ...]:
    """The words the new take's transcription is told to expect: the workspace glossary and the
    resource's own topics, the words its expert and L&D gave it."""
    return tuple(dict.fromkeys([*settings.glossary, *resource.topics]))


@dataclass(frozen=True)
class TakeRow:
    """One version of a resource as ``capture history`` shows it."""

    version: int
    date: str
    note: str
    video: str | None
    transcript: str | None
    current: bool
    media_kept: bool

    def as_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def history(workspace: Workspace, resource: Resource) -> list[TakeRow]:
    """Every version of ``resource``, newest first; ``media_kept`` says whether its video is still on disk."""

    def kept(video: str | None) -> bool:
        return bool(video) and (workspace.root / str(video)).is_file()

    rows = [
        TakeRow(
            resource.version,
            (resource.updated or resource.captured)[:10],
            resource.update_note,
            resource.video,
            resource.transcript,
            current=True,
            media_kept=kept(resource.video),
        )
    ]
    for take in reversed(resource.versions):
        rows.append(
            TakeRow(
                take.version,
                take.date,
                take.note,
                take.video,
                take.transcript,
                current=False,
                media_kept=kept(take.video),
            )
        )
    return rows


def take_paths(resource: Resource) -> set[str]:
    """Every workspace-relative file a resource's takes name (the current one and the previous ones)."""
    paths = {p for p in (resource.video, resource.poster, resource.transcript) if p}
    for take in resource.versions:
        paths |= {p for p in (take.video, take.poster, take.transcript) if p}
    return paths


@dataclass(frozen=True)
class OldTake:
    """A previous take ``capture prune --takes-older-than`` may drop: its files and their size."""

    resource_id: str
    version: int
    date: str
    files: tuple[str, ...]  # workspace-relative
    size: int


def _take_files(workspace: Workspace, resource: Resource, take: Take) -> tuple[str, ...]:
    """What dropping ``take`` removes: version 1's files in ``media/<id>/`` (the later takes' folders
    stay), a later take's whole folder, and its transcript."""
    base = workspace.media_folder(resource.id)
    if take.version == 1:
        names = {p for p in (take.video, take.poster) if p}
        names |= {workspace.relative(base / name) for name in ("meta.json", PENDING_WORDS)}
    else:
        names = {workspace.relative(take_folder(workspace, resource.id, take.version))}
    if take.transcript:
        names.add(take.transcript)
    return tuple(sorted(n for n in names if (workspace.root / n).exists()))


def old_takes(workspace: Workspace, catalogue: Catalogue, *, today: dt.date, days: int) -> list[OldTake]:
    """Previous takes dated more than ``days`` before ``today`` (a take with no date is never old)."""
    cutoff = (today - dt.timedelta(days=days)).isoformat()
    found = []
    for resource in catalogue.resources:
        for take in resource.versions:
            if take.date and take.date < cutoff:
                files = _take_files(workspace, resource, take)
                size = sum(disk_size(workspace.root / f) for f in files)
                found.append(OldTake(resource.id, take.version, take.date, files, size))
    return found


def drop_takes(workspace: Workspace, chosen: list[OldTake]) -> list[OldTake]:
    """Drop the ``chosen`` takes: out of ``versions:`` first (the catalogue save, under its lock),
    then their files, so a crash between leaves files no entry names, never an entry without files."""
    import shutil

    from pipeline.workspace.catalogue import editing_catalogue

    wanted = {(t.resource_id, t.version) for t in chosen}
    dropped: list[OldTake] = []
    with editing_catalogue(workspace.catalogue_path) as catalogue:
        for resource in catalogue.resources:
            gone = {t.version for t in resource.versions if (resource.id, t.version) in wanted}
            if gone:
                dropped += [t for t in chosen if t.resource_id == resource.id and t.version in gone]
                resource.versions = [t for t in resource.versions if t.version not in gone]
                catalogue.put(resource)
    for take in dropped:
        for rel in take.files:
            path = workspace.root / rel
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    return dropped
