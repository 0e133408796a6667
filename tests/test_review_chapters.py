"""The review page with chapters and on-screen notes, in headless Chromium: shown, edited, added,
accepted, and kept intact by a save (issues 14 and 17)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pipeline.serve.review import ReviewServer, extras_json, start_review
from pipeline.speech.transcript import Chapter, Note, format_transcript, parse_transcript, read_transcript
from pipeline.workspace.paths import Workspace
from tests.speech_helpers import copy_workspace
from tests.support import launch_chromium
from tests.test_browser import ARTIFACTS, serious_violations
from tests.test_review import RID, template
from tests.test_review_tools import starts

__all__ = ["template"]  # the fixture, shared with test_review
# What each row of the page's transcript is.
KINDS = """els => els.map(e => e.dataset.chapter !== undefined ? 'chapter'
    : e.dataset.note !== undefined ? 'note' : e.dataset.index !== undefined ? 'line' : 'gap')"""


def test_the_page_gets_each_chapter_with_the_line_it_comes_before() -> None:
    transcript = parse_transcript(
        "---\nid: x\n---\n## A\n[00:01.0] One.\n[00:02.0] [on screen: dial]\n## B (suggested)\n[00:03.0] Two.\n## C\n"
    )
    assert extras_json(transcript) == {
        "chapters": [
            {"title": "A", "suggested": False, "before": 0},
            {"title": "B", "suggested": True, "before": 1},
            {"title": "C", "suggested": False, "before": None},
        ],
        "notes": [{"start": 2.0, "text": "dial"}],
    }


@contextmanager
def review_page(server: ReviewServer) -> Iterator[Any]:
    """The review page at 1280x800, loaded; its Content-Security-Policy bypassed so axe-core can be injected."""
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True).new_page()
            page.goto(server.url)
            page.wait_for_selector("body[data-ready=true]")
            page.wait_for_function("document.getElementById('video').readyState >= 1")
            yield page
        finally:
            browser.close()


@pytest.fixture
def server(template: Path, tmp_path: Path) -> Iterator[tuple[Workspace, ReviewServer]]:
    """The review server over the real clip, its transcript with an expert's chapter, a suggested one and a note."""
    workspace = Workspace(copy_workspace(template, tmp_path / "ws"))
    path = workspace.transcript_path(RID)
    transcript = read_transcript(path)
    first, second = transcript.lines[0], transcript.lines[1]
    transcript.chapters = [Chapter(first.start, "The fault"), Chapter(second.start, "Telling", suggested=True)]
    transcript.notes = [Note(first.start + 0.5, "the fault code on the panel")]
    path.write_text(format_transcript(transcript), encoding="utf-8")
    srv = start_review(workspace, RID)
    srv.start_in_thread()
    yield workspace, srv
    srv.shutdown()
    srv.server_close()


@pytest.mark.browser
def test_chapters_and_notes_on_the_review_page(server: tuple[Workspace, ReviewServer]) -> None:
    workspace, srv = server
    path = workspace.transcript_path(RID)
    before = read_transcript(path)
    with review_page(srv) as page:
        rows = page.locator("#lines > li")
        kinds = rows.evaluate_all(KINDS)
        assert kinds[:4] == ["chapter", "line", "note", "chapter"]
        assert page.locator("li[data-chapter='0'] input").input_value() == "The fault"
        assert page.locator("li[data-note='0'] textarea").input_value() == "the fault code on the panel"
        assert page.locator("li.chapter-row.suggested").inner_text().startswith("Suggested chapter")
        assert page.locator("#care").inner_text().endswith("Check the suggested chapter: accept, rename or remove it.")
        assert len(starts(page)) == len(before.lines)  # the line tools see only the spoken lines
        # Nothing changed yet: saving is off. Accept the suggestion, rename it, add a chapter and a note.
        assert page.locator("#save").is_disabled()
        page.locator("li[data-chapter='1'] [data-tool=accept]").click()
        assert page.locator("#care").get_attribute("data-suggested") == "0"
        page.locator("li[data-chapter='1'] input").fill("Telling the next operator")
        last = len(before.lines) - 1
        page.locator(f"li[data-index='{last}'] [data-tool=chapter]").click()
        page.locator("li[data-chapter='2'] input").fill("Writing it down")
        page.locator("li[data-index='0'] [data-tool=note]").click()
        page.locator("li.note-row textarea").nth(1).fill("the log book on the desk")
        page.locator("li[data-note='0'] textarea").fill("")  # an emptied note is removed on save
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "review-chapters-1280x800.png"), full_page=True)
        assert serious_violations(page) == []
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(ARTIFACTS / "review-chapters-390x844.png"), full_page=True)
        page.click("#save")
        page.wait_for_selector("#message:has-text('Saved.')")
        assert page.locator("#save").is_disabled()
    after = read_transcript(path)
    assert [(c.title, c.suggested) for c in after.chapters] == [
        ("The fault", False),
        ("Telling the next operator", False),
        ("Writing it down", False),
    ]
    assert [c.start for c in after.chapters] == [before.lines[0].start, before.lines[1].start, before.lines[-1].start]
    assert [n.text for n in after.notes] == ["the log book on the desk"]
    assert before.lines[0].start < after.notes[0].start < before.lines[1].start
    assert [(x.start, x.text) for x in after.lines] == [(x.start, x.text) for x in before.lines]


def test_the_save_api_takes_rows_and_refuses_what_the_page_never_sends(server: tuple[Workspace, ReviewServer]) -> None:
    import json

    from pipeline.speech.transcript import read_transcript_text, transcript_version
    from tests.test_review import request

    workspace, srv = server
    path = workspace.transcript_path(RID)
    version = transcript_version(read_transcript_text(path))
    token = {"X-Capture-Token": srv.token}
    status, _, data = request(srv, "GET", "/api/transcript")
    payload = json.loads(data)
    assert [c["title"] for c in payload["chapters"]] == ["The fault", "Telling"]
    assert payload["notes"] == [{"start": payload["lines"][0]["start"] + 0.5, "text": "the fault code on the panel"}]
    bad = [{"kind": "<b>", "start": 0, "text": "x"}]
    status, _, data = request(srv, "POST", "/api/save", {"version": version, "rows": bad}, token)
    assert (status, json.loads(data)["error"]) == (
        400,
        "a row's kind must be line, note or chapter, not '<b>'; reload the page",
    )
    status, _, data = request(srv, "POST", "/api/save", {"version": version, "rows": [{"kind": "line"}]}, token)
    assert (status, json.loads(data)["error"]) == (
        400,
        "the request is not what the review page sends; reload the page",
    )
    late = [{"kind": "line", "start": 2.0, "text": "a"}, {"kind": "note", "start": 1.0, "text": "b"}]
    status, _, data = request(srv, "POST", "/api/save", {"version": version, "rows": late}, token)
    assert (status, json.loads(data)["error"]) == (
        400,
        "line 2: its time comes before the line above it; keep the times in order",
    )
    assert transcript_version(read_transcript_text(path)) == version  # nothing was written
    rows = [{"kind": "chapter", "text": "<script>x</script>"}, {"kind": "line", "start": 0, "text": "Words."}]
    status, _, data = request(srv, "POST", "/api/save", {"version": version, "rows": rows}, token)
    assert status == 200 and json.loads(data)["chapters"] == [
        {"title": "<script>x</script>", "suggested": False, "before": 0}
    ]
    assert read_transcript_text(path).endswith("---\n## <script>x</script>\n[00:00.0] Words.\n")
