"""The site's code key covers every module the build runs, so a change to any of them re-renders the pages."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.site import codekey
from tests.support import REPO

SITE = "pipeline.site.build"
# Builds a small library (pages, captions, search, the feed) and prints the pipeline modules it loaded.
LOADED = """
import datetime as dt, json, sys
from pathlib import Path
from benchmarks.site import make_library
from pipeline.site.build import build_site
from pipeline.workspace.paths import Workspace
build_site(Workspace(make_library(Path(sys.argv[1]), 6, lines=3)), today=dt.date(2026, 11, 22))
print(json.dumps(sorted(name for name in sys.modules if name == "pipeline" or name.startswith("pipeline."))))
"""


def _relative(paths: tuple[Path, ...]) -> set[str]:
    return {path.relative_to(REPO).as_posix() for path in paths}


def test_the_code_key_holds_ordering_journeys_and_catalogue() -> None:
    modules = _relative(codekey.code_modules(SITE))
    for name in ("workspace/ordering", "workspace/journeys", "workspace/catalogue", "speech/captions"):
        assert f"pipeline/{name}.py" in modules
    for name in ("build", "gather", "views", "plan", "render", "output", "search"):
        assert f"pipeline/site/{name}.py" in modules


def test_every_module_a_build_loads_is_in_the_code_key(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", LOADED, str(tmp_path / "lib")], cwd=REPO, capture_output=True, text=True, check=True
    )
    loaded = {codekey.module_path(name) for name in json.loads(result.stdout.splitlines()[-1])}
    assert None not in loaded
    missing = sorted(str(path) for path in loaded - set(codekey.code_modules(SITE)) if path is not None)
    assert missing == []


def test_a_change_to_any_module_of_the_build_changes_the_code_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "pipeline"
    shutil.copytree(REPO / "pipeline", copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(codekey, "_ROOT", copy)
    codekey.code_modules.cache_clear()
    try:
        modules = codekey.code_modules(SITE)
        assert len(modules) >= 20
        before = codekey.code_digest(SITE)
        for path in modules:
            text = path.read_bytes()
            path.write_bytes(text + b"\n# changed\n")
            assert codekey.code_digest(SITE) != before, path
            path.write_bytes(text)
        assert codekey.code_digest(SITE) == before
    finally:
        codekey.code_modules.cache_clear()
