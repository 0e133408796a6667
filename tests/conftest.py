"""Shared fixtures: the demo workspace built into a site once per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from pipeline.workspace.paths import Workspace
from tests.support import copy_demo, run_capture

# `make test` (and CI) runs the property tests on the same examples every time, so a run fails only
# when the code changed. HYPOTHESIS_PROFILE=explore draws new examples: run it to look for new bugs,
# then pin what it finds with @example.
settings.register_profile("capture", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "capture"))


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


@pytest.fixture(scope="module")
def review_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with one real clip added as ``running-fault`` (real ffmpeg, real bundled model)."""
    from pipeline.ingest import AddOptions, add_clip
    from pipeline.workspace.paths import init_workspace
    from tests.speech_helpers import SAMPLES

    root = tmp_path_factory.mktemp("review") / "ws"
    workspace = init_workspace(root, title="Test site")
    options = AddOptions(title="Running fault", expert="Priya Nair")
    result = add_clip(workspace, SAMPLES / "handover-with-a-running-fault.mp4", options)
    assert result.status == "added", result.message
    return root


@pytest.fixture
def review_ws(review_template: Path, tmp_path: Path) -> Workspace:
    """A copy of :func:`review_template` for one test."""
    from tests.speech_helpers import copy_workspace

    return Workspace(copy_workspace(review_template, tmp_path / "ws"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium, one per test module, allowed to play clips without a tap."""
    from playwright.sync_api import sync_playwright

    from tests.support import launch_chromium

    with sync_playwright() as playwright:
        launched = launch_chromium(playwright, "--autoplay-policy=no-user-gesture-required")
        yield launched
        launched.close()
