"""The command line as a user meets it: help, version, init, list, and bad input (issue 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import __version__
from tests.support import REPO, run_capture


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    result = run_capture("init", "ws", "--title", "Test site", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path / "ws"


def test_version_and_module_entry(tmp_path: Path) -> None:
    result = run_capture("--version", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, f"capture {__version__}\n")


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run_capture("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("init", "add", "list", "build"):
        assert command in result.stdout


def test_init_writes_a_commented_workspace(workspace: Path) -> None:
    text = (workspace / "resources.yaml").read_text(encoding="utf-8")
    assert text.startswith("# capture workspace")
    assert 'title: "Test site"' in text
    assert (workspace / "journeys").is_dir()


def test_init_twice_refuses(workspace: Path) -> None:
    result = run_capture("init", str(workspace), cwd=workspace)
    assert result.returncode == 1
    assert (
        result.stderr == f"Error: {workspace / 'resources.yaml'} already exists; this folder is already a workspace\n"
    )


def test_outside_a_workspace_says_how_to_make_one(tmp_path: Path) -> None:
    result = run_capture("list", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: no resources.yaml in {tmp_path.resolve()} or any folder above it; "
        "run `capture init` to make a workspace here\n"
    )


def test_workspace_is_found_from_a_subfolder(workspace: Path) -> None:
    result = run_capture("list", "--json", cwd=workspace / "journeys")
    assert (result.returncode, json.loads(result.stdout)) == (0, [])


def test_list_json_of_the_demo(tmp_path: Path) -> None:
    result = run_capture("--workspace", str(REPO), "list", "--json", cwd=tmp_path)
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [
        "shift-handover-basics",
        "handing-over-a-running-fault",
        "when-no-shift-lead-arrives",
    ]
    assert rows[0]["review"] == "approved"


def _unchanged_after(workspace: Path, *args: str) -> tuple[int, str]:
    before = (workspace / "resources.yaml").read_bytes()
    files_before = sorted(p.relative_to(workspace) for p in workspace.rglob("*"))
    result = run_capture(*args, cwd=workspace)
    assert (workspace / "resources.yaml").read_bytes() == before
    files_after = sorted(
        p.relative_to(workspace)
        for p in workspace.rglob("*")
        if p.name not in (".resources.yaml.lock",) and p.name != "media"
    )
    assert [f for f in files_after if f not in files_before] == []
    assert "Traceback" not in result.stderr
    return result.returncode, result.stderr


def test_add_missing_path(workspace: Path) -> None:
    assert _unchanged_after(workspace, "add", "nothere.mp4") == (
        1,
        "Error: nothere.mp4: no such file; check the path and try again\n",
    )


def test_add_text_file_named_mp4(workspace: Path) -> None:
    (workspace / "notes.mp4").write_text("these are my notes, not a video\n")
    assert _unchanged_after(workspace, "add", "notes.mp4") == (
        1,
        "Error: notes.mp4: not a video or audio file capture can read (Invalid data found when processing "
        "input); check that it is the clip you meant and that it copied completely\n",
    )


def test_add_empty_file(workspace: Path) -> None:
    (workspace / "empty.mp4").write_bytes(b"")
    assert _unchanged_after(workspace, "add", "empty.mp4") == (
        1,
        "Error: empty.mp4: the file is empty (0 bytes); copy the clip from the phone again\n",
    )


def test_add_with_a_broken_catalogue(workspace: Path) -> None:
    (workspace / "resources.yaml").write_text("title: Test\nresources:\n  - id: a\n   title: bad indent\n")
    code, stderr = _unchanged_after(workspace, "add", "whatever.mp4")
    assert code == 1
    assert stderr.startswith("Error: resources.yaml:4: ")
    assert stderr.rstrip().endswith("fix the YAML syntax there (a backup of your edit may be in git)")


def test_debug_shows_the_traceback(workspace: Path) -> None:
    result = run_capture("--debug", "add", "nothere.mp4", cwd=workspace)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "MediaError" in result.stderr


def test_bad_level_flag(workspace: Path) -> None:
    result = run_capture("add", "x.mp4", "--level", "expert", cwd=workspace)
    assert (result.returncode, result.stderr) == (
        1,
        "Error: --level: expected beginner, intermediate or advanced, got 'expert'\n",
    )
