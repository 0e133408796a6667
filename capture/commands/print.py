"""``capture print``: a printable sheet of QR codes for a resource, a journey or a role."""

from __future__ import annotations

from pathlib import Path

import typer

from capture.app import app, console, user_errors, workspace
from capture.words import plural


@app.command("print")
def print_codes(
    what: str = typer.Argument(..., help="What to print: resource, journey or role."),
    ident: str = typer.Argument(..., metavar="ID", help="Its id (a resource, a journey's file name, a role)."),
    *,
    every_clip: bool = typer.Option(False, "--every-clip", help="A role: a code for each of its clips as well."),
    at: str | None = typer.Option(None, "--at", help="A resource: open the clip at this moment, e.g. 1:30."),
    size: str | None = typer.Option(
        None,
        "--size",
        help="label (one code a page, a 62 mm label), sheet (6 a page) or poster (12 a page); "
        "default: label for one code, poster for a journey, sheet for a role's clips.",
    ),
    paper: str = typer.Option("a4", "--paper", help="a4 or letter."),
    output: Path | None = typer.Option(None, "--output", "-o", dir_okay=False, help="Where to write the sheet."),
) -> None:
    """Write an HTML sheet of QR codes (print it from a browser); each opens the short link s/CODE/.

    Needs site.url in resources.yaml. Codes not given yet are given first and written down.
    """
    from pipeline.site.printsheet import PrintRequest, print_sheet

    request = PrintRequest(kind=what, id=ident, every_clip=every_clip, at=at, size=size, paper=paper)
    with user_errors():
        ws = workspace()
        result = print_sheet(ws, request, output)
    if result.assigned:
        console.print(f"Gave {plural(result.assigned, 'new short code')} (written to resources.yaml and journeys/).")
    sheet = result.sheet
    console.print(
        f"Wrote {plural(len(sheet.codes), 'QR code')} on {plural(len(sheet.pages), 'page')} "
        f"({sheet.layout}) to {ws.relative(result.path)}",
        markup=False,
        soft_wrap=True,
    )
    console.print("Open it in a browser and print it at 100% scale.", markup=False)
