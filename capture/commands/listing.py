"""``capture list``: what the catalogue holds."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from capture.app import app, console, user_errors, user_text, workspace
from pipeline.text import printable_json


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


@app.command("list")
def list_resources(*, as_json: bool = typer.Option(False, "--json", help="Print JSON for other tools.")) -> None:
    """List every resource: id, title, level, roles, review status, duration."""
    from pipeline.workspace.catalogue import read_catalogue

    with user_errors():
        ws = workspace()
        catalogue = read_catalogue(ws.catalogue_path)
    if as_json:
        rows = [
            {
                "id": r.id,
                "title": r.title,
                "level": r.level,
                "kind": r.kind,
                "roles": r.roles,
                "expert": r.expert.name,
                "review": r.review,
                "duration": r.duration,
                "video": r.video,
                "transcript": r.transcript,
            }
            for r in catalogue.resources
        ]
        typer.echo(printable_json(json.dumps(rows, indent=2, ensure_ascii=False)))
        return
    if not catalogue.resources:
        console.print("No resources yet. Add one with [bold]capture add CLIP[/].")
        return
    table = Table(title=f"{user_text(catalogue.settings.title, one_line=True)}: {len(catalogue.resources)} resources")
    for column in ("id", "title", "level", "roles", "expert", "review", "length"):
        table.add_column(column, overflow="fold")
    for r in catalogue.resources:
        table.add_row(
            *(
                user_text(cell, one_line=True)
                for cell in (r.id, r.title, r.level or "-", ", ".join(r.roles) or "-", r.expert.name or "-", r.review)
            ),
            _duration(r.duration),
        )
    console.print(table)
