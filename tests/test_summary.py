"""Issue 17: the automatic summary is never a greeting or a self-introduction (pure logic)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest import _summary_from
from pipeline.speech.review import save_lines
from pipeline.speech.summary import about_the_clip, summary_from_text
from pipeline.speech.transcript import Line, Transcript, read_transcript_text, transcript_version, write_transcript
from pipeline.workspace.catalogue import load_catalogue
from pipeline.workspace.paths import Workspace, init_workspace


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        (
            "Hi, I'm Alex from the wrapping station. Clear the jammed carton from the left guide. Then restart.",
            "Clear the jammed carton from the left guide.",
        ),
        (
            "Hello everyone. My name is Sam Okafor. Lock out the press before you open the guard.",
            "Lock out the press before you open the guard.",
        ),
        (
            "Good morning! This is Priya from maintenance. Check the oil level every Monday.",
            "Check the oil level every Monday.",
        ),
        (
            "Hello, this is the basic shift handover on the packing line. Before you leave...",
            "This is the basic shift handover on the packing line.",
        ),
        (
            "Hi, I'm Alex and today I'll show you how to change the film roll. First...",
            "Today I'll show you how to change the film roll.",
        ),
        (
            "Okay. Thank you. Put the Kanban card back in the box when the tray is empty.",
            "Put the Kanban card back in the box when the tray is empty.",
        ),
        ("Hi, I'm Alex from the wrapping station. Thanks for watching.", ""),
        ("Hello. Hi there.", ""),
        ("", ""),
    ],
)
def test_summary_is_the_first_sentence_about_the_clip(text: str, summary: str) -> None:
    assert summary_from_text(text) == summary


def test_a_greeting_alone_or_a_name_is_no_summary() -> None:
    assert about_the_clip("Hi, I'm Alex from the wrapping station.") == ""
    assert about_the_clip("This is Alex here.") == ""
    assert about_the_clip("It's Jo Bloggs.") == ""
    assert about_the_clip("This is the lockout procedure for press four.") == (
        "This is the lockout procedure for press four."
    )


def test_a_long_sentence_is_cut_at_a_word() -> None:
    long = "Check " + "the guard and " * 30 + "go."
    summary = summary_from_text(long)
    assert len(summary) <= 200 and summary.endswith("…") and summary.startswith("Check the guard")


def test_add_takes_the_summary_from_the_transcript_past_the_greeting() -> None:
    transcript = Transcript(
        id="x",
        status="draft",
        model="tiny.en",
        language="en",
        lines=[Line(0.0, "Hi, I'm Alex from the wrapping station."), Line(3.0, "Clear the jammed carton first.")],
    )
    assert _summary_from(transcript) == "Clear the jammed carton first."


# -- the summary follows transcript edits until a person writes one -----------------------------------
def _workspace_with_transcript(root: Path, *, summary: str) -> Workspace:
    workspace = init_workspace(root, title="Test")
    catalogue = workspace.catalogue_path
    catalogue.write_text(
        catalogue.read_text(encoding="utf-8").replace(
            "resources: []",
            "resources:\n  - id: wrap\n    title: Wrapping\n"
            f"    summary: {summary!r}\n    transcript: transcripts/wrap.md\n    review: draft\n",
        ),
        encoding="utf-8",
    )
    write_transcript(
        workspace.transcript_path("wrap"),
        Transcript(
            id="wrap",
            status="draft",
            model="tiny.en",
            language="en",
            lines=[Line(0.0, "Hi, I'm Alex from the Rapping Station."), Line(3.0, "Clear the jam carton first.")],
        ),
    )
    return workspace


def _save(workspace: Workspace, lines: list[Line]) -> str:
    version = transcript_version(read_transcript_text(workspace.transcript_path("wrap")))
    save_lines(workspace, "wrap", lines, version=version)
    return load_catalogue(workspace.catalogue_path).get("wrap").summary


@pytest.mark.parametrize("summary", ["Clear the jam carton first.", "Hi, I'm Alex from the Rapping Station.", ""])
def test_an_automatic_summary_follows_the_edits(tmp_path: Path, summary: str) -> None:
    workspace = _workspace_with_transcript(tmp_path / "ws", summary=summary)
    lines = [Line(0.0, "Hi, I'm Alex from the wrapping station."), Line(3.0, "Clear the jammed carton first.")]
    assert _save(workspace, lines) == "Clear the jammed carton first."


def test_a_summary_a_person_wrote_stays(tmp_path: Path) -> None:
    workspace = _workspace_with_transcript(tmp_path / "ws", summary="How to clear a carton jam safely.")
    lines = [Line(0.0, "Hi."), Line(3.0, "Clear the jammed carton from the left guide.")]
    assert _save(workspace, lines) == "How to clear a carton jam safely."
