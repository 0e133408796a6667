"""A build killed during its commit: the next build leaves only what the site names."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks.site import make_library, resource_id
from pipeline.site import output as site_output
from pipeline.site.build import build_site
from pipeline.site.output import load_manifest
from pipeline.workspace.paths import Workspace

TODAY = dt.date(2026, 11, 22)
TAKEN_OUT = "The spare key is under the third pallet."


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs (no ``except Exception`` catches it)."""


def build(root: Path) -> None:
    build_site(Workspace(root), today=TODAY)


def site_files(root: Path) -> set[str]:
    site = root / "site"
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def named_files(root: Path) -> set[str]:
    return set(load_manifest(Workspace(root).cache_dir / "site" / "manifest.txt", root / "site"))


@pytest.fixture
def said_too_much(tmp_path: Path) -> Path:
    """A built site whose search index holds a line that has just been taken out of its transcript."""
    root = make_library(tmp_path / "lib", 12, lines=4)
    path = root / "transcripts" / f"{resource_id(3)}.md"
    original = path.read_text()
    path.write_text(original + f"[00:30.0] {TAKEN_OUT}\n")
    build(root)
    assert any(TAKEN_OUT in (root / "site" / rel).read_text() for rel in site_files(root) if rel.startswith("search/"))
    path.write_text(original)
    return root


def _kill_at_move(number: int) -> Callable[[Any, Any], None]:
    """``os.replace`` that dies as the commit moves its ``number``-th staged file in (from 1)."""
    real = os.replace
    moves = [0]

    def replace(source: Any, target: Any) -> None:
        if ".site.staging" in str(source):
            moves[0] += 1
            if moves[0] == number:
                raise Killed
        real(source, target)

    return replace


def _kill_at_removal(site: Path, rel: str) -> None:
    raise Killed


@pytest.mark.parametrize("where", ["first move", "second move", "first removal"])
def test_a_build_killed_during_its_commit_leaves_no_old_file(
    said_too_much: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    root = said_too_much
    with monkeypatch.context() as patch:
        if where == "first removal":
            patch.setattr(site_output, "_remove", _kill_at_removal)
        else:
            patch.setattr(site_output.os, "replace", _kill_at_move(1 if where == "first move" else 2))
        with pytest.raises(Killed):
            build(root)
    build(root)
    assert site_files(root) == named_files(root)
    search = [rel for rel in site_files(root) if rel.startswith("search/")]
    assert not any(TAKEN_OUT in (root / "site" / rel).read_text() for rel in search)
    assert not (root / ".site.staging").exists()


def test_a_full_build_killed_before_the_old_site_is_gone_leaves_nothing(said_too_much: Path) -> None:
    old = said_too_much / ".site.old"  # _swap renames the old site here, then deletes it
    (old / "search").mkdir(parents=True)
    (old / "search" / "000-old.js").write_text(TAKEN_OUT)
    build(said_too_much)
    assert not old.exists()
