"""The demo workspace end to end (issue 2): add the samples, build, and check what a worker gets."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.key_words import explain, hears_enough
from tests.support import REPO, copy_demo, make_clip, make_speech, run_capture

SCRIPTS = YAML(typ="safe").load((REPO / "samples" / "scripts.yaml").read_text(encoding="utf-8"))["clips"]


def vtt_text(vtt: str) -> str:
    lines = [line for line in vtt.splitlines()[1:] if line and "-->" not in line]
    return " ".join(lines)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workspace = copy_demo(tmp_path_factory.mktemp("demo"))
    first = run_capture("add", "samples/", "--yes", cwd=workspace)
    assert first.returncode == 0, first.stderr
    assert len(re.findall(r"^restored ", first.stdout, re.M)) == 3
    built = run_capture("build", cwd=workspace)
    assert built.returncode == 0, built.stderr
    return workspace


def test_rerun_does_no_media_work_and_changes_no_tracked_file(demo: Path) -> None:
    videos = sorted((demo / "media").glob("*/video.mp4"))
    stamps = [(v.stat().st_ino, v.stat().st_mtime_ns) for v in videos]
    again = run_capture("add", "samples/", "--yes", cwd=demo)
    assert again.returncode == 0, again.stderr
    assert len(re.findall(r"^skipped ", again.stdout, re.M)) == 3
    assert [(v.stat().st_ino, v.stat().st_mtime_ns) for v in videos] == stamps
    for name in ("resources.yaml", "journeys/handover-for-operators.yaml", "transcripts/shift-handover-basics.md"):
        assert (demo / name).read_bytes() == (REPO / name).read_bytes(), name


def test_home_page_links_every_resource(demo: Path) -> None:
    parser = Links()
    parser.feed((demo / "site" / "index.html").read_text(encoding="utf-8"))
    ids = ["shift-handover-basics", "handing-over-a-running-fault", "when-no-shift-lead-arrives"]
    for rid in ids:
        assert f"r/{rid}/index.html" in parser.hrefs
        assert (demo / "site" / "r" / rid / "index.html").is_file()


@pytest.mark.parametrize("clip", SCRIPTS, ids=lambda c: c["file"])
def test_video_is_web_mp4_and_captions_match_the_script(demo: Path, clip: dict) -> None:
    import av

    catalogue = YAML(typ="safe").load((demo / "resources.yaml").read_text(encoding="utf-8"))
    entry = next(r for r in catalogue["resources"] if r["source"]["file"] == clip["file"])
    video = demo / "site" / "media" / entry["id"] / "video.mp4"
    with av.open(str(video)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"
        assert container.streams.audio[0].codec_context.name == "aac"
        width, height = container.streams.video[0].codec_context.width, container.streams.video[0].codec_context.height
        frame = next(container.decode(video=0))
        assert not getattr(frame, "rotation", 0)
        luma = frame.to_ndarray(format="gray")
        # The samples carry a white band along their top edge: upright, not upside down or sideways.
        assert luma[:12].mean() > 200 and luma[-12:].mean() < 200 and luma[:, :12].mean() < 200
    if clip["orientation"] == "portrait":
        assert height > width
    else:
        assert width > height
    head = video.read_bytes()[:4096]
    assert head.find(b"moov") != -1 and head.find(b"moov") < max(head.find(b"mdat"), 4096), "moov must come first"
    page = (demo / "site" / "r" / entry["id"] / "index.html").read_text(encoding="utf-8")
    assert '<track kind="captions" src="captions.vtt"' in page
    vtt = (demo / "site" / "r" / entry["id"] / "captions.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT")
    assert hears_enough(clip["file"], clip["text"], vtt_text(vtt)), explain(clip["file"], clip["text"], vtt_text(vtt))


def test_a_new_clip_is_transcribed_with_the_bundled_model(tmp_path: Path) -> None:
    assert run_capture("init", "ws", cwd=tmp_path).returncode == 0
    workspace = tmp_path / "ws"
    said = "Always check the guard is closed before you start the machine."
    make_clip(workspace / "guard check.mp4", seconds=5, speech=make_speech(said, tmp_path / "s.wav"))
    result = run_capture("add", "guard check.mp4", "--expert", "Jo", "--level", "beginner", "--yes", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "added guard check.mp4 → guard-check" in result.stdout
    transcript = (workspace / "transcripts" / "guard-check.md").read_text(encoding="utf-8")
    assert transcript.startswith("---\nid: guard-check\nstatus: draft\nmodel: tiny.en\nlanguage: en\n---\n[00:0")
    heard = transcript.split("---", 2)[2]
    assert hears_enough("guard check.mp4", said, heard), explain("guard check.mp4", said, heard)
    assert not list(workspace.rglob("*.part")) and not list((workspace / "media").glob(".staging-*"))
