"""``capture init``: make a workspace."""

from __future__ import annotations

from pathlib import Path

import typer

from capture.app import app, console, user_errors


@app.command()
def init(
    folder: Path = typer.Argument(Path("."), help="Where to create the workspace.", file_okay=False),
    title: str = typer.Option("Know-how", help="The site's title."),
    organisation: str = typer.Option("", help="Your organisation's name."),
) -> None:
    """Create a workspace: a commented resources.yaml, journeys/ and transcripts/."""
    from pipeline.workspace.paths import init_workspace

    with user_errors():
        workspace = init_workspace(folder, title=title, organisation=organisation)
    console.print(f"Created a workspace in {workspace.root}")
    console.print("Next: [bold]capture add CLIP[/] to add your first clip.")
