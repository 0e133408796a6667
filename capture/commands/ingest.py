"""``capture add``: ingest clips with a progress bar, then a table of results."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from capture.app import app, console, err_console, user_errors, user_text, workspace
from capture.commands.review import (
    beam_size_option,
    compute_type_option,
    device_option,
    language_option,
    model_option,
    transcription_settings,
    vad_option,
)

if TYPE_CHECKING:
    from pipeline.ingest import AddOptions, AddResult
    from pipeline.workspace.paths import Workspace

T = TypeVar("T")

STAGE_NAMES = {
    "hash": "reading",
    "probe": "probing",
    "audio": "measuring loudness",
    "media": "writing video",
    "poster": "choosing poster",
    "transcribe": "transcribing",
    "save": "saving",
}


@app.command()
def add(
    clips: list[Path] = typer.Argument(..., help="Clips or folders of clips.", show_default=False),
    title: str | None = typer.Option(None, help="Title (default: from the file name)."),
    expert: str | None = typer.Option(None, help="The expert's name."),
    job_title: str | None = typer.Option(None, "--job-title", help="The expert's job title."),
    level: str | None = typer.Option(None, help="beginner, intermediate or advanced."),
    role: list[str] = typer.Option([], "--role", help="A role the clip is for (repeat for more)."),
    kind: str | None = typer.Option(None, help="skill, theory or strategy."),
    target_height: int | None = typer.Option(
        None, "--target-height", min=144, max=2160, help="Override media.target_height (lines of the short side)."
    ),
    crf: int | None = typer.Option(None, "--crf", min=0, max=51, help="Override media.crf (lower: better, bigger)."),
    preset: str | None = typer.Option(None, "--preset", help="Override media.preset (x264: ultrafast … veryslow)."),
    loudness: float | None = typer.Option(
        None, "--loudness", min=-40.0, max=-5.0, help="Override media.loudness, the speech loudness target in LUFS."
    ),
    keep_original: bool | None = typer.Option(
        None,
        "--keep-original/--no-keep-original",
        help="Override media.keep_original: keep a copy of the clip in media/<id>/.",
    ),
    model: str | None = model_option(),
    device: str | None = device_option(),
    compute_type: str | None = compute_type_option(),
    language: str | None = language_option(),
    beam_size: int | None = beam_size_option(),
    vad: bool | None = vad_option(),
    yes: bool = typer.Option(False, "--yes", "-y", help="Take suggestions as they are; ask nothing."),
    replaces: str | None = typer.Option(None, "--replaces", metavar="ID", help="Make the clip the next take of ID."),
    note: str | None = typer.Option(None, "--note", help="With --replaces: what changed in the new take."),
) -> None:
    """Add clips: transcode to web video, transcribe, and record them in resources.yaml."""
    from pipeline.ingest import AddOptions

    with user_errors():
        _check_flags(level=level, kind=kind, preset=preset, titled_batch=bool(title) and len(clips) > 1)
        ws = workspace()
        media = {
            "target_height": target_height,
            "crf": crf,
            "preset": preset,
            "loudness": loudness,
            "keep_original": keep_original,
        }
        speech = {
            "model": model,
            "device": device,
            "compute_type": compute_type,
            "language": language,
            "beam_size": beam_size,
            "vad": vad,
        }
        person = AddOptions(title=title, expert=expert, job_title=job_title, level=level, roles=tuple(role), kind=kind)
        options = _with_settings(ws, person, media=media, speech=speech)
        found = _find_clips(ws, clips)
        options = _replacing(ws, options, found, replaces=replaces, note=note)
        results = _interruptible(lambda: _add_with_bars(ws, found, options))
    _show_results(results)
    _tag_and_finish(ws, results, ask=not yes)


def _check_flags(*, level: str | None, kind: str | None, preset: str | None, titled_batch: bool) -> None:
    from pipeline.errors import CaptureError
    from pipeline.workspace.catalogue import KINDS, LEVELS, PRESETS

    if level is not None and level not in LEVELS:
        raise CaptureError(f"--level: expected beginner, intermediate or advanced, got {level!r}")
    if kind is not None and kind not in KINDS:
        raise CaptureError(f"--kind: expected skill, theory or strategy, got {kind!r}")
    if preset is not None and preset not in PRESETS:
        raise CaptureError(f"--preset: expected one of {', '.join(PRESETS)}, got {preset!r}")
    if titled_batch:
        raise CaptureError("--title names one clip; give one clip with --title, or leave it out")


def _with_settings(
    ws: Workspace, person: AddOptions, *, media: Mapping[str, Any], speech: Mapping[str, Any]
) -> AddOptions:
    """The catalogue's media and transcription settings with the flags given on top."""
    from dataclasses import replace

    from pipeline.speech.transcribe import check_settings
    from pipeline.workspace.catalogue import load_catalogue

    catalogue = load_catalogue(ws.catalogue_path)
    settings = replace(catalogue.settings.media, **{k: v for k, v in media.items() if v is not None})
    transcription = transcription_settings(catalogue.settings.transcription, **speech)
    check_settings(transcription)
    return replace(person, media=settings, transcription=transcription)


def _replacing(
    ws: Workspace, options: AddOptions, found: list[Path], *, replaces: str | None, note: str | None
) -> AddOptions:
    """The options for a new take, checked before any work: one clip, a known id, a note."""
    from dataclasses import replace

    if replaces is None and note is None:
        return options

    from pipeline.errors import CaptureError
    from pipeline.takes import check_note
    from pipeline.workspace.catalogue import load_catalogue

    if replaces is None:
        raise CaptureError('--note goes with --replaces ID: capture add NEW-CLIP --replaces ID --note "what changed"')
    if len(found) != 1:
        raise CaptureError(f"--replaces takes one new clip, got {len(found)}; give the one clip of the new take")
    load_catalogue(ws.catalogue_path).get(replaces)
    return replace(options, replaces=replaces, note=check_note(note or ""))


def _find_clips(ws: Workspace, clips: list[Path]) -> list[Path]:
    from pipeline.errors import CaptureError
    from pipeline.ingest import collect_clips

    found = collect_clips(clips, workspace=ws)
    if not found:
        raise CaptureError(
            f"no clips found in {', '.join(str(c) for c in clips)}; give video files or a folder of them"
        )
    return found


def _add_with_bars(ws: Workspace, found: list[Path], options: AddOptions) -> list[AddResult]:
    """Add the clips with one progress bar each (in a terminal); notes on moved media go to stderr."""
    from pipeline.ingest import add_clips

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as bars:

        def on_start(clip: Path) -> Callable[[str, float], None]:
            task = bars.add_task(user_text(clip.name[:40], one_line=True), total=1.0, stage="starting")

            def update(stage: str, fraction: float) -> None:
                bars.update(task, completed=fraction, stage=STAGE_NAMES.get(stage, stage))

            return update

        def notice(line: str) -> None:
            err_console.print(f"Note: {user_text(line)}", soft_wrap=True)

        return add_clips(ws, found, options, on_start=on_start, notice=notice)


def _show_results(results: list[AddResult]) -> None:
    failed = [r for r in results if r.status == "failed"]
    if len(results) == 1 and failed:
        from capture.app import fail, state

        if state.debug and failed[0].error is not None:
            raise failed[0].error
        raise fail(failed[0].message)
    for r in results:
        if r.status == "failed":
            continue
        console.print(
            f"[green]{r.status}[/] {user_text(r.clip.name)} → [bold]{r.resource_id}[/] "
            f"({user_text(r.message)}, {r.seconds:.1f} s)",
            soft_wrap=True,
        )
        for gap in r.no_text:  # speech that may hold an instruction: the reviewer must listen to it
            console.print(f"  [yellow]{gap}[/]: listen to it in `capture review {r.resource_id}`", soft_wrap=True)
    if len(results) > 1:
        table = Table(title="capture add")
        for column in ("clip", "result", "id", "time"):
            table.add_column(column, overflow="fold")
        for r in results:
            outcome = {"failed": f"failed: {r.message}", "skipped": "skipped duplicate"}.get(r.status, r.status)
            table.add_row(user_text(r.clip.name), user_text(outcome), r.resource_id or "-", f"{r.seconds:.1f} s")
        console.print(table)


def _tag_and_finish(ws: Workspace, results: list[AddResult], *, ask: bool) -> None:
    """Suggest tags for the new entries, then ask (in a terminal, unless --yes) or take them (scripts)."""
    added = [r.resource_id for r in results if r.status == "added" and r.resource_id]
    if added:
        import sys

        from capture.commands.tag import tag_new_resources

        with user_errors():
            tag_new_resources(ws, added, interactive=ask and sys.stdin.isatty())
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)
    if any(r.status in ("added", "replaced") for r in results):
        console.print("Next: review the transcripts in transcripts/, then [bold]capture build[/].")


def _interruptible(work: Callable[[], T]) -> T:
    """Run ``work``; on Ctrl-C, once ``user_errors`` has said so and every staging folder is
    cleared, leave at once. A transcription cut short leaves CTranslate2's worker threads
    busy, and its destructors abort the process ("terminate called") during Python's
    normal shutdown; there is nothing left to flush but the standard streams."""
    import os
    import sys

    try:
        with user_errors():
            return work()
    except typer.Exit as stop:
        if stop.exit_code == 130:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        raise
