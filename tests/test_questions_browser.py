"""The Questions page and question hits in search, in headless Chromium: each lands at its answer's moment.

At 390 px (a phone) and 1280 px, axe clean, screenshots in test-artifacts/ (questions-*.png).
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.serve.preview import make_server
from tests.support import run_capture
from tests.test_browser import ARTIFACTS, AXE, serious_violations
from tests.test_questions import _with_questions

pytestmark = pytest.mark.browser
WIDTHS = ((390, 844), (1280, 800))
PAGE_WIDTHS = ((320, 640), *WIDTHS)
ANSWER_AT = 5  # _with_questions: "What goes in the handover log?" at 00:05


@pytest.fixture(scope="module")
def site(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo (its clips added) with questions on a resource and in questions.yaml, built."""
    root = tmp_path_factory.mktemp("questions") / "ws"
    shutil.copytree(demo_workspace, root)
    _with_questions(root)
    built = run_capture("build", cwd=root)
    assert built.returncode == 0, built.stderr
    return root / "site"


@pytest.fixture(scope="module")
def url(site: Path) -> Iterator[str]:
    httpd = make_server(site, 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _open(browser, width: int, height: int):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def _at_the_answer(page) -> None:  # type: ignore[no-untyped-def]
    # A tap on a link navigates: wait for the clip's page, not the page the tap was on (no player there).
    page.wait_for_url(re.compile(r".*/r/shift-handover-basics/index\.html#t="), timeout=15_000)
    page.wait_for_function("(document.getElementById('player') || {readyState: 0}).readyState >= 1", timeout=15_000)
    page.wait_for_function(f"document.getElementById('player').currentTime >= {ANSWER_AT - 0.05}", timeout=10_000)
    assert page.evaluate("document.getElementById('player').currentTime") < ANSWER_AT + 1.5
    assert page.url.endswith(f"r/shift-handover-basics/index.html#t={ANSWER_AT}")


@pytest.mark.parametrize(("width", "height"), PAGE_WIDTHS)
def test_the_questions_page_links_to_the_moment_that_answers(browser, url: str, width: int, height: int) -> None:  # type: ignore[no-untyped-def]
    assert AXE.is_file(), "axe-core is missing: `make test` installs it with npm into node_modules/"
    ARTIFACTS.mkdir(exist_ok=True)
    context, page, errors = _open(browser, width, height)
    page.goto(url + "questions/index.html")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / f"questions-{width}x{height}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    assert serious_violations(page) == []
    assert page.locator(".question.open").first.inner_text().splitlines() == [
        "How do I clear a film jam?",
        "Asked 3 times, not answered yet",
    ]
    page.get_by_role("link", name="What goes in the handover log?").first.click()
    _at_the_answer(page)
    context.close()
    assert errors == []


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_search_shows_questions_first_and_a_hit_lands_at_its_moment(browser, url: str, width: int, height: int) -> None:  # type: ignore[no-untyped-def]
    context, page, errors = _open(browser, width, height)
    page.goto(url + "index.html")
    page.fill("#q", "handover log")
    hit = page.locator("#question-hits a").first
    hit.wait_for(timeout=5_000)
    assert page.evaluate(
        "document.getElementById('question-hits').compareDocumentPosition(document.getElementById('results'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    assert hit.inner_text() == "What goes in the handover log?"
    page.fill("#q", "film jam")
    page.locator("#question-hits .open").first.wait_for(timeout=5_000)
    assert page.locator("#question-hits .open").inner_text().splitlines() == [
        "How do I clear a film jam?",
        "Asked 3 times, not answered yet",
    ]
    page.fill("#q", "handover log")
    hit.wait_for(timeout=5_000)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / f"questions-search-{width}x{height}.png"), full_page=False)
    assert serious_violations(page) == []
    hit.click()
    _at_the_answer(page)
    context.close()
    assert errors == []


def test_questions_this_answers_on_the_resource_page_seek(browser, url: str) -> None:  # type: ignore[no-untyped-def]
    context, page, errors = _open(browser, 390, 844)
    page.goto(url + "r/shift-handover-basics/index.html")
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15_000)
    page.evaluate("document.getElementById('player').muted = true")
    section = page.locator("section.answers")
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "questions-resource-390x844.png"), full_page=True)
    section.get_by_role("link", name="What goes in the handover log?").click()
    _at_the_answer(page)
    assert serious_violations(page) == []
    context.close()
    assert errors == []


def test_question_search_works_from_a_file(browser, site: Path) -> None:  # type: ignore[no-untyped-def]
    context, page, errors = _open(browser, 390, 844)
    page.goto(site.as_uri() + "/index.html?q=handover+log")
    hit = page.locator("#question-hits a").first
    hit.wait_for(timeout=5_000)
    assert (hit.get_attribute("href") or "").startswith("file://")
    assert (hit.get_attribute("href") or "").endswith("/site/r/shift-handover-basics/index.html#t=5")
    context.close()
    assert errors == []
