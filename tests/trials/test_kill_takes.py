"""Kill trials for `capture add NEW --replaces ID`: a crash at any point leaves the old version or
the new one, never a mix (issue 15).

Two kinds, like the other kill trials (`tests/trials/test_kill.py`):

- at every step of the commit: the run dies (``os._exit``, so nothing is cleaned up, as with
  SIGKILL) just before, or just after, the N-th rename it makes once the commit has begun, for
  every N until a run gets through: each file's move into place, the catalogue's save, the words
  file's move;
- at random moments: SIGKILL to the whole process group after a random delay (its seed in the test id).

After each: the catalogue loads; the resource is version 1 with exactly its old files, or version 2
with the new take's files and the old take's intact in ``versions:``; the live words file, where
there is one, belongs to the transcript the catalogue names. Then the next run settles it: the
new take is version 2, words and transcript agree, and nothing is left over.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.speech.transcript import read_transcript
from pipeline.workspace.catalogue import load_catalogue
from pipeline.workspace.check import check_workspace
from pipeline.workspace.paths import Workspace
from tests.support import REPO, make_clip, make_speech, run_capture
from tests.trials.test_kill import LEFTOVER_MARKERS, _kill_after

RANDOM_TRIALS = 6  # benchmarks/replace_safety.py runs more for docs/reliability.md
MAX_STEPS = 12
NOTE = "new latch"
# Dies at the N-th os.replace once commit_take has begun, before or after it (argv: N, before|after, capture args).
DRIVER = """
import os, sys
from pipeline import ingest
step, when = int(sys.argv[1]), sys.argv[2]
real_replace, real_commit, seen = os.replace, ingest.commit_take, [0, False]
def replace(src, dst, **kw):
    if not seen[1]:
        return real_replace(src, dst, **kw)
    seen[0] += 1
    if seen[0] == step and when == "before":
        os._exit(137)
    real_replace(src, dst, **kw)
    if seen[0] == step and when == "after":
        os._exit(137)
def commit(job, made):
    seen[1] = True
    return real_commit(job, made)
os.replace, ingest.commit_take = replace, commit
from capture.cli import main
sys.argv = ["capture", *sys.argv[3:]]
main()
"""


def _snapshot(workspace: Path, rels: list[str]) -> dict[str, bytes]:
    return {rel: (workspace / rel).read_bytes() for rel in rels}


@pytest.fixture(scope="module")
def seed_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_seed(tmp_path_factory.mktemp("takes-seed"))


def make_seed(root: Path) -> Path:
    """`guard` at version 1 and the new take's clip in ``root/ws``; how long a whole --replaces run takes."""
    assert run_capture("init", "ws", cwd=root).returncode == 0
    workspace = root / "ws"
    first = make_speech("Lock the guard before you clean the blade.", root / "a.wav")
    second = make_speech("The guard has a new latch now. Close it, then clean the blade.", root / "b.wav")
    make_clip(workspace / "guard.mp4", seconds=3.0, speech=first)
    make_clip(workspace / "guard-new.mp4", seconds=3.5, speech=second)
    assert run_capture("add", "guard.mp4", "--yes", cwd=workspace).returncode == 0
    old = load_catalogue(workspace / "resources.yaml").get("guard")
    rels = [str(old.video), str(old.poster), str(old.transcript), ".capture/words/guard.json"]
    (root / "old.json").write_text(json.dumps({k: v.hex() for k, v in _snapshot(workspace, rels).items()}))
    probe = root / "probe"
    subprocess.run(["cp", "-a", str(workspace), str(probe)], check=True)
    started = time.monotonic()
    assert run_capture(*REPLACE, cwd=probe).returncode == 0
    (root / "full-run-seconds").write_text(str(time.monotonic() - started))
    return workspace


REPLACE = ("add", "guard-new.mp4", "--replaces", "guard", "--note", NOTE)


def old_files(seed: Path) -> dict[str, bytes]:
    return {k: bytes.fromhex(v) for k, v in json.loads((seed.parent / "old.json").read_text()).items()}


def _words_match(workspace: Path, transcript: str) -> bool:
    words = json.loads((workspace / ".capture/words/guard.json").read_text())
    lines = read_transcript(workspace / transcript).lines
    return [s["text"] for s in words["segments"]] == [line.text for line in lines]


def assert_old_or_new(workspace: Path, old: dict[str, bytes]) -> int:
    """The resource is wholly version 1 or wholly version 2; returns which."""
    guard = load_catalogue(workspace / "resources.yaml").get("guard")  # loads: never half-written
    words = workspace / ".capture/words/guard.json"
    if guard.version == 1:
        assert guard.versions == [] and guard.video == "media/guard/video.mp4"
        for rel, data in old.items():
            if rel != ".capture/words/guard.json" or words.exists():
                assert (workspace / rel).read_bytes() == data, rel
        return 1
    assert guard.version == 2 and guard.update_note == NOTE
    assert (guard.video, guard.transcript) == ("media/guard/v2/video.mp4", "transcripts/guard.v2.md")
    for rel in (guard.video, guard.poster, guard.transcript):
        assert (workspace / str(rel)).is_file(), rel
    [take] = guard.versions
    for rel in (take.video, take.poster, take.transcript):
        assert (workspace / str(rel)).read_bytes() == old[str(rel)], rel
    if words.exists():
        assert _words_match(workspace, str(guard.transcript)), "the live words are not the new take's"
    return 2


def assert_settled(workspace: Path) -> None:
    """After the next run: version 2, words and transcript agree, nothing left over."""
    guard = load_catalogue(workspace / "resources.yaml").get("guard")
    assert guard.version == 2
    assert _words_match(workspace, str(guard.transcript))
    leftovers = [p for p in workspace.rglob("*") if any(m in p.name for m in LEFTOVER_MARKERS)]
    assert leftovers == []
    assert not (workspace / "media/guard/v3").exists() and not (workspace / "media/guard/v2/words.json").exists()
    assert sorted(p.name for p in (workspace / "transcripts").iterdir()) == ["guard.md", "guard.v2.md"]
    assert check_workspace(Workspace(workspace)).errors == []


def rerun(workspace: Path, version: int) -> None:
    result = run_capture(*REPLACE, cwd=workspace)
    if version == 1:
        assert result.returncode == 0, result.stderr
    else:  # committed already: the run settles what the kill left, then refuses the same clip again
        assert (result.returncode, result.stderr) == (
            1,
            "Error: guard-new.mp4: is already the current take of 'guard' (version 2); "
            "give the new clip to replace it\n",
        )


def crash_at(workspace: Path, step: int, when: str) -> int:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, str(step), when, *REPLACE], cwd=workspace, env=env, capture_output=True
    )
    return result.returncode


@pytest.mark.parametrize("when", ["before", "after"])
def test_replace_crashed_at_every_step_of_its_commit(seed_workspace: Path, tmp_path: Path, when: str) -> None:
    old = old_files(seed_workspace)
    outcomes = []
    for step in range(1, MAX_STEPS + 1):
        workspace = tmp_path / f"step-{step}"
        subprocess.run(["cp", "-a", str(seed_workspace), str(workspace)], check=True)
        code = crash_at(workspace, step, when)
        version = assert_old_or_new(workspace, old)
        rerun(workspace, version)
        assert_settled(workspace)
        if code == 0:
            break  # the run got through: every step before it was tried
        assert code == 137
        outcomes.append(version)
    else:
        pytest.fail(f"the commit made more than {MAX_STEPS} renames")
    assert 1 in outcomes and 2 in outcomes  # the commit point lies between the steps tried


@pytest.mark.parametrize("seed", range(RANDOM_TRIALS), ids=lambda s: f"seed-{s}")
def test_replace_killed_at_a_random_moment(seed_workspace: Path, tmp_path: Path, seed: int) -> None:
    workspace = tmp_path / "ws"
    subprocess.run(["cp", "-a", str(seed_workspace), str(workspace)], check=True)
    full_run = float((seed_workspace.parent / "full-run-seconds").read_text())
    _kill_after(list(REPLACE), workspace, random.Random(seed).uniform(0.05, full_run * 1.1))
    version = assert_old_or_new(workspace, old_files(seed_workspace))
    rerun(workspace, version)
    assert_settled(workspace)
