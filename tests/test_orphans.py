"""Media no entry names (issue 19, item 1): `capture add` deletes only what a killed run of its own left;
everything else moves to media/.orphaned/, `capture status` lists it and `capture prune` removes it."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from capture.cli import app
from pipeline.workspace.paths import Workspace, init_workspace
from tests.support import REPO, make_clip

if TYPE_CHECKING:
    from pipeline.orphans import Owner

NOTE = (
    "Note: moved {count} that no entry in resources.yaml names to media/.orphaned/ ({names}); "
    "`capture status` lists them, `capture prune` removes them\n"
)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three silent clips with different content (no audio: no transcription, so they add fast)."""
    folder = tmp_path_factory.mktemp("orphan-clips")
    for number, name in enumerate(("one", "two", "three"), start=1):
        make_clip(folder / f"{name}.mp4", seconds=0.5 + number / 4, size="160x120", audio=False)
    return folder


@pytest.fixture()
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    workspace = init_workspace(tmp_path / "ws", title="Test")
    monkeypatch.chdir(workspace.root)
    return workspace


def cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def added(ws: Workspace, clip: Path) -> str:
    code, stdout, stderr = cli("add", str(clip), "--yes")
    assert (code, stderr) == (0, ""), stdout
    return stdout.split(" → ")[1].split(" ")[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def aside(ws: Workspace) -> list[Path]:
    folder = ws.media_dir / ".orphaned"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_an_empty_catalogue_then_add_keeps_all_media(ws: Workspace, clips: Path) -> None:
    ids = [added(ws, clips / "one.mp4"), added(ws, clips / "two.mp4")]
    media = {name: snapshot(ws.media_folder(name)) for name in ids}
    ws.catalogue_path.write_text("", encoding="utf-8")  # `: > resources.yaml`

    code, stdout, stderr = cli("add", str(clips / "three.mp4"), "--yes")

    assert code == 0, stdout
    assert stderr == NOTE.format(count="2 media folders", names="one, two")
    assert stdout.startswith("added three.mp4 → three (")
    moved = aside(ws)
    assert [p.name.split("-")[0] for p in moved] == ["one", "two"]
    assert [snapshot(p) for p in moved] == [media["one"], media["two"]]  # every byte kept
    assert sorted(p.name for p in ws.media_dir.iterdir()) == [".orphaned", "three"]


def test_an_entry_removed_as_by_git_checkout_keeps_its_media_and_status_shows_it(ws: Workspace, clips: Path) -> None:
    added(ws, clips / "one.mp4")
    with_one = ws.catalogue_path.read_bytes()
    added(ws, clips / "two.mp4")
    with_both = ws.catalogue_path.read_bytes()
    media = snapshot(ws.media_folder("two"))
    ws.catalogue_path.write_bytes(with_one)  # `git checkout` of the older resources.yaml

    code, stdout, _ = cli("status")
    assert code == 0
    assert "Orphaned media (1), named by no entry in resources.yaml:\n  media/two/  " in stdout
    assert "Restore their entries to keep them, or remove them with capture prune." in stdout
    code, stdout, _ = cli("status", "--json")
    orphan = json.loads(stdout)[-1]
    assert (orphan["id"], orphan["review"], orphan["path"]) == ("two", "orphaned", "media/two")
    assert orphan["problem"] == (
        "media/two/ is named by no entry in resources.yaml; restore the entry, or remove it with `capture prune`"
    )

    code, _, stderr = cli("add", str(clips / "three.mp4"), "--yes")
    assert (code, stderr) == (0, NOTE.format(count="1 media folder", names="two"))
    [moved] = aside(ws)
    assert snapshot(moved) == media
    code, stdout, _ = cli("status", "--json")
    orphan = json.loads(stdout)[-1]
    assert (orphan["id"], orphan["path"]) == ("two", f"media/.orphaned/{moved.name}")

    # `git checkout` back to both: the entry names `two` again, and the next add moves it home
    # (and moves `three` aside, which that version of resources.yaml does not name).
    ws.catalogue_path.write_bytes(with_both)
    code, stdout, _ = cli("status", "--json")
    orphan = json.loads(stdout)[-1]
    assert (orphan["id"], orphan["named_again"]) == ("two", True)
    assert orphan["problem"] == (
        f"media/.orphaned/{moved.name}/ holds the media of 'two', which resources.yaml names again; "
        "`capture prune` moves it back (so does the next `capture add`)"
    )
    code, stdout, stderr = cli("add", str(clips / "one.mp4"), "--yes")
    assert code == 0 and stdout.startswith("skipped one.mp4 → one (already in the catalogue as 'one'")
    assert stderr == NOTE.format(count="1 media folder", names="three") + (
        "Note: moved the media of two back from media/.orphaned/: resources.yaml names it again\n"
    )
    assert snapshot(ws.media_folder("two")) == media
    assert [p.name.split("-")[0] for p in aside(ws)] == ["three"]
    code, stdout, _ = cli("status", "--json")
    assert [row["review"] for row in json.loads(stdout)] == ["none", "none", "orphaned"]


def test_prune_removes_only_orphans(ws: Workspace, clips: Path) -> None:
    for name in ("one", "two", "three"):
        added(ws, clips / f"{name}.mp4")
    kept = snapshot(ws.media_folder("one"))
    text = ws.catalogue_path.read_text(encoding="utf-8")
    ws.catalogue_path.write_text(text[: text.index("- id: two")], encoding="utf-8")  # two and three dropped
    cli("add", str(clips / "one.mp4"), "--yes")  # moves two and three aside
    ws.catalogue_path.write_text(text[: text.index("- id: three")], encoding="utf-8")  # two named again...
    not_ours = ws.media_dir / "notes"  # ...and a folder capture did not make
    not_ours.mkdir()
    (ws.media_dir / "four").mkdir()
    (ws.media_dir / "four" / "meta.json").write_text("{}")  # made by capture, named by nobody, not moved yet
    [moved_three, moved_two] = aside(ws)  # sorted by name

    code, stdout, _ = cli("prune", stdin="n\n")
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0] == f"Moved media/.orphaned/{moved_two.name}/ back to media/two/: resources.yaml names it again."
    assert lines[1].startswith("Would remove 2 orphaned media folders (")
    assert [line.split("/  ")[0] for line in lines[2:4]] == ["  media/four", f"  media/.orphaned/{moved_three.name}"]
    assert lines[4:] == ["Remove them? [y/N]: n", "Nothing removed."]
    assert moved_three.is_dir() and (ws.media_dir / "four").is_dir() and (ws.media_dir / "two").is_dir()

    code, stdout, _ = cli("prune", stdin="")  # no answer at all, as from a script: a no
    assert (code, stdout.splitlines()[-2:]) == (0, ["Remove them? [y/N]: ", "Nothing removed."])
    code, stdout, _ = cli("prune", "--yes")
    assert code == 0 and stdout.endswith("Removed 2 orphaned media folders.\n")
    assert sorted(p.name for p in ws.media_dir.iterdir()) == [".orphaned", "notes", "one", "two"]
    assert aside(ws) == [] and snapshot(ws.media_folder("one")) == kept
    code, stdout, _ = cli("prune")
    assert (code, stdout) == (0, "No orphaned media: resources.yaml names every media folder.\n")


def _dead_owner() -> Owner:
    """The owner record of a process that has exited (its pid is free or taken by a younger process)."""
    from pipeline.orphans import Owner

    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pipeline.orphans import this_run; import json, dataclasses;"
            "print(json.dumps(dataclasses.asdict(this_run())))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    data = json.loads(child.stdout)
    return Owner(**{**data, "files": tuple(data["files"])})


def _folder(ws: Workspace, name: str, owner: Owner | None) -> Path:
    from pipeline.orphans import write_owner

    folder = ws.media_folder(name)
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text("{}")
    (folder / "video.mp4").write_bytes(b"video")
    if owner is not None:
        write_owner(folder, owner)
    return folder


def test_only_a_dead_runs_uncommitted_media_is_deleted(ws: Workspace) -> None:
    from pipeline.ingest import clear_leftovers
    from pipeline.orphans import provably_dead, this_run

    dead = _dead_owner()
    assert provably_dead(dead) and not provably_dead(this_run())
    files = ("transcripts/killed.md", ".capture/words/killed.json")
    _folder(ws, "killed", replace(dead, files=(*files, "resources.yaml", "transcripts/other.md")))
    for rel in (*files, "transcripts/other.md"):
        (ws.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws.root / rel).write_text("made by the killed run")
    _folder(ws, "committed", replace(dead, committed=True))  # its entry was saved, then removed
    _folder(ws, "elsewhere", replace(dead, host="another-host"))  # cannot tell whether it still runs
    _folder(ws, "running", this_run())
    _folder(ws, "no-owner", None)  # media made before owners were recorded
    catalogue = ws.catalogue_path.read_bytes()

    cleared = clear_leftovers(ws)

    assert sorted(ws.root.joinpath(p).relative_to(ws.root).as_posix() for p in cleared.removed) == [
        ".capture/words/killed.json",
        "media/killed",
        "transcripts/killed.md",
    ]
    assert (ws.root / "transcripts/other.md").is_file() and ws.catalogue_path.read_bytes() == catalogue
    assert sorted(src.name for src, _ in cleared.moved) == ["committed", "elsewhere", "no-owner", "running"]
    assert sorted(p.name.rsplit("-", 1)[0] for p in aside(ws)) == ["committed", "elsewhere", "no-owner", "running"]
    assert all((p / "video.mp4").read_bytes() == b"video" for p in aside(ws))


def test_a_named_folder_is_marked_committed(ws: Workspace, clips: Path) -> None:
    from pipeline.ingest import clear_leftovers
    from pipeline.orphans import read_owner, write_owner

    added(ws, clips / "one.mp4")
    owner = read_owner(ws.media_folder("one"))
    assert owner is not None and owner.committed and owner.files == ()
    write_owner(ws.media_folder("one"), replace(owner, committed=False))  # killed just after the save
    clear_leftovers(ws)
    again = read_owner(ws.media_folder("one"))
    assert again is not None and again.committed


KILLED_AT_SAVE = """
import os, signal, sys
from pipeline.workspace.catalogue import Catalogue
from capture.cli import app

def killed(self):  # SIGKILL at the commit point: media, transcript and words are in place, the catalogue is not
    os.kill(os.getpid(), signal.SIGKILL)

Catalogue.save = killed
sys.argv = ["capture", "add", sys.argv[1], "--yes"]
app()
"""


def test_a_run_killed_at_the_commit_is_cleared_whole_by_the_next(ws: Workspace, tmp_path: Path) -> None:
    from pipeline.orphans import provably_dead, read_owner
    from tests.support import make_speech

    speech = make_speech("Close the valve before you open the line.", tmp_path / "speech.wav")
    clip = make_clip(tmp_path / "valve.mp4", seconds=2.5, speech=speech)
    before = ws.catalogue_path.read_bytes()
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AT_SAVE, str(clip)], cwd=ws.root, env=env, capture_output=True, check=False
    )
    assert killed.returncode == -9, killed.stderr
    assert ws.catalogue_path.read_bytes() == before
    owner = read_owner(ws.media_folder("valve"))
    assert owner is not None and not owner.committed and provably_dead(owner)
    assert owner.files == ("transcripts/valve.md", ".capture/words/valve.json")
    assert all((ws.root / rel).is_file() for rel in owner.files)

    code, stdout, stderr = cli("add", str(clip), "--yes")

    assert (code, stderr) == (0, "")  # nothing moved aside, so nothing to say
    assert stdout.startswith("added valve.mp4 → valve (")
    assert aside(ws) == [] and sorted(p.name for p in ws.media_dir.iterdir()) == ["valve"]
    again = read_owner(ws.media_folder("valve"))
    assert again is not None and again.committed and again.run != owner.run
