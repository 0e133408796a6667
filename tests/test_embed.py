"""``r/<id>/embed.html`` and the snippet to copy: in an ``<iframe>`` on another origin, with captions."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pipeline.serve.preview import make_server
from pipeline.site.embed import PLACEHOLDER, embed_snippet, site_url
from pipeline.site.views import ResourceView
from pipeline.workspace.catalogue import Resource, Settings
from tests.support import run_capture
from tests.test_browser import ARTIFACTS, check_page, serious_violations

CLIP = "shift-handover-basics"
AUDIO = "handing-over-a-running-fault"


def _view(title: str) -> ResourceView:
    return ResourceView(
        resource=Resource(id="clear-a-jam", title=title),
        transcript_path=None,
        transcript_bytes=None,
        publish_drafts=True,
        video=None,
        poster=None,
        expert_slug="",
    )


def test_the_snippet_needs_the_address_filled_in_without_site_url() -> None:
    snippet = embed_snippet(_view("Clear a jam"), address=site_url(Settings()))
    assert snippet.startswith(f'<iframe src="{PLACEHOLDER}r/clear-a-jam/embed.html" title="Video: Clear a jam"')


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://learning.example.com/packing/", "https://learning.example.com/packing/"),
        ("https://learning.example.com/packing", "https://learning.example.com/packing/"),
        ("ftp://learning.example.com/", ""),
        ("https://x.example/?a=1", ""),
        ("javascript:alert(1)//", ""),
        (42, ""),
    ],
)
def test_site_url_is_read_defensively(url: object, address: str) -> None:
    settings: Any = SimpleNamespace(site=SimpleNamespace(url=url))
    assert site_url(settings) == address


def test_the_snippet_uses_site_url_and_keeps_a_hostile_title_inert() -> None:
    title = '"><script>alert(1)</script>\x07' + "x" * 10_000
    snippet = embed_snippet(_view(title), address="https://learning.example.com/packing/")
    assert snippet.startswith('<iframe src="https://learning.example.com/packing/r/clear-a-jam/embed.html"')
    assert snippet.count("<") == 2 and snippet.count('"') == 14  # only the <iframe> and its own attributes
    assert 'title="Video: &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; xxx' in snippet


@pytest.fixture(scope="module")
def site_server(demo_site: Path) -> Iterator[str]:
    httpd = make_server(demo_site, 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _host_page(src: str) -> bytes:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Intranet</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f'<body><h1>Packing line intranet</h1><iframe src="{src}" title="Video" width="360" height="420" '
        'style="border:0;max-width:100%" allow="fullscreen" allowfullscreen></iframe></body></html>'
    ).encode()


@pytest.fixture(scope="module")
def intranet(site_server: str) -> Iterator[str]:
    """Another origin (127.0.0.1 on a second port) whose page frames the embed, as an intranet would."""
    body = _host_page(f"{site_server}r/{CLIP}/embed.html")

    class Host(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Host)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.browser
def test_an_embed_on_another_origin_plays_with_captions(browser: Any, intranet: str, site_server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(intranet)
    frame = page.wait_for_selector("iframe").content_frame()
    assert frame is not None
    frame.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15_000)
    assert frame.evaluate("location.origin") != page.evaluate("location.origin")
    assert frame.evaluate("location.origin") + "/" == site_server
    assert frame.query_selector("header.top") is None  # no site header in an embed
    full = frame.locator(".embed-bar a")
    assert (full.get_attribute("href"), full.get_attribute("target")) == ("index.html", "_blank")
    frame.evaluate("() => { const v = document.getElementById('player'); v.muted = true; return v.play(); }")
    frame.wait_for_function(
        "Array.from(document.getElementById('player').textTracks)"
        ".some(t => t.mode === 'showing' && t.activeCues && t.activeCues.length > 0)",
        timeout=15_000,
    )
    transcript = frame.locator("#transcript")
    assert not transcript.is_visible()
    frame.click(".embed-transcript summary")
    assert transcript.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "embed-in-intranet-390x844.png"), full_page=True)
    page.set_viewport_size({"width": 320, "height": 640})
    page.screenshot(path=str(ARTIFACTS / "embed-in-intranet-320x640.png"), full_page=True)
    context.close()
    assert errors == []


@pytest.mark.browser
def test_the_embed_page_is_accessible(browser: Any, site_server: str) -> None:
    check_page(browser, site_server, f"r/{CLIP}/embed.html", "embed")


@pytest.mark.browser
def test_the_resource_page_shows_the_snippet_and_copies_it(browser: Any, site_server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{site_server}r/{CLIP}/index.html")
    page.click(".embed-share summary")
    code = page.locator("#embed-code").input_value()
    assert code.startswith(f'<iframe src="{PLACEHOLDER}r/{CLIP}/embed.html" title="Video: ')
    assert "replace ADDRESS-OF-THIS-SITE/" in page.locator("#embed-address").inner_text()
    page.click("#embed-copy")
    page.wait_for_function("document.getElementById('embed-copied').textContent === 'Copied.'")
    assert page.evaluate("navigator.clipboard.readText()") == code
    page.locator(".embed-share").screenshot(path=str(ARTIFACTS / "embed-snippet-390x844.png"))
    assert serious_violations(page) == []  # with the box open
    context.close()


@pytest.mark.browser
def test_an_embed_opened_from_file_has_its_captions_too(browser: Any, demo_site: Path) -> None:
    """From file:// the track file cannot load; the cues in the page become the captions."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((demo_site / "r" / CLIP / "embed.html").as_uri())
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15_000)
    page.evaluate("() => { const v = document.getElementById('player'); v.muted = true; return v.play(); }")
    page.wait_for_function(
        "Array.from(document.getElementById('player').textTracks)"
        ".some(t => t.mode === 'showing' && t.activeCues && t.activeCues.length > 0)",
        timeout=15_000,
    )
    context.close()
    assert errors == []


@pytest.fixture(scope="module")
def audio_workspace(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with one clip marked audio-only, built."""
    root = tmp_path_factory.mktemp("embed-audio") / "ws"
    shutil.copytree(demo_workspace, root, ignore=shutil.ignore_patterns("site"))
    catalogue = root / "resources.yaml"
    entry = f"  - id: {AUDIO}\n"
    catalogue.write_text(catalogue.read_text().replace(entry, entry + "    audio_only: true\n", 1))
    built = run_capture("build", cwd=root, timeout=120)
    assert built.returncode == 0, built.stderr
    return root


@pytest.mark.browser
def test_an_audio_clip_embeds_as_an_audio_player(browser: Any, audio_workspace: Path) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto((audio_workspace / "site" / "r" / AUDIO / "embed.html").as_uri())
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15_000)
    assert page.evaluate("document.getElementById('player').tagName") == "AUDIO"
    page.evaluate("document.getElementById('player').muted = true")
    page.click(".embed-transcript summary")
    page.locator("#transcript .seek").nth(1).click()
    page.wait_for_function(
        "!document.getElementById('player').paused && document.getElementById('player').currentTime > 5"
    )
    page.screenshot(path=str(ARTIFACTS / "embed-audio-320x640.png"), full_page=True)
    context.close()
