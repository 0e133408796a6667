"""The built demo site in headless Chromium: playback, captions, transcript, search, accessibility.

Debian's ``chromium`` driven by Playwright (never ``playwright install``); axe-core comes from
npm (``make test`` installs it into node_modules/). Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from pipeline.serve.preview import make_server

REPO = Path(__file__).resolve().parent.parent
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts"
PAGES = {
    "home": "index.html",
    "resource": "r/shift-handover-basics/index.html",
    "resource-draft": "r/handing-over-a-running-fault/index.html",
    "journey": "j/handover-for-shift-leads/index.html",
    "role": "role/line-operator/index.html",
    "expert": "expert/priya-nair/index.html",
    "clips": "clips/beginner/any-kind/index.html",
    "subscribe": "subscribe.html",
}
# Spoken in samples/shift-handover-basics.mp4: the transcript line starts at 0:09.1.
PHRASE, PHRASE_START = "what the next shift must watch", 9.1
LAST_START = 13.5  # its last transcript line

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(demo_site: Path) -> Iterator[tuple[str, list[str]]]:
    """The site over loopback http (``capture serve``'s server); yields its base URL and the paths requested."""
    requests: list[str] = []
    httpd = make_server(demo_site, 0, on_request=lambda path, status: requests.append(path))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", requests
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(params=["http", "file"])
def base(request: pytest.FixtureRequest, demo_site: Path) -> str:
    if request.param == "file":
        return demo_site.as_uri() + "/"
    return request.getfixturevalue("server")[0]


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == []


def _player_ready(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15_000)


def test_video_plays_and_captions_have_cues(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + PAGES["resource"])
    _player_ready(page)
    page.evaluate("() => { const v = document.getElementById('player'); v.muted = true; return v.play(); }")
    page.wait_for_function("document.getElementById('player').currentTime > 0.5", timeout=15_000)
    page.wait_for_function(
        "Array.from(document.getElementById('player').textTracks)"
        ".some(t => t.mode === 'showing' && t.cues && t.cues.length > 0)",
        timeout=10_000,
    )
    cues = page.evaluate(
        "Array.from(Array.from(document.getElementById('player').textTracks).find(t => t.mode === 'showing').cues)"
        ".map(c => c.text).join(' ')"
    )
    assert "handover log" in cues.lower()


def test_clicking_a_transcript_line_seeks(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + PAGES["resource"])
    _player_ready(page)
    page.evaluate("document.getElementById('player').muted = true")
    line = page.locator("#transcript .seek").nth(2)
    assert line.get_attribute("data-start") == str(PHRASE_START)
    line.click()
    page.wait_for_function(f"document.getElementById('player').currentTime >= {PHRASE_START - 0.05}", timeout=10_000)
    assert page.evaluate("document.getElementById('player').currentTime") < PHRASE_START + 3
    page.wait_for_function("document.querySelectorAll('#transcript .seek')[2].getAttribute('aria-current') === 'true'")


def test_search_finds_a_spoken_phrase_and_lands_on_its_second(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + PAGES["home"])
    page.fill("#q", PHRASE)
    hit = page.locator("#results ul a").first
    hit.wait_for(timeout=5_000)
    assert "next shift must watch" in hit.inner_text()
    assert hit.get_attribute("href") == f"r/shift-handover-basics/index.html#t={PHRASE_START}"
    hit.click()
    page.wait_for_url(f"**/r/shift-handover-basics/index.html#t={PHRASE_START}")
    _player_ready(page)
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {PHRASE_START}) < 0.3", timeout=10_000
    )
    assert page.locator("#transcript .seek[aria-current=true] .line").inner_text().startswith("What ran, what stopped")


def test_title_matches_rank_first(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + PAGES["home"] + "?q=running+fault")
    page.locator("#results > li").first.wait_for(timeout=5_000)
    titles = page.locator("#results .hit-title").all_inner_texts()
    assert titles[0] == "Handing over a running fault"


def test_a_settled_search_is_logged_as_search_gif(page, server) -> None:  # type: ignore[no-untyped-def]
    url, requests = server
    page.goto(url + PAGES["home"])
    seen = len(requests)
    page.type("#q", "handover log", delay=30)  # keystrokes closer than the debounce: one search, one request
    page.wait_for_timeout(2_500)
    logged = [parse_qs(urlsplit(r).query) for r in requests[seen:] if urlsplit(r).path == "/search.gif"]
    assert logged == [{"q": ["handover log"], "n": ["2"]}]


def test_the_index_loads_only_when_someone_reaches_for_search(page, server) -> None:  # type: ignore[no-untyped-def]
    url, requests = server
    start = len(requests)
    page.goto(url + PAGES["home"])
    page.wait_for_load_state("networkidle")
    seen = len(requests)
    assert "/search-index.js" in {urlsplit(r).path for r in requests[start:]}
    assert not any(urlsplit(r).path.startswith("/search/") for r in requests[start:])  # no part of the index yet
    page.focus("#q")
    page.wait_for_function("!!window.CAPTURE_INDEX_TERMS")  # the listing of the index's parts, and only that
    parts = {urlsplit(r).path for r in requests[seen:] if urlsplit(r).path.startswith("/search/")}
    assert parts == {"/" + page.evaluate("window.CAPTURE_INDEX.terms")}


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_accessibility_problems_and_screenshots(browser, server, name: str) -> None:  # type: ignore[no-untyped-def]
    url, _ = server
    check_page(browser, url, PAGES[name] + ("?q=handover" if name == "home" else ""), name)


def serious_violations(page) -> list[tuple[str, str, list[object]]]:  # type: ignore[no-untyped-def]
    """What axe-core finds serious or critical on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def check_page(browser, url: str, path: str, name: str) -> None:  # type: ignore[no-untyped-def]
    """At 390 and 1280 px: a screenshot; no sideways scroll and no serious axe finding on the phone;
    nothing from outside."""
    assert AXE.is_file(), "axe-core is missing: `make test` installs it with npm into node_modules/"
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((390, 844), (1280, 800)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        outside: list[str] = []

        def note_outside(request, outside: list[str] = outside) -> None:  # type: ignore[no-untyped-def]
            if not request.url.startswith((url, "data:", "blob:")):
                outside.append(request.url)

        page.on("request", note_outside)
        page.goto(url + path)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}x{height}.png"), full_page=True)
        if width == 390:
            assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
            assert serious_violations(page) == []
        assert outside == []
        context.close()


def test_paged_lists_are_accessible(browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A role's level and an expert's clips over several pages (pages of 3 here, of 48 in a real build)."""
    import datetime as dt

    from pipeline.site.build import build_site
    from pipeline.workspace.paths import Workspace
    from tests.support import paged_library

    root = paged_library(tmp_path / "lib", monkeypatch)
    build_site(Workspace(root), today=dt.date(2026, 11, 22))
    httpd = make_server(root / "site", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        check_page(browser, url, "role/quality/beginner/2/index.html", "list")
        check_page(browser, url, "expert/expert-00/7/index.html", "expert-paged")
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_keyboard_reaches_the_transcript_with_visible_focus(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + PAGES["resource"])
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('seek')"):
            break
    else:
        pytest.fail("Tab never reached a transcript line")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


# --- The worker's phone (issue 14) -------------------------------------------------------------

PHONES = {"phone": (390, 844), "small-phone": (320, 640), "landscape-phone": (844, 390), "desktop": (1280, 800)}
ACTIVE_CUES = (
    "Array.from(document.getElementById('player').textTracks).filter(t => t.mode === 'showing')"
    ".map(t => t.activeCues ? t.activeCues.length : 0)"
)
IN_VIEW = """() => { const box = document.querySelector('.player').getBoundingClientRect();
  return Math.max(0, Math.min(box.bottom, innerHeight) - Math.max(box.top, 0)) / box.height; }"""
AUDIO_ID = "handing-over-a-running-fault"


@pytest.fixture(scope="module")
def audio_site(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with one clip marked audio-only (a recording without a picture), built."""
    from tests.support import run_capture

    root = tmp_path_factory.mktemp("audio") / "ws"
    shutil.copytree(demo_workspace, root, ignore=shutil.ignore_patterns("site"))
    catalogue = root / "resources.yaml"
    entry = f"  - id: {AUDIO_ID}\n"
    catalogue.write_text(catalogue.read_text().replace(entry, entry + "    audio_only: true\n", 1))
    built = run_capture("build", cwd=root, timeout=120)
    assert built.returncode == 0, built.stderr
    return root / "site"


def _seek_paused(page, seconds: float) -> None:  # type: ignore[no-untyped-def]
    page.evaluate(
        "s => new Promise(done => { const v = document.getElementById('player');"
        " v.addEventListener('seeked', done, {once: true}); v.currentTime = s; })",
        seconds,
    )


def test_one_cue_on_screen_after_any_seek(page, base: str) -> None:  # type: ignore[no-untyped-def]
    """Cues touch: a seek to the second one cue ends and the next starts used to show both."""
    page.goto(base + PAGES["resource"] + f"#t={PHRASE_START}")
    _player_ready(page)
    page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {PHRASE_START}) < 0.3")
    page.wait_for_function(ACTIVE_CUES + ".some(n => n > 0)", timeout=10_000)
    assert page.evaluate(ACTIVE_CUES) == [1]
    for seconds in (7.0, 9.1, 5.1, 13.18, 9.1, 0.0):
        _seek_paused(page, seconds)
        assert page.evaluate(ACTIVE_CUES) == [1], seconds
    page.evaluate("document.getElementById('player').muted = true")
    for index in (1, 2, 1):
        page.locator("#transcript .seek").nth(index).click()
        page.wait_for_timeout(300)
        assert max(page.evaluate(ACTIVE_CUES)) <= 1


def test_the_player_stays_in_view_while_the_transcript_scrolls(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    """A portrait clip at phone sizes, sideways and on a desktop: tapping the third line keeps at
    least half of the player on screen, and no page scrolls sideways."""
    ARTIFACTS.mkdir(exist_ok=True)
    kind = "file" if base.startswith("file:") else "http"
    for name, (width, height) in PHONES.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(base + PAGES["resource"])
        _player_ready(page)
        page.evaluate("document.getElementById('player').muted = true")
        page.locator("#transcript .seek").nth(2).click()
        page.wait_for_function(f"document.getElementById('player').currentTime >= {PHRASE_START - 0.05}")
        page.screenshot(path=str(ARTIFACTS / f"player-{name}-{kind}.png"))
        assert page.evaluate(IN_VIEW) >= 0.5, name
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        assert page.locator("#seek-note").is_hidden()  # this host seeks
        context.close()


def test_an_audio_resource_has_a_usable_player(browser, audio_site: Path) -> None:  # type: ignore[no-untyped-def]
    for width, height in (PHONES["phone"], PHONES["small-phone"]):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(audio_site.as_uri() + f"/r/{AUDIO_ID}/index.html")
        _player_ready(page)
        box = page.locator("audio#player").bounding_box()
        assert box is not None and box["height"] >= 30 and box["width"] >= width / 2
        page.evaluate("document.getElementById('player').muted = true")
        page.locator("#transcript .seek").nth(1).click()
        page.wait_for_function("!document.getElementById('player').paused")
        assert page.evaluate(IN_VIEW) >= 0.5
        page.screenshot(path=str(ARTIFACTS / f"audio-{width}x{height}.png"))
        context.close()


def _line_in_view(page) -> bool:  # type: ignore[no-untyped-def]
    """The highlighted transcript line is inside the viewport and not under the (sticky) player."""
    return bool(
        page.evaluate(
            "() => { const b = document.querySelector('#transcript .seek[aria-current=true]');"
            " if (!b) return false; const r = b.getBoundingClientRect();"
            " const p = document.querySelector('.player').getBoundingClientRect();"
            " const under = r.left < p.right && p.left < r.right && r.top < p.bottom && p.top < r.bottom;"
            " return r.top >= 0 && r.bottom <= innerHeight && !under; }"
        )
    )


def test_a_search_hit_lands_on_the_words_and_back_restores_it(page, base: str) -> None:  # type: ignore[no-untyped-def]
    """ "fault codes" finds "the fault code" (stems); the hit opens at its line, in view under the player,
    one tap plays from there; the query is in the address, so Back shows the results again."""
    page.goto(base + PAGES["home"])
    page.fill("#q", "fault codes")
    hit = page.locator("#results ul a").first
    hit.wait_for(timeout=5_000)
    assert "fault code" in hit.inner_text()
    assert hit.locator("mark").all_inner_texts()[:2] == ["fault", "code"]
    start = float(hit.get_attribute("href").split("#t=")[1])
    page.wait_for_function("location.search === '?q=fault%20codes'")
    hit.click()
    _player_ready(page)
    page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {start}) < 1", timeout=10_000)
    assert _line_in_view(page)
    assert page.evaluate(IN_VIEW) >= 0.5
    assert page.evaluate("document.getElementById('player').paused")
    page.evaluate("document.getElementById('player').muted = true")
    page.locator("#transcript .seek[aria-current=true]").click()  # one tap plays from the line
    page.wait_for_function("!document.getElementById('player').paused")
    assert abs(page.evaluate("document.getElementById('player').currentTime") - start) < 1
    page.go_back()
    page.locator("#results ul a").first.wait_for(timeout=5_000)
    assert page.input_value("#q") == "fault codes"


def test_a_hit_link_lands_in_view_at_every_size(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    """What a search hit opens (``#t=`` on the page) for the portrait clip's last line, the hardest
    to bring under a tall player: at phone sizes, sideways and on a desktop."""
    for name, (width, height) in PHONES.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(base + PAGES["resource"] + f"#t={LAST_START}")
        _player_ready(page)
        page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {LAST_START}) < 1")
        assert page.locator("#transcript .seek").last.get_attribute("aria-current") == "true"
        assert _line_in_view(page), name
        assert page.evaluate(IN_VIEW) >= 0.5, name
        context.close()


def test_any_query_string_is_handled_and_filters_narrow_the_hits(page, base: str) -> None:  # type: ignore[no-untyped-def]
    from pipeline.site.search import stem
    from tests.test_search import STEMS

    page.goto(base + PAGES["home"] + "?q=%E0%A4%A&level=%&role")  # the page fixture fails on any script error
    page.wait_for_function("document.getElementById('search-status').textContent.startsWith('No clips')")
    assert page.input_value("#q") == "%E0%A4%A"
    assert page.evaluate("words => words.map(window.CAPTURE_SEARCH.stem)", list(STEMS)) == [stem(w) for w in STEMS]
    page.goto(base + PAGES["home"] + "?q=handover&role=shift-lead")
    page.locator("#results > li").first.wait_for(timeout=5_000)
    assert page.input_value("#role") == "shift-lead"
    assert page.locator("#results .hit-title").all_inner_texts() == [
        "Shift handover basics",
        "When no shift lead arrives",
    ]
    assert page.locator("#search-status").inner_text() == "2 clips (for shift lead) match “handover”."
    page.select_option("#level", "advanced")
    page.wait_for_function("location.search === '?q=handover&level=advanced&role=shift-lead'")
    assert page.locator("#results .hit-title").all_inner_texts() == ["When no shift lead arrives"]
    page.select_option("#role", "line-operator")
    page.wait_for_function("document.getElementById('search-status').textContent.startsWith('No clips')")
    assert page.locator("#search-status").inner_text() == "No clips (advanced, for line operator) match “handover”."


@pytest.fixture(scope="module")
def rangeless(demo_site: Path) -> Iterator[str]:
    """The site from a host that ignores byte ranges (Python's plain file server): no seeking."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(demo_site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_the_small_things_at_320_px(browser, rangeless: str) -> None:  # type: ignore[no-untyped-def]
    """A visible note where the host cannot seek, no sideways scroll, an icon that loads, and
    portrait posters shown whole on cards."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.goto(rangeless + PAGES["resource"] + f"#t={PHRASE_START}")  # first, so no cached copy can seek
    note = page.locator("#seek-note")
    note.wait_for(state="visible", timeout=10_000)
    assert note.inner_text() == "This site’s host cannot jump to a moment in a clip, so it plays from the start."
    box = note.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 640
    page.screenshot(path=str(ARTIFACTS / "rangeless-320x640.png"))
    for name, path in PAGES.items():
        page.goto(rangeless + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, name
        assert page.locator("header .find button, #search button").first.bounding_box()["x"] + 40 <= 320, name
        icon = page.evaluate("document.querySelector('link[rel=icon]').href")
        assert page.request.get(icon).status == 200
    assert failed == []
    page.goto(rangeless + PAGES["role"])
    page.wait_for_function(
        "Array.from(document.querySelectorAll('.card img')).every(i => i.complete && i.naturalWidth)"
    )
    posters = page.evaluate(
        "Array.from(document.querySelectorAll('.card img')).map(i => "
        "[i.naturalHeight > i.naturalWidth, getComputedStyle(i).objectFit])"
    )
    assert [True, "contain"] in posters  # a portrait poster, letterboxed, never cropped
    assert all(fit == "contain" for _, fit in posters)
    context.close()


def _play_muted_from(page, seconds: str) -> None:  # type: ignore[no-untyped-def]
    page.evaluate(
        "() => { const v = document.getElementById('player'); v.muted = true;"
        f" v.currentTime = {seconds}; return v.play(); }}"
    )


def test_progress_is_kept_on_the_device(page, base: str) -> None:  # type: ignore[no-untyped-def]
    """Reached from a journey, a clip shows that journey's practice task and next clip; played to its
    end it offers the next one and is ticked as watched on the journey page; one left half-way
    offers to resume there."""
    page.goto(base + "j/handover-for-operators/index.html")
    page.locator(".card a").first.click()
    page.wait_for_url("**/r/shift-handover-basics/index.html")
    _player_ready(page)
    shown = page.locator(".in-journey:not([hidden])")
    assert shown.count() == 1
    assert "Practice: Fill in the handover log with your shift lead" in shown.inner_text()
    assert shown.locator(".next-in-journey").inner_text() == "Handing over a running fault"
    _play_muted_from(page, "v.duration - 1")
    page.wait_for_function("document.getElementById('player').ended", timeout=15_000)
    page.locator("#up-next").wait_for(state="visible")
    assert page.locator("#up-next").inner_text() == "Next in this journey: Handing over a running fault"
    assert serious_violations(page) == []  # the journey's box and the banner shown
    page.goto(base + "j/handover-for-operators/index.html")
    assert page.locator(".card .tick").all_inner_texts() == ["✓ Watched"]
    assert serious_violations(page) == []
    page.locator(".card a").nth(1).click()  # the operators' last step: no shift-lead clip as "next"
    page.wait_for_url(f"**/r/{AUDIO_ID}/index.html")
    assert page.locator(".in-journey:not([hidden])").inner_text().endswith("This is the journey’s last clip.")
    assert page.locator("#next").is_hidden()
    page.goto(base + f"r/{AUDIO_ID}/index.html")  # not reached from a journey: the clip's own next steps
    assert page.locator("#next").is_visible() and page.locator(".in-journey:not([hidden])").count() == 0
    page.goto(base + f"r/{AUDIO_ID}/index.html")
    _player_ready(page)
    _play_muted_from(page, "6")
    page.wait_for_function("document.getElementById('player').currentTime > 7", timeout=10_000)
    page.evaluate("document.getElementById('player').pause()")
    page.goto(base + f"r/{AUDIO_ID}/index.html")
    resume = page.locator("#resume")
    resume.wait_for(state="visible")
    assert resume.inner_text().startswith("▶ Resume from 0:0")
    resume.click()
    page.wait_for_function("document.getElementById('player').currentTime > 6.5", timeout=10_000)
    page.goto(base + PAGES["role"])
    assert sorted(page.locator(".card .tick").all_inner_texts()) == ["Part-watched", "✓ Watched"]


def test_all_clips_with_level_and_kind_filters(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + PAGES["home"])
    page.click("text=All 3 clips, with level and kind filters")
    titles = page.locator(".card-title").all_inner_texts()
    assert titles == ["Handing over a running fault", "Shift handover basics", "When no shift lead arrives"]
    page.click(".chips a:has-text('Beginner')")
    page.wait_for_url("**/clips/beginner/any-kind/index.html")
    assert page.locator(".card-title").all_inner_texts() == ["Shift handover basics"]
    assert page.locator(".chips .none").all_inner_texts() == ["Theory (0)", "Strategy (0)"]  # no empty lists
    page.click(".chips a:has-text('Skill')")
    page.wait_for_url("**/clips/beginner/skill/index.html")
    assert page.locator("h1").inner_text() == "All clips: Beginner · Skill"
    page.click(".chips a:has-text('Any level')")
    page.wait_for_url("**/clips/any-level/skill/index.html")
    assert page.locator(".card-title").all_inner_texts() == ["Handing over a running fault", "Shift handover basics"]
    page.click(".chips a:has-text('Shift lead')")
    page.wait_for_url("**/role/shift-lead/index.html")
