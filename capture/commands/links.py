"""``capture links``: give every resource, journey, role and question its short link, and list them."""

from __future__ import annotations

import typer

from capture.app import app, console, user_errors, user_text, workspace
from capture.words import plural


@app.command()
def links(
    *, only_list: bool = typer.Option(False, "--list", help="Only list the codes; give none to what has none.")
) -> None:
    """Give a short code (s/CODE/) to each resource, journey, role and question without one, then list them all.

    A code is written once into resources.yaml, the journey's file or questions.yaml and never
    changes, so a printed QR code keeps working when a title or an id changes. A question's code
    leads to the moment that answers it (or, until one does, to the question on the Questions page).
    """
    from pipeline.workspace.codes import assign_codes, list_short_links
    from pipeline.workspace.questions import QUESTIONS_NAME

    with user_errors():
        ws = workspace()
        added = [] if only_list else assign_codes(ws)
        found = list_short_links(ws)
    for link in found:
        console.print(
            f"{link.claim.code}  {link.claim.kind:<8}  {user_text(link.claim.id)}  {user_text(link.title)}  "
            f"[dim]{user_text(link.address)}[/]",
            soft_wrap=True,
        )
    if found and not found[0].address.startswith("http"):
        console.print(
            "site.url is not set in resources.yaml, so these are relative; QR codes (`capture print`) need it.",
            markup=False,
            soft_wrap=True,
        )
    if added:
        files = "resources.yaml, journeys/ and questions.yaml"
        if all(claim.file != QUESTIONS_NAME for claim in added):
            files = "resources.yaml and journeys/"
        console.print(f"Gave {plural(len(added), 'new short code')}; commit {files} to keep them.", soft_wrap=True)
    elif not found:
        console.print("No short codes yet; run [bold]capture links[/] to give them.")
