"""Entry point: mounts every command module on the one typer app."""

from __future__ import annotations

from capture.app import app
from capture.commands import (  # noqa: F401  (they register commands)
    build,
    check,
    history,
    ingest,
    init,
    journey,
    links,
    listing,
    print,
    prune,
    questions,
    report,
    review,
    serve,
    tag,
)


def main() -> None:
    app()


__all__ = ["app", "main"]
