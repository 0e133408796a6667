"""``capture prune``: remove orphaned media, the folders in ``media/`` that no entry names."""

from __future__ import annotations

import typer
from rich.markup import escape

from capture.app import app, console, user_errors, workspace


@app.command()
def prune(yes: bool = typer.Option(False, "--yes", "-y", help="Remove without asking.")) -> None:
    """Remove orphaned media: media folders that no entry in resources.yaml names.

    Media moved aside whose entry is back moves home first. Then it lists what it would remove
    and asks. Media that an entry names is never touched.
    """
    from pipeline.orphans import describe_size, prune_orphaned_media, settle_orphaned_media

    with user_errors():
        ws = workspace()
        restored, found = settle_orphaned_media(ws)
    for orphan, home in restored:
        console.print(
            f"Moved {escape(orphan)}/ back to {escape(home)}/: resources.yaml names it again.", soft_wrap=True
        )
    if not found:
        console.print("No orphaned media: resources.yaml names every media folder.")
        return
    total = describe_size(sum(item.size for item in found))
    console.print(f"Would remove {len(found)} orphaned media folder{'s' * (len(found) != 1)} ({total}):")
    for item in found:
        console.print(f"  {escape(item.path)}/  {describe_size(item.size)}", soft_wrap=True)
    if not yes and not _confirmed("Remove them?"):
        console.print("Nothing removed.")
        return
    with user_errors():
        removed = prune_orphaned_media(ws, found)
    console.print(f"Removed {len(removed)} orphaned media folder{'s' * (len(removed) != 1)}.")


def _confirmed(question: str) -> bool:
    """A yes from the person at the terminal; no answer at all (end of input, a script) is a no."""
    try:
        return typer.confirm(question, default=False)
    except typer.Abort:
        console.print()
        return False
