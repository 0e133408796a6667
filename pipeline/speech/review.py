"""Reviewing transcripts: status, edits, approval, redoing a transcript.

An expert reads what the machine heard, fixes words and approves. The transcript
file's front matter (``status``, ``approved_by``, ``approved_at``) and the
resource's ``review`` in ``resources.yaml`` say the same thing, and every change
here keeps them in step under the catalogue's lock. The loopback web page that
calls these functions lives in :mod:`pipeline.serve.review`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.errors import CaptureError, EditConflictError, TranscriptError
from pipeline.fsutil import atomic_write_text, remove_leftovers
from pipeline.speech.captions import Cue, make_cues
from pipeline.speech.coverage import describe, span
from pipeline.speech.summary import summary_from_text
from pipeline.speech.transcribe import Segment, Word, read_unheard, read_words, unsure_words, words_document
from pipeline.speech.transcript import (
    LATEST_TIME,
    BodyRow,
    Line,
    Transcript,
    clean_text,
    format_time,
    format_transcript,
    parse_transcript,
    read_transcript,
    read_transcript_text,
    save_transcript_text,
    set_body,
    transcript_version,
)
from pipeline.workspace.catalogue import (
    Catalogue,
    Resource,
    TranscriptionSettings,
    editing_catalogue,
    load_catalogue,
    read_catalogue,
)
from pipeline.workspace.paths import Workspace


@dataclass(frozen=True)
class StatusRow:
    id: str
    title: str
    review: str  # draft, approved, missing (no transcript file) or none (no audio)
    lines: int
    model: str
    approved_by: str
    approved_at: str
    problem: str = ""  # a transcript that cannot be read, or front matter and catalogue that disagree
    unsure_words: int = 0  # words whisper gave a low probability: where a reviewer should listen
    no_text: tuple[str, ...] = ()  # stretches of speech the transcript has no text for, as mm:ss-mm:ss


@dataclass(frozen=True)
class TranscribeResult:
    id: str
    lines: int
    dropped: int
    model: str
    language: str
    no_text: tuple[str, ...] = ()  # speech the transcript has no text for, as "speech with no text at ..."


def transcript_file(workspace: Workspace, resource: Resource) -> Path:
    return workspace.root / resource.transcript if resource.transcript else workspace.transcript_path(resource.id)


def review_status(workspace: Workspace, catalogue: Catalogue | None = None) -> list[StatusRow]:
    """One row per resource: its transcript's review state, size and model (``catalogue`` if read already)."""
    if catalogue is None:
        catalogue = read_catalogue(workspace.catalogue_path)  # read-only: the fast loader
    rows: list[StatusRow] = []
    for resource in catalogue.resources:
        if not resource.transcript:
            rows.append(
                StatusRow(resource.id, resource.title, "none", 0, resource.produced_by.get("model", ""), "", "")
            )
            continue
        path = transcript_file(workspace, resource)
        if not path.is_file():
            rows.append(
                StatusRow(
                    resource.id,
                    resource.title,
                    "missing",
                    0,
                    "",
                    "",
                    "",
                    f"{resource.transcript} is missing; run `capture transcribe {resource.id}`",
                )
            )
            continue
        try:
            transcript = read_transcript(path)
        except TranscriptError as exc:
            rows.append(StatusRow(resource.id, resource.title, "unreadable", 0, "", "", "", str(exc)))
            continue
        problem = ""
        if transcript.status != resource.review:
            problem = (
                f"resources.yaml says review: {resource.review}, the transcript says status: "
                f"{transcript.status}; run `capture approve {resource.id}` or fix one of them"
            )
        row = StatusRow(
            resource.id,
            resource.title,
            transcript.status,
            len(transcript.lines),
            transcript.model or resource.produced_by.get("model", ""),
            transcript.approved_by,
            transcript.approved_at,
            problem,
        )
        rows.append(_with_care(workspace, row))
    return rows


def _with_care(workspace: Workspace, row: StatusRow) -> StatusRow:
    """``row`` with where its review needs care, from the words sidecar whisper's run left."""
    sidecar = workspace.words_path(row.id)
    unsure = unsure_words(read_words(sidecar))
    gaps = tuple(span(gap) for gap in read_unheard(sidecar))
    return replace(row, unsure_words=len(unsure), no_text=gaps)


def load_for_review(workspace: Workspace, resource_id: str) -> tuple[Resource, Transcript, str]:
    """The resource, its transcript, and the file's version (to notice edits made elsewhere)."""
    catalogue = load_catalogue(workspace.catalogue_path)
    resource = catalogue.get(resource_id)
    if not resource.transcript:
        raise TranscriptError(f"{resource_id} has no transcript (its clip has no audio); nothing to review")
    text = read_transcript_text(transcript_file(workspace, resource))
    return resource, parse_transcript(text, Path(resource.transcript).name), transcript_version(text)


def _set_review(catalogue: Catalogue, resource_id: str, review: str) -> None:
    resource = catalogue.get(resource_id)
    if resource.review != review:
        resource.review = review
        catalogue.put(resource)


def now_stamp() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="minutes")


def approve_transcript(
    workspace: Workspace, resource_id: str, by: str, *, when: str | None = None, version: str | None = None
) -> Transcript:
    """Mark the transcript approved by ``by`` (front matter and resources.yaml together)."""
    who = clean_text(by)
    if not who:
        raise TranscriptError("say who approves the transcript: give a name (--by NAME)")
    with editing_catalogue(workspace.catalogue_path) as catalogue:
        resource = catalogue.get(resource_id)
        if not resource.transcript:
            raise TranscriptError(f"{resource_id} has no transcript (its clip has no audio); nothing to approve")
        path = transcript_file(workspace, resource)
        text = read_transcript_text(path)
        if version is not None and transcript_version(text) != version:
            raise EditConflictError(
                f"{path.name} changed on disk since the page loaded it; reload the page, check it, then approve"
            )
        transcript = parse_transcript(text, path.name)
        transcript.status, transcript.approved_by, transcript.approved_at = "approved", who, when or now_stamp()
        save_transcript_text(path, readable_text(transcript, path.name))
        remove_leftovers(path.parent)
        _set_review(catalogue, resource_id, "approved")
    return transcript


def checked_lines(lines: list[Line]) -> list[Line]:
    """A reviewer's lines as they will be written: times checked, text cleaned, empty lines dropped."""
    cleaned: list[Line] = []
    for number, line in enumerate(lines, start=1):
        if not (math.isfinite(line.start) and 0 <= line.start <= LATEST_TIME):
            raise TranscriptError(
                f"line {number}: the time must be a number of seconds from 0 to {LATEST_TIME:.0f} "
                f"({format_time(LATEST_TIME)}); reload the page"
            )
        if cleaned and line.start < cleaned[-1].start:
            raise TranscriptError(f"line {number}: its time comes before the line above it; keep the times in order")
        text = clean_text(line.text)
        if text:
            cleaned.append(Line(round(line.start, 1), text))
    return cleaned


def checked_rows(rows: list[BodyRow]) -> list[BodyRow]:
    """A reviewer's rows (lines, notes, chapter headings) as they will be written: times checked and
    in order, text cleaned, empty rows dropped. A chapter heading takes no time: it starts at the row after it."""
    cleaned: list[BodyRow] = []
    last: float | None = None
    for number, row in enumerate(rows, start=1):
        text = clean_text(row.text)
        if row.kind == "chapter":
            if text:
                cleaned.append(BodyRow("chapter", text, suggested=row.suggested))
            continue
        start = row.start if row.start is not None else math.nan
        if not (math.isfinite(start) and 0 <= start <= LATEST_TIME):
            raise TranscriptError(
                f"line {number}: the time must be a number of seconds from 0 to {LATEST_TIME:.0f} "
                f"({format_time(LATEST_TIME)}); reload the page"
            )
        if last is not None and start < last:
            raise TranscriptError(f"line {number}: its time comes before the line above it; keep the times in order")
        if text and row.kind in ("line", "note"):
            cleaned.append(BodyRow(row.kind, text, round(start, 1)))
            last = round(start, 1)
    return cleaned


def _body(transcript: Transcript) -> tuple[object, ...]:
    """What a save may change: the lines, notes and chapters, times to the tenth."""
    return (
        [(round(line.start, 1), line.text) for line in transcript.lines],
        [(round(note.start, 1), note.text) for note in transcript.notes],
        [(round(c.start, 1), c.title, c.suggested) for c in transcript.chapters],
    )


def readable_text(transcript: Transcript, name: str) -> str:
    """The file's new text, once it is known to read back as ``transcript``'s lines (else nothing is written)."""
    text = format_transcript(transcript)
    try:
        again = parse_transcript(text, name)
    except TranscriptError as exc:
        raise TranscriptError(f"cannot save {name}: it would not read back ({exc}); nothing was written") from exc
    if _body(again) != _body(transcript):
        raise TranscriptError(f"cannot save {name}: its lines would not read back as written; nothing was written")
    return text


def save_lines(workspace: Workspace, resource_id: str, lines: list[Line], *, version: str) -> tuple[Transcript, str]:
    """Write a reviewer's lines back to the transcript file; an empty line is deleted.

    The file's chapters and notes stay at their times. Changing the words of an approved
    transcript makes it a draft again: the approval was for the words as they were. What is
    written always reads back as these lines.
    """
    cleaned = checked_lines(lines)

    def change(transcript: Transcript) -> None:
        transcript.lines = cleaned

    return _save(workspace, resource_id, change, version=version)


def save_rows(workspace: Workspace, resource_id: str, rows: list[BodyRow], *, version: str) -> tuple[Transcript, str]:
    """Write a reviewer's rows back, in their order: lines, on-screen notes and chapter headings.

    As :func:`save_lines`, but the page's rows replace the whole body: a chapter starts at
    the row after its heading, as in the file.
    """
    cleaned = checked_rows(rows)

    def change(transcript: Transcript) -> None:
        set_body(transcript, cleaned)

    return _save(workspace, resource_id, change, version=version)


def _save(
    workspace: Workspace, resource_id: str, change: Callable[[Transcript], None], *, version: str
) -> tuple[Transcript, str]:
    with editing_catalogue(workspace.catalogue_path) as catalogue:
        resource = catalogue.get(resource_id)
        path = transcript_file(workspace, resource)
        text = read_transcript_text(path)
        if transcript_version(text) != version:
            raise EditConflictError(
                f"{path.name} changed on disk since the page loaded it; copy your edits, reload the "
                "page and make them again"
            )
        transcript = parse_transcript(text, path.name)
        old_text, old_body = transcript.text, _body(transcript)
        change(transcript)
        if _body(transcript) == old_body:
            return parse_transcript(text, path.name), version
        if transcript.status == "approved":
            transcript.status, transcript.approved_by, transcript.approved_at = "draft", "", ""
        new_text = readable_text(transcript, path.name)
        save_transcript_text(path, new_text)
        remove_leftovers(path.parent)  # temp files of a save that was killed; we hold the lock
        _set_review(catalogue, resource_id, transcript.status)
        _follow_summary(catalogue, resource_id, old_text=old_text, new_text=transcript.text)
    return parse_transcript(new_text, path.name), transcript_version(new_text)


def _follow_summary(catalogue: Catalogue, resource_id: str, *, old_text: str, new_text: str) -> None:
    """An automatic summary follows the transcript's edits; one a person wrote is left alone.

    A summary is taken as automatic while it is what the old transcript would give
    (``summary_from_text``), or the old rule's pick, the old transcript's first sentence.
    """
    resource = catalogue.get(resource_id)
    automatic = {summary_from_text(old_text), re.split(r"(?<=[.!?])\s", old_text, maxsplit=1)[0]}
    if resource.summary and resource.summary not in automatic:
        return
    fresh = summary_from_text(new_text)
    if fresh != resource.summary:
        resource.summary = fresh
        catalogue.put(resource)


def resource_words(workspace: Workspace, resource_id: str) -> tuple[Word, ...]:
    return read_words(workspace.words_path(resource_id))


def resource_cues(workspace: Workspace, resource: Resource, transcript: Transcript) -> list[Cue]:
    """Captions for a resource, with whisper's word timings where its lines are unedited."""
    return make_cues(transcript, resource.duration, resource_words(workspace, resource.id))


def prepare_transcription(
    workspace: Workspace, resource_id: str, settings: TranscriptionSettings | None = None, *, force: bool = False
) -> TranscriptionSettings:
    """Everything that can stop ``transcribe_resource``, checked before slow work: approval, settings, model."""
    from pipeline.speech.transcribe import load_model

    catalogue = load_catalogue(workspace.catalogue_path)
    resource = catalogue.get(resource_id)
    settings = settings or catalogue.settings.transcription
    path = transcript_file(workspace, resource)
    if path.is_file() and not force:
        try:
            current = read_transcript(path)
            status, approved_by = current.status, f" by {current.approved_by}" if current.approved_by else ""
        except TranscriptError:
            status, approved_by = resource.review, ""
        if "approved" in (status, resource.review):
            raise TranscriptError(
                f"the transcript of {resource_id} is approved{approved_by}; transcribing again would replace the "
                "reviewed text: add --force to do it anyway"
            )
    if not resource.video or not (workspace.root / resource.video).is_file():
        raise CaptureError(f"{resource_id}: its media is missing; run `capture add` on its clip again to rebuild it")
    load_model(settings)  # a bad model name, a missing download or a missing GPU shows up here
    return settings


def _keep_chapters_and_notes(
    transcript: Transcript, path: Path, segments: Sequence[Segment], *, duration: float
) -> None:
    """The replaced transcript's chapters and on-screen notes, at their times: they are about the video,
    not the words heard. Where it had no chapters, suggested ones, as ``capture add`` makes them."""
    from pipeline.speech.chapters import suggest_chapters, with_suggested_chapters

    try:
        old = read_transcript(path) if path.is_file() else None
    except TranscriptError:
        old = None  # unreadable: nothing in it can be kept
    if old is not None:
        transcript.chapters, transcript.notes = list(old.chapters), list(old.notes)
    if not transcript.chapters:
        ends = [s.end for s in segments if s.text.strip()]
        with_suggested_chapters(transcript, suggest_chapters(transcript, duration=duration, ends=ends))


def transcribe_resource(
    workspace: Workspace,
    resource_id: str,
    settings: TranscriptionSettings | None = None,
    *,
    force: bool = False,
    progress: Callable[[float], None] | None = None,
) -> TranscribeResult:
    """Redo a resource's transcript from its processed media; an approved one only with ``force``."""
    from pipeline.speech.transcribe import decode_audio, transcribe_audio

    settings = prepare_transcription(workspace, resource_id, settings, force=force)
    catalogue = load_catalogue(workspace.catalogue_path)
    resource = catalogue.get(resource_id)
    path = transcript_file(workspace, resource)
    audio = decode_audio(workspace.root / str(resource.video))
    result = transcribe_audio(audio, settings, tuple(catalogue.settings.glossary), progress=progress)
    transcript = Transcript(
        id=resource_id,
        status="draft",
        model=result.model,
        language=result.language,
        lines=[Line(round(s.start, 1), s.text) for s in result.segments],
    )
    with editing_catalogue(workspace.catalogue_path) as fresh:
        entry = fresh.get(resource_id)
        _keep_chapters_and_notes(transcript, path, result.segments, duration=entry.duration)
        save_transcript_text(path, readable_text(transcript, path.name))
        atomic_write_text(
            workspace.words_path(resource_id),
            json.dumps(words_document(resource_id, result.segments, unheard=result.unheard)),
        )
        entry.transcript = workspace.relative(path)
        entry.review = "draft"
        entry.produced_by = {**entry.produced_by, "model": result.model}
        fresh.put(entry)
    no_text = tuple(describe(gap) for gap in result.unheard)
    return TranscribeResult(resource_id, len(transcript.lines), result.dropped, result.model, result.language, no_text)
