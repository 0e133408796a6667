"""Kill trials for the expert's review: SIGKILL in the middle of saves and approvals."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline.speech.review import load_for_review, save_lines
from pipeline.speech.transcript import Line, read_transcript
from pipeline.workspace.catalogue import load_catalogue
from pipeline.workspace.paths import Workspace
from tests.support import REPO

TRIALS = 12
# Saves one of two versions of the lines, and approves, over and over, until killed.
SAVER = textwrap.dedent("""
    import itertools, sys
    from pathlib import Path
    from pipeline.speech.review import approve_transcript, load_for_review, save_lines
    from pipeline.speech.transcript import Line
    from pipeline.workspace.paths import Workspace
    ws = Workspace(Path(sys.argv[1]))
    for n in itertools.count():
        resource, transcript, version = load_for_review(ws, "lesson")
        word = "alpha" if n % 2 else "beta"
        save_lines(ws, "lesson", [Line(0.0, f"First line {word}."), Line(2.0, f"Second line {word}.")], version=version)
        if n % 3 == 0:
            approve_transcript(ws, "lesson", by="Trial")
        print(n, flush=True)
""")
VARIANTS = (
    {"First line alpha.", "Second line alpha."},
    {"First line beta.", "Second line beta."},
    {"First words.", "Second words."},
)


@pytest.fixture()
def workspace(tmp_path: Path) -> Workspace:
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "resources.yaml").write_text(
        "title: Trial\nresources:\n  - id: lesson\n    title: Lesson\n    transcript: transcripts/lesson.md\n"
        "    review: draft\n",
        encoding="utf-8",
    )
    (tmp_path / "transcripts" / "lesson.md").write_text(
        "---\nid: lesson\nstatus: draft\n---\n[00:00.0] First words.\n[00:02.0] Second words.\n", encoding="utf-8"
    )
    return Workspace(tmp_path)


@pytest.mark.parametrize("seed", range(TRIALS), ids=lambda s: f"seed-{s}")
def test_review_saves_killed_at_random(workspace: Workspace, seed: int) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(workspace.root)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    rounds = random.Random(seed).randint(1, 25)
    for _ in range(rounds):  # let it get going, then kill it mid-flight
        if not process.stdout.readline():
            break
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read()

    transcript = read_transcript(workspace.transcript_path("lesson"))  # parses: never half a file
    assert {line.text for line in transcript.lines} in VARIANTS
    load_catalogue(workspace.catalogue_path)

    # The next save finishes the job and clears what the killed one left.
    _, _, version = load_for_review(workspace, "lesson")
    save_lines(workspace, "lesson", [Line(0.0, "Final line."), Line(2.0, "Second final line.")], version=version)
    assert [line.text for line in read_transcript(workspace.transcript_path("lesson")).lines] == [
        "Final line.",
        "Second final line.",
    ]
    assert load_catalogue(workspace.catalogue_path).get("lesson").review == "draft"
    assert [p.name for p in workspace.root.rglob("*") if p.name.startswith(".capture-tmp-")] == []
