""" "Did this help?" in headless Chromium: one request per device and version, over http and from file://.

A small synthetic library whose first clip is a real two-second H.264 clip, served over loopback
by ``capture serve``'s server, which records every path asked for. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from benchmarks.site import make_library, resource_id
from pipeline.serve.preview import make_server
from pipeline.site.build import build_site
from pipeline.workspace.paths import Workspace
from tests.support import make_clip
from tests.test_browser import ARTIFACTS, AXE, serious_violations

pytestmark = pytest.mark.browser
CLIP = resource_id(0)
PAGE = f"r/{CLIP}/index.html"
HELPED = "#helpful-side button[data-answer='helped']"
NOT_NEEDED = "#helpful-side button[data-answer='not-needed']"
# localStorage that refuses, as Safari's private mode once did and a locked-down browser may.
NO_STORAGE = """
Storage.prototype.getItem = function () { throw new Error("SecurityError"); };
Storage.prototype.setItem = function () { throw new Error("QuotaExceededError"); };
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_library(tmp_path_factory.mktemp("helpful") / "lib", 3, lines=3)
    make_clip(root / "media" / CLIP / "video.mp4", seconds=2.0)
    build_site(Workspace(root), today=dt.date(2026, 11, 22))
    return root / "site"


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[tuple[str, list[str]]]:
    requests: list[str] = []
    httpd = make_server(site, 0, on_request=lambda path, status: requests.append(path))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", requests
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def context(browser):  # type: ignore[no-untyped-def]
    """A fresh device (its own localStorage) at phone size; no script error may happen on it."""
    opened = browser.new_context(viewport={"width": 390, "height": 844})
    errors: list[str] = []
    opened.on("page", lambda page: page.on("pageerror", lambda error: errors.append(str(error))))
    yield opened
    opened.close()
    assert errors == []


def answers_sent(requests: list[str], since: int) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(r).query) for r in requests[since:] if urlsplit(r).path == "/feedback.gif"]


def test_a_tap_sends_the_answer_once_per_version(context, server) -> None:  # type: ignore[no-untyped-def]
    url, requests = server
    page = context.new_page()
    page.goto(url + PAGE)
    page.wait_for_load_state("networkidle")
    seen = len(requests)
    assert page.is_visible("#helpful-side") and not page.is_visible("#helpful-end")
    page.click(NOT_NEEDED)
    page.wait_for_timeout(500)
    assert answers_sent(requests, seen) == [{"r": [CLIP], "v": ["1"], "a": ["not-needed"]}]
    assert page.inner_text("#helpful-side .helpful-status") == "Thank you. You answered: Not what I needed."
    assert page.get_attribute(NOT_NEEDED, "aria-pressed") == "true"
    comment = page.locator("#helpful-side .helpful-comment[data-answer='not-needed'] a")
    assert comment.is_visible()
    assert "version%201%29%3A%20Not%20what%20I%20needed" in (comment.get_attribute("href") or "")
    assert not page.is_visible("#helpful-side .helpful-comment[data-answer='helped']")

    seen = len(requests)
    page.click(HELPED, force=True)  # a second tap on the same version (aria-disabled: Playwright would wait)
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#helpful-side .helpful-status") == "You answered: Not what I needed. Thank you."
    page.click(HELPED, force=True)
    page.wait_for_timeout(500)
    assert answers_sent(requests, seen) == []
    assert page.inner_text("#helpful-side .helpful-status") == (
        "You have already answered for this version of the clip: Not what I needed."
    )


def test_a_new_version_may_be_answered_again(context, server, site: Path) -> None:  # type: ignore[no-untyped-def]
    url, requests = server
    page = context.new_page()
    page.goto(url + f"r/{resource_id(1)}/index.html")
    page.click(HELPED)
    html = site / "r" / resource_id(1) / "index.html"
    original = html.read_text(encoding="utf-8")
    try:
        html.write_text(original.replace('data-version="1"', 'data-version="2"'), encoding="utf-8")  # a new take
        page.reload()
        seen = len(requests)
        page.click(HELPED)
        page.wait_for_timeout(500)
        assert answers_sent(requests, seen) == [{"r": [resource_id(1)], "v": ["2"], "a": ["helped"]}]
    finally:
        html.write_text(original, encoding="utf-8")


def test_the_question_appears_when_the_clip_ends(context, server) -> None:  # type: ignore[no-untyped-def]
    url, _ = server
    page = context.new_page()
    page.goto(url + PAGE)
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.evaluate("(() => { const p = document.getElementById('player'); p.muted = true; p.play(); })()")
    page.wait_for_selector("#helpful-end", state="visible", timeout=15_000)
    page.click("#helpful-end button[data-answer='helped']")
    assert page.inner_text("#helpful-side .helpful-status") == "Thank you. You answered: Helped."  # both boxes agree
    assert page.get_attribute("#helpful-side button[data-answer='helped']", "aria-pressed") == "true"
    # Only the box tapped speaks the answer: a screen reader hears it once.
    assert page.get_attribute("#helpful-end .helpful-status", "aria-live") == "polite"
    assert page.get_attribute("#helpful-side .helpful-status", "aria-live") == "off"


@pytest.mark.parametrize("storage", ["allowed", "refused"])
def test_from_file_and_without_storage_a_tap_still_answers(context, site: Path, storage: str) -> None:  # type: ignore[no-untyped-def]
    if storage == "refused":
        context.add_init_script(NO_STORAGE)
    page = context.new_page()
    page.goto((site / PAGE).as_uri())
    page.click(HELPED)
    assert page.inner_text("#helpful-side .helpful-status") == "Thank you. You answered: Helped."
    page.click(NOT_NEEDED, force=True)
    assert page.inner_text("#helpful-side .helpful-status") == (
        "You have already answered for this version of the clip: Helped."
    )


def test_keyboard_answers_with_visible_focus(context, server) -> None:  # type: ignore[no-untyped-def]
    url, requests = server
    page = context.new_page()
    page.goto(url + f"r/{resource_id(2)}/index.html")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('data-answer') === 'helped'"):
            break
    else:
        raise AssertionError("Tab never reached the answers")
    style = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert style == "solid"
    seen = len(requests)
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    assert answers_sent(requests, seen) == [{"r": [resource_id(2)], "v": ["1"], "a": ["helped"]}]


@pytest.mark.parametrize(("width", "height"), [(390, 844), (320, 640)])
def test_accessible_at_phone_sizes_with_screenshots(browser, server, width: int, height: int) -> None:  # type: ignore[no-untyped-def]
    url, _ = server
    assert AXE.is_file(), "axe-core is missing: `make test` installs it with npm into node_modules/"
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.goto(url + PAGE)
        page.wait_for_load_state("networkidle")
        assert serious_violations(page) == []
        page.click(NOT_NEEDED)
        page.evaluate("document.getElementById('helpful-end').hidden = false")  # as when the clip has ended
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
        assert serious_violations(page) == []
        page.screenshot(path=str(ARTIFACTS / f"helpful-{width}x{height}.png"), full_page=True)
        page.evaluate("window.scrollTo(0, document.getElementById('helpful-side').offsetTop - 40)")
        page.screenshot(path=str(ARTIFACTS / f"helpful-{width}x{height}-ended.png"))
    finally:
        context.close()
