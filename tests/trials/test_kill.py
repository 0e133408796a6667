"""Kill trials: SIGKILL `capture add` and `capture build` at random moments; nothing may be lost.

Each trial records its seed in its test id, so a failure is reproduced with
``pytest tests/trials -k 'seed-7'``.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.workspace.catalogue import load_catalogue
from tests.support import REPO, make_clip, make_speech, run_capture

ADD_TRIALS = 14
BUILD_TRIALS = 8
LEFTOVER_MARKERS = (".part", ".capture-tmp-", ".staging-", ".site.staging", ".site.old", ".orphaned")


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _kill_after(args: list[str], cwd: Path, delay: float) -> int:
    process = subprocess.Popen(
        [sys.executable, "-m", "capture", *args],
        cwd=cwd,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # ffmpeg children too, as a crash would
        process.wait()
    return process.returncode


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if any(marker in p.name for marker in LEFTOVER_MARKERS)]


def _assert_consistent(workspace: Path, before_ids: list[str], new_ids: set[str]) -> list[str]:
    catalogue = load_catalogue(workspace / "resources.yaml")  # loads: never a half-written file
    ids = [r.id for r in catalogue.resources]
    assert ids[: len(before_ids)] == before_ids
    assert set(ids[len(before_ids) :]) <= new_ids
    for resource in catalogue.resources:
        for rel in (resource.video, resource.poster, resource.transcript):
            assert rel is None or (workspace / rel).is_file(), f"{resource.id}: {rel} is missing"
    return ids


@pytest.fixture(scope="module")
def seed_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding one resource, plus a speech clip to add."""
    root = tmp_path_factory.mktemp("seed")
    assert run_capture("init", "ws", cwd=root).returncode == 0
    workspace = root / "ws"
    make_clip(workspace / "first.mp4", seconds=1.5)
    speech = make_speech("Lift with your legs and keep the load close to your body.", root / "s.wav")
    make_clip(workspace / "lifting.mp4", seconds=3.5, speech=speech)
    result = run_capture("add", "first.mp4", "--yes", cwd=workspace)
    assert result.returncode == 0, result.stderr
    started = time.monotonic()
    probe = root / "probe"
    subprocess.run(["cp", "-a", str(workspace), str(probe)], check=True)
    assert run_capture("add", "lifting.mp4", "--yes", cwd=probe).returncode == 0
    (workspace / ".full-run-seconds").write_text(str(time.monotonic() - started))
    return workspace


@pytest.mark.parametrize("seed", range(ADD_TRIALS), ids=lambda s: f"seed-{s}")
def test_add_killed_at_a_random_moment(seed_workspace: Path, tmp_path: Path, seed: int) -> None:
    workspace = tmp_path / "ws"
    subprocess.run(["cp", "-a", str(seed_workspace), str(workspace)], check=True)
    full_run = float((workspace / ".full-run-seconds").read_text())
    delay = random.Random(seed).uniform(0.05, full_run * 1.1)
    before = [r.id for r in load_catalogue(workspace / "resources.yaml").resources]

    _kill_after(["add", "lifting.mp4", "--yes"], workspace, delay)
    _assert_consistent(workspace, before, {"lifting"})

    rerun = run_capture("add", "lifting.mp4", "--yes", cwd=workspace)
    assert rerun.returncode == 0, rerun.stderr
    ids = _assert_consistent(workspace, before, {"lifting"})
    assert ids == [*before, "lifting"]
    assert _leftovers(workspace) == []


@pytest.mark.parametrize("seed", range(BUILD_TRIALS), ids=lambda s: f"seed-{s}")
def test_build_killed_at_a_random_moment(seed_workspace: Path, tmp_path: Path, seed: int) -> None:
    workspace = tmp_path / "ws"
    subprocess.run(["cp", "-a", str(seed_workspace), str(workspace)], check=True)
    assert run_capture("build", cwd=workspace).returncode == 0
    old_index = (workspace / "site" / "index.html").read_bytes()
    resource = load_catalogue(workspace / "resources.yaml").resources[0]
    text = (
        (workspace / "resources.yaml")
        .read_text(encoding="utf-8")
        .replace(f"title: {resource.title}", "title: Renamed in trial", 1)
    )
    (workspace / "resources.yaml").write_text(text, encoding="utf-8")

    _kill_after(["build"], workspace, random.Random(1000 + seed).uniform(0.05, 1.5))
    index = (workspace / "site" / "index.html").read_bytes()
    assert index == old_index or b"Renamed in trial" in index  # the old site or the new, never half

    assert run_capture("build", cwd=workspace).returncode == 0
    assert b"Renamed in trial" in (workspace / "site" / "index.html").read_bytes()
    assert _leftovers(workspace) == []
