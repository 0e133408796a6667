"""Adding a word to the workspace glossary from the review page (``POST /api/glossary``)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest

from pipeline.serve.review import ReviewServer, start_review
from pipeline.workspace.catalogue import load_catalogue
from pipeline.workspace.paths import Workspace
from tests.test_review import RID


@pytest.fixture
def server(review_ws: Workspace) -> Iterator[ReviewServer]:
    srv = start_review(review_ws, RID)
    srv.start_in_thread()
    yield srv
    srv.shutdown()
    srv.server_close()


def add(srv: ReviewServer, word: object, *, token: str | None = None) -> tuple[int, dict[str, object]]:
    connection = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    headers = {"Content-Type": "application/json", "X-Capture-Token": srv.token if token is None else token}
    connection.request("POST", "/api/glossary", body=json.dumps({"word": word}), headers=headers)
    response = connection.getresponse()
    payload = json.loads(response.read())
    connection.close()
    return response.status, payload


def test_a_word_joins_the_glossary_and_the_file_keeps_its_comments(server: ReviewServer, review_ws: Workspace) -> None:
    path = review_ws.catalogue_path
    path.write_text("# Our words\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    before = load_catalogue(path).settings.glossary
    assert add(server, "  Priya  Nair ") == (200, {"word": "Priya Nair", "added": True})
    assert load_catalogue(path).settings.glossary == [*before, "Priya Nair"]
    assert path.read_text(encoding="utf-8").startswith("# Our words\n")
    assert add(server, "priya nair") == (200, {"word": "priya nair", "added": False})  # once, in any case
    assert load_catalogue(path).settings.glossary == [*before, "Priya Nair"]


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("   ", "the glossary word is empty; select or type the word to add"),
        ("x" * 61, "a glossary word has at most 60 characters; add one word or name at a time"),
        ("line\x1b[2J3", "the glossary word has control characters; type it again"),
    ],
)
def test_a_bad_word_is_refused_and_nothing_written(
    server: ReviewServer, review_ws: Workspace, word: str, message: str
) -> None:
    before = review_ws.catalogue_path.read_bytes()
    assert add(server, word) == (400, {"error": message})
    assert review_ws.catalogue_path.read_bytes() == before


def test_adding_a_word_needs_the_page_token(server: ReviewServer, review_ws: Workspace) -> None:
    before = review_ws.catalogue_path.read_bytes()
    assert add(server, "Priya", token="wrong")  # noqa: S106 - a wrong token, on purpose[0] == 403
    assert review_ws.catalogue_path.read_bytes() == before


def test_the_review_page_adds_a_word(server: ReviewServer, review_ws: Workspace) -> None:
    from playwright import sync_api

    from tests.support import REPO, launch_chromium

    with sync_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(server.url)
            page.wait_for_selector("body[data-ready=true]")
            page.click("#glossary button")
            page.wait_for_selector("#message:has-text('Type the word to add to the glossary first.')")
            page.fill("#glossary-word", "Priya")
            page.press("#glossary-word", "Enter")
            page.wait_for_selector("#message:has-text('“Priya” is in the glossary now.')")
            assert page.input_value("#glossary-word") == ""
            assert "Priya" in load_catalogue(review_ws.catalogue_path).settings.glossary
            page.fill("#glossary-word", "priya")
            page.click("#glossary button")
            page.wait_for_selector("#message:has-text('“priya” was in the glossary already.')")
            page.locator("#glossary").scroll_into_view_if_needed()
            page.screenshot(path=str(REPO / "test-artifacts" / "review-glossary-390.png"))
        finally:
            browser.close()
