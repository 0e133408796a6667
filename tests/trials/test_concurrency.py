"""Concurrency trials: several `capture add` runs into one workspace lose nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.workspace.catalogue import load_catalogue
from tests.support import REPO, make_clip, run_capture


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(
        [sys.executable, "-m", "capture", *args],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize("runs", [2, 4])
def test_parallel_adds_keep_every_entry(tmp_path: Path, runs: int) -> None:
    assert run_capture("init", "ws", cwd=tmp_path).returncode == 0
    workspace = tmp_path / "ws"
    clips = [
        make_clip(workspace / f"clip-{n}.mp4", seconds=1.0, size="160x120", extra=("-metadata", f"title={n}"))
        for n in range(runs)
    ]
    # The same clip twice as well: exactly one entry may come of it.
    processes = [_start(["add", clip.name, "--yes"], workspace) for clip in clips]
    processes.append(_start(["add", clips[0].name, "--yes"], workspace))
    for process in processes:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    ids = sorted(r.id for r in load_catalogue(workspace / "resources.yaml").resources)
    assert ids == sorted(f"clip-{n}" for n in range(runs))
    assert not list((workspace / "media").glob(".staging-*"))


def test_build_during_add_gives_a_consistent_site(tmp_path: Path) -> None:
    assert run_capture("init", "ws", cwd=tmp_path).returncode == 0
    workspace = tmp_path / "ws"
    make_clip(workspace / "one.mp4", seconds=1.0, size="160x120")
    make_clip(workspace / "two.mp4", seconds=2.0, size="160x120")
    assert run_capture("add", "one.mp4", "--yes", cwd=workspace).returncode == 0
    adding = _start(["add", "two.mp4", "--yes"], workspace)
    builds = [run_capture("build", cwd=workspace) for _ in range(3)]
    adding.communicate(timeout=300)
    assert all(b.returncode == 0 for b in builds), [b.stderr for b in builds]
    index = (workspace / "site" / "index.html").read_text(encoding="utf-8")
    for rid in ("one", "two"):
        if f"r/{rid}/index.html" in index:
            assert (workspace / "site" / "r" / rid / "index.html").is_file()
            assert (workspace / "site" / "media" / rid / "video.mp4").is_file()
