"""Entry point: mounts every command module on the one typer app."""

from __future__ import annotations

from capture.app import app
from capture.commands import build, check, init, ingest, journey, listing, review, serve, tag  # noqa: F401  (they register commands)
from capture.commands import report  # noqa: F401


def main() -> None:
    app()


__all__ = ["app", "main"]
