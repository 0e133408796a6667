"""``capture prune``: remove orphaned media, the folders in ``media/`` that no entry names."""

from __future__ import annotations

import typer

from capture.app import app, console, user_errors, user_text, workspace
from capture.words import plural


@app.command()
def prune(
    yes: bool = typer.Option(False, "--yes", "-y", help="Remove without asking."),
    takes_older_than: int | None = typer.Option(
        None, "--takes-older-than", min=0, metavar="DAYS", help="Also drop previous takes older than DAYS."
    ),
) -> None:
    """Remove orphaned media: media folders that no entry in resources.yaml names.

    Media moved aside whose entry is back moves home first. Then it lists what it would remove
    and asks. Media that an entry names is never touched, unless --takes-older-than drops a
    previous take (its media and transcript, and its line in the resource's versions).
    """
    from pipeline.orphans import describe_size, prune_orphaned_media, settle_orphaned_media

    if takes_older_than is not None:
        _prune_takes(takes_older_than, yes=yes)
    with user_errors():
        ws = workspace()
        restored, found = settle_orphaned_media(ws)
    for orphan, home in restored:
        console.print(
            f"Moved {user_text(orphan)}/ back to {user_text(home)}/: resources.yaml names it again.", soft_wrap=True
        )
    if not found:
        console.print("No orphaned media: resources.yaml names every media folder.")
        return
    total = describe_size(sum(item.size for item in found))
    console.print(f"Would remove {plural(len(found), 'orphaned media folder')} ({total}):")
    for item in found:
        console.print(f"  {user_text(item.path)}/  {describe_size(item.size)}", soft_wrap=True)
    if not yes and not _confirmed("Remove them?"):
        console.print("Nothing removed.")
        return
    with user_errors():
        removed = prune_orphaned_media(ws, found)
    console.print(f"Removed {plural(len(removed), 'orphaned media folder')}.")


def _prune_takes(days: int, *, yes: bool) -> None:
    """List the previous takes older than ``days``, ask, and drop them."""
    from pipeline import clock
    from pipeline.orphans import describe_size
    from pipeline.takes import drop_takes, old_takes
    from pipeline.workspace.catalogue import load_catalogue

    with user_errors():
        ws = workspace()
        found = old_takes(ws, load_catalogue(ws.catalogue_path), today=clock.today(), days=days)
    if not found:
        console.print(f"No previous takes older than {days} days.")
        return
    total = describe_size(sum(take.size for take in found))
    console.print(f"Would drop {plural(len(found), 'previous take')} ({total}):")
    for take in found:
        console.print(f"  {user_text(take.resource_id)} version {take.version} of {take.date}", soft_wrap=True)
    if not yes and not _confirmed("Drop them?"):
        console.print("No take dropped.")
        return
    with user_errors():
        dropped = drop_takes(ws, found)
    console.print(f"Dropped {plural(len(dropped), 'previous take')}.")


def _confirmed(question: str) -> bool:
    """A yes from the person at the terminal; no answer at all (end of input, a script) is a no."""
    try:
        return typer.confirm(question, default=False)
    except typer.Abort:
        console.print()
        return False
