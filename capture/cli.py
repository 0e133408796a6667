"""Entry point: mounts every command module on the one typer app."""

from __future__ import annotations

from capture.app import app
from capture.commands import build, check, init, ingest, journey, listing, serve, tag  # noqa: F401  (they register commands)


def main() -> None:
    app()


__all__ = ["app", "main"]
