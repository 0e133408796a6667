"""Inputs that claim to be enormous or never end are bounded by the media limits."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline.errors import MediaError
from pipeline.media.process import build_command, plan_media, probe_media
from pipeline.workspace.catalogue import MediaSettings
from tests.support import make_clip, run_capture, run_capture_measured


def test_a_20_gb_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    assert run_capture("init", "ws", cwd=tmp_path).returncode == 0
    ws = tmp_path / "ws"
    text = (ws / "resources.yaml").read_text().replace("  loudness: -16", "  loudness: -16\n  max_size_gb: 10")
    (ws / "resources.yaml").write_text(text)
    subprocess.run(["truncate", "-s", "20G", str(ws / "huge.mp4")], check=True)  # sparse: no disk used
    result, _, read = run_capture_measured("add", "huge.mp4", "--yes", cwd=ws)
    assert read < 1 << 30  # refused from its size: not read (nor hashed), whatever the machine's speed
    assert (result.returncode, result.stderr) == (
        1,
        (
            "Error: huge.mp4: the file is 21.5 GB, more than the 10 GB allowed by media.max_size_gb; "
            "trim or compress it, or raise the limit\n"
        ),
    )


def test_a_clip_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "long.mp4", seconds=3, size="160x120")
    info = probe_media(clip)
    with pytest.raises(MediaError) as caught:
        plan_media(info, MediaSettings(max_duration=2.0))
    assert str(caught.value) == (
        "long.mp4: the clip is 0:03 long, more than the 0:02 allowed by media.max_duration; trim it or raise the limit"
    )


def test_every_ffmpeg_output_is_bounded_by_the_limit(tmp_path: Path) -> None:
    """Even a stream whose header claims less than it holds stops at media.max_duration."""
    clip = make_clip(tmp_path / "clip.mp4", seconds=1, size="160x120")
    info = probe_media(clip)
    settings = MediaSettings(max_duration=1800.0)
    command = build_command(info, plan_media(info, settings), tmp_path / "out.mp4")
    assert command[command.index("-t") + 1] == "1800.0"


@pytest.mark.parametrize(
    "command", [("list",), ("check",), ("status",), ("build",), ("tag", "a", "--level", "beginner")]
)
def test_one_catalogue_size_cap_for_every_command(tmp_path: Path, command: tuple[str, ...]) -> None:
    catalogue = tmp_path / "resources.yaml"
    catalogue.write_text("resources:\n  - id: a\n", encoding="utf-8")
    subprocess.run(["truncate", "-s", str(129 * 1024 * 1024), str(catalogue)], check=True)  # sparse
    result = run_capture(*command, cwd=tmp_path)
    message = (  # after "resources.yaml: " (check prints "resources.yaml:?: error: ", as for any line-less problem)
        "the file is 135,266,304 bytes, more than the 134,217,728 allowed (room for about 100,000 "
        "resources); check that it is the file you meant, or split the library into two workspaces"
    )
    assert result.returncode == 1
    shown = (result.stderr + result.stdout).replace("resources.yaml:?: error: ", "resources.yaml: ")
    assert f"resources.yaml: {message}" in shown
    assert "Traceback" not in result.stderr
