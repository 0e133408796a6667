"""Shared fixtures: the demo workspace built into a site once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import copy_demo, run_capture


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's demo workspace, its sample clips added (media restored) and its site built."""
    root = copy_demo(tmp_path_factory.mktemp("demo"))
    added = run_capture("add", "samples/", "--yes", cwd=root, timeout=600)
    assert added.returncode == 0, added.stderr
    built = run_capture("build", cwd=root, timeout=600)
    assert built.returncode == 0, built.stderr
    return root


@pytest.fixture(scope="session")
def demo_site(demo_workspace: Path) -> Path:
    return demo_workspace / "site"
