"""Shared fixtures: the demo workspace built into a site once per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run_capture(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "capture", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's demo workspace, its sample clips added (media restored) and its site built."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copy2(REPO / "resources.yaml", root / "resources.yaml")
    for folder in ("journeys", "transcripts", "samples"):
        shutil.copytree(REPO / folder, root / folder)
    added = run_capture("add", "samples/", "--yes", cwd=root)
    assert added.returncode == 0, added.stderr
    built = run_capture("build", cwd=root)
    assert built.returncode == 0, built.stderr
    return root


@pytest.fixture(scope="session")
def demo_site(demo_workspace: Path) -> Path:
    return demo_workspace / "site"
