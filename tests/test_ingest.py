"""Ingest as a whole (issue 3): duplicates, leftovers, kills, Ctrl-C and concurrent runs."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from pipeline.ingest import STAGING_PREFIX, AddOptions, add_clip, add_clips, clear_leftovers, stage_spans
from pipeline.workspace.catalogue import load_catalogue
from pipeline.workspace.paths import Workspace, init_workspace
from tests import phone_clips
from tests.support import REPO


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture()
def workspace(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "ws", title="Test")


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200")


def _entries(workspace: Workspace) -> list[dict]:
    return YAML(typ="safe").load(workspace.catalogue_path.read_text(encoding="utf-8"))["resources"] or []


def _no_leftovers(workspace: Workspace) -> None:
    assert list(workspace.root.rglob("*.part")) == []
    assert list(workspace.media_dir.glob(f"{STAGING_PREFIX}*")) == []
    assert list(workspace.root.rglob(".capture-tmp-*")) == []


def test_stage_spans_cover_the_bar_in_order() -> None:
    for mode, audio, transcribe in (("transcode", True, True), ("remux", True, True), ("remux", False, False)):
        spans = stage_spans(mode, has_audio=audio, transcribe=transcribe)
        assert spans["hash"][0] == 0.0 and spans["save"][1] == pytest.approx(1.0)
        edges = [edge for span in spans.values() for edge in span]
        assert edges == sorted(edges)
    low, high = stage_spans("remux", has_audio=True, transcribe=True)["transcribe"]
    assert high - low > 0.8


def test_duplicate_content_is_skipped_under_any_name(workspace: Workspace, clips: Path) -> None:
    first = phone_clips.no_audio(clips)
    copy = shutil.copy(first, workspace.root / "same clip again.mp4")
    added = add_clip(workspace, first, AddOptions())
    assert (added.status, added.resource_id, added.message) == (
        "added",
        "no-audio",
        "no audio track: published without a transcript",
    )
    again = add_clip(workspace, Path(copy), AddOptions())
    assert (again.status, again.resource_id, again.message) == (
        "skipped",
        "no-audio",
        "already in the catalogue as 'no-audio'",
    )
    assert len(_entries(workspace)) == 1
    entry = _entries(workspace)[0]
    assert "transcript" not in entry and entry["video"] == "media/no-audio/video.mp4"
    _no_leftovers(workspace)


def test_batch_goes_on_after_a_failure(workspace: Workspace, clips: Path) -> None:
    (clips / "broken.mp4").write_text("not a video")
    seen: list[Path] = []
    last: dict[str, tuple[str, float]] = {}

    def on_start(clip: Path):  # type: ignore[no-untyped-def]
        seen.append(clip)
        return lambda stage, fraction: last.__setitem__(clip.name, (stage, fraction))

    results = add_clips(
        workspace, [clips / "broken.mp4", phone_clips.no_audio(clips, "after.mp4")], AddOptions(), on_start=on_start
    )
    assert [r.status for r in results] == ["failed", "added"]
    assert results[0].message.startswith("broken.mp4: not a video or audio file capture can read")
    assert seen == [clips / "broken.mp4", clips / "after.mp4"]
    assert last == {"broken.mp4": ("failed", 1.0), "after.mp4": ("added", 1.0)}  # each bar ends full


def test_clear_leftovers(workspace: Workspace) -> None:
    media = workspace.media_dir
    dead = media / f"{STAGING_PREFIX}dead-1"
    (dead).mkdir(parents=True)
    (dead / "video.mp4.part").write_bytes(b"x")
    alive = media / f"{STAGING_PREFIX}alive-2"
    alive.mkdir()
    orphan = media / "never-committed"  # made by capture (meta.json), but by no run that can be proved dead
    orphan.mkdir()
    (orphan / "meta.json").write_text("{}")
    mine = media / "notes"  # not made by capture: no meta.json
    mine.mkdir()
    (workspace.transcripts_dir / "x.md.part").write_text("half")
    (workspace.root / ".capture-tmp-abc").write_text("half")
    fd = os.open(alive.with_suffix(".lock"), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another run is working in this one
    try:
        cleared = clear_leftovers(workspace)
    finally:
        os.close(fd)
    assert sorted(p.name for p in cleared.removed) == sorted([dead.name, "x.md.part", ".capture-tmp-abc"])
    assert alive.is_dir() and mine.is_dir() and not dead.exists() and not orphan.exists()
    [(source, aside)] = cleared.moved
    assert source == orphan and aside.parent == media / ".orphaned" and (aside / "meta.json").read_text() == "{}"
    assert re.fullmatch(r"never-committed-\d{8}T\d{6}Z", aside.name)


def _start_add(workspace: Workspace, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "capture", "add", *args],
        cwd=workspace.root,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_for_part(workspace: Workspace, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if list(workspace.media_dir.glob(f"{STAGING_PREFIX}*/video.mp4.part")):
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    raise AssertionError("ffmpeg never started writing")


@pytest.fixture(scope="module")
def slow_clip(clips: Path) -> Path:
    """A clip that takes a few seconds to transcode with --preset veryslow, to be interrupted."""
    target = clips / "slow.mp4"
    phone_clips.run(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=640x360:r=30:d=8",
        "-f",
        "lavfi",
        "-i",
        "sine=f=300:d=8",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv444p",
        "-c:a",
        "aac",
        str(target),
    )
    return target


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill", "ctrl-c"])
def test_interrupted_add_leaves_the_catalogue_valid_and_a_rerun_finishes(
    workspace: Workspace, slow_clip: Path, sig: signal.Signals
) -> None:
    before = workspace.catalogue_path.read_bytes()
    process = _start_add(workspace, str(slow_clip), "--preset", "veryslow")
    _wait_for_part(workspace, process)
    os.killpg(process.pid, sig)  # the whole group, as a terminal's Ctrl-C does
    _, stderr = process.communicate(timeout=60)
    if sig == signal.SIGINT:
        assert (process.returncode, stderr) == (
            130,
            "Interrupted: nothing half-done was kept; run the same command again to finish.\n",
        )
        _no_leftovers(workspace)
    else:
        assert process.returncode == -signal.SIGKILL
    assert workspace.catalogue_path.read_bytes() == before
    load_catalogue(workspace.catalogue_path)
    again = subprocess.run(
        [sys.executable, "-m", "capture", "add", str(slow_clip), "--preset", "ultrafast"],
        cwd=workspace.root,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("added slow.mp4 → slow (")
    _no_leftovers(workspace)
    assert [e["id"] for e in _entries(workspace)] == ["slow"]
    assert sorted(p.name for p in workspace.media_dir.iterdir()) == ["slow"]


def test_two_runs_at_once_lose_nothing(workspace: Workspace, clips: Path) -> None:
    one = phone_clips.web_ready(clips, "one.mp4")
    two = phone_clips.hlg_portrait(clips, "two.mov")
    runs = [_start_add(workspace, str(one)), _start_add(workspace, str(two))]
    outputs = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    entries = _entries(workspace)
    assert sorted(e["id"] for e in entries) == ["one", "two"]
    for entry in entries:
        assert (workspace.root / entry["video"]).is_file() and (workspace.root / entry["transcript"]).is_file()
    _no_leftovers(workspace)


def test_progress_only_grows_and_reaches_the_end() -> None:
    from pipeline.ingest import _Reporter

    seen: list[tuple[str, float]] = []
    report = _Reporter(lambda stage, fraction: seen.append((stage, fraction)))
    report.spans = stage_spans("transcode", has_audio=True, transcribe=True)
    for stage, fraction in [
        ("hash", 0.0),
        ("probe", 1.0),
        ("audio", 1.0),
        ("media", 0.2),
        ("media", 0.6),
        ("media", 1.0),
        ("poster", 0.0),
        ("poster", 1.0),
        ("transcribe", 0.0),
        ("transcribe", 0.5),
        ("transcribe", 1.0),
        ("save", 0.0),
        ("save", 1.0),
    ]:
        report(stage, fraction)
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert fractions[8] == fractions[7]  # transcription starts where the poster ended
    assert seen[9] == ("transcribe", pytest.approx(fractions[7] + 0.25 / 1.08))  # half of its 0.5 weight
