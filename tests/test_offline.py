"""Saving a journey for offline use: the manifest's content keys, and the service worker in Chromium.

Over http a worker saves a journey, the network goes (Playwright's offline mode, and the server
stops too), and a saved clip still plays from the service worker's store, byte ranges and all.
From ``file://`` no service worker can run: the page shows no offline button and no error.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from pipeline.serve.preview import PreviewServer, make_server
from tests.support import run_capture
from tests.test_browser import ARTIFACTS, serious_violations

JOURNEY = "handover-for-operators"  # shift-handover-basics, then handing-over-a-running-fault
EDITED = "handing-over-a-running-fault"
SAID = "document.getElementById('{id}').textContent.startsWith('{text}')"  # offline.js fills it in after load


def _keys(site: Path, journey: str) -> dict[str, str]:
    document = json.loads((site / "j" / journey / "offline.json").read_text(encoding="utf-8"))
    return {entry["url"]: entry["key"] for entry in document["files"]}


def _edit_transcript(workspace: Path) -> None:
    path = workspace / "transcripts" / f"{EDITED}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Write the time on the first stop", "Write down the time of the first stop"))


@pytest.fixture(scope="module")
def workspace(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo workspace this module may rebuild, built once in its new place."""
    copy = tmp_path_factory.mktemp("offline") / "demo"
    shutil.copytree(demo_workspace, copy, symlinks=True)
    built = run_capture("build", cwd=copy)
    assert built.returncode == 0, built.stderr
    return copy


def test_the_manifest_lists_every_file_of_the_journey_with_its_size(workspace: Path) -> None:
    site = workspace / "site"
    document = json.loads((site / "j" / JOURNEY / "offline.json").read_text(encoding="utf-8"))
    urls = [entry["url"] for entry in document["files"]]
    for rid in ("shift-handover-basics", EDITED):
        for name in ("index.html", "captions.vtt"):
            assert f"r/{rid}/{name}" in urls
        for name in ("video.mp4", "poster.jpg"):
            assert f"media/{rid}/{name}" in urls
    assert f"j/{JOURNEY}/index.html" in urls and "static/style.css" in urls
    assert not any(url.endswith("embed.html") or url.startswith("media/when-no") for url in urls)
    for entry in document["files"]:
        assert entry["size"] == (site / entry["url"]).stat().st_size, entry["url"]
    assert document["size"] == sum(entry["size"] for entry in document["files"])
    assert (document["journey"], document["clips"]) == (JOURNEY, 2)


def _serve(site: Path, requests: list[str] | None = None) -> tuple[PreviewServer, str]:
    note = (lambda path, status: requests.append(path)) if requests is not None else None
    httpd = make_server(site, 0, on_request=note)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def _stop(httpd: PreviewServer) -> None:
    httpd.shutdown()
    httpd.server_close()


def _save(page: Any, url: str) -> None:
    page.goto(f"{url}j/{JOURNEY}/index.html")
    save = page.locator("#offline-save")
    save.wait_for(state="visible", timeout=10_000)
    page.wait_for_function("/MB\\)$/.test(document.getElementById('offline-save').textContent)")
    assert "2 clips" in page.locator("#offline-state").inner_text()
    page.screenshot(path=str(ARTIFACTS / "journey-before-saving-390x844.png"))
    save.click()
    page.locator("#offline-remove").wait_for(state="visible", timeout=30_000)


@pytest.mark.browser
def test_a_saved_journey_plays_with_no_network(browser: Any, demo_site: Path) -> None:
    httpd, url = _serve(demo_site)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        _save(page, url)
        assert page.locator("#offline-state").inner_text().startswith("Saved on this device: 2 clips, ")
        assert page.locator(".card .badge.saved").count() == 2
        page.screenshot(path=str(ARTIFACTS / "journey-saved-offline-390x844.png"), full_page=True)
        assert serious_violations(page) == []  # the box, its buttons and the "Saved" badges
    finally:
        _stop(httpd)
    context.set_offline(True)
    page.reload()
    page.wait_for_function(SAID.format(id="offline-state", text="Saved on this device: 2 clips, "))
    page.goto(f"{url}r/shift-handover-basics/index.html")
    page.wait_for_function(SAID.format(id="offline-note", text="Saved on this device: this clip plays"))
    assert page.locator("#offline-note").inner_text() == "Saved on this device: this clip plays with no network."
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15_000)
    page.evaluate("() => { const v = document.getElementById('player'); v.muted = true; return v.play(); }")
    page.wait_for_function("document.getElementById('player').currentTime > 1", timeout=15_000)
    ranged = page.evaluate(
        "fetch('../../media/shift-handover-basics/video.mp4', {headers: {Range: 'bytes=100-199'}})"
        ".then(r => r.arrayBuffer().then(b => [r.status, r.headers.get('Content-Range'), b.byteLength]))"
    )
    size = (demo_site / "media" / "shift-handover-basics" / "video.mp4").stat().st_size
    assert ranged == [206, f"bytes 100-199/{size}", 100]
    page.screenshot(path=str(ARTIFACTS / "clip-offline-390x844.png"))
    page.set_viewport_size({"width": 320, "height": 640})
    page.screenshot(path=str(ARTIFACTS / "clip-offline-320x640.png"))
    page.goto(f"{url}index.html")  # never saved: a page that says so, not the browser's error
    assert "not saved on this device" in page.inner_text("body")
    context.close()
    assert errors == []


@pytest.mark.browser
def test_removing_a_saved_journey_empties_the_store(browser: Any, demo_site: Path) -> None:
    httpd, url = _serve(demo_site)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        _save(page, url)
        page.click("#offline-remove")
        page.locator("#offline-save").wait_for(state="visible")
        assert page.locator(".card .badge.saved").count() == 0
        stored = page.evaluate(
            "caches.keys().then(names => Promise.all(names.map(n => caches.open(n).then(c => c.keys()))))"
            ".then(lists => lists.flat().map(r => r.url))"
        )
        assert stored == [f"{url}__offline__/index.json"]
    finally:
        context.close()
        _stop(httpd)


@pytest.mark.browser
def test_a_rebuild_refreshes_only_the_changed_resources_files(browser: Any, workspace: Path) -> None:
    site = workspace / "site"
    before = _keys(site, JOURNEY)
    requests: list[str] = []
    httpd, url = _serve(site, requests)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        _save(page, url)
        _edit_transcript(workspace)
        built = run_capture("build", cwd=workspace)
        assert built.returncode == 0, built.stderr
        after = _keys(site, JOURNEY)
        changed = {rel for rel in after if after[rel] != before.get(rel)}
        assert changed == {f"r/{EDITED}/index.html", f"r/{EDITED}/captions.vtt"}
        seen = len(requests)
        page.goto(f"{url}j/{JOURNEY}/index.html")
        page.wait_for_function("document.documentElement.getAttribute('data-offline-checked') === 'true'")
        fetched = {path.lstrip("/") for path in requests[seen:]} - {f"j/{JOURNEY}/index.html"}
        assert fetched == {f"j/{JOURNEY}/offline.json", *changed}
        saved = page.evaluate(
            f"caches.open('capture-offline:{url}').then(c => c.match('{url}r/{EDITED}/index.html')).then(r => r.text())"
        )
        assert "Write down the time of the first stop" in saved
    finally:
        context.close()
        _stop(httpd)


@pytest.mark.browser
def test_a_host_without_sw_js_offers_no_saving_and_says_why(browser: Any, demo_site: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(demo_site, site)
    (site / "sw.js").unlink()
    httpd, url = _serve(site)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{url}j/{JOURNEY}/index.html")
        page.wait_for_function("document.getElementById('offline-state').textContent.includes('sw.js')")
        assert page.locator("#offline-state").inner_text() == (
            "This site's host does not serve its offline helper (sw.js), so journeys cannot be saved here."
        )
        page.wait_for_timeout(500)  # the manifest has loaded by now: the button stays hidden
        assert not page.locator("#offline-save").is_visible()
        page.goto(f"{url}r/shift-handover-basics/index.html")
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
        _stop(httpd)
    assert errors == []


@pytest.mark.browser
def test_from_file_there_is_no_offline_button_and_no_error(browser: Any, demo_site: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Chromium itself logs that a <track> file cannot load from file:// (site.js then adds the cues
    # from the page); any other console error is ours.
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Unsafe attempt to load URL file:")
            else None
        ),
    )
    for path in (f"j/{JOURNEY}/index.html", "r/shift-handover-basics/index.html"):
        page.goto((demo_site / path).as_uri())
        page.wait_for_load_state("load")
        assert page.locator("#offline").count() in (0, 1)
        assert not page.locator("#offline-save").is_visible()
        assert not page.locator("#offline").is_visible()
        assert not page.locator("#offline-note").is_visible()
    page.screenshot(path=str(ARTIFACTS / "clip-from-file-390x844.png"))
    context.close()
    assert errors == []
