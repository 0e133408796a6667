"""``capture add``: one clip in, one catalogue entry out, or nothing at all.

Work happens in a staging folder; the catalogue write under its lock is the
commit point, so a crash or Ctrl-C before it leaves the catalogue as it was and a
re-run starts over, clearing what the interrupted run left.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import clock
from pipeline.errors import CaptureError, MediaError
from pipeline.fsutil import TEMP_PREFIX, atomic_write_text, file_lock, remove_leftovers, sha256_file
from pipeline.orphans import (
    ORPHANED_DIR,
    Sweep,
    mark_committed,
    read_owner,
    settle_words,
    sweep_media,
    this_run,
    write_owner,
)
from pipeline.speech.coverage import Stretch, describe
from pipeline.speech.summary import summary_from_text
from pipeline.speech.transcript import Line, Transcript, write_transcript
from pipeline.takes import (
    PENDING_WORDS,
    TakeError,
    check_replacement,
    current_folder,
    next_take,
    take_folder,
    take_glossary,
    take_transcript,
)
from pipeline.workspace.catalogue import (
    Catalogue,
    Expert,
    MediaSettings,
    Resource,
    SourceClip,
    TranscriptionSettings,
    catalogue_lock,
    load_catalogue,
)
from pipeline.workspace.paths import Workspace
from pipeline.workspace.slugs import resource_slug

if TYPE_CHECKING:
    from pipeline.media.process import MediaInfo, MediaOutputs, MediaPlan
    from pipeline.speech.transcribe import Segment
    from pipeline.speech.whisper import Audio

CLIP_EXTENSIONS = frozenset(
    {
        ".mp4",
        ".mov",
        ".m4v",
        ".3gp",
        ".mkv",
        ".webm",
        ".avi",
        ".mts",
        ".m2ts",
        ".m4a",
        ".mp3",
        ".wav",
        ".aac",
        ".ogg",
        ".opus",
        ".flac",
    }
)
STAGING_PREFIX = ".staging-"

# ``progress(stage, fraction)``: the stage's name and how much of the whole clip is done (0..1).
Progress = Callable[[str, float], None]
# Set to a file path, ``capture add`` adds each clip's stage times to it (one JSON line a clip).
TIMINGS_ENV = "CAPTURE_TIMINGS"


@dataclass
class AddOptions:
    title: str | None = None
    expert: str | None = None
    job_title: str | None = None
    level: str | None = None
    roles: tuple[str, ...] = ()
    kind: str | None = None
    summary: str | None = None
    media: MediaSettings | None = None
    transcription: TranscriptionSettings | None = None
    replaces: str | None = None  # the id of the resource this clip is the next take of
    note: str = ""  # what changed in that take


@dataclass
class AddResult:
    clip: Path
    status: str  # added, skipped, restored, failed
    message: str
    resource_id: str | None = None
    seconds: float = 0.0
    details: dict[str, str] = field(default_factory=dict)
    error: CaptureError | None = None
    no_text: tuple[str, ...] = ()  # "speech with no text at mm:ss-mm:ss", one per stretch the transcript lacks
    chapters: int = 0  # chapters suggested in the new transcript, for the expert to accept or edit


# Folders ``capture add DIR`` never walks into: other tools' and capture's own hidden folders.
SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__"})


def _outputs_of(workspace: Workspace) -> tuple[Path, ...]:
    """The workspace's own outputs: adding them again would make ``video``, ``video-2``, ..."""
    return tuple(p.resolve() for p in (workspace.media_dir, workspace.site_dir, workspace.cache_dir))


def _inside(path: Path, folders: tuple[Path, ...]) -> bool:
    resolved = path.resolve()
    return any(resolved == folder or folder in resolved.parents for folder in folders)


def _walk_clips(folder: Path, outputs: tuple[Path, ...]) -> Iterator[Path]:
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name in SKIPPED_FOLDERS or _inside(entry, outputs):
            continue
        if entry.is_dir():
            if not entry.is_symlink():  # as os.walk: a link back up the tree would never end
                yield from _walk_clips(entry, outputs)
        elif entry.is_file() and entry.suffix.lower() in CLIP_EXTENSIONS:
            yield entry


def collect_clips(paths: list[Path], *, workspace: Workspace | None = None) -> list[Path]:
    """Expand folders into the clips they hold (sorted); files are kept as given.

    Hidden folders, ``node_modules`` and the workspace's own ``media/``, ``site/`` and
    ``.capture/`` are never walked.
    """
    outputs = _outputs_of(workspace) if workspace is not None else ()
    clips: list[Path] = []
    for path in paths:
        if path.is_dir():
            clips.extend(sorted(_walk_clips(path, outputs)))
        else:
            clips.append(path)
    return clips


def humanise(stem: str) -> str:
    words = re.sub(r"[_\-.]+", " ", stem).strip()
    words = re.sub(r"\s+", " ", words)
    return (words[:1].upper() + words[1:]) if words else "Untitled clip"


def unique_id(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


@contextlib.contextmanager
def _staging(workspace: Workspace, sha256: str) -> Iterator[Path]:
    """A private folder for one clip's outputs, locked while in use so cleanup leaves it alone.

    Its ``owner.json`` names this run; it travels with the folder into ``media/<id>/``.
    """
    workspace.media_dir.mkdir(parents=True, exist_ok=True)
    folder = workspace.media_dir / f"{STAGING_PREFIX}{sha256[:16]}-{os.getpid()}"
    lock_path = folder.with_suffix(".lock")
    with file_lock(lock_path):
        try:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            write_owner(folder, this_run())
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            with contextlib.suppress(OSError):
                os.unlink(lock_path)


def _clear_staging(workspace: Workspace) -> list[Path]:
    """Staging folders nobody holds (their run was killed): flock is released when a process dies."""
    removed: list[Path] = []
    for folder in workspace.media_dir.glob(f"{STAGING_PREFIX}*"):
        if not folder.is_dir():
            continue
        lock_path = folder.with_suffix(".lock")
        with contextlib.suppress(OSError), file_lock(lock_path, wait=False) as held:
            if held:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
                with contextlib.suppress(OSError):
                    os.unlink(lock_path)
    for lock_path in workspace.media_dir.glob(f"{STAGING_PREFIX}*.lock"):
        # A run killed after its staging folder moved into place, before its clean-up, leaves the lock alone.
        if not lock_path.with_suffix("").exists():
            with contextlib.suppress(OSError), file_lock(lock_path, wait=False) as held:
                if held:
                    os.unlink(lock_path)
                    removed.append(lock_path)
    return removed


def clear_leftovers(workspace: Workspace) -> Sweep:
    """Remove what interrupted runs left: staging folders nobody holds, temp and .part files, and
    the media of a killed run that never committed. Media folders no entry names for any other
    reason are moved aside to ``media/.orphaned/``, never deleted."""
    removed: list[Path] = []
    if workspace.media_dir.is_dir():
        removed += _clear_staging(workspace)
        removed += remove_leftovers(workspace.media_dir)
    removed += remove_leftovers(workspace.transcripts_dir)
    cleared = _sweep(workspace)
    cleared.removed[:0] = removed
    for name in os.listdir(workspace.root):
        if name.startswith(TEMP_PREFIX):
            with contextlib.suppress(OSError):
                os.unlink(workspace.root / name)
                cleared.removed.append(workspace.root / name)
    return cleared


def _sweep(workspace: Workspace) -> Sweep:
    """Checked under the catalogue lock, so a run that is committing right now is never mistaken for a dead one."""
    if not workspace.media_dir.is_dir():
        return Sweep()
    with catalogue_lock(workspace.catalogue_path):
        return sweep_media(workspace, load_catalogue(workspace.catalogue_path))


def media_key(sha256: str, settings: MediaSettings) -> str:
    from pipeline.media.process import MEDIA_STAGE_VERSION

    return (
        f"{MEDIA_STAGE_VERSION}:{sha256}:{settings.target_height}:{settings.crf}:{settings.preset}:"
        f"{settings.loudness}:{int(settings.keep_original)}"
    )


def stage_spans(mode: str, *, has_audio: bool, transcribe: bool) -> dict[str, tuple[float, float]]:
    """Which share of a clip's progress bar each stage fills, by what it costs for this plan.

    Transcoding costs about as much as transcription on the tiny model; a remux or an
    audio-only encode is a small part of it. Rough shares keep the ETA honest enough.
    """
    weights = {
        "hash": 0.02,
        "probe": 0.01,
        "audio": 0.03 if has_audio else 0.0,
        "media": 0.5 if mode == "transcode" else 0.03,
        "poster": 0.01,
        "transcribe": 0.5 if transcribe else 0.0,
        "save": 0.01,
    }
    total = sum(weights.values())
    spans: dict[str, tuple[float, float]] = {}
    at = 0.0
    for stage, weight in weights.items():
        spans[stage] = (at, at + weight / total)
        at += weight / total
    return spans


def media_is_current(workspace: Workspace, resource: Resource, key: str) -> bool:
    folder = current_folder(workspace, resource)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    wanted = [resource.video, resource.poster]
    return meta.get("key") == key and all(p and (workspace.root / p).is_file() for p in wanted)


def _check_clip(workspace: Workspace, clip: Path) -> None:
    if not clip.exists():
        raise MediaError(f"{clip}: no such file; check the path and try again")
    if clip.is_dir():
        raise MediaError(f"{clip}: is a folder with no clips in it")
    if not os.access(clip, os.R_OK):
        raise MediaError(f"{clip}: cannot read the file (permission denied); check its permissions")
    if _inside(clip, _outputs_of(workspace)):
        raise MediaError(
            f"{clip}: is capture's own output (in the workspace's media/, site/ or .capture/ folder); "
            "add the original clip instead"
        )


def _check_size(clip: Path, settings: MediaSettings) -> None:
    """Checked before hashing: a huge file is refused at once."""
    size = clip.stat().st_size
    if size > settings.max_size_gb * 1e9:
        raise MediaError(
            f"{clip.name}: the file is {size / 1e9:.1f} GB, more than the {settings.max_size_gb:g} GB "
            "allowed by media.max_size_gb; trim or compress it, or raise the limit"
        )


def _captured_date(clip: Path) -> str:
    return dt.date.fromtimestamp(clip.stat().st_mtime).isoformat()


def _summary_from(transcript: Transcript) -> str:
    """The first sentence that says what the clip is about; never a greeting or self-introduction."""
    return summary_from_text(transcript.text)


@dataclass
class _Job:
    """One clip on its way in: what ``add_clip`` learnt before any media is made."""

    workspace: Workspace
    clip: Path
    options: AddOptions
    catalogue: Catalogue
    report: _Reporter
    sha256: str
    key: str
    existing: Resource | None
    started: float

    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass
class _Made:
    """What the staging folder holds once media and transcription are done."""

    staging: Path
    duration: float
    plan: str
    transcript: Transcript | None = None
    segments: Sequence[Segment] = ()
    model: str = ""
    unheard: Sequence[Stretch] = ()  # speech with no text, even after decoding it again
    chapters: int = 0  # chapters suggested in the transcript


def _outputs_complete(workspace: Workspace, resource: Resource) -> bool:
    """The transcript and words file an existing entry needs are on disk (none needed without a transcript)."""
    if resource.transcript is None:
        return True
    return (workspace.root / resource.transcript).is_file() and workspace.words_path(resource.id).is_file()


def add_clip(workspace: Workspace, clip: Path, options: AddOptions, *, progress: Progress | None = None) -> AddResult:
    """Ingest one clip. Raises CaptureError for a clip that cannot be used; the catalogue is unchanged then."""
    from pipeline.media.process import plan_media, probe_media

    started = time.monotonic()
    report = _Reporter(progress)
    report.seen["catalogue"] = started
    _check_clip(workspace, clip)
    catalogue = load_catalogue(workspace.catalogue_path)
    settings = options.media or catalogue.settings.media
    _check_size(clip, settings)
    report("hash", 0.0)
    sha256 = sha256_file(clip)
    if options.replaces is not None:
        check_replacement(catalogue, options.replaces, sha256=sha256, clip=clip.name)
    existing = catalogue.by_sha256(sha256)
    job = _Job(workspace, clip, options, catalogue, report, sha256, media_key(sha256, settings), existing, started)
    complete = existing is not None and _outputs_complete(workspace, existing)
    if existing is not None and complete and media_is_current(workspace, existing, job.key):
        return AddResult(clip, "skipped", f"already in the catalogue as '{existing.id}'", existing.id, job.elapsed())
    report("probe", 0.0)
    info = probe_media(clip)
    plan = plan_media(info, settings)
    wants_transcript = info.has_audio and not complete
    report.spans = stage_spans(plan.mode, has_audio=info.has_audio, transcribe=wants_transcript)
    report("probe", 1.0)
    result = _make(job, info, plan, wants_transcript=wants_transcript)
    _write_timings(clip, report)
    return result


def _write_timings(clip: Path, report: _Reporter) -> None:
    """With ``CAPTURE_TIMINGS=FILE``, one JSON line per clip added to FILE: seconds spent in each
    stage, from its first report to the next stage's (``benchmarks/ingest.py`` reads it)."""
    target = os.environ.get(TIMINGS_ENV)
    if not target:
        return
    path = Path(target)
    try:
        before = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        before = ""
    atomic_write_text(path, before + json.dumps({"clip": clip.name, "stages": report.timings()}) + "\n")


def _make(job: _Job, info: MediaInfo, plan: MediaPlan, *, wants_transcript: bool) -> AddResult:
    """The clip's outputs, made in a staging folder, then committed (or restored) under the lock."""
    from pipeline.media.process import process_media

    with _staging(job.workspace, job.sha256) as staging:
        # The video is written before transcription starts, never beside it, and the speech
        # model is loaded in this thread: with the poster chosen in another thread a 15 s
        # transcription took 45 s on 2 cores, and a model loaded in another thread then ran
        # 1.5-2 times slower here (CTranslate2's threads, measured, not understood).
        outputs = process_media(info, plan, staging, progress=job.report)
        made = _Made(staging, info.duration, plan.describe())
        if outputs.audio is not None and wants_transcript:
            _transcribe(job, outputs.audio, made)
        job.report("save", 0.0)
        atomic_write_text(staging / "meta.json", json.dumps(_meta(job.key, made.plan, outputs), indent=1))
        if job.existing is not None:
            return _restore(job, job.existing, made)
        if job.options.replaces is not None:
            return commit_take(job, made)
        return _commit_new(job, made)


def _transcribe(job: _Job, samples: Audio | None, made: _Made) -> None:
    from pipeline.speech.transcribe import transcribe_audio

    transcription = job.options.transcription or job.catalogue.settings.transcription
    settings = job.catalogue.settings
    replaced = job.catalogue.find(job.options.replaces) if job.options.replaces else None
    job.report("transcribe", 0.0)
    result = transcribe_audio(
        samples,
        transcription,
        take_glossary(settings, replaced) if replaced is not None else tuple(settings.glossary),
        progress=lambda f: job.report("transcribe", f),
    )
    made.model = result.model
    made.transcript = Transcript(
        id="",
        status="draft",
        model=result.model,
        language=result.language,
        lines=[Line(round(s.start, 1), s.text) for s in result.segments],
    )
    made.segments = result.segments
    made.unheard = result.unheard
    made.chapters = _suggest_chapters(made.transcript, made.duration, result.segments)


def _suggest_chapters(transcript: Transcript, duration: float, segments: Sequence[Segment]) -> int:
    """Chapters offered in the fresh transcript as ``## Title (suggested)`` lines; how many."""
    from pipeline.speech.chapters import suggest_chapters, with_suggested_chapters

    ends = [s.end for s in segments if s.text.strip()]
    return with_suggested_chapters(transcript, suggest_chapters(transcript, duration=duration, ends=ends))


class _Reporter:
    """Turns stage progress into the clip's overall fraction.

    Each stage fills its span of the bar (``stage_spans``); the overall fraction is the
    sum of what each has done, so it only grows, whatever order stages report in.
    """

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.spans = stage_spans("transcode", has_audio=True, transcribe=True)
        self.done: dict[str, float] = {}
        self.label = ""
        self.seen: dict[str, float] = {}  # when each stage first reported

    def __call__(self, stage: str, fraction: float) -> None:
        self.seen.setdefault(stage, time.monotonic())
        if self.progress is None:
            return
        self.done[stage] = max(fraction, self.done.get(stage, 0.0))
        for earlier in ("hash", "probe", "audio"):
            if earlier == stage:
                break
            self.done[earlier] = 1.0
        self.label = stage
        overall = sum((high - low) * self.done.get(name, 0.0) for name, (low, high) in self.spans.items())
        self.progress(self.label, min(1.0, overall))

    def timings(self) -> dict[str, float]:
        """Seconds in each stage so far: from its first report to the next stage's, or to now."""
        stamps = sorted(self.seen.items(), key=lambda item: item[1])
        ends = [at for _, at in stamps[1:]] + [time.monotonic()]
        return {stage: round(end - at, 3) for (stage, at), end in zip(stamps, ends, strict=True)}


def _meta(key: str, plan: str, outputs: MediaOutputs) -> dict[str, object]:
    """What made this media folder: its key decides whether a re-run may skip the clip."""
    meta: dict[str, object] = {"key": key, "plan": plan}
    if outputs.loudness is not None:
        meta["loudness"] = {"integrated": outputs.loudness.integrated, "true_peak": outputs.loudness.true_peak}
    if outputs.audio_plan is not None:
        meta["audio"] = outputs.audio_plan.reason
    if outputs.original is not None:
        meta["original"] = outputs.original.name
    return meta


def _install_media(staging: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, target)
    staging.mkdir()  # the staging context removes it again


def _write_words(workspace: Workspace, resource_id: str, made: _Made) -> None:
    _write_words_to(workspace.words_path(resource_id), resource_id, made)


def _write_words_to(path: Path, resource_id: str, made: _Made) -> None:
    from pipeline.speech.transcribe import words_document

    # Written even when empty (a silent clip): its presence says transcription ran.
    document = words_document(resource_id, made.segments, unheard=made.unheard)
    atomic_write_text(path, json.dumps(document))


def _restore(job: _Job, resource: Resource, made: _Made) -> AddResult:
    """New media for an entry the catalogue already names; its transcript is written only where missing."""
    workspace = job.workspace
    with catalogue_lock(workspace.catalogue_path):
        folder = current_folder(workspace, resource)
        _install_media(made.staging, folder)
        mark_committed(folder)  # the catalogue names it already
        transcript = made.transcript
        if transcript is not None and resource.transcript and not (workspace.root / resource.transcript).is_file():
            transcript.id = resource.id
            write_transcript(workspace.root / resource.transcript, transcript)
        if transcript is not None:
            _write_words(workspace, resource.id, made)
    return AddResult(
        job.clip,
        "restored",
        f"already in the catalogue as '{resource.id}'; its media was rebuilt",
        resource.id,
        job.elapsed(),
        no_text=_no_text(made),
    )


def _taken_ids(workspace: Workspace, catalogue: Catalogue) -> set[str]:
    """Ids a new entry may not take: the catalogue's, and any with a media folder or a transcript on
    disk (an entry removed by ``git checkout`` leaves both, and they are not ours to overwrite)."""
    taken = {r.id for r in catalogue.resources}
    if workspace.media_dir.is_dir():
        taken |= {p.name for p in workspace.media_dir.iterdir()}
    if workspace.transcripts_dir.is_dir():
        taken |= {p.stem for p in workspace.transcripts_dir.glob("*.md")}
    return taken


def _commit_new(job: _Job, made: _Made) -> AddResult:
    """Move the media into ``media/<id>/``, write the transcript and the words file, save the catalogue:
    all under the catalogue lock. A failure before the save takes all three back."""
    workspace = job.workspace
    title = job.options.title or humanise(job.clip.stem)
    with catalogue_lock(workspace.catalogue_path):
        catalogue = load_catalogue(workspace.catalogue_path)
        duplicate = catalogue.by_sha256(job.sha256)
        if duplicate is not None:  # another run added the same clip while this one worked
            return AddResult(
                job.clip, "skipped", f"already in the catalogue as '{duplicate.id}'", duplicate.id, job.elapsed()
            )
        resource_id = unique_id(resource_slug(title), _taken_ids(workspace, catalogue))
        try:
            catalogue.put(_install_new(job, made, resource_id=resource_id, title=title))
            catalogue.save()
        except BaseException:
            _undo_commit(workspace, resource_id, job.sha256)
            raise
        mark_committed(workspace.media_folder(resource_id))
    return AddResult(
        job.clip,
        "added",
        _note(made.transcript),
        resource_id,
        job.elapsed(),
        {"plan": made.plan},
        no_text=_no_text(made),
        chapters=made.chapters,
    )


def commit_take(job: _Job, made: _Made) -> AddResult:
    """Make the clip the next version of ``job.options.replaces``, all under the catalogue lock.

    The take's media goes into ``media/<id>/vN/`` and its transcript into ``transcripts/<id>.vN.md``,
    paths the old version never names; the old words file is parked in the old take's folder. The
    catalogue save is the commit point: until it, the resource is its old version; after it, the new
    one, and only then does the new words file take the old one's place (a crash between the two is
    rolled forward by the next run; see ``pipeline.orphans.settle_words``).
    """
    workspace = job.workspace
    with catalogue_lock(workspace.catalogue_path):
        catalogue = load_catalogue(workspace.catalogue_path)
        old = check_replacement(catalogue, str(job.options.replaces), sha256=job.sha256, clip=job.clip.name)
        if old.version != job.catalogue.get(old.id).version:
            raise TakeError(
                f"{job.clip.name}: '{old.id}' became version {old.version} while this clip was being made; "
                "run the command again to make it the next take"
            )
        version = old.version + 1
        parked = current_folder(workspace, old) / PENDING_WORDS
        try:
            made_resource = _install_new(job, made, resource_id=old.id, title=old.title, version=version)
            new = next_take(old, made_resource, note=job.options.note, today=clock.today())
            new.summary = _followed_summary(workspace, old, made_resource.summary)
            if workspace.words_path(old.id).is_file() and parked.parent.is_dir():
                os.replace(workspace.words_path(old.id), parked)
            catalogue.put(new)
            catalogue.save()
        except BaseException:
            _undo_take(workspace, old, version=version, parked=parked)
            raise
        settle_words(workspace, new)
        mark_committed(take_folder(workspace, old.id, version))
    return AddResult(
        job.clip,
        "replaced",
        f"version {version} of '{old.id}': {_note(made.transcript)}",
        old.id,
        job.elapsed(),
        {"plan": made.plan, "version": str(version)},
        no_text=_no_text(made),
    )


def _followed_summary(workspace: Workspace, old: Resource, fresh: str) -> str:
    """An automatic summary (what the old take's transcript gives) follows the new take; one a person wrote stays."""
    from pipeline.speech.transcript import read_transcript

    if not old.summary:
        return fresh
    try:
        old_text = read_transcript(workspace.root / str(old.transcript), str(old.transcript)).text
    except (CaptureError, OSError):
        return old.summary
    return fresh if old.summary == summary_from_text(old_text) else old.summary


def _undo_take(workspace: Workspace, old: Resource, *, version: int, parked: Path) -> None:
    """Take back a take whose commit failed before the catalogue was saved; where the catalogue on
    disk names the take after all, or cannot be read, everything is kept (and rolled forward)."""
    try:
        current = load_catalogue(workspace.catalogue_path).find(old.id)
    except CaptureError:
        return
    if current is not None and current.version >= version:
        return
    if parked.is_file() and not workspace.words_path(old.id).exists():
        os.replace(parked, workspace.words_path(old.id))
    shutil.rmtree(take_folder(workspace, old.id, version), ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        take_transcript(workspace, old.id, version).unlink()


def _note(transcript: Transcript | None) -> str:
    if transcript is None:
        return "no audio track: published without a transcript"
    if not transcript.lines:
        return "no speech found: the transcript is empty"
    suggested = sum(chapter.suggested for chapter in transcript.chapters)
    if suggested:  # the expert accepts or edits them in review
        chapters = "1 chapter" if suggested == 1 else f"{suggested} chapters"
        return f"{len(transcript.lines)} transcript lines, {chapters} suggested, draft for review"
    return f"{len(transcript.lines)} transcript lines, draft for review"


def _no_text(made: _Made) -> tuple[str, ...]:
    """Each stretch of speech the new transcript has no text for, as ``capture add`` reports it."""
    return tuple(describe(gap) for gap in made.unheard)


def _install_new(job: _Job, made: _Made, *, resource_id: str, title: str, version: int = 1) -> Resource:
    """Put the new entry's files in place; the files it writes outside its folder are named in its
    ``owner.json`` first, so a run killed here is cleared whole by the next one."""
    workspace = job.workspace
    take = version > 1
    folder = take_folder(workspace, resource_id, version) if take else workspace.media_folder(resource_id)
    transcript_path = (
        take_transcript(workspace, resource_id, version) if take else workspace.transcript_path(resource_id)
    )
    files = (workspace.relative(transcript_path), workspace.relative(workspace.words_path(resource_id)))
    owner = read_owner(made.staging) or this_run()
    write_owner(made.staging, replace(owner, files=files[: 1 if take else 2] if made.transcript is not None else ()))
    _install_media(made.staging, folder)
    transcript_rel = None
    summary = job.options.summary or ""
    if made.transcript is not None:
        made.transcript.id = resource_id
        write_transcript(transcript_path, made.transcript)
        if take:  # the live words file changes only once the catalogue names the take (see commit_take)
            _write_words_to(folder / PENDING_WORDS, resource_id, made)
        else:
            _write_words(workspace, resource_id, made)
        transcript_rel = workspace.relative(transcript_path)
        summary = summary or _summary_from(made.transcript)
    video_name = "audio.m4a" if (folder / "audio.m4a").exists() else "video.mp4"
    return Resource(
        id=resource_id,
        title=title,
        summary=summary,
        expert=Expert(name=job.options.expert or "", job_title=job.options.job_title or ""),
        captured=_captured_date(job.clip),
        level=job.options.level,
        kind=job.options.kind,
        roles=list(job.options.roles),
        source=SourceClip(file=job.clip.name, size=job.clip.stat().st_size, sha256=job.sha256),
        video=workspace.relative(folder / video_name),
        poster=workspace.relative(folder / "poster.jpg"),
        audio_only=video_name == "audio.m4a",
        transcript=transcript_rel,
        review="draft",
        duration=made.duration,
        produced_by={"model": made.model, "media": made.plan} if made.model else {"media": made.plan},
        tagged=_tagged_by_person(job.options),
    )


def _tagged_by_person(options: AddOptions) -> dict[str, str]:
    """The tags a person gave on the command line, so later suggestions leave them alone."""
    given = {"level": options.level, "roles": options.roles, "kind": options.kind}
    return {name: "person" for name, value in given.items() if value}


def _undo_commit(workspace: Workspace, resource_id: str, sha256: str) -> None:
    """Take back a commit that failed before the catalogue was saved: its media folder, transcript and
    words file (the id was free of the first two, so nothing else is lost). Where the catalogue on
    disk names the clip after all, or cannot be read, everything is kept."""
    try:
        if load_catalogue(workspace.catalogue_path).by_sha256(sha256) is not None:
            return
    except CaptureError:
        return
    shutil.rmtree(workspace.media_folder(resource_id), ignore_errors=True)
    for path in (workspace.transcript_path(resource_id), workspace.words_path(resource_id)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _cleared_lines(cleared: Sweep) -> list[str]:
    """One line each for media moved aside or back; deleted leftovers of killed runs go unsaid."""
    lines: list[str] = []
    if cleared.moved:
        names = ", ".join(folder.name for folder, _ in cleared.moved)
        count = len(cleared.moved)
        lines.append(
            f"moved {count} media folder{'s' if count != 1 else ''} that no entry in resources.yaml names "
            f"to media/{ORPHANED_DIR}/ ({names}); `capture status` lists them, `capture prune` removes them"
        )
    if cleared.restored:
        names = ", ".join(folder.name for _, folder in cleared.restored)
        lines.append(f"moved the media of {names} back from media/{ORPHANED_DIR}/: resources.yaml names it again")
    return lines


def add_clips(
    workspace: Workspace,
    clips: list[Path],
    options: AddOptions,
    *,
    on_start: Callable[[Path], Progress] | None = None,
    notice: Callable[[str], None] | None = None,
) -> list[AddResult]:
    """Add each clip, carrying on after a failure; every clip gets a result. ``notice`` hears what the
    clean-up before the first clip did to media no entry names."""
    load_catalogue(workspace.catalogue_path)  # a broken catalogue stops the run before any work
    for line in _cleared_lines(clear_leftovers(workspace)):
        if notice is not None:
            notice(line)
    results: list[AddResult] = []
    for clip in clips:
        started = time.monotonic()
        progress = on_start(clip) if on_start else None
        try:
            results.append(add_clip(workspace, clip, options, progress=progress))
        except CaptureError as exc:
            results.append(AddResult(clip, "failed", str(exc), None, time.monotonic() - started, error=exc))
        if progress is not None:
            progress(results[-1].status, 1.0)  # the clip's bar ends full, named by its result
    return results
