"""Issue 17: the review page's tools in headless Chromium, and what it marks for the expert."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pipeline.serve.review import ReviewServer, start_review
from pipeline.speech.marks import readable_date, unsure_by_line
from pipeline.speech.transcribe import Word
from pipeline.speech.transcript import Line
from pipeline.workspace.paths import Workspace
from tests.support import launch_chromium
from tests.test_review import RID, review_in_catalogue, template, transcript_of, ws

__all__ = ["template", "ws"]  # the fixtures, shared with test_review


# -- pure logic ----------------------------------------------------------------------------------------
def test_approval_date_reads_as_people_read_it() -> None:
    assert readable_date("2026-12-01T18:44+00:00") == "1 December 2026 at 18:44 UTC"
    assert readable_date("2026-03-09T08:05+01:00") == "9 March 2026 at 08:05 (UTC+01:00)"
    assert readable_date("2026-03-09T08:05") == "9 March 2026 at 08:05"
    assert readable_date("soon") == "soon"


def test_unsure_words_are_marked_on_their_line_until_corrected() -> None:
    lines = [Line(0.0, "Hi, I'm Alex from the Rapping Station."), Line(3.0, "Clear the jam.")]
    words = [
        Word(0.0, 0.3, " Hi,", 0.9),
        Word(1.5, 1.9, " Rapping", 0.2),
        Word(1.9, 2.4, " Station.", 0.45),
        Word(3.0, 3.4, " Clear", 0.3),
    ]
    assert [m.unsure for m in unsure_by_line(lines, words)] == [("Rapping", "Station."), ("Clear",)]
    fixed = [Line(0.0, "Hi, I'm Alex from the wrapping station."), lines[1]]
    assert [m.unsure for m in unsure_by_line(fixed, words)] == [("Station.",), ("Clear",)]


# -- in a real browser ---------------------------------------------------------------------------------
@pytest.fixture
def marked(ws: Workspace) -> Iterator[ReviewServer]:
    """The review server over a clip whose words sidecar has one unsure word and one stretch with no text."""
    sidecar = ws.words_path(RID)
    document = json.loads(sidecar.read_text(encoding="utf-8"))
    for segment in document["segments"]:  # what the model doubts on this CPU is its business: set it here
        for word in segment["words"]:
            word[3] = 0.99
    document["segments"][0]["words"][1][3] = 0.05
    document["unheard"] = [[1.0, 2.5]]
    sidecar.write_text(json.dumps(document), encoding="utf-8")
    srv = start_review(ws, RID)
    srv.start_in_thread()
    yield srv
    srv.shutdown()
    srv.server_close()


def starts(page: Any) -> list[float]:
    return [
        float(s) for s in page.eval_on_selector_all("#lines li[data-index]", "els => els.map(e => e.dataset.start)")
    ]


def video_time(page: Any) -> float:
    return float(page.evaluate("document.getElementById('video').currentTime"))


def seek(page: Any, seconds: float) -> None:
    page.evaluate(f"document.getElementById('video').currentTime = {seconds}")
    page.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {seconds}) < 0.05")


@contextmanager
def review_page(server: ReviewServer) -> Iterator[Any]:
    """The review page in headless Chromium at 1280x800, loaded and ready."""
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(server.url)
            page.wait_for_selector("body[data-ready=true]")
            page.wait_for_function("document.getElementById('video').readyState >= 1")
            yield page
        finally:
            browser.close()


def check_marks(page: Any, shots: Path) -> None:
    """Where to look: the unsure word and the stretch with no text; screenshots at two sizes."""
    assert page.locator("#care").get_attribute("data-unsure") == "1"
    assert page.locator("#care").inner_text().startswith("Listen closely: 1 word the model was unsure of")
    assert page.locator("li.unsure .unsure-words").count() == 1
    assert "Speech with no text at 00:01-00:03" in page.locator("li.no-text").inner_text()
    page.screenshot(path=str(shots / "review-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(shots / "review-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def edit_with_the_tools(page: Any, before: list[Line]) -> tuple[int, float]:
    """Split the first line at a cursor, nudge one line, set one to the video's time, add one; where
    the split was and the time set."""
    box = page.locator("#lines li[data-index='0'] textarea")
    cut = before[0].text.index(" ", len(before[0].text) // 2)
    box.evaluate(f"b => {{ b.focus(); b.setSelectionRange({cut}, {cut}); }}")
    page.locator("#lines li[data-index='0'] [data-tool=split]").click()
    assert len(starts(page)) == len(before) + 1
    # Nudge the old second line later, then set the split-off line's start to the video's time.
    page.locator("#lines li[data-index='2'] [data-tool=later]").click()
    assert starts(page)[2] == round(before[1].start + 0.5, 1)
    now = round(before[1].start - 1.0, 1)
    seek(page, now)
    page.locator("#lines li[data-index='1'] [data-tool=now]").click()
    assert starts(page)[1] == now
    last = len(before)
    page.locator(f"#lines li[data-index='{last}'] [data-tool=add]").click()
    page.locator(f"#lines li[data-index='{last + 1}'] textarea").fill("Then tell the next shift.")
    return cut, now


def approve_then_edit(page: Any, ws: Workspace) -> None:
    """Approve (the date reads as people read it), then edit: the page warns before the save."""
    page.fill("#by", "Priya Nair")
    page.click("#approve")
    page.wait_for_selector("body[data-status=approved]")
    badge = page.locator("#status").inner_text()
    date = r"\d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d( UTC| \(UTC[+-]\d\d:\d\d\))"
    assert re.fullmatch(rf"Approved by Priya Nair on {date}", badge), badge
    assert page.locator("#reapprove").is_hidden()
    page.locator("#lines li[data-index='0'] textarea").fill("When you hand over a running fault, be exact.")
    assert page.locator("#reapprove").is_visible()
    assert page.locator("#save").inner_text() == "Save as draft"
    assert "must be approved again" in page.locator("#reapprove").inner_text()
    assert transcript_of(ws).status == "approved"  # nothing happened yet
    page.click("#save")
    page.wait_for_selector("#message:has-text('It is a draft now: approve it again when it is right.')")
    assert (transcript_of(ws).status, review_in_catalogue(ws)) == ("draft", "draft")
    assert page.locator("#reapprove").is_hidden()


@pytest.mark.browser
def test_review_tools_in_headless_chromium(marked: ReviewServer, ws: Workspace, tmp_path: Path) -> None:
    before = transcript_of(ws).lines
    with review_page(marked) as page:
        check_marks(page, tmp_path)
        # Clicking into a text box never moves the video.
        seek(page, 0.0)
        page.locator("#lines li[data-index='1'] textarea").click()
        page.wait_for_timeout(300)
        assert video_time(page) < 0.05
        cut, now = edit_with_the_tools(page, before)
        page.click("#save")
        page.wait_for_selector("#message:has-text('Saved.')")
        after = transcript_of(ws).lines
        text = before[0].text
        rest = [line.text for line in before[1:]]
        assert [line.text for line in after] == [
            text[:cut].strip(),
            text[cut:].strip(),
            *rest,
            "Then tell the next shift.",
        ]
        assert [line.start for line in after[:3]] == [before[0].start, now, round(before[1].start + 0.5, 1)]
        assert after[-1].start > after[-2].start
        approve_then_edit(page, ws)
    shots = Path(__file__).resolve().parent.parent / ".capture-screenshots"
    if shots.is_dir():  # a person looking at the page keeps the screenshots here
        for shot in tmp_path.glob("*.png"):
            shutil.copy(shot, shots / shot.name)


@pytest.mark.browser
def test_a_line_too_fast_to_read_is_marked_and_counted(marked: ReviewServer, ws: Workspace) -> None:
    lines = transcript_of(ws).lines
    seconds = lines[1].start - lines[0].start
    with review_page(marked) as page:
        first = page.locator("#lines li[data-index='0']")
        assert page.locator("#care").get_attribute("data-fast") == "0"
        assert first.locator(".fast-note").is_hidden()
        # More characters than 20 a second until the next line starts.
        first.locator("textarea").fill("word " * int(seconds * 20 / 5 + 5))
        assert page.locator("#care").get_attribute("data-fast") == "1"
        assert "1 line too fast to read as captions" in page.locator("#care").inner_text()
        assert first.locator(".fast-note").inner_text().startswith("Too fast to read: ")
        first.locator("textarea").fill("Hand over the fault.")
        assert page.locator("#care").get_attribute("data-fast") == "0"


@pytest.mark.browser
def test_join_lines_and_replace_across_the_transcript(marked: ReviewServer, ws: Workspace) -> None:
    before = transcript_of(ws).lines
    word = before[0].text.split()[-1]  # a word the first line says
    with review_page(marked) as page:
        page.fill("#find", "no such words here")
        page.click("#replace-all")
        assert page.locator("#message").inner_text() == "\u201cno such words here\u201d is not in the transcript."
        count = sum(line.text.count(word) for line in before)
        page.fill("#find", word)
        page.fill("#replace", "WORD")
        page.click("#replace-all")
        times = "time" if count == 1 else "times"
        assert page.locator("#message").inner_text() == f"Replaced {count} {times}; check, then Save."
        # The last line has nothing after it to join.
        assert page.locator(f"#lines li[data-index='{len(before) - 1}'] [data-tool=join]").count() == 0
        page.locator("#lines li[data-index='0'] [data-tool=join]").click()
        assert len(starts(page)) == len(before) - 1
        page.click("#save")
        page.wait_for_selector("#message:has-text('Saved.')")
    after = transcript_of(ws).lines
    joined = (before[0].text + " " + before[1].text).replace(word, "WORD")
    assert after[0].text == joined and after[0].start == before[0].start
    assert [line.text for line in after[1:]] == [line.text.replace(word, "WORD") for line in before[2:]]
