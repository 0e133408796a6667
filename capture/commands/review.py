"""Transcript review: ``capture review``, ``approve``, ``status``, ``transcribe`` and ``captions``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from capture.app import app, console, err_console, user_errors, user_text, workspace
from capture.words import plural
from pipeline.errors import CaptureError
from pipeline.text import printable, printable_json

if TYPE_CHECKING:
    from pipeline.speech.review import StatusRow
    from pipeline.workspace.catalogue import Catalogue, TranscriptionSettings
    from pipeline.workspace.reviewdates import ReviewDue


def model_option() -> Any:
    return typer.Option(None, "--model", help="bundled, a faster-whisper name (e.g. small.en) or a model folder.")


def device_option() -> Any:
    return typer.Option(None, "--device", help="auto, cpu or cuda.")


def compute_type_option() -> Any:
    return typer.Option(None, "--compute-type", help="default, int8, float16, float32, ...")


def language_option() -> Any:
    return typer.Option(None, "--language", help="Force a language code (e.g. en), or 'auto' to detect it.")


def beam_size_option() -> Any:
    return typer.Option(None, "--beam-size", help="Beam search width, 1 to 20 (wider: slower, a little better).")


def vad_option() -> Any:
    return typer.Option(None, "--vad/--no-vad", help="Skip silence before transcribing (on by default).")


def transcription_settings(
    base: TranscriptionSettings,
    *,
    model: str | None = None,
    device: str | None = None,
    compute_type: str | None = None,
    language: str | None = None,
    beam_size: int | None = None,
    vad: bool | None = None,
    word_timestamps: bool | None = None,
) -> TranscriptionSettings:
    """``resources.yaml``'s transcription settings with the flags a person gave on top."""
    from pipeline.speech.transcribe import settings_with

    if language == "auto":
        language = ""
    return settings_with(
        base,
        model=model,
        device=device,
        compute_type=compute_type,
        language=language,
        beam_size=beam_size,
        vad=vad,
        word_timestamps=word_timestamps,
    )


@app.command()
def transcribe(
    resource_id: str = typer.Argument(..., metavar="ID", help="The resource to transcribe again."),
    *,
    force: bool = typer.Option(False, "--force", help="Replace an approved transcript too."),
    model: str | None = model_option(),
    device: str | None = device_option(),
    compute_type: str | None = compute_type_option(),
    language: str | None = language_option(),
    beam_size: int | None = beam_size_option(),
    vad: bool | None = vad_option(),
    word_timestamps: bool | None = typer.Option(
        None, "--word-timestamps/--no-word-timestamps", help="Time each word (places caption line breaks)."
    ),
) -> None:
    """Transcribe a resource again, e.g. with another model; an approved transcript needs --force."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from pipeline.speech.review import prepare_transcription, transcribe_resource
    from pipeline.workspace.catalogue import load_catalogue

    with user_errors():
        ws = workspace()
        base = load_catalogue(ws.catalogue_path).settings.transcription
        settings = transcription_settings(
            base,
            model=model,
            device=device,
            compute_type=compute_type,
            language=language,
            beam_size=beam_size,
            vad=vad,
            word_timestamps=word_timestamps,
        )
        prepare_transcription(ws, resource_id, settings, force=force)
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err_console, transient=True
        ) as bars:
            task = bars.add_task(f"transcribing {resource_id}", total=1.0)
            result = transcribe_resource(
                ws, resource_id, settings, force=force, progress=lambda f: bars.update(task, completed=f)
            )
    dropped = f", {plural(result.dropped, 'likely invented segment')} dropped" if result.dropped else ""
    console.print(
        f"Transcribed [bold]{result.id}[/] with {result.model}: {plural(result.lines, 'line')}, "
        f"language {result.language}{dropped}. It is a draft: review it with "
        f"[bold]capture review {result.id}[/]."
    )
    for gap in result.no_text:
        console.print(
            f"[yellow]{user_text(result.id)}[/]: {gap}; listen to it and add its line in the review", soft_wrap=True
        )


@app.command()
def review(
    resource_id: str = typer.Argument(..., metavar="ID", help="The resource to review."),
    *,
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Port to listen on (default: any free one)."),
    open_browser: bool = typer.Option(True, "--open/--no-open", help="Open the page in the web browser."),
    lan: bool = typer.Option(False, "--lan", help="Serve on the local network, for the expert's own phone."),
    host: str | None = typer.Option(
        None, "--host", help="With --lan: the address to listen on (default: this machine's LAN address)."
    ),
    expires: float = typer.Option(60, "--expires", help="With --lan: minutes until the link stops working."),
) -> None:
    """Open a local page with the video and its transcript side by side, to fix words and approve."""
    from pipeline.serve.access import LanSession, lan_address
    from pipeline.serve.review import HOST, start_review

    with user_errors():
        if host is not None and not lan:
            raise CaptureError("--host is for --lan: without it the review page stays on this computer")
        session = LanSession.lasting(expires) if lan else None
        address = (host or lan_address()) if lan else HOST
        server = start_review(workspace(), resource_id, port, host=address, session=session)
    if session is None:
        console.print(f"Reviewing [bold]{resource_id}[/] at {server.url}")
        console.print("Only this computer can open it. Press Ctrl-C to stop.")
    else:
        _print_lan_link(server.url, resource_id, session.expires_at)
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        _serve_until(server, session.expires_at if session is not None else None)
    except KeyboardInterrupt:
        console.print("Stopped.")
    finally:
        server.server_close()


def _print_lan_link(url: str, resource_id: str, expires_at: float) -> None:
    """The link, its QR code and when it stops working (plain text: the link must print whole)."""
    import io
    import time

    import segno

    ends = time.strftime("%H:%M", time.localtime(expires_at))
    typer.echo(f"Reviewing {user_text(resource_id)} on the local network at {url}")
    code = io.StringIO()
    segno.make(url, error="m").terminal(out=code, compact=True)
    typer.echo(code.getvalue().rstrip("\n"))
    typer.echo(
        f"Scan the code with the expert's phone (on the same Wi-Fi). The link works until {ends}; "
        "anyone on this network who has it can edit this transcript, so share it only with the expert. "
        "Press Ctrl-C to stop."
    )


def _serve_until(server: Any, expires_at: float | None) -> None:
    """Serve until Ctrl-C or, on the local network, until the session ends."""
    if expires_at is None:
        server.serve_forever()
        return
    import time

    thread = server.start_in_thread()
    try:
        while thread.is_alive() and time.time() < expires_at:
            thread.join(timeout=min(1.0, max(0.0, expires_at - time.time())))
        console.print("The review link has expired. Stopped.")
    finally:
        server.shutdown()


@app.command()
def approve(
    resource_id: str = typer.Argument(..., metavar="ID", help="The resource whose transcript is right."),
    by: str | None = typer.Option(None, "--by", help="Who approves (default: the resource's expert)."),
) -> None:
    """Mark a transcript approved: checked by a person, ready for workers."""
    from pipeline.speech.review import approve_transcript
    from pipeline.workspace.catalogue import load_catalogue

    with user_errors():
        ws = workspace()
        who = by if by is not None else load_catalogue(ws.catalogue_path).get(resource_id).expert.name
        transcript = approve_transcript(ws, resource_id, who or "")
    console.print(
        f"Approved [bold]{user_text(resource_id)}[/] ({plural(len(transcript.lines), 'line')}) "
        f"by {user_text(transcript.approved_by)} "
        f"at {transcript.approved_at}."
    )


STATUS_COLUMNS = ("id", "review", "lines", "model", "approved by", "unsure", "no text")
# Beyond this many rows the status is printed as plain aligned text: rich takes seconds to draw a
# 10,000-row table (measured with benchmarks/readonly.py), and nobody reads one as a table anyway.
TABLE_ROWS = 200


def _status_cells(row: StatusRow) -> tuple[str, ...]:
    texts = (row.id, row.review, str(row.lines), row.model or "-", row.approved_by or "-")
    return (*(printable(text, one_line=True) for text in texts), str(row.unsure_words), str(len(row.no_text)))


def _print_status_table(rows: list[StatusRow]) -> None:
    table = Table(title="Transcripts")
    for column in STATUS_COLUMNS:
        table.add_column(column, overflow="fold")
    colours = {"approved": "green", "draft": "yellow"}
    for row in rows:
        cells = [escape(cell) for cell in _status_cells(row)]
        cells[1] = f"[{colours.get(row.review, 'red')}]{cells[1]}[/]"
        table.add_row(*cells)
    console.print(table)


def _print_plain_rows(rows: list[StatusRow]) -> None:
    cells = [STATUS_COLUMNS, *(_status_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(STATUS_COLUMNS))]
    typer.echo("\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells))


def review_due(catalogue: Catalogue, rows: list[StatusRow]) -> dict[str, ReviewDue]:
    """The resources due for a check today, by id; the approval dates come from the status rows."""
    from pipeline import clock
    from pipeline.workspace.reviewdates import due

    approved = {row.id: row.approved_at[:10] for row in rows if row.review == "approved" and row.approved_at}
    return {item.id: item for item in due(catalogue, clock.today(), approved=approved)}


def print_due(items: list[ReviewDue]) -> None:
    if not items:
        return
    console.print(f"Due for a check by its expert ({len(items)}):", soft_wrap=True)
    for item in items:
        console.print(f"  [yellow]{user_text(item.id)}[/]: {user_text(item.reason)}", soft_wrap=True)
    console.print(
        "Ask the expert to watch it again, then [bold]capture approve ID[/] (or set a new review_by).", soft_wrap=True
    )


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON for other tools.")) -> None:
    """Which transcripts are approved and which still need a review, and any orphaned media."""
    from pipeline.orphans import describe_size, find_orphaned_media
    from pipeline.speech.review import review_status
    from pipeline.workspace.catalogue import read_catalogue

    with user_errors():
        ws = workspace()
        catalogue = read_catalogue(ws.catalogue_path)  # read once, for both
        rows = review_status(ws, catalogue)
        orphans = find_orphaned_media(ws, catalogue)
        due = review_due(catalogue, rows)
    if as_json:
        data = [{**row.__dict__, "review_due": due[row.id].due if row.id in due else ""} for row in rows]
        data += [orphan.status_row() for orphan in orphans]
        typer.echo(printable_json(json.dumps(data, indent=2, ensure_ascii=False)))
        return
    if not rows:
        console.print("No resources yet. Add one with [bold]capture add CLIP[/].")
    elif len(rows) > TABLE_ROWS:
        _print_plain_rows(rows)
    else:
        _print_status_table(rows)
    for row in rows:
        if row.problem:
            err_console.print(f"[red]{user_text(row.id)}[/]: {user_text(row.problem)}")
        for gap in row.no_text:
            console.print(f"[yellow]{user_text(row.id)}[/]: speech with no text at {gap}", soft_wrap=True)
    drafts = sum(row.review == "draft" for row in rows)
    if drafts:
        console.print(f"{drafts} to review: [bold]capture review ID[/].")
    print_due(list(due.values()))
    if orphans:
        console.print(f"Orphaned media ({len(orphans)}), named by no entry in resources.yaml:", soft_wrap=True)
        for orphan in orphans:
            back = "  (named again: `capture prune` moves it back)" if orphan.named_again else ""
            console.print(
                f"  {user_text(orphan.path, one_line=True)}/  {describe_size(orphan.size)}{back}", soft_wrap=True
            )
        console.print("Restore their entries to keep them, or remove them with [bold]capture prune[/].")


@app.command()
def captions(
    resource_id: str = typer.Argument(..., metavar="ID", help="The resource whose captions to write."),
    *,
    srt: bool = typer.Option(False, "--srt", help="SubRip (.srt) instead of WebVTT."),
    output: Path | None = typer.Option(None, "--output", "-o", dir_okay=False, help="Write to this file."),
) -> None:
    """Print (or write) a resource's captions, made from its transcript."""
    from pipeline.fsutil import atomic_write_text
    from pipeline.speech.captions import format_srt, format_vtt
    from pipeline.speech.review import load_for_review, resource_cues

    with user_errors():
        ws = workspace()
        resource, transcript, _ = load_for_review(ws, resource_id)
        cues = resource_cues(ws, resource, transcript)
        text = format_srt(cues) if srt else format_vtt(cues)
        if output is not None:
            atomic_write_text(output, text)
    if output is None:
        # Into a file or a pipe the captions go as they are; on a terminal, its controls are made visible.
        typer.echo(printable(text) if sys.stdout.isatty() else text, nl=False)
    else:
        console.print(f"Wrote {plural(len(cues), 'cue')} to {output}")
