"""Issue 19, item 5: a write of resources.yaml keeps what the user chose for the file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pipeline.errors import CatalogueError
from pipeline.workspace.catalogue import Resource, editing_catalogue, load_catalogue, read_catalogue
from tests.support import copy_demo, run_capture

TEXT = "# kept\ntitle: T\nroles: [lead]\nresources:\n  - id: a   # the first\n    title: A\n"


def write(tmp_path: Path, text: str = TEXT, mode: int = 0o644) -> Path:
    path = tmp_path / "resources.yaml"
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def add_one(path: Path) -> None:
    with editing_catalogue(path) as catalogue:
        catalogue.put(Resource(id="b", title="B"))


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664, 0o644, 0o660])
def test_a_write_keeps_the_files_mode(tmp_path: Path, mode: int) -> None:
    path = write(tmp_path, mode=mode)
    add_one(path)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert [r.id for r in load_catalogue(path).resources] == ["a", "b"]


def test_the_tag_command_keeps_the_mode(tmp_path: Path) -> None:
    path = write(tmp_path, mode=0o600)
    result = run_capture("tag", "a", "--level", "beginner", "--role", "lead", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_catalogue(path).get("a").level == "beginner"


def test_a_read_only_catalogue_is_refused_before_anything_changes(tmp_path: Path) -> None:
    path = write(tmp_path, mode=0o444)
    changed = False
    with pytest.raises(CatalogueError) as caught, editing_catalogue(path) as catalogue:
        changed = True
        catalogue.put(Resource(id="b", title="B"))
    assert str(caught.value) == (
        "resources.yaml is read-only (mode 0444), so capture leaves it as it is; "
        "make it writable (chmod u+w resources.yaml) and run the command again"
    )
    assert not changed
    assert path.read_text(encoding="utf-8") == TEXT
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_the_tag_command_refuses_a_read_only_catalogue(tmp_path: Path) -> None:
    path = write(tmp_path, mode=0o444)
    result = run_capture("tag", "a", "--level", "beginner", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        1,
        "Error: resources.yaml is read-only (mode 0444), so capture leaves it as it is; "
        "make it writable (chmod u+w resources.yaml) and run the command again\n",
    )
    assert path.read_text(encoding="utf-8") == TEXT


def test_a_bom_and_crlf_line_ends_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "resources.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT.replace("\n", "\r\n").encode("utf-8"))
    assert [r.id for r in read_catalogue(path).resources] == ["a"]
    add_one(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf# kept\r\ntitle: T\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    assert b"  - id: a   # the first\r\n" in data
    assert [r.id for r in read_catalogue(path).resources] == ["a", "b"]
    assert [r.id for r in load_catalogue(path).resources] == ["a", "b"]


def test_a_plain_file_stays_plain(tmp_path: Path) -> None:
    path = write(tmp_path)
    add_one(path)
    data = path.read_bytes()
    assert data.startswith(b"# kept\ntitle: T\n")
    assert b"\r" not in data


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_a_transcript_write_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    root = copy_demo(tmp_path)
    transcript = root / "transcripts" / "when-no-shift-lead-arrives.md"
    os.chmod(transcript, mode)
    result = run_capture("approve", "when-no-shift-lead-arrives", "--by", "Sam", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "status: approved" in transcript.read_text(encoding="utf-8")
    assert stat.S_IMODE(transcript.stat().st_mode) == mode


def test_a_read_only_transcript_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    root = copy_demo(tmp_path)
    transcript = root / "transcripts" / "when-no-shift-lead-arrives.md"
    before, catalogue = transcript.read_bytes(), (root / "resources.yaml").read_bytes()
    os.chmod(transcript, 0o444)
    result = run_capture("approve", "when-no-shift-lead-arrives", "--by", "Sam", cwd=root)
    assert (result.returncode, result.stderr) == (
        1,
        "Error: transcripts/when-no-shift-lead-arrives.md is read-only (mode 0444), so capture leaves it as it "
        "is; make it writable (chmod u+w transcripts/when-no-shift-lead-arrives.md) and run the command again\n",
    )
    assert transcript.read_bytes() == before
    assert (root / "resources.yaml").read_bytes() == catalogue
