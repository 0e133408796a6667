"""Every command has help and is documented; the docs name no module that does not exist."""

from __future__ import annotations

import re

import pytest
import typer.main

from capture.cli import app
from tests.support import REPO

GROUP = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)  # type: ignore[attr-defined]
DOCS = (REPO / "README.md").read_text(encoding="utf-8") + "".join(
    p.read_text(encoding="utf-8") for p in sorted((REPO / "docs").glob("*.md"))
)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name: str) -> None:
    command = GROUP.commands[name]  # type: ignore[attr-defined]
    assert (command.help or "").strip(), f"capture {name} has no help text"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_documented(name: str) -> None:
    assert f"capture {name}" in DOCS, f"`capture {name}` is in neither README.md nor docs/"


def test_architecture_names_only_real_modules() -> None:
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    for module in sorted(set(re.findall(r"`((?:pipeline|capture)/[\w/]+\.py)`", text))):
        assert (REPO / module).is_file(), f"docs/architecture.md names {module}, which does not exist"
