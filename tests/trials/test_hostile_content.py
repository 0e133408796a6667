"""Hostile content: HTML and script in every field a person can type renders as inert text."""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.support import launch_chromium, make_clip, run_capture

SCRIPT = "<script>alert('xss')</script>"
BREAKOUT = "\"><img src=x onerror=alert('xss')>"
JS_LINK = "[click me](javascript:alert('xss'))"
RAW_HTML = "<b onmouseover=alert('xss')>bold</b>"


class Inspector(HTMLParser):
    """Collects what would run: script elements, event-handler attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values)
            self._in_script = True
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if (
                name in ("href", "src", "action", "formaction", "poster")
                and value
                and value.strip().lower().startswith(("javascript:", "data:text/html", "vbscript:"))
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in ("img", "iframe", "object", "embed") and values.get("src") == "x":
            self.problems.append(f"injected <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert('xss')" in data and "\\u003c" not in data and "<script>" in data:
            self.problems.append("hostile text inside a script element")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    assert run_capture("init", "ws", cwd=root).returncode == 0
    ws = root / "ws"
    make_clip(ws / "clip.mp4", seconds=1.0, size="160x120")
    result = run_capture(
        "add",
        "clip.mp4",
        "--title",
        SCRIPT,
        "--expert",
        BREAKOUT,
        "--job-title",
        RAW_HTML,
        "--level",
        "beginner",
        "--role",
        "team-member",
        "--yes",
        cwd=ws,
    )
    assert result.returncode == 0, result.stderr
    text = (ws / "resources.yaml").read_text(encoding="utf-8")
    text = text.replace('feedback: ""', f"feedback: {json.dumps('javascript:alert(1)')}")
    text = text.replace("    name: Team member", f"    name: {json.dumps(BREAKOUT)}")
    text = text.replace(
        "    review: draft",
        "    review: draft\n"
        f"    summary: {json.dumps(JS_LINK + ' ' + RAW_HTML)}\n"
        f"    what: {json.dumps(SCRIPT)}\n    why: {json.dumps(JS_LINK)}\n    when: {json.dumps(RAW_HTML)}\n"
        f"    topics: [{json.dumps(SCRIPT)}]",
    )
    (ws / "resources.yaml").write_text(text, encoding="utf-8")
    rid = next(p.stem for p in (ws / "transcripts").glob("*.md"))
    (ws / "transcripts" / f"{rid}.md").write_text(
        f"---\nid: {rid}\nstatus: draft\n---\n[00:00.0] {SCRIPT}\n[00:00.5] {BREAKOUT} {JS_LINK}\n", encoding="utf-8"
    )
    (ws / "journeys" / "evil.yaml").write_text(
        f"title: {json.dumps(SCRIPT)}\nroles: [team-member]\ngoal: {json.dumps(BREAKOUT)}\n"
        f"stages:\n  beginner:\n    - id: {rid}\n      practice: {json.dumps(RAW_HTML)}\n",
        encoding="utf-8",
    )
    built = run_capture("build", cwd=ws)
    assert built.returncode == 0, built.stderr
    return ws / "site"


def test_no_page_runs_or_links_hostile_content(hostile_site: Path) -> None:
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) >= 4
    for page in pages:
        text = page.read_text(encoding="utf-8")
        inspector = Inspector()
        inspector.feed(text)
        assert inspector.problems == [], f"{page.relative_to(hostile_site)}: {inspector.problems}"
        for script in inspector.scripts:  # only the site's own scripts, from the site itself
            src = script.get("src")
            assert src is None or not src.startswith(("http:", "https:", "//", "javascript:")), src
        assert "<script>alert" not in text and "<img src=x" not in text and "<b onmouseover" not in text


def test_feed_and_search_index_escape_it(hostile_site: Path) -> None:
    for path in hostile_site.rglob("*.xml"):
        text = path.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text, path.name
    for path in hostile_site.rglob("*.js"):
        # Data in scripts is JSON: strings cannot end early, and "</script" is always escaped.
        assert "</script" not in path.read_text(encoding="utf-8").lower(), path.name


def test_no_dialog_fires_in_a_browser(hostile_site: Path) -> None:
    from playwright.sync_api import sync_playwright

    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            for html in sorted(hostile_site.rglob("*.html")):
                page.goto(html.as_uri())
                page.wait_for_load_state("load")
                for link in page.query_selector_all("a"):
                    href = link.get_attribute("href") or ""
                    assert not href.lower().startswith("javascript:")
            page.goto((hostile_site / "index.html").as_uri())
            box = page.query_selector("input[type=search]")
            if box is not None:
                box.fill("alert")
                page.wait_for_timeout(400)
                assert page.query_selector("img[src='x']") is None
                assert SCRIPT in page.inner_text("body")  # the hit is shown, as text
                assert page.query_selector("main script:not([src]):not([type='application/json'])") is None
                for link in page.query_selector_all("a"):
                    assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
        finally:
            browser.close()
    assert dialogs == []


def test_links_out_of_the_workspace_are_not_followed_into_the_site(tmp_path: Path) -> None:
    assert run_capture("init", "ws", cwd=tmp_path).returncode == 0
    ws = tmp_path / "ws"
    make_clip(ws / "clip.mp4", seconds=1.0, size="160x120")
    assert run_capture("add", "clip.mp4", "--yes", cwd=ws).returncode == 0
    secret = tmp_path / "secret.txt"
    secret.write_text("---\nid: clip\nstatus: draft\n---\n[00:00.0] TOP SECRET salary list\n")
    (ws / "transcripts" / "clip.md").unlink()
    os.symlink(secret, ws / "transcripts" / "clip.md")
    poster = ws / "media" / "clip" / "poster.jpg"
    poster.unlink()
    os.symlink(secret, poster)
    built = run_capture("build", cwd=ws)
    assert built.returncode == 0, built.stderr
    for path in (ws / "site").rglob("*"):
        if path.is_file():
            assert b"TOP SECRET" not in path.read_bytes(), path
