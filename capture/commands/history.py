"""``capture history ID``: the versions of a resource, newest first."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from capture.app import app, console, user_errors, user_text, workspace
from pipeline.text import printable_json


@app.command()
def history(
    resource_id: str = typer.Argument(..., metavar="ID", help="The resource whose takes to list."),
    *,
    as_json: bool = typer.Option(False, "--json", help="Print JSON for other tools."),
) -> None:
    """List a resource's versions: each take's date, what changed, and whether its media is kept."""
    from pipeline.takes import history as take_history
    from pipeline.workspace.catalogue import read_catalogue

    with user_errors():
        ws = workspace()
        resource = read_catalogue(ws.catalogue_path).get(resource_id)
        rows = take_history(ws, resource)
    if as_json:
        data = {"id": resource.id, "title": resource.title, "versions": [row.as_json() for row in rows]}
        typer.echo(printable_json(json.dumps(data, indent=2, ensure_ascii=False)))
        return
    table = Table(title=f"{user_text(resource.title, one_line=True)} ({resource.id})")
    for column in ("version", "date", "what changed", "video"):
        table.add_column(column, overflow="fold")
    for row in rows:
        label = f"{row.version} (current)" if row.current else str(row.version)
        video = (row.video or "-") if row.media_kept or not row.video else f"{row.video} (missing)"
        table.add_row(
            label, row.date or "-", user_text(row.note, one_line=True) or "-", user_text(video, one_line=True)
        )
    console.print(table)
    if len(rows) == 1:
        console.print(
            f'One take so far. Add a new one with [bold]capture add CLIP --replaces {resource.id} --note "…"[/].'
        )
