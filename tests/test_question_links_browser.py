"""A question's short link in headless Chromium (issue 18): over http and from file://, s/<code>/ plays the
moment that answers it; an open question's reaches its place on the Questions page, and once a clip
answers it the same code plays that clip. Screenshots in test-artifacts/ (question-link-*.png).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from pipeline.serve.preview import make_server
from tests.journey_workspace import edit
from tests.support import run_capture
from tests.test_browser import ARTIFACTS, serious_violations
from tests.test_questions import _with_questions

pytestmark = pytest.mark.browser
SIZES = ((390, 844), (320, 640))
ANSWER_AT = 5  # _with_questions: "What goes in the handover log?" at 00:05
JAM_AT = 3  # where this test answers "How do I clear a film jam?"


@pytest.fixture(scope="module")
def ws(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo with questions on a resource and in questions.yaml, given codes, built."""
    root = tmp_path_factory.mktemp("question-links") / "ws"
    shutil.copytree(demo_workspace, root)
    _with_questions(root)
    for args in (("links",), ("build",)):
        done = run_capture(*args, cwd=root)
        assert done.returncode == 0, done.stderr
    return root


@pytest.fixture(scope="module")
def url(ws: Path) -> Iterator[str]:
    httpd = make_server(ws / "site", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def codes(root: Path) -> dict[str, str]:
    """questions.yaml's codes by their question's text."""
    entries = yaml.safe_load((root / "questions.yaml").read_text(encoding="utf-8"))["questions"]
    return {entry["text"]: entry["code"] for entry in entries}


def at_second(page, seconds: float) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15_000)
    page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {seconds}) < 1", timeout=10_000)


def test_a_question_link_plays_its_answer_over_http_and_from_a_file(browser, ws: Path, url: str) -> None:  # type: ignore[no-untyped-def]
    code = codes(ws)["what goes in the handover log"]  # the resource's question shares the file's code
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    for width, height in SIZES:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        for start in (f"{(ws / 'site').as_uri()}/s/{code}/index.html", f"{url}s/{code}/"):
            page.goto(start)
            page.wait_for_url(f"**/r/shift-handover-basics/index.html#t={ANSWER_AT}")
            at_second(page, ANSWER_AT)
        page.screenshot(path=str(ARTIFACTS / f"question-link-answer-{width}x{height}.png"))
        page.goto(f"{url}s/{code}/#t=2")  # the link's own moment wins over the question's
        page.wait_for_url("**/r/shift-handover-basics/index.html#t=2")
        at_second(page, 2)
        context.close()
    assert errors == []


def test_an_open_question_link_reaches_its_place_then_its_answer(browser, ws: Path, url: str) -> None:  # type: ignore[no-untyped-def]
    code = codes(ws)["How do I clear a film jam?"]
    for width, height in SIZES:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        for start in (f"{(ws / 'site').as_uri()}/s/{code}/index.html", f"{url}s/{code}/"):
            page.goto(start)
            page.wait_for_url(f"**/questions/index.html#q-{code}")
            target = page.locator(":target")
            assert target.get_attribute("id") == f"q-{code}"
            assert target.inner_text().splitlines() == ["How do I clear a film jam?", "Asked 3 times, not answered yet"]
            assert target.is_visible() and page.evaluate("document.documentElement.scrollWidth") <= width
        assert serious_violations(page) == []
        page.screenshot(path=str(ARTIFACTS / f"question-link-open-{width}x{height}.png"))
        context.close()
    edit(ws / "resources.yaml", "    topics: [handover, faults]\n",
         f"    topics: [handover, faults]\n    questions:\n      - text: How do I clear a film jam?\n"
         f"        at: '00:0{JAM_AT}'\n")  # fmt: skip
    for args in (("links",), ("build",)):
        done = run_capture(*args, cwd=ws)
        assert done.returncode == 0, done.stderr
    assert "Gave" not in done.stdout and codes(ws)["How do I clear a film jam?"] == code
    page = browser.new_page(viewport={"width": 390, "height": 844})
    for start in (f"{(ws / 'site').as_uri()}/s/{code}/index.html", f"{url}s/{code}/"):
        page.goto(start)
        page.wait_for_url(f"**/r/handing-over-a-running-fault/index.html#t={JAM_AT}")
        at_second(page, JAM_AT)
    page.close()
