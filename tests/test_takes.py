"""New takes that replace old ones (issue 15, item 3): `capture add NEW --replaces ID --note`,
`capture history`, the previous version on the page and in the site, the feed's "updated" entry,
and the refusals that leave the catalogue byte for byte as it was."""

from __future__ import annotations

import json
import os
import shutil
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capture.cli import app
from pipeline.orphans import Owner, write_owner
from pipeline.speech.transcript import read_transcript
from pipeline.takes import TakeError, check_note, history, next_take, take_glossary
from pipeline.workspace.catalogue import Expert, Resource, Settings, SourceClip, Take, load_catalogue
from pipeline.workspace.paths import Workspace, init_workspace
from tests.support import launch_chromium, make_clip, make_speech

TODAY = "2026-11-20"
ATOM = {"a": "http://www.w3.org/2005/Atom"}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
NOTE = "New latch on the blade guard"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("takes-clips")
    first = make_speech("Lock the guard before you clean the blade.", folder / "first.wav")
    second = make_speech("The guard has a new latch now. Close it, then clean the blade.", folder / "second.wav")
    make_clip(folder / "guard.mp4", seconds=3.0, speech=first)
    make_clip(folder / "guard-new.mp4", seconds=3.5, speech=second)
    make_clip(folder / "guard-third.mp4", seconds=2.0, speech=first, extra=("-crf", "30"))
    make_clip(folder / "other.mp4", seconds=1.5)
    for clip in folder.glob("*.mp4"):
        os.utime(clip, (1_760_000_000, 1_760_000_000))  # captured 2025-10-09, whatever today is
    return folder


@pytest.fixture(scope="module")
def replaced(tmp_path_factory: pytest.TempPathFactory, clips: Path) -> Iterator[Workspace]:
    """A workspace where `guard` was added, then replaced by a new take (version 2), and built."""
    root = init_workspace(tmp_path_factory.mktemp("takes") / "ws", title="Takes").root
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("CAPTURE_TODAY", TODAY)
        assert cli("add", str(clips / "guard.mp4"), "--expert", "Ana Silva", "--yes")[0] == 0
        assert cli("add", str(clips / "other.mp4"), "--yes")[0] == 0
        ws = Workspace(root)
        (ws.root / "v1-words.json").write_bytes(ws.words_path("guard").read_bytes())
        code, stdout, stderr = cli("add", str(clips / "guard-new.mp4"), "--replaces", "guard", "--note", NOTE)
        assert (code, stderr) == (0, ""), stdout
        assert stdout.startswith("replaced guard-new.mp4 → guard (version 2 of 'guard': ")
        assert cli("build")[0] == 0
        yield ws


def test_the_new_take_is_version_2_with_the_old_one_in_its_history(replaced: Workspace) -> None:
    guard = load_catalogue(replaced.catalogue_path).get("guard")
    assert (guard.id, guard.title, guard.expert.name) == ("guard", "Guard", "Ana Silva")
    assert (guard.version, guard.updated, guard.update_note, guard.review) == (2, TODAY, NOTE, "draft")
    assert (guard.source and guard.source.file) == "guard-new.mp4"
    assert (guard.video, guard.poster, guard.transcript) == (
        "media/guard/v2/video.mp4",
        "media/guard/v2/poster.jpg",
        "transcripts/guard.v2.md",
    )
    [old] = guard.versions
    assert (old.version, old.date, old.note) == (1, "2025-10-09", "")
    assert (old.video, old.poster, old.transcript) == (
        "media/guard/video.mp4",
        "media/guard/poster.jpg",
        "transcripts/guard.md",
    )
    for rel in (old.video, old.poster, old.transcript, guard.video, guard.poster, guard.transcript):
        assert (replaced.root / str(rel)).is_file(), rel
    transcript = read_transcript(replaced.root / "transcripts/guard.v2.md")
    assert (transcript.id, transcript.status) == ("guard", "draft")
    # The live words file is the new take's (its segments are the new transcript's lines); the old one is parked.
    words = json.loads(replaced.words_path("guard").read_text())
    assert [s["text"] for s in words["segments"]] == [line.text for line in transcript.lines]
    assert (replaced.media_folder("guard") / "words.json").read_bytes() == (
        replaced.root / "v1-words.json"
    ).read_bytes()


def test_the_page_says_what_changed_and_plays_the_previous_version(replaced: Workspace) -> None:
    page = (replaced.site_dir / "r/guard/index.html").read_text(encoding="utf-8")
    assert (
        f'<p class="take-updated"><strong>Updated <time datetime="{TODAY}">20 Nov 2026</time>:</strong> {NOTE}</p>'
    ) in page
    assert '<h2 id="previous-takes">Previous version</h2>' in page
    assert '<source src="../../media/guard/v1/video.mp4" type="video/mp4">' in page
    assert 'poster="../../media/guard/v1/poster.jpg"' in page
    assert '<summary>Version 1, <time datetime="2025-10-09">9 Oct 2025</time></summary>' in page
    assert '<source src="../../media/guard/video.mp4" type="video/mp4">' in page  # the current take, as before
    site_media = replaced.site_dir / "media/guard"
    assert (site_media / "v1/video.mp4").read_bytes() == (replaced.media_folder("guard") / "video.mp4").read_bytes()
    assert (site_media / "video.mp4").read_bytes() == (replaced.root / "media/guard/v2/video.mp4").read_bytes()
    other = (replaced.site_dir / "r/other/index.html").read_text(encoding="utf-8")
    assert "previous-takes" not in other and "take-updated" not in other


def test_the_feed_has_an_updated_entry(replaced: Workspace) -> None:
    root = ET.parse(replaced.site_dir / "feed.xml").getroot()  # noqa: S314 - the feed this build just wrote
    first = root.findall("a:entry", ATOM)[0]
    assert first.findtext("a:title", "", ATOM) == "Updated: Guard"
    assert first.findtext("a:updated", "", ATOM) == f"{TODAY}T00:00:00Z"
    assert first.findtext("a:summary", "", ATOM).startswith(f"Updated {TODAY}: {NOTE}. ")


def test_history_lists_the_versions(replaced: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(replaced.root)
    code, stdout, _ = cli("history", "guard", "--json")
    assert code == 0
    assert json.loads(stdout) == {
        "id": "guard",
        "title": "Guard",
        "versions": [
            {
                "version": 2,
                "date": TODAY,
                "note": NOTE,
                "video": "media/guard/v2/video.mp4",
                "transcript": "transcripts/guard.v2.md",
                "current": True,
                "media_kept": True,
            },
            {
                "version": 1,
                "date": "2025-10-09",
                "note": "",
                "video": "media/guard/video.mp4",
                "transcript": "transcripts/guard.md",
                "current": False,
                "media_kept": True,
            },
        ],
    }
    code, stdout, _ = cli("history", "guard")
    assert code == 0
    assert "2 (current)" in stdout and "New latch" in stdout and "media/guard/video.mp4" in stdout
    code, _, stderr = cli("history", "nope")
    assert code == 1
    assert stderr.startswith("Error: no resource with id 'nope' in resources.yaml (known: guard, other); ")


def test_check_is_clean_and_status_lists_the_new_draft(replaced: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(replaced.root)
    code, stdout, _ = cli("check")
    assert code == 0
    assert "error" not in stdout.replace("0 errors", "")
    assert "no resource in resources.yaml points to this transcript" not in stdout  # the old take's is kept
    code, stdout, _ = cli("status", "--json")
    rows = {row["id"]: row for row in json.loads(stdout)}
    assert (rows["guard"]["review"], rows["guard"]["review_due"]) == ("draft", "")


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory, clips: Path) -> Path:
    """A workspace with `guard` (version 1) and `other`, made once; tests that change it take a copy."""
    root = init_workspace(tmp_path_factory.mktemp("two") / "ws", title="Takes").root
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        assert cli("add", str(clips / "guard.mp4"), "--yes")[0] == 0
        assert cli("add", str(clips / "other.mp4"), "--yes")[0] == 0
    return root


@pytest.fixture()
def fresh(two: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    root = tmp_path / "ws"
    shutil.copytree(two, root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("CAPTURE_TODAY", TODAY)
    return Workspace(root)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


REFUSALS = [
    pytest.param(
        ("guard-new.mp4", "--replaces", "nope", "--note", NOTE),
        "Error: no resource with id 'nope' in resources.yaml (known: guard, other); see `capture list`\n",
        id="unknown-id",
    ),
    pytest.param(
        ("guard.mp4", "--replaces", "guard", "--note", NOTE),
        "Error: guard.mp4: is already the current take of 'guard' (version 1); give the new clip to replace it\n",
        id="current-take",
    ),
    pytest.param(
        ("other.mp4", "--replaces", "guard", "--note", NOTE),
        "Error: other.mp4: is the clip of 'other', not a new take of 'guard'; give the new clip to replace it\n",
        id="another-resource",
    ),
    pytest.param(
        ("guard-new.mp4", "--replaces", "guard"),
        'Error: --note: say what changed in the new take, e.g. --note "new guard fitted"\n',
        id="no-note",
    ),
    pytest.param(
        ("guard-new.mp4", "--note", NOTE),
        'Error: --note goes with --replaces ID: capture add NEW-CLIP --replaces ID --note "what changed"\n',
        id="note-alone",
    ),
    pytest.param(
        ("guard-new.mp4", "guard-third.mp4", "--replaces", "guard", "--note", NOTE),
        "Error: --replaces takes one new clip, got 2; give the one clip of the new take\n",
        id="two-clips",
    ),
]


@pytest.mark.parametrize(("args", "message"), REFUSALS)
def test_refusals_leave_the_workspace_byte_for_byte(
    two: Path, clips: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str
) -> None:
    monkeypatch.chdir(two)
    before = _tree(two)
    argv = [str(clips / a) if a.endswith(".mp4") else a for a in args]
    code, stdout, stderr = cli("add", *argv)
    assert (code, stdout, stderr) == (1, "", message)
    assert _tree(two) == before


def test_an_earlier_take_is_refused_and_a_third_take_is_version_3(fresh: Workspace, clips: Path) -> None:
    assert cli("add", str(clips / "guard-new.mp4"), "--replaces", "guard", "--note", "second")[0] == 0
    before = _tree(fresh.root)
    code, stdout, stderr = cli("add", str(clips / "guard.mp4"), "--replaces", "guard", "--note", "back")
    assert (code, stdout) == (1, "")
    assert stderr == ("Error: guard.mp4: is version 1 of 'guard', an earlier take; give the new clip to replace it\n")
    assert _tree(fresh.root) == before
    code, stdout, stderr = cli("add", str(clips / "guard-third.mp4"), "--replaces", "guard", "--note", "third")
    assert (code, stderr) == (0, ""), stdout
    guard = load_catalogue(fresh.catalogue_path).get("guard")
    assert (guard.version, [t.version for t in guard.versions], [t.note for t in guard.versions]) == (
        3,
        [1, 2],
        ["", "second"],
    )
    assert [t.date for t in guard.versions] == ["2025-10-09", TODAY]
    assert guard.video == "media/guard/v3/video.mp4"
    assert all((fresh.root / str(t.video)).is_file() for t in guard.versions)
    # Adding the current take again without --replaces is a duplicate, and its media stays where it is;
    # the clean-up before it sweeps no previous take.
    kept = _tree(fresh.media_dir)
    code, stdout, _ = cli("add", str(clips / "guard-third.mp4"), "--yes")
    assert (code, stdout.split(" (")[0]) == (0, "skipped guard-third.mp4 → guard")
    assert _tree(fresh.media_dir) == kept
    assert not (fresh.media_dir / ".orphaned").exists()


def test_prune_drops_old_takes_only_when_asked(fresh: Workspace, clips: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("add", str(clips / "guard-new.mp4"), "--replaces", "guard", "--note", "second")[0] == 0
    assert cli("add", str(clips / "guard-third.mp4"), "--replaces", "guard", "--note", "third")[0] == 0
    code, stdout, _ = cli("prune", "--yes")  # without --takes-older-than no take is touched
    assert code == 0 and len(load_catalogue(fresh.catalogue_path).get("guard").versions) == 2
    monkeypatch.setenv("CAPTURE_TODAY", "2026-12-20")
    code, stdout, _ = cli("prune", "--takes-older-than", "30", "--yes")
    assert code == 0
    assert stdout.startswith("Would drop 1 previous take (") and "  guard version 1 of 2025-10-09\n" in stdout
    assert "Dropped 1 previous take.\n" in stdout
    guard = load_catalogue(fresh.catalogue_path).get("guard")
    assert [t.version for t in guard.versions] == [2]
    assert not (fresh.media_folder("guard") / "video.mp4").exists()
    assert not (fresh.transcripts_dir / "guard.md").exists()
    assert (fresh.root / "media/guard/v2/video.mp4").is_file() and (fresh.root / str(guard.video)).is_file()
    assert cli("check")[0] == 0
    assert cli("build")[0] == 0
    assert not (fresh.site_dir / "media/guard/v1").exists() and (fresh.site_dir / "media/guard/v2/video.mp4").is_file()
    code, stdout, _ = cli("prune", "--takes-older-than", "30", "--yes")
    assert stdout.startswith("No previous takes older than 30 days.\n")


def test_a_replaced_resources_media_moves_back_when_its_entry_returns(fresh: Workspace, clips: Path) -> None:
    """An entry removed (a `git checkout`) moves its media folder aside; when it comes back, so does the
    folder, though its own media record is version 1's and the entry names version 2."""
    assert cli("add", str(clips / "guard-new.mp4"), "--replaces", "guard", "--note", "second")[0] == 0
    with_guard = fresh.catalogue_path.read_bytes()
    media = _tree(fresh.media_folder("guard"))
    catalogue = load_catalogue(fresh.catalogue_path)
    del catalogue.doc["resources"][0]
    catalogue.save()
    assert cli("add", str(clips / "other.mp4"), "--yes")[0] == 0
    assert not fresh.media_folder("guard").exists()
    fresh.catalogue_path.write_bytes(with_guard)
    code, _, stderr = cli("add", str(clips / "other.mp4"), "--yes")
    assert code == 0
    assert "moved the media of guard back from media/.orphaned/" in stderr
    assert _tree(fresh.media_folder("guard")) == media


def test_a_hostile_note_is_inert(fresh: Workspace, clips: Path) -> None:
    note = "<script>alert(1)</script>\x1b[31m red \u202e " + "x" * 300
    assert cli("add", str(clips / "guard-new.mp4"), "--replaces", "guard", "--note", note)[0] == 0
    assert cli("build")[0] == 0
    page = (fresh.site_dir / "r/guard/index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\x1b" not in page and "\x1b" not in fresh.catalogue_path.read_text(encoding="utf-8")
    code, _, stderr = cli("add", str(clips / "guard-third.mp4"), "--replaces", "guard", "--note", "y" * 10_000)
    assert (code, stderr) == (
        1,
        "Error: --note: 10000 characters, more than 500; say what changed in a sentence or two\n",
    )


def test_a_dead_runs_take_folder_is_cleared_and_parked_words_roll_forward(fresh: Workspace, clips: Path) -> None:
    """What a --replaces run killed before its commit leaves: its take folder and transcript go;
    a words file parked by a run killed after its commit moves into place."""
    folder = fresh.media_folder("guard") / "v2"
    folder.mkdir()
    (folder / "video.mp4").write_bytes(b"half")
    transcript = fresh.transcripts_dir / "guard.v2.md"
    transcript.write_text("---\nid: guard\n---\n")
    write_owner(
        folder, Owner("dead", 999_999, os.uname().nodename, "another-boot", "1", files=("transcripts/guard.v2.md",))
    )
    live = fresh.words_path("guard")
    parked = fresh.media_folder("guard") / "words.json"
    os.replace(live, parked)
    before = fresh.catalogue_path.read_bytes()
    assert cli("add", str(clips / "other.mp4"), "--yes")[0] == 0  # any add clears first
    assert not folder.exists() and not transcript.exists()
    assert live.is_file() and not parked.exists()
    assert fresh.catalogue_path.read_bytes() == before


def test_next_take_keeps_what_people_gave_the_resource() -> None:
    old = Resource(
        id="guard",
        title="Guard",
        summary="Lock it.",
        expert=Expert("Ana"),
        captured="2025-10-09",
        roles=["operator"],
        level="beginner",
        topics=["latch"],
        prerequisites=["ppe"],
        source=SourceClip("a.mp4", 1, "aaa"),
        video="media/guard/video.mp4",
        transcript="transcripts/guard.md",
        review="approved",
        reviewed="2025-11-01",
        review_by="2026-05-01",
        tagged={"level": "person"},
    )
    made = Resource(id="guard", title="x", source=SourceClip("b.mp4", 2, "bbb"), video="media/guard/v2/video.mp4")
    import datetime as dt

    new = next_take(old, made, note="new latch", today=dt.date(2026, 11, 20))
    assert (new.title, new.roles, new.level, new.topics, new.prerequisites, new.tagged) == (
        "Guard",
        ["operator"],
        "beginner",
        ["latch"],
        ["ppe"],
        {"level": "person"},
    )
    assert (new.version, new.review, new.reviewed, new.review_by, new.updated) == (2, "draft", "", "", "2026-11-20")
    assert new.versions == [
        Take(1, "2025-10-09", "", "media/guard/video.mp4", None, "transcripts/guard.md", "aaa", 0.0)
    ]
    assert take_glossary(Settings(glossary=["Kanban", "latch"]), old) == ("Kanban", "latch")
    assert [row.version for row in history(Workspace(Path("/nowhere")), new)] == [2, 1]
    with pytest.raises(TakeError):
        check_note("  \n ")


def test_screenshot_of_a_page_with_a_previous_version(replaced: Workspace) -> None:
    from playwright.sync_api import sync_playwright

    from pipeline.serve.preview import make_server

    httpd = make_server(replaced.site_dir, 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/r/guard/index.html"
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            for width, height in ((390, 844), (320, 640)):
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(url)
                page.click(".previous-takes summary")
                page.evaluate(
                    "(() => { const v = document.querySelector('.previous-takes video'); v.muted = true; v.play(); })()"
                )
                page.wait_for_function(
                    "document.querySelector('.previous-takes video').currentTime > 0.2", timeout=15_000
                )  # it plays
                duration = page.evaluate("document.querySelector('.previous-takes video').duration")
                assert 2.5 < duration < 3.5  # the first take plays, not the second (3.5 s)
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(path=str(ARTIFACTS / f"takes-previous-{width}x{height}.png"), full_page=True)
                context.close()
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
