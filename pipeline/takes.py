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
