"""``capture add``: one clip in, one catalogue entry out, or nothing at all.

Work happens in a staging folder; the catalogue write under its lock is the
commit point, so a crash or Ctrl-C before it leaves the catalogue as it was and a
re-run starts over, clearing what the interrupted run left.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import CaptureError, MediaError
from pipeline.fsutil import atomic_write_text, remove_leftovers, sha256_file
from pipeline.speech.transcript import Line, Transcript, write_transcript
from pipeline.workspace.catalogue import (
    Catalogue,
    Expert,
    MediaSettings,
    Resource,
    SourceClip,
    TranscriptionSettings,
    catalogue_lock,
    editing_catalogue,
    load_catalogue,
)
from pipeline.workspace.paths import Workspace

if TYPE_CHECKING:
    from pipeline.media.process import MediaInfo, MediaOutputs, MediaPlan
    from pipeline.speech.transcribe import Segment

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


@dataclass
class AddResult:
    clip: Path
    status: str  # added, skipped, restored, failed
    message: str
    resource_id: str | None = None
    seconds: float = 0.0
    details: dict[str, str] = field(default_factory=dict)
    error: CaptureError | None = None


def collect_clips(paths: list[Path]) -> list[Path]:
    """Expand folders into the clips they hold (sorted); files are kept as given."""
    clips: list[Path] = []
    for path in paths:
        if path.is_dir():
            clips.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in CLIP_EXTENSIONS and not p.name.startswith(".")
                )
            )
        else:
            clips.append(path)
    return clips


def slugify(text: str, fallback: str = "clip") -> str:
    normalised = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", normalised).strip("-")[:60].strip("-")
    return slug or fallback


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
    """A private folder for one clip's outputs, locked while in use so cleanup leaves it alone."""
    workspace.media_dir.mkdir(parents=True, exist_ok=True)
    folder = workspace.media_dir / f"{STAGING_PREFIX}{sha256[:16]}-{os.getpid()}"
    lock_path = folder.with_suffix(".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.unlink(lock_path)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def clear_leftovers(workspace: Workspace) -> list[Path]:
    """Remove what interrupted runs left: staging folders nobody holds, temp and .part files."""
    removed: list[Path] = []
    if workspace.media_dir.is_dir():
        for folder in workspace.media_dir.glob(f"{STAGING_PREFIX}*"):
            if not folder.is_dir():
                continue
            lock_path = folder.with_suffix(".lock")
            try:
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
            with contextlib.suppress(OSError):
                os.unlink(lock_path)
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        removed += remove_leftovers(workspace.media_dir)
    removed += remove_leftovers(workspace.transcripts_dir)
    removed += _clear_orphan_media(workspace)
    for name in os.listdir(workspace.root):
        if name.startswith(".capture-tmp-"):
            with contextlib.suppress(OSError):
                os.unlink(workspace.root / name)
                removed.append(workspace.root / name)
    return removed


def _clear_orphan_media(workspace: Workspace) -> list[Path]:
    """Media folders that capture made but no entry names: a run killed between moving the
    media into place and saving the catalogue. Checked under the catalogue lock, so a run
    that is committing right now is never mistaken for one."""
    if not workspace.media_dir.is_dir():
        return []
    removed: list[Path] = []
    with catalogue_lock(workspace.catalogue_path):
        known = {r.id for r in load_catalogue(workspace.catalogue_path).resources}
        for folder in workspace.media_dir.iterdir():
            if (
                folder.is_dir()
                and not folder.name.startswith(".")
                and folder.name not in known
                and (folder / "meta.json").is_file()
            ):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


def media_key(sha256: str, settings: MediaSettings) -> str:
    from pipeline.media.process import MEDIA_STAGE_VERSION

    return (
        f"{MEDIA_STAGE_VERSION}:{sha256}:{settings.target_height}:{settings.crf}:{settings.preset}:"
        f"{settings.loudness}:{int(settings.keep_original)}"
    )


def stage_spans(mode: str, has_audio: bool, transcribe: bool) -> dict[str, tuple[float, float]]:
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
    folder = workspace.media_folder(resource.id)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    wanted = [resource.video, resource.poster]
    return meta.get("key") == key and all(p and (workspace.root / p).is_file() for p in wanted)


def _check_clip(clip: Path) -> None:
    if not clip.exists():
        raise MediaError(f"{clip}: no such file; check the path and try again")
    if clip.is_dir():
        raise MediaError(f"{clip}: is a folder with no clips in it")
    if not os.access(clip, os.R_OK):
        raise MediaError(f"{clip}: cannot read the file (permission denied); check its permissions")


def _captured_date(clip: Path) -> str:
    return dt.date.fromtimestamp(clip.stat().st_mtime).isoformat()


def _summary_from(transcript: Transcript) -> str:
    text = transcript.text
    if not text:
        return ""
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= 200 else sentence[:197].rsplit(" ", 1)[0] + "…"


def add_clip(workspace: Workspace, clip: Path, options: AddOptions, progress: Progress | None = None) -> AddResult:
    """Ingest one clip. Raises CaptureError for a clip that cannot be used; the catalogue is unchanged then."""
    from pipeline.media.process import plan_media, probe_media

    started = time.monotonic()
    report = _Reporter(progress)
    _check_clip(clip)
    catalogue = load_catalogue(workspace.catalogue_path)
    settings = options.media or catalogue.settings.media
    size = clip.stat().st_size
    if size > settings.max_size_gb * 1e9:  # checked before hashing: a huge file is refused at once
        raise MediaError(
            f"{clip.name}: the file is {size / 1e9:.1f} GB, more than the {settings.max_size_gb:g} GB "
            "allowed by media.max_size_gb; trim or compress it, or raise the limit"
        )
    report("hash", 0.0)
    sha256 = sha256_file(clip)
    existing = catalogue.by_sha256(sha256)
    key = media_key(sha256, settings)
    transcript_ok = words_ok = False
    if existing is not None:
        transcript_ok = existing.transcript is None or (workspace.root / existing.transcript).is_file()
        words_ok = existing.transcript is None or workspace.words_path(existing.id).is_file()
        if media_is_current(workspace, existing, key) and transcript_ok and words_ok:
            return AddResult(
                clip, "skipped", f"already in the catalogue as '{existing.id}'", existing.id, time.monotonic() - started
            )
    report("probe", 0.0)
    info = probe_media(clip)
    plan = plan_media(info, settings)
    wants_transcript = info.has_audio and (existing is None or not transcript_ok or not words_ok)
    report.spans = stage_spans(plan.mode, info.has_audio, wants_transcript)
    report("probe", 1.0)
    return _make(
        workspace, clip, options, report, sha256, key, info, plan, existing, wants_transcript, catalogue, started
    )


def _make(
    workspace: Workspace,
    clip: Path,
    options: AddOptions,
    report: _Reporter,
    sha256: str,
    key: str,
    info: MediaInfo,
    plan: MediaPlan,
    existing: Resource | None,
    wants_transcript: bool,
    catalogue: Catalogue,
    started: float,
) -> AddResult:
    """The clip's outputs, made in a staging folder, then committed (or restored) under the lock."""
    from pipeline.media.process import process_media

    transcription = options.transcription or catalogue.settings.transcription
    with _staging(workspace, sha256) as staging:
        transcript: Transcript | None = None
        segments: Sequence[Segment] = ()
        model_label = ""
        # The video is written before transcription starts, never beside it, and the speech
        # model is loaded in this thread: with the poster chosen in another thread a 15 s
        # transcription took 45 s on 2 cores, and a model loaded in another thread then ran
        # 1.5-2 times slower here (CTranslate2's threads, measured, not understood).
        outputs = process_media(info, plan, staging, report)
        samples = outputs.audio
        if samples is not None and wants_transcript:
            from pipeline.speech.transcribe import transcribe_audio

            report("transcribe", 0.0)
            result = transcribe_audio(
                samples, transcription, tuple(catalogue.settings.glossary), progress=lambda f: report("transcribe", f)
            )
            model_label = result.model
            transcript = Transcript(
                id="",
                status="draft",
                model=result.model,
                language=result.language,
                lines=[Line(round(s.start, 1), s.text) for s in result.segments],
            )
            segments = result.segments
        report("save", 0.0)
        atomic_write_text(staging / "meta.json", json.dumps(_meta(key, plan.describe(), outputs), indent=1))
        if existing is not None:
            return _restore(workspace, existing, staging, transcript, segments, started, clip)
        return _commit_new(
            workspace,
            clip,
            sha256,
            info.duration,
            options,
            plan.describe(),
            staging,
            transcript,
            segments,
            model_label,
            started,
        )


class _Reporter:
    """Turns stage progress into the clip's overall fraction.

    Each stage fills its span of the bar (``stage_spans``); the overall fraction is the
    sum of what each has done, so it only grows, whatever order stages report in.
    """

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.spans = stage_spans("transcode", True, True)
        self.done: dict[str, float] = {}
        self.label = ""

    def __call__(self, stage: str, fraction: float) -> None:
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
    os.replace(staging, target)
    staging.mkdir()  # the staging context removes it again


def _write_words(workspace: Workspace, resource_id: str, segments: Sequence[Segment]) -> None:
    from pipeline.speech.transcribe import words_document

    # Written even when empty (a silent clip): its presence says transcription ran.
    atomic_write_text(workspace.words_path(resource_id), json.dumps(words_document(resource_id, segments)))


def _restore(
    workspace: Workspace,
    resource: Resource,
    staging: Path,
    transcript: Transcript | None,
    segments: Sequence[Segment],
    started: float,
    clip: Path,
) -> AddResult:
    with editing_catalogue(workspace.catalogue_path):
        _install_media(staging, workspace.media_folder(resource.id))
        if transcript is not None and resource.transcript and not (workspace.root / resource.transcript).is_file():
            transcript.id = resource.id
            write_transcript(workspace.root / resource.transcript, transcript)
        if transcript is not None:
            _write_words(workspace, resource.id, segments)
    return AddResult(
        clip,
        "restored",
        f"already in the catalogue as '{resource.id}'; its media was rebuilt",
        resource.id,
        time.monotonic() - started,
    )


def _commit_new(
    workspace: Workspace,
    clip: Path,
    sha256: str,
    duration: float,
    options: AddOptions,
    plan: str,
    staging: Path,
    transcript: Transcript | None,
    segments: Sequence[Segment],
    model_label: str,
    started: float,
) -> AddResult:
    title = options.title or humanise(clip.stem)
    result: AddResult | None = None

    def commit(catalogue: Catalogue) -> None:
        nonlocal result
        duplicate = catalogue.by_sha256(sha256)
        if duplicate is not None:  # another run added the same clip while this one worked
            result = AddResult(
                clip,
                "skipped",
                f"already in the catalogue as '{duplicate.id}'",
                duplicate.id,
                time.monotonic() - started,
            )
            return
        taken = {r.id for r in catalogue.resources}
        resource_id = unique_id(slugify(title), taken)
        folder = workspace.media_folder(resource_id)
        _install_media(staging, folder)
        tagged = {}
        if options.level:
            tagged["level"] = "person"
        if options.roles:
            tagged["roles"] = "person"
        if options.kind:
            tagged["kind"] = "person"
        transcript_rel = None
        summary = options.summary or ""
        if transcript is not None:
            transcript.id = resource_id
            transcript_path = workspace.transcript_path(resource_id)
            write_transcript(transcript_path, transcript)
            _write_words(workspace, resource_id, segments)
            transcript_rel = workspace.relative(transcript_path)
            summary = summary or _summary_from(transcript)
        video_name = "audio.m4a" if (folder / "audio.m4a").exists() else "video.mp4"
        resource = Resource(
            id=resource_id,
            title=title,
            summary=summary,
            expert=Expert(name=options.expert or "", job_title=options.job_title or ""),
            captured=_captured_date(clip),
            level=options.level,
            kind=options.kind,
            roles=list(options.roles),
            source=SourceClip(file=clip.name, size=clip.stat().st_size, sha256=sha256),
            video=workspace.relative(folder / video_name),
            poster=workspace.relative(folder / "poster.jpg"),
            audio_only=video_name == "audio.m4a",
            transcript=transcript_rel,
            review="draft",
            duration=duration,
            produced_by={"model": model_label, "media": plan} if model_label else {"media": plan},
            tagged=tagged,
        )
        catalogue.put(resource)
        if transcript is None:
            note = "no audio track: published without a transcript"
        elif not transcript.lines:
            note = "no speech found: the transcript is empty"
        else:
            note = f"{len(transcript.lines)} transcript lines, draft for review"
        result = AddResult(clip, "added", note, resource_id, time.monotonic() - started, {"plan": plan})

    with editing_catalogue(workspace.catalogue_path) as catalogue:
        commit(catalogue)
    assert result is not None
    return result


def add_clips(
    workspace: Workspace, clips: list[Path], options: AddOptions, on_start: Callable[[Path], Progress] | None = None
) -> list[AddResult]:
    """Add each clip, carrying on after a failure; every clip gets a result."""
    load_catalogue(workspace.catalogue_path)  # a broken catalogue stops the run before any work
    clear_leftovers(workspace)
    results: list[AddResult] = []
    for clip in clips:
        started = time.monotonic()
        progress = on_start(clip) if on_start else None
        try:
            results.append(add_clip(workspace, clip, options, progress))
        except CaptureError as exc:
            results.append(AddResult(clip, "failed", str(exc), None, time.monotonic() - started, error=exc))
        if progress is not None:
            progress(results[-1].status, 1.0)  # the clip's bar ends full, named by its result
    return results
