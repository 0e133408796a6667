"""Every command has help and is documented; the docs name no module that does not exist."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

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


def _defined_names(path: Path) -> set[str]:
    """Top-level functions and classes of a module, with the methods of its classes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            names.update(n.name for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))
        if isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


ROW = re.compile(r"^\| ((?:`(?:pipeline|capture)/[\w/]+\.py`(?:, )?)+) \| (.*) \|$", re.MULTILINE)
CALLED = re.compile(r"`(?:[\w.]+\.)?(\w+)\(\)`")


def test_architecture_names_only_real_functions() -> None:
    """Each `name()` in a module's row of docs/architecture.md is defined in that module (or one of the row's)."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = ROW.findall(text)
    assert rows, "docs/architecture.md has no module table"
    missing = []
    for modules, what in rows:
        defined: set[str] = set()
        for module in re.findall(r"`([\w/]+\.py)`", modules):
            defined |= _defined_names(REPO / module)
        missing += [f"{modules}: {name}()" for name in CALLED.findall(what) if name not in defined]
    assert missing == []


def test_architecture_dotted_names_resolve() -> None:
    """Every `pipeline.x.y.name` the page writes out can be imported."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    unresolved = []
    for dotted in sorted(set(re.findall(r"`(pipeline(?:\.\w+)+)(?:\(\))?`", text))):
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                target: object = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            for attribute in parts[cut:]:
                target = getattr(target, attribute, None)
            if target is None:
                unresolved.append(dotted)
            break
        else:
            unresolved.append(dotted)
    assert unresolved == []
