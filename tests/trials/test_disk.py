"""Disk full and read-only workspaces (a real small tmpfs): a clear message, the catalogue unchanged."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import make_clip, run_capture


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {result.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _workspace_on(disk: Path, tmp_path: Path) -> tuple[Path, Path]:
    assert run_capture("init", str(disk / "ws"), cwd=tmp_path).returncode == 0
    clip = make_clip(tmp_path / "big.mp4", seconds=4, size="640x480")
    return disk / "ws", clip


def test_disk_full_gives_a_clear_message_and_keeps_the_catalogue(small_disk: Path, tmp_path: Path) -> None:
    workspace, clip = _workspace_on(small_disk, tmp_path)
    filler = workspace / "filler.bin"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * max(free - 48 * 1024, 0))  # room for the catalogue, not for the video
    before = (workspace / "resources.yaml").read_bytes()
    result = run_capture("add", str(clip), "--yes", cwd=workspace)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ")
    assert "disk is full" in result.stderr and "free some space" in result.stderr
    assert (workspace / "resources.yaml").read_bytes() == before
    assert not [p for p in workspace.rglob("*") if p.name.endswith(".part") or ".staging-" in p.name]


def test_read_only_workspace_gives_a_clear_message(small_disk: Path, tmp_path: Path) -> None:
    workspace, clip = _workspace_on(small_disk, tmp_path)
    before = (workspace / "resources.yaml").read_bytes()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = run_capture("add", str(clip), "--yes", cwd=workspace)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "read-only" in result.stderr and "check its permissions" in result.stderr
    assert (workspace / "resources.yaml").read_bytes() == before
    build = run_capture("build", cwd=workspace)
    assert build.returncode == 1 and "read-only" in build.stderr and "Traceback" not in build.stderr
