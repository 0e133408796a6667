"""`capture add` as a user meets it (issue 3): odd names, odd clips, batches, flags."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from capture.cli import app
from pipeline.workspace.paths import init_workspace
from tests import phone_clips


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture()
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = init_workspace(tmp_path / "ws", title="Test").root
    monkeypatch.chdir(root)
    return root


def add(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["add", *args])
    return result.exit_code, result.stdout, result.stderr


def entries(ws: Path) -> dict[str, dict]:
    doc = YAML(typ="safe").load((ws / "resources.yaml").read_text(encoding="utf-8"))
    return {e["id"]: e for e in doc["resources"] or []}


def refused(ws: Path, *args: str) -> tuple[int, str]:
    """Run an add that must fail: nothing in the workspace may change."""
    before = (ws / "resources.yaml").read_bytes()
    code, stdout, stderr = add(*args)
    assert (ws / "resources.yaml").read_bytes() == before
    assert not (ws / "media").exists() or [p.name for p in (ws / "media").iterdir()] == []
    assert stdout == ""
    return code, stderr


def test_leading_dash_after_double_dash_or_dot_slash(ws: Path, clips: Path) -> None:
    shutil.copy(phone_clips.no_audio(clips), ws / "-clip.mp4")
    code, stdout, stderr = add("--", "-clip.mp4")
    assert (code, stderr) == (0, "")
    assert stdout.startswith("added -clip.mp4 → clip (no audio track: published without a transcript, ")
    shutil.copy(phone_clips.silence(clips), ws / "-other.mp4")
    code, stdout, _ = add("./-other.mp4")
    assert (code, stdout.split(" (")[0]) == (0, "added -other.mp4 → other")
    code, _, stderr = add("-third.mp4")
    assert code == 2 and "No such option: -t" in stderr  # without `--` or `./` it is an option


def test_spaces_and_unicode_in_names(ws: Path, clips: Path) -> None:
    clip = shutil.copy(phone_clips.web_ready(clips), ws / "Café ünï — täst.mp4")
    code, stdout, stderr = add(str(clip))
    assert (code, stderr) == (0, "")
    assert stdout.startswith("added Café ünï — täst.mp4 → cafe-uni-tast (")
    entry = entries(ws)["cafe-uni-tast"]
    assert (entry["title"], entry["source"]["file"]) == ("Café ünï — täst", "Café ünï — täst.mp4")
    assert entry["produced_by"]["media"] == "remux: already web-ready: copied into MP4 with +faststart"
    assert (ws / "media" / "cafe-uni-tast" / "video.mp4").is_file()


@pytest.mark.parametrize("faststart", [True, False], ids=["faststart", "moov-at-end"])
def test_truncated_clip(ws: Path, clips: Path, faststart: bool) -> None:
    whole = phone_clips.web_ready(clips, name=f"whole-{faststart}.mp4", faststart=faststart)
    cut = phone_clips.cut_in_half(whole, ws / "cut.mp4")
    size = cut.stat().st_size
    code, stderr = refused(ws, "cut.mp4")
    end = stderr.split("runs to byte ")[1].split(")")[0]
    assert (code, stderr) == (
        1,
        f"Error: cut.mp4: the file is cut short ({size} bytes, but its 'mdat' data runs to "
        f"byte {end}); copy the whole clip from the phone again and re-run `capture add`\n",
    )
    assert int(end) > size


def test_zero_byte_text_and_missing(ws: Path) -> None:
    (ws / "empty.mp4").write_bytes(b"")
    assert refused(ws, "empty.mp4") == (
        1,
        "Error: empty.mp4: the file is empty (0 bytes); copy the clip from the phone again\n",
    )
    (ws / "notes.mp4").write_text("a shopping list\n")
    assert refused(ws, "notes.mp4") == (
        1,
        "Error: notes.mp4: not a video or audio file capture can read (Invalid data found when processing "
        "input); check that it is the clip you meant and that it copied completely\n",
    )
    assert refused(ws, "gone.mp4") == (1, "Error: gone.mp4: no such file; check the path and try again\n")


def test_no_audio_audio_only_and_silence(ws: Path, clips: Path) -> None:
    for make in (phone_clips.no_audio, phone_clips.audio_only, phone_clips.silence):
        shutil.copy(make(clips), ws)
    code, stdout, stderr = add("no audio.mp4", "voice memo.m4a", "silence.mp4")
    assert (code, stderr) == (0, "")
    lines = [line.rsplit(", ", 1)[0] for line in stdout.splitlines()[:3]]
    assert lines[0] == "added no audio.mp4 → no-audio (no audio track: published without a transcript"
    assert lines[1].startswith("added voice memo.m4a → voice-memo (") and lines[1].endswith(
        "transcript lines, draft for review"
    )
    assert lines[2] == "added silence.mp4 → silence (no speech found: the transcript is empty"
    found = entries(ws)
    assert "transcript" not in found["no-audio"]
    memo = found["voice-memo"]
    assert (memo["audio_only"], memo["video"], memo["poster"]) == (
        True,
        "media/voice-memo/audio.m4a",
        "media/voice-memo/poster.jpg",
    )
    assert "label" in (ws / memo["transcript"]).read_text(encoding="utf-8")
    silent = (ws / found["silence"]["transcript"]).read_text(encoding="utf-8")
    assert silent.rstrip().endswith("---")  # front matter only: no invented words


def test_duplicate_is_skipped_with_a_message(ws: Path, clips: Path) -> None:
    shutil.copy(phone_clips.no_audio(clips), ws / "first.mp4")
    shutil.copy(phone_clips.no_audio(clips), ws / "first again.mp4")
    assert add("first.mp4")[0] == 0
    code, stdout, _ = add("first again.mp4")
    assert (code, stdout) == (0, "skipped first again.mp4 → first (already in the catalogue as 'first', 0.0 s)\n")


def test_folder_batch_goes_on_and_ends_with_a_table(ws: Path, clips: Path) -> None:
    folder = ws / "from phone"
    folder.mkdir()
    shutil.copy(phone_clips.no_audio(clips), folder / "a good one.mp4")
    (folder / "b broken.mp4").write_text("not a video")
    shutil.copy(phone_clips.no_audio(clips), folder / "c same as a.mp4")
    (folder / "notes.txt").write_text("not a clip: ignored")
    result = CliRunner().invoke(app, ["add", "from phone"])
    assert result.exit_code == 1
    cells: list[list[str]] = []
    for row in (line for line in result.stdout.splitlines() if line.startswith("│")):
        parts = [cell.strip() for cell in row.strip("│").split("│")]
        if parts[0] or not cells:
            cells.append(parts)
        else:  # a long cell wrapped onto the next line of the table
            cells[-1] = [f"{a} {b}".strip() for a, b in zip(cells[-1], parts, strict=False)]
    assert [c[:3] for c in cells] == [
        ["a good one.mp4", "added", "a-good-one"],
        [
            "b broken.mp4",
            "failed: b broken.mp4: not a video or audio file capture can read (Invalid data found "
            "when processing input); check that it is the clip you meant and that it copied completely",
            "-",
        ],
        ["c same as a.mp4", "skipped duplicate", "a-good-one"],
    ]
    assert all(c[3].endswith(" s") for c in cells)
    assert list(entries(ws)) == ["a-good-one"]


def test_flags_override_the_settings(ws: Path, clips: Path) -> None:
    shutil.copy(phone_clips.hlg_portrait(clips), ws / "hdr.mov")
    code, stdout, stderr = add(
        "hdr.mov",
        "--crf",
        "30",
        "--preset",
        "ultrafast",
        "--loudness",
        "-20",
        "--keep-original",
        "--target-height",
        "144",
    )
    assert (code, stderr) == (0, ""), stdout
    folder = ws / "media" / "hdr"
    assert sorted(p.name for p in folder.iterdir()) == [
        "meta.json",
        "original.mov",
        "owner.json",
        "poster.jpg",
        "video.mp4",
    ]
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert meta["key"].endswith(":144:30:ultrafast:-20.0:1")
    assert meta["original"] == "original.mov"
    from pipeline.media.process import probe_media

    out = probe_media(folder / "video.mp4")
    assert (out.width, out.height, out.video_codec, out.color_transfer) == (144, 256, "h264", "bt709")
    assert phone_clips.loudness(folder / "video.mp4") == pytest.approx(-20, abs=2)


def test_keep_original_from_resources_yaml_and_no_keep_original_flag(ws: Path, clips: Path) -> None:
    text = (ws / "resources.yaml").read_text(encoding="utf-8")
    (ws / "resources.yaml").write_text(
        text.replace("  preset: veryfast\n", "  preset: veryfast\n  keep_original: true\n")
    )
    shutil.copy(phone_clips.no_audio(clips), ws / "kept.mp4")
    shutil.copy(phone_clips.variable_rate(clips), ws / "not kept.mp4")
    assert add("kept.mp4")[0] == 0
    assert add("not kept.mp4", "--no-keep-original")[0] == 0
    assert (ws / "media" / "kept" / "original.mp4").read_bytes() == (ws / "kept.mp4").read_bytes()
    assert not (ws / "media" / "not-kept" / "original.mp4").exists()


def test_bad_flags(ws: Path) -> None:
    assert add("x.mp4", "--preset", "warp")[::2] == (
        1,
        "Error: --preset: expected one of ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, "
        "veryslow, got 'warp'\n",
    )
    code, _, stderr = add("x.mp4", "--crf", "99")
    assert code == 2 and "Invalid value for '--crf': Input should be less than or equal to 51" in stderr


# -- issue 19, items 8 and 9 -----------------------------------------------------------------------------
def test_add_dot_at_the_root_never_adds_the_workspaces_own_outputs(ws: Path, clips: Path) -> None:
    code, stdout, stderr = add(str(phone_clips.no_audio(clips, "first.mp4")))
    assert (code, stderr) == (0, ""), stdout
    assert (ws / "media" / "first" / "video.mp4").is_file()
    for own in ("site/media/first", ".capture/cache", "node_modules/player/demo", ".git/objects", "clips/.hidden"):
        (ws / own).mkdir(parents=True, exist_ok=True)
        shutil.copy(ws / "media" / "first" / "video.mp4", ws / own / "video.mp4")
    (ws / "clips" / "new").mkdir(parents=True)
    phone_clips.silence(ws / "clips" / "new", "new.mp4")
    before = {p for p in ws.rglob("*") if p.is_file()}

    code, stdout, stderr = add(".")

    assert (code, stderr) == (0, ""), stdout
    assert stdout.startswith("added new.mp4 → new (")
    assert sorted(entries(ws)) == ["first", "new"]
    assert {p for p in ws.rglob("*") if p.is_file()} >= before


def test_a_file_inside_the_workspaces_outputs_is_refused(ws: Path, clips: Path) -> None:
    code, stdout, stderr = add(str(phone_clips.no_audio(clips, "first.mp4")))
    assert code == 0, stdout
    before = (ws / "resources.yaml").read_bytes()
    code, stdout, stderr = add("media/first/video.mp4")
    assert (code, stdout) == (1, "")
    assert stderr == (
        "Error: media/first/video.mp4: is capture's own output (in the workspace's media/, site/ or .capture/ "
        "folder); add the original clip instead\n"
    )
    assert (ws / "resources.yaml").read_bytes() == before


@pytest.mark.parametrize(("name", "codec"), [("photo.png", "png"), ("photo.jpg", "mjpeg"), ("png renamed.mp4", "png")])
def test_a_still_image_is_refused(ws: Path, clips: Path, name: str, codec: str) -> None:
    image = clips / ("photo.png" if name.endswith(".mp4") else name)
    phone_clips.run("-f", "lavfi", "-i", "testsrc2=s=320x240", "-frames:v", "1", str(image))
    shutil.copy(image, ws / name)
    code, stderr = refused(ws, name)
    assert (code, stderr) == (
        1,
        f"Error: {name}: is a still image ({codec}), not a video or audio clip; "
        "capture publishes recorded clips, so add the video itself\n",
    )


@pytest.mark.parametrize(
    ("name", "resource_id"),
    [("CON.mp4", "con-clip"), ("nul.mov", "nul-clip"), ("Com1.mp4", "com1-clip"), ("lpt9.MP4", "lpt9-clip")],
)
def test_an_id_windows_reserves_is_never_given(ws: Path, clips: Path, name: str, resource_id: str) -> None:
    shutil.copy(phone_clips.no_audio(clips), ws / name)
    code, stdout, stderr = add(name)
    assert (code, stderr) == (0, "")
    assert stdout.startswith(f"added {name} → {resource_id} (")
    assert (ws / "media" / resource_id / "video.mp4").is_file()


def test_a_title_windows_reserves_gets_a_suffix_too(ws: Path, clips: Path) -> None:
    code, stdout, stderr = add(str(phone_clips.no_audio(clips)), "--title", "AUX")
    assert (code, stderr) == (0, "")
    assert stdout.startswith("added no audio.mp4 → aux-clip (")
    assert entries(ws)["aux-clip"]["title"] == "AUX"
