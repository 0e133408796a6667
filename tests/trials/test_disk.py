"""Disk full and read-only workspaces (a real small tmpfs): a clear message, the catalogue unchanged."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support import make_clip, make_speech, run_capture


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {result.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _workspace_on(disk: Path, tmp_path: Path) -> tuple[Path, Path]:
    assert run_capture("init", str(disk / "ws"), cwd=tmp_path).returncode == 0
    clip = make_clip(tmp_path / "big.mp4", seconds=4, size="640x480")
    return disk / "ws", clip


def test_disk_full_gives_a_clear_message_and_keeps_the_catalogue(small_disk: Path, tmp_path: Path) -> None:
    workspace, clip = _workspace_on(small_disk, tmp_path)
    filler = workspace / "filler.bin"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * max(free - 48 * 1024, 0))  # room for the catalogue, not for the video
    before = (workspace / "resources.yaml").read_bytes()
    result = run_capture("add", str(clip), "--yes", cwd=workspace)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ")
    assert "disk is full" in result.stderr and "free some space" in result.stderr
    assert (workspace / "resources.yaml").read_bytes() == before
    assert not [p for p in workspace.rglob("*") if p.name.endswith(".part") or ".staging-" in p.name]


def test_read_only_workspace_gives_a_clear_message(small_disk: Path, tmp_path: Path) -> None:
    workspace, clip = _workspace_on(small_disk, tmp_path)
    before = (workspace / "resources.yaml").read_bytes()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = run_capture("add", str(clip), "--yes", cwd=workspace)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "read-only" in result.stderr and "check its permissions" in result.stderr
    assert (workspace / "resources.yaml").read_bytes() == before
    build = run_capture("build", cwd=workspace)
    assert build.returncode == 1 and "read-only" in build.stderr and "Traceback" not in build.stderr


# -- The disk fills at the commit step (issue 19, item 3) ---------------------------------------------------
COMMIT_STEPS = ("owner", "transcript", "words", "catalogue")


@pytest.fixture()
def roomy_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs: room for a workspace and a clip's media, until the test fills it."""
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {result.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture(scope="module")
def spoken_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("spoken")
    speech = make_speech("Check the valve before you open the line.", folder / "speech.wav")
    return make_clip(folder / "valve.mp4", seconds=2.5, speech=speech)


def fill(disk: Path, *, leave: int = 0) -> Path:
    """Write a filler file until the disk is full (or has ``leave`` bytes left); the disk really is full."""
    filler = disk / f"filler-{len(list(disk.glob('filler-*')))}"
    with open(filler, "wb") as handle:
        try:
            while shutil.disk_usage(disk).free > leave:
                handle.write(b"\0" * max(4096, min(1 << 20, shutil.disk_usage(disk).free - leave)))
                handle.flush()
        except OSError:
            pass
    return filler


def _fill_before(monkeypatch: pytest.MonkeyPatch, disk: Path, step: str) -> None:
    """Fill the disk just before ``step`` of the commit writes anything."""
    import pipeline.ingest as ingest
    from pipeline.workspace.catalogue import Catalogue

    def filling(original: Callable[..., None]) -> Callable[..., None]:
        def wrapper(*args: object, **kwargs: object) -> None:
            fill(disk)
            original(*args, **kwargs)

        return wrapper

    if step == "catalogue":
        monkeypatch.setattr(Catalogue, "save", filling(Catalogue.save))
    else:
        name = {"owner": "write_owner", "transcript": "write_transcript", "words": "_write_words"}[step]
        monkeypatch.setattr(ingest, name, filling(getattr(ingest, name)))


def _nothing_left(workspace: Path, catalogue: bytes) -> None:
    assert (workspace / "resources.yaml").read_bytes() == catalogue
    assert sorted(p.name for p in (workspace / "media").iterdir()) == []
    assert sorted(p.name for p in (workspace / "transcripts").iterdir()) == []
    words = workspace / ".capture" / "words"
    assert not words.exists() or list(words.iterdir()) == []
    assert not [p for p in workspace.rglob("*") if p.name.endswith(".part") or ".capture-tmp-" in p.name]


@pytest.mark.parametrize("step", COMMIT_STEPS)
def test_a_disk_that_fills_at_the_commit_leaves_nothing_and_blames_the_disk(
    roomy_disk: Path, spoken_clip: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    from typer.testing import CliRunner

    from capture.cli import app
    from pipeline.workspace.paths import init_workspace

    workspace = init_workspace(roomy_disk / "ws", title="Test").root
    monkeypatch.chdir(workspace)
    before = (workspace / "resources.yaml").read_bytes()
    with monkeypatch.context() as patched:
        _fill_before(patched, roomy_disk, step)
        result = CliRunner().invoke(app, ["add", str(spoken_clip), "--yes"])
    assert (result.exit_code, result.stdout) == (1, "")
    written = {
        "owner": r"media/\.staging-[0-9a-f]{16}-\d+/owner\.json",
        "transcript": r"transcripts/valve\.md",
        "words": r"\.capture/words/valve\.json",
        "catalogue": r"resources\.yaml",
    }[step]
    assert re.fullmatch(
        rf"Error: the disk is full while writing {re.escape(str(workspace))}/{written}; "
        r"free some space and run the command again\n",
        result.stderr,
    ), result.stderr
    _nothing_left(workspace, before)

    for filler in roomy_disk.glob("filler-*"):
        filler.unlink()
    again = CliRunner().invoke(app, ["add", str(spoken_clip), "--yes"])
    assert again.exit_code == 0 and again.stdout.startswith("added valve.mp4 → valve ("), again.stderr


@pytest.mark.parametrize("left", [0, 16 * 1024], ids=["0-bytes-free", "16k-free"])
def test_a_disk_full_before_the_video_blames_the_disk_not_the_clip(
    roomy_disk: Path, spoken_clip: Path, left: int
) -> None:
    workspace = roomy_disk / "ws"
    assert run_capture("init", str(workspace), cwd=roomy_disk).returncode == 0
    before = (workspace / "resources.yaml").read_bytes()
    fill(roomy_disk, leave=left)
    result = run_capture("add", str(spoken_clip), "--yes", cwd=workspace)
    assert result.returncode == 1
    if left == 0:  # not even the staging folder's owner record fits
        expected = (
            rf"Error: the disk is full while writing {re.escape(str(workspace))}/media/\.staging-[0-9a-f]{{16}}-\d+/"
            r"owner\.json; free some space and run the command again\n"
        )
    else:  # ffmpeg stops with "no packets" or "could not write": it is the disk, not the clip
        expected = re.escape(
            "Error: valve.mp4: the disk is full while writing the web video; "
            "free some space and run the command again\n"
        )
    assert re.fullmatch(expected, result.stderr), result.stderr
    _nothing_left(workspace, before)
