"""Chapters and on-screen notes on the built demo site: the tracks, the page, and in Chromium a
chapter list that seeks (issue 14) at phone and desktop sizes, axe-clean, with screenshots."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.serve.preview import make_server
from tests.support import launch_chromium
from tests.test_browser import ARTIFACTS, serious_violations
from tests.test_chapters import webvtt_cues

RID = "shift-handover-basics"  # the demo clip whose transcript has chapters and an on-screen note
PAGE = f"r/{RID}/index.html"
CHAPTERS = [(0.0, "What a handover is"), (5.1, "Write it in the log"), (13.5, "Walk the line")]
NOTE = "the handover log open at today's page, with the boxes Ran, Stopped and Watch"
# The player's text tracks of each kind, as the texts of their cues.
TRACKS = """(() => { const found = {};
  for (const t of document.getElementById('player').textTracks) {
    found[t.kind] = Array.from(t.cues || []).map(c => c.text);
  }
  return found; })()"""


def test_the_tracks_of_the_demo_clip(demo_site: Path) -> None:
    folder = demo_site / "r" / RID
    chapters = webvtt_cues((folder / "chapters.vtt").read_text(encoding="utf-8"))
    assert [(start, title) for start, _, title in chapters] == CHAPTERS
    assert chapters[-1][1] == pytest.approx(19.87)  # the last chapter runs to the clip's end
    descriptions = webvtt_cues((folder / "descriptions.vtt").read_text(encoding="utf-8"))
    assert [(start, text) for start, _, text in descriptions] == [(5.8, NOTE)]
    captions = (folder / "captions.vtt").read_text(encoding="utf-8")
    assert "handover log open" not in captions and "on screen" not in captions.lower()
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert '<track kind="chapters" src="chapters.vtt" srclang="en" label="Chapters">' in page
    assert '<track kind="descriptions" src="descriptions.vtt" srclang="en" label="On screen">' in page
    assert "<strong>On screen:</strong> the handover log open at today&#39;s page" in page
    assert page.count('class="chapter-seek"') == 3 and page.count('<li class="chapter-head"><h3>') == 3


def test_suggested_chapters_show_without_their_mark_and_a_clip_without_none(demo_site: Path) -> None:
    page = (demo_site / "r" / "when-no-shift-lead-arrives" / "index.html").read_text(encoding="utf-8")
    assert '<span class="chapter-title">Call the duty manager</span>' in page and "(suggested)" not in page
    assert not (demo_site / "r" / "when-no-shift-lead-arrives" / "descriptions.vtt").exists()
    plain = demo_site / "r" / "handing-over-a-running-fault"
    assert sorted(p.name for p in plain.iterdir()) == ["captions.vtt", "embed.html", "index.html"]
    assert "chapter-seek" not in (plain / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site_url(demo_site: Path) -> Iterator[str]:
    httpd = make_server(demo_site, 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800), (320, 640)])
def test_a_chapter_tap_seeks_the_player_to_it(site_url: str, demo_site: Path, width: int, height: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, "--autoplay-policy=no-user-gesture-required")
        try:
            for base in (site_url, demo_site.as_uri() + "/"):
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
                page.goto(base + PAGE)
                page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15_000)
                page.evaluate("document.getElementById('player').muted = true")
                if base != site_url:  # file:// loads no track file: the page's script makes the tracks
                    tracks = page.evaluate(TRACKS)
                    assert tracks["chapters"] == [title for _, title in CHAPTERS]
                    assert tracks["descriptions"] == [NOTE]
                if base == site_url:
                    ARTIFACTS.mkdir(exist_ok=True)
                    page.screenshot(path=str(ARTIFACTS / f"chapters-{width}x{height}.png"), full_page=True)
                for index in (2, 1):
                    start = CHAPTERS[index][0]
                    page.locator(".chapter-seek").nth(index).click()
                    page.wait_for_function(
                        f"Math.abs(document.getElementById('player').currentTime - {start}) < 1", timeout=10_000
                    )
                    current = page.locator(".chapter-seek[aria-current=true] .chapter-title").inner_text()
                    assert current == CHAPTERS[index][1]
                time = float(page.evaluate("document.getElementById('player').currentTime"))
                assert abs(time - CHAPTERS[1][0]) < 1
                player = page.locator("#player").bounding_box()
                assert player is not None and player["y"] + player["height"] / 2 > 0  # the player is in view
                if base == site_url:  # what the worker sees after the tap
                    page.screenshot(path=str(ARTIFACTS / f"chapters-tapped-{width}x{height}.png"))
                    assert page.evaluate("document.documentElement.scrollWidth") <= width
                    assert serious_violations(page) == []
                assert errors == []
                context.close()
        finally:
            browser.close()


def test_hostile_chapters_and_notes_are_inert_on_the_page(tmp_path: Path) -> None:
    """HTML, control characters and 10,000 characters in a heading or a note stay text."""
    import datetime as dt

    from benchmarks.site import make_library, resource_id
    from pipeline.site.build import build_site
    from pipeline.workspace.paths import Workspace

    root = make_library(tmp_path / "lib", 2, lines=2)
    rid = resource_id(0)
    path = root / "transcripts" / f"{rid}.md"
    head, _, body = path.read_text(encoding="utf-8").partition("---\n[")
    long = "x" * 10_000
    hostile = (
        "## <script>alert(1)</script> \x1b[31mred --> on\n"
        f"[{body}"
        "[00:09.0] [on screen: <img src=x onerror=alert(1)> & more]\n"
        f"## {long}\n"
    )
    path.write_text(head + "---\n" + hostile, encoding="utf-8")
    build_site(Workspace(root), today=dt.date(2026, 11, 22))
    page = (root / "site" / "r" / rid / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt; &amp; more" in page
    chapters = webvtt_cues((root / "site" / "r" / rid / "chapters.vtt").read_text(encoding="utf-8"))
    assert chapters[0][2] == "&lt;script&gt;alert(1)&lt;/script&gt; \x1b[31mred -&gt; on"
    assert chapters[-1][2] == long
    assert "onerror" not in (root / "site" / "r" / rid / "captions.vtt").read_text(encoding="utf-8")
