"""``capture build``: the static site."""

from __future__ import annotations

from pathlib import Path

import typer

from capture.app import app, console, err_console, user_errors, workspace
from capture.words import plural
from pipeline.text import printable


@app.command()
def build(
    *,
    allow_shrink: bool = typer.Option(
        False,
        "--allow-shrink",
        help="Publish a catalogue that lost all or most of its resources since the last build "
        "(refused otherwise: the file may be empty or half-saved).",
    ),
    evidence: Path | None = typer.Option(
        None,
        "--evidence",
        metavar="report.json",
        help="The JSON of `capture report --json`: expert and resource pages credit how many people were helped.",
    ),
) -> None:
    """Build the static site into site/ (only what changed is rewritten)."""
    from pipeline.site.build import build_site

    with user_errors():
        ws = workspace()
        result = build_site(ws, allow_shrink=allow_shrink, evidence=evidence)
    for warning in result.warnings:
        err_console.print(f"Warning: {printable(warning)}", markup=False)
    changed = (
        "nothing changed"
        if not result.written and not result.removed
        else f"{plural(result.written, 'file')} written, {result.removed} removed"
    )
    console.print(
        f"Built {plural(result.pages, 'page')} for {plural(result.resources, 'resource')} into "
        f"{ws.relative(result.site)}/ ({changed}, {result.unchanged} unchanged) in {result.seconds:.2f} s",
        markup=False,
    )
    console.print(f"Open: {result.site / 'index.html'}", markup=False)
