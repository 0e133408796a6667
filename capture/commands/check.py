"""``capture check``: validate the catalogue, transcripts and journeys together."""

from __future__ import annotations

import typer

from capture.app import app, console, user_errors, workspace
from pipeline.text import printable


@app.command()
def check(*, strict: bool = typer.Option(False, "--strict", help="Fail on warnings too (for CI).")) -> None:
    """Check resources.yaml, transcripts/ and journeys/ together; list every problem with file and line.

    Exit code 1 when there are errors (or warnings with --strict), 0 otherwise.
    """
    from pipeline.workspace.check import check_workspace

    with user_errors():
        report = check_workspace(workspace())
    for problem in report.problems:
        # Plain lines (no wrapping, no markup) so editors and CI can jump to file:line.
        typer.echo(printable(str(problem)))
    errors, warnings = len(report.errors), len(report.warnings)
    checked = (
        f"{report.resources} resource{'s' * (report.resources != 1)}, "
        f"{report.transcripts} transcript{'s' * (report.transcripts != 1)}, "
        f"{report.journeys} journey{'s' * (report.journeys != 1)}"
    )
    if not report.problems:
        console.print(f"[green]No problems[/] in {checked}.", soft_wrap=True)
        return
    counts = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    if report.failed(strict=strict):
        why = "" if errors else " (--strict fails on warnings)"
        console.print(f"[red]{counts}[/] in {checked}{why}.", soft_wrap=True)
        raise typer.Exit(1)
    console.print(
        f"[yellow]{counts}[/] in {checked}; warnings do not fail the check (use --strict to make them).", soft_wrap=True
    )
