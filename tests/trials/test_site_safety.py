"""Site build safety trials: SIGKILL at every step of a commit; empty and half-saved catalogues.

A real ``SIGKILL`` at each file the commit moves in or removes (found by counting them in a
dry run), then an ordinary ``capture build``: the site holds exactly the files its manifest
names and no line taken out of a transcript survives in the search index. Then the catalogue
emptied (``: > resources.yaml``) and cut at many byte offsets, as an editor's half-finished save
leaves it: ``capture build`` refuses what lost most of the site, and never publishes it.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.site import make_library, resource_id
from pipeline.site.output import load_manifest
from pipeline.workspace.catalogue import load_catalogue
from pipeline.workspace.paths import Workspace
from tests.support import REPO, run_capture

TODAY = "2026-11-22"
TAKEN_OUT = "The spare key is under the third pallet."
CUTS = 24
# Runs `capture build` with the commit's file moves and removals counted; SIGKILLs itself at step argv[1].
KILLER = """
import os, signal, sys
from pipeline.site import output
kill_at, steps, real_replace, real_remove = int(sys.argv[1]), [0], os.replace, output._remove
def step():
    steps[0] += 1
    if steps[0] == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
def replace(source, target):
    if ".site.staging" in str(source):
        step()
    real_replace(source, target)
def remove(site, rel):
    step()
    real_remove(site, rel)
output.os.replace, output._remove = replace, remove
from capture.cli import app
sys.argv = ["capture", "build"]
try:
    app()
finally:
    print("steps", steps[0], file=sys.stderr)
"""


def _env() -> dict[str, str]:
    return dict(os.environ, CAPTURE_TODAY=TODAY, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _killed_build(root: Path, kill_at: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", KILLER, str(kill_at)], cwd=root, env=_env(), capture_output=True, text=True, timeout=120
    )


def _site_files(root: Path) -> set[str]:
    return {p.relative_to(root / "site").as_posix() for p in (root / "site").rglob("*") if p.is_file()}


@pytest.fixture
def changed_library(tmp_path: Path) -> tuple[Path, Path]:
    """A built 12-resource site, then a line taken out of one transcript and two titles changed.

    Returns the workspace and a copy of it to restore before each kill: the manifest names the
    site's own path, so every trial runs in the same folder.
    """
    root = make_library(tmp_path / "lib", 12, lines=4)
    path = root / "transcripts" / f"{resource_id(3)}.md"
    original = path.read_text()
    path.write_text(original + f"[00:30.0] {TAKEN_OUT}\n")
    assert subprocess.run([sys.executable, "-m", "capture", "build"], cwd=root, env=_env()).returncode == 0
    path.write_text(original)
    catalogue = root / "resources.yaml"
    text = catalogue.read_text()
    for number in (5, 9):
        at = text.index("    title: ", text.index(f"  - id: {resource_id(number)}\n"))
        text = text[:at] + f"    title: Renamed {number}" + text[text.index("\n", at) :]
    catalogue.write_text(text)
    pristine = tmp_path / "pristine"
    shutil.copytree(root, pristine, symlinks=True)
    return root, pristine


def _restore(root: Path, pristine: Path) -> None:
    shutil.rmtree(root)
    shutil.copytree(pristine, root, symlinks=True)


def test_sigkill_at_every_step_of_a_commit(changed_library: tuple[Path, Path]) -> None:
    root, pristine = changed_library
    dry = _killed_build(root, 0)
    assert dry.returncode == 0, dry.stderr
    steps = int(dry.stderr.rsplit("steps ", 1)[1])
    assert steps >= 8  # pages and shards moved in, old shards and pages removed
    for kill_at in range(1, steps + 1):
        _restore(root, pristine)
        assert _killed_build(root, kill_at).returncode == -9
        rebuilt = subprocess.run([sys.executable, "-m", "capture", "build"], cwd=root, env=_env(), capture_output=True)
        assert rebuilt.returncode == 0, rebuilt.stderr
        named = set(load_manifest(Workspace(root).cache_dir / "site" / "manifest.txt", root / "site"))
        assert _site_files(root) == named, f"killed at step {kill_at} of {steps}"
        search = "".join((root / "site" / rel).read_text() for rel in named if rel.startswith("search/"))
        assert TAKEN_OUT not in search and "Renamed 9" in search, f"killed at step {kill_at} of {steps}"
        assert not (root / ".site.staging").exists() and not (root / ".site.old").exists()
    print(f"SIGKILL at each of the {steps} steps of the commit: every next build left only named files")


@pytest.fixture(scope="module")
def built_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_library(tmp_path_factory.mktemp("lib") / "lib", 40, lines=2)
    assert subprocess.run([sys.executable, "-m", "capture", "build"], cwd=root, env=_env()).returncode == 0
    return root


def test_an_emptied_catalogue_is_refused(built_library: Path, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(built_library, root, symlinks=True)
    before = _site_files(root)
    (root / "resources.yaml").write_text("")
    result = run_capture("build", cwd=root)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: resources.yaml: 0 resources where the site has 40; ")
    assert _site_files(root) == before


@pytest.mark.parametrize("seed", range(CUTS), ids=lambda s: f"seed-{s}")
def test_a_half_saved_catalogue_never_empties_the_site(built_library: Path, tmp_path: Path, seed: int) -> None:
    root = tmp_path / "ws"
    shutil.copytree(built_library, root, symlinks=True)
    text = (root / "resources.yaml").read_text()
    cut = random.Random(seed).randrange(len(text))
    (root / "resources.yaml").write_text(text[:cut])
    before = _site_files(root)
    result = run_capture("build", cwd=root)
    if result.returncode == 0:  # what was left kept at least half of the resources
        assert len(load_catalogue(root / "resources.yaml").resources) >= 20, result.stdout
    else:
        assert result.returncode == 1 and result.stderr.startswith("Error: "), result.stderr
        assert "Traceback" not in result.stderr
        assert _site_files(root) == before
    print(f"cut at {cut} of {len(text)}: exit {result.returncode}: {result.stderr.strip()[:90]}")
