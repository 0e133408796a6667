"""The search index split by term: words as the browser cuts them, postings, buckets, rows, facets,
incremental builds, and in Chromium what a first search on a 10,000-resource site downloads."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from benchmarks.search import ROLES, entries
from benchmarks.site import WORDS, make_library, resource_id
from pipeline.site.build import build_site
from pipeline.site.search import SearchEntry, encode_entry, encode_starts, fold, index_script, row_script, stem, words
from pipeline.site.searchfiles import index_files
from pipeline.site.terms import (
    SPLIT_CHARS,
    bucket_scripts,
    buckets_for,
    decode_postings,
    entry_said,
    entry_terms,
    facets_script,
    file_name,
    group_terms,
    postings,
    read_varints,
    varint,
)
from pipeline.speech.transcript import Line
from pipeline.workspace.catalogue import KINDS, LEVELS
from pipeline.workspace.paths import Workspace

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
BUDGET = 300_000  # bytes, gzipped: issue 14's first search at 10,000 resources


def entry(lines: list[Line], **changes: object) -> SearchEntry:
    fields = {
        "id": "jam-clearing",
        "title": "Clearing a jam",
        "summary": "Stop, lock out, clear.",
        "level": "beginner",
        "duration": 83.4,
        "has_poster": True,
        "reviewed": False,
        "lines": lines,
    }
    fields.update(changes)
    return SearchEntry(**fields)  # type: ignore[arg-type]


@dataclass
class ChapterLine(Line):
    """A transcript line as the chapters work gives it: the name of the chapter it opens, if any."""

    chapter: str = ""


def test_starts_are_gaps_in_tenths() -> None:
    assert encode_starts([Line(0.0, "a"), Line(5.1, "b"), Line(9.14, "c"), Line(83.0, "d")]) == [0, 51, 40, 739]


def test_a_row_holds_every_line_once() -> None:
    row = json.loads(encode_entry(entry([Line(0.0, "Stop  the belt."), Line(4.5, "Lock it out.")], reviewed=True)))
    assert row == [
        "jam-clearing",
        "Clearing a jam",
        "Stop, lock out, clear.",
        "beginner",
        83,
        3,
        [0, 45],
        "Stop the belt.\nLock it out.",
    ]


def test_a_row_names_the_lines_that_open_chapters() -> None:
    lines = [
        ChapterLine(0.0, "Hello.", "What"),
        ChapterLine(4.0, "It jams."),
        ChapterLine(9.0, "Because.", " Why\tit\n"),
    ]
    assert json.loads(encode_entry(entry(lines)))[8] == [[0, "What"], [2, "Why it"]]


def test_no_text_can_close_the_script() -> None:
    hostile = "say </script><script>alert(1)</script>"
    script = row_script(7, entry([Line(1.0, hostile)], title="</SCRIPT>"))
    assert "</" not in script
    prefix = "(window.CAPTURE_INDEX_ROWS=window.CAPTURE_INDEX_ROWS||{})[7]="
    assert script.startswith(prefix) and script.endswith(";\n")
    assert json.loads(script[len(prefix) : -2].replace("<\\/", "</"))[7] == hostile
    buckets = bucket_scripts(postings([entry_said(entry([Line(1.0, hostile)]))]))
    assert all("</" not in text for text in buckets.values())


def test_search_index_js_names_only_the_listing() -> None:
    script = index_script("search/terms-0123456789.js", 300)
    assert script == 'window.CAPTURE_INDEX={"v":3,"n":300,"terms":"search/terms-0123456789.js"};\n'


def test_folding_keeps_letters_and_digits_of_any_script() -> None:
    assert fold("  Naïve CAFÉ: fault-code_42!  ") == "naive cafe fault code 42"
    assert fold("Ступень №3 — 日本語 ΣΑΣ") == "ступень 3 日本語 σας"
    assert words("A 5-minute check, I said") == ["minute", "check", "said"]  # one-letter words are not indexed


def test_varints_round_trip_and_stay_short() -> None:
    values = [0, 1, 31, 32, 1023, 1024, 10_000, 2**31]
    text = "".join(varint(v) for v in values)
    assert read_varints(text) == values
    assert [len(varint(v)) for v in (0, 31, 32, 1023, 1024)] == [1, 1, 2, 2, 3]
    assert re.fullmatch(r"[0-9A-Za-z_-]+", text)  # nothing JSON or a script would escape


def test_postings_list_resources_and_lines() -> None:
    first = entry([Line(0.0, "Stop the belt."), Line(4.0, "Clear the fault codes."), Line(8.0, "A fault, cleared.")])
    second = entry([Line(0.0, "No faults here.")], id="other", title="Other", summary="")
    assert entry_terms(first)["fault"] == [3, 4]  # lines 0 and 1 are the title and the summary
    assert entry_terms(first)["clear"] == [0, 1, 3, 4]  # "Clearing", "clear", "Clear", "cleared"
    table = postings([entry_said(e) for e in (first, entry([Line(0.0, "nothing")], id="x"), second)])
    assert decode_postings(table["fault"]) == {0: [3, 4], 2: [2]}
    assert decode_postings(table["stop"]) == {0: [1, 2], 1: [1]}  # the summary of both


def test_a_bucket_holds_every_stem_its_two_letters_start() -> None:
    assert [file_name(p) for p in ("co", "code", "42", "ст", "日本", "a日")] == [
        "co",
        "code",
        "42",
        "u441-442",
        "u65e5-672c",
        "u61-65e5",
    ]
    table = postings([entry_said(entry([Line(0.0, "code coffee count")]))])
    names = sorted(bucket_scripts(table))
    assert "co" in names and "cl" in names and "ja" in names
    co = bucket_scripts(table)["co"]
    assert set(json.loads(co[co.index("]=") + 2 : -2])) == {"code", "coffee", "count"}


def test_a_big_bucket_is_split_by_one_more_letter() -> None:
    big, half = "1" * SPLIT_CHARS, "1" * (SPLIT_CHARS // 2)
    table = {"th": big, "the": half, "them": "11", "then": "11", "this": "1", "to": "1", "ты": "1"}
    assert group_terms(table) == {
        "th": {"th": big},
        "the": {"the": half, "them": "11", "then": "11"},
        "thi": {"this": "1"},
        "to": {"to": "1"},
        "ты": {"ты": "1"},
    }
    prefixes = group_terms(table)
    assert buckets_for("think", prefixes) == ["thi"]
    assert buckets_for("them", prefixes) == ["the"]
    assert buckets_for("th", prefixes) == ["th", "the", "thi"]  # a short word needs every bucket it starts
    assert buckets_for("zebra", prefixes) == []


def test_facets_are_a_few_characters_a_resource() -> None:
    made = [
        entry([], level="advanced", kind="theory", roles=("quality", "line-operator")),
        entry([], level="", kind="", roles=()),
        entry([], level="beginner", kind="skill", roles=("not-a-role",)),
    ]
    script = facets_script(made, roles=ROLES, levels=LEVELS, kinds=KINDS)
    facets = json.loads(script[script.index("=") + 1 : -2])
    assert facets["roles"] == list(ROLES) and facets["kinds"] == list(KINDS)
    # level 3 and kind 2 of 3: 3 * 4 + 2 = 14 ("e"); roles 0 and 3: 1 + 8 = 9
    assert facets["f"] == "e9" + "00" + "50"


# Words and the stems both copies of the stemmer must give (static/search.js has the twin).
STEMS = {
    "codes": "code",
    "code": "code",
    "faults": "fault",
    "batteries": "batter",
    "watches": "watch",
    "boxes": "box",
    "glasses": "glass",
    "running": "run",
    "walking": "walk",
    "closing": "clos",
    "stopped": "stop",
    "stuffed": "stuff",
    "dropping": "drop",
    "called": "call",
    "filled": "fill",
    "missed": "miss",
    "bus": "bus",
    "uses": "use",
    "status": "status",
    "analysis": "analysis",
    "is": "is",
    "red": "red",
    "sing": "sing",
    "": "",
}


def test_stems_only_cut_an_ending() -> None:
    assert {word: stem(word) for word in STEMS} == STEMS
    assert all(word.startswith(stem(word)) for word in STEMS)


def _search_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in (site / "search").rglob("*.js")}


def test_one_changed_line_rewrites_only_the_index_files_it_changes(tmp_path: Path) -> None:
    root = make_library(tmp_path / "lib", 12, lines=4)
    today = dt.date(2026, 11, 22)
    build_site(Workspace(root), today=today)
    before = _search_files(root / "site")
    path = root / "transcripts" / f"{resource_id(5)}.md"
    text = path.read_text()
    old = text.rstrip("\n").rsplit("\n", 1)[1]
    path.write_text(text.replace(old, old[: old.index("]") + 1] + " Zebra crossings first."))
    build_site(Workspace(root), today=today)
    after = _search_files(root / "site")
    changed = {rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel)}
    said = {stem(word) for word in words(old[old.index("]") + 1 :] + " zebra crossings first")}
    buckets = {rel for rel in changed if rel.startswith("search/b/")}
    for name in {rel.split("/")[2].rsplit("-", 1)[0] for rel in buckets}:  # only the buckets of those words
        assert any(term.startswith(name) for term in said), name
    assert changed - buckets == {
        "search/r/5.js",
        *(rel for rel in before.keys() | after.keys() if rel.startswith("search/terms-")),
    }
    assert len(buckets) <= 2 * len(said)  # each the new file in and the old one out
    assert len([rel for rel in before if rel.startswith("search/b/")]) - len(said) > 20  # the rest stay as they were


def test_the_cache_of_what_resources_say_is_disposable(tmp_path: Path) -> None:
    root = make_library(tmp_path / "lib", 6, lines=3)
    today = dt.date(2026, 11, 22)
    build_site(Workspace(root), today=today)
    cache = root / ".capture" / "site" / "search-terms.pickle"
    assert cache.is_file()
    first = _search_files(root / "site")
    cache.write_bytes(b"not a pickle")
    path = root / "transcripts" / f"{resource_id(2)}.md"
    path.write_text(path.read_text() + "[09:00.0] Zebra crossings first.\n")
    build_site(Workspace(root), today=today)
    after = _search_files(root / "site")
    zebra = next(text for rel, text in after.items() if rel.startswith("search/b/ze-"))
    assert decode_postings(json.loads(zebra[zebra.index(b"]=") + 2 : -2])["zebra"]) == {2: [2 + 3]}
    cache.unlink()  # and with no cache at all, the same index
    path.write_text(path.read_text().replace("[09:00.0] Zebra crossings first.\n", ""))
    build_site(Workspace(root), today=today)
    assert _search_files(root / "site") == first


def test_a_thousand_resources_make_small_buckets() -> None:
    made = entries(1000)
    table = postings([entry_said(e) for e in made])
    sizes = [len(gzip.compress(text.encode(), 6)) for text in bucket_scripts(table).values()]
    assert max(sizes) < 40_000  # a bucket of the 79-word vocabulary, every word in one line in eight
    assert set(decode_postings(table["fault"])) == {
        n
        for n, e in enumerate(made)
        if any("fault" in fold(t) for t in (e.title, e.summary, *(x.text for x in e.lines)))
    }


# In Chromium: a small real site whose search index is replaced by one of 10,000 resources.

LARGE = 10_000
ZEBRA = "Zebra crossings come first when you walk the line."


@pytest.fixture(scope="module")
def large_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_library(tmp_path_factory.mktemp("large") / "lib", 12, lines=4)
    build_site(Workspace(root), today=dt.date(2026, 11, 22))
    site = root / "site"
    made = entries(LARGE)
    lines = [ChapterLine(line.start, line.text) for line in made[7].lines]
    lines[3] = ChapterLine(lines[3].start, "Why it matters.", "Why it matters")
    lines[5] = ChapterLine(lines[5].start, ZEBRA)
    made[7] = SearchEntry(**{**made[7].__dict__, "id": resource_id(7), "lines": lines})
    shutil.rmtree(site / "search")
    for output in index_files(made, row_keys=[str(n) for n in range(LARGE)], roles=ROLES):
        target = site / output.rel
        target.parent.mkdir(parents=True, exist_ok=True)
        assert output.render is not None
        target.write_bytes(output.render())
    return site


@pytest.fixture(scope="module")
def large_server(large_site: Path) -> Iterator[tuple[str, list[str]]]:
    from pipeline.serve.preview import make_server

    requests: list[str] = []
    httpd = make_server(large_site, 0, on_request=lambda path, status: requests.append(path))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", requests
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(params=["http", "file"])
def large_base(request: pytest.FixtureRequest, large_site: Path) -> str:
    if request.param == "file":
        return large_site.as_uri() + "/"
    return str(request.getfixturevalue("large_server")[0])


def _open(browser, base: str, path: str = "index.html", *, width: int = 390, height: int = 844):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": width, "height": height})  # a fresh cache each time
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    return context, page, errors


SCRIPTS = "Array.from(document.querySelectorAll('script[src]')).map(s => s.getAttribute('src'))"


def _gzipped(site: Path, sources: list[str]) -> int:
    return sum(len(gzip.compress((site / urlsplit(src).path.lstrip("/")).read_bytes(), 6)) for src in sources)


def _settle(page) -> str:  # type: ignore[no-untyped-def]
    page.wait_for_function("/match/.test(document.getElementById('search-status').textContent)", timeout=30_000)
    return str(page.locator("#search-status").inner_text())


def _said(made: list[SearchEntry], token: str) -> set[int]:
    """The resources with a word that starts with ``token`` in their title, summary or lines."""
    return {
        n
        for n, e in enumerate(made)
        if any(w.startswith(token) for t in (e.title, e.summary, *(x.text for x in e.lines)) for w in fold(t).split())
    }


@pytest.mark.browser
@pytest.mark.parametrize("query", ["fault", "fault codes"])
def test_a_first_search_on_a_large_site_stays_under_budget(  # type: ignore[no-untyped-def]
    browser, large_site: Path, large_base: str, query: str, request: pytest.FixtureRequest
) -> None:
    requests = request.getfixturevalue("large_server")[1] if large_base.startswith("http") else []
    context, page, errors = _open(browser, large_base)
    seen = len(requests)
    loaded = page.evaluate(SCRIPTS)
    assert not [src for src in loaded if src.startswith("search/")]  # a visit that does not search loads none of it
    assert _gzipped(large_site, ["search-index.js"]) < 200
    page.fill("#q", query)
    status = _settle(page)
    if query == "fault":
        assert status == f"{len(_said(entries(LARGE), 'fault')):,}".replace(",", "") + (
            " clips match “fault”; showing the first 50."
        )
    fetched = [src for src in page.evaluate(SCRIPTS) if src not in loaded]
    buckets = [src for src in fetched if src.startswith("search/b/")]
    assert len(buckets) == len(query.split()) and len([s for s in fetched if s.startswith("search/r/")]) == 50
    spent = _gzipped(large_site, fetched)
    assert spent + _gzipped(large_site, ["search-index.js", "static/search.js"]) <= BUDGET, spent
    hit = page.locator("#results ul a").first
    assert re.fullmatch(r"r/clip-\d{5}/index\.html#t=\d+(\.\d)?", str(hit.get_attribute("href")))
    assert hit.locator("mark").first.inner_text().lower().startswith("fault")
    if requests:  # over http, what the server was asked for is exactly what the page added
        asked = [urlsplit(path) for path in requests[seen:]]
        assert sorted(p.path.lstrip("/") for p in asked if p.path.startswith("/search/")) == sorted(
            urlsplit(src).path for src in fetched
        )
    context.close()
    assert errors == []


@pytest.mark.browser
def test_a_visit_without_search_asks_for_no_index_file(browser, large_server: tuple[str, list[str]]) -> None:  # type: ignore[no-untyped-def]
    url, requests = large_server
    seen = len(requests)
    context, page, errors = _open(browser, url)
    page.focus("#q")  # reaching for the box loads the listing, and only that
    page.wait_for_function("!!window.CAPTURE_INDEX_TERMS")
    asked = {urlsplit(path).path for path in requests[seen:]}
    assert "/search-index.js" in asked
    assert {path for path in asked if path.startswith("/search/")} == {"/" + page.evaluate("CAPTURE_INDEX.terms")}
    context.close()
    assert errors == []


@pytest.mark.browser
def test_filters_narrow_by_level_kind_and_role(browser, large_base: str) -> None:  # type: ignore[no-untyped-def]
    made = entries(LARGE)
    context, page, errors = _open(browser, large_base, "index.html?q=fault&level=advanced&kind=theory&role=quality")
    assert page.input_value("#kind") == "theory"
    status = _settle(page)
    wanted = [
        n
        for n in _said(made, "fault")
        if made[n].level == "advanced" and made[n].kind == "theory" and "quality" in made[n].roles
    ]
    assert status == f"{len(wanted)} clips (advanced, theory, for quality) match “fault”; showing the first 50."
    assert page.evaluate("location.search") == "?q=fault&level=advanced&role=quality&kind=theory"
    page.select_option("#kind", "")
    page.wait_for_function("location.search === '?q=fault&level=advanced&role=quality'")
    context.close()
    assert errors == []


@pytest.mark.browser
def test_a_hit_names_its_chapter_and_hostile_queries_are_inert(browser, large_base: str) -> None:  # type: ignore[no-untyped-def]
    for width, height in ((390, 844), (320, 640)):
        context, page, errors = _open(browser, large_base, width=width, height=height)
        page.fill("#q", "zebra crossing")
        assert _settle(page) == "1 clip matches “zebra crossing”."
        jump = page.locator("#results ul a").first
        assert jump.locator(".hit-chapter").inner_text() == "in chapter: Why it matters"
        assert jump.locator("mark").all_inner_texts() == ["Zebra", "crossings"]
        assert jump.get_attribute("href") == f"r/{resource_id(7)}/index.html#t=25"
        page.screenshot(path=str(ARTIFACTS / f"search-chapter-{width}x{height}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        hostile = "<img src=x onerror=alert(1)>\u0007 " + "fault " * 1700
        page.fill("#q", hostile)
        page.wait_for_function("document.getElementById('search-status').textContent.indexOf('<img') >= 0")
        assert page.locator("#results img, #search-status img").count() == 0
        page.fill("#q", " ".join(WORDS))  # a pasted paragraph: the buckets of its first eight words at most
        page.wait_for_function("/clips? match “line shift/.test(document.getElementById('search-status').textContent)")
        loaded = {src.split("/")[2].rsplit("-", 1)[0] for src in page.evaluate(SCRIPTS) if src.startswith("search/b/")}
        tokens = [stem(word) for word in ["zebra", "crossing", "fault", *WORDS[:8]]]
        assert all(any(t.startswith(name) or name.startswith(t) for t in tokens) for name in loaded), loaded
        context.close()
        assert errors == []


HOSTILE = [
    "  Naïve CAFÉ: fault-code_42!  ",
    "Ступень №3 — 日本語 ΣΑΣ İstanbul",
    "x² Ⅻ ½ 𝒳𝒴 👍🏽 a\u0000b\u200bc\u0301",
    "<script>alert(1)</script> &amp; \t\n",
    "ab" * 5000,
]


@pytest.mark.browser
def test_the_browser_folds_and_buckets_words_as_the_index_does(browser, large_base: str) -> None:  # type: ignore[no-untyped-def]
    context, page, errors = _open(browser, large_base)
    assert page.evaluate("texts => texts.map(window.CAPTURE_SEARCH.fold)", HOSTILE) == [fold(t) for t in HOSTILE]
    stems = sorted({stem(w) for t in HOSTILE for w in words(t)})
    assert page.evaluate(
        "ws => ws.map(w => window.CAPTURE_SEARCH.stem(w))", sorted({w for t in HOSTILE for w in words(t)})
    ) == [stem(w) for w in sorted({w for t in HOSTILE for w in words(t)})]
    page.focus("#q")
    page.wait_for_function("!!window.CAPTURE_INDEX_TERMS")
    prefixes = list(page.evaluate("Object.keys(window.CAPTURE_INDEX_TERMS.b)"))
    assert any(len(p) > 2 for p in prefixes)  # at 10,000 resources some buckets are split
    assert page.evaluate("ps => ps.map(window.CAPTURE_SEARCH.fileName)", [*prefixes, *stems]) == [
        file_name(p) for p in [*prefixes, *stems]
    ]
    tokens = [*stems, "co", "cod", "code", "fau", "th", "zz", "constructor", "__proto__"]
    assert page.evaluate(
        "ts => ts.map(t => window.CAPTURE_SEARCH.bucketsFor(t, window.CAPTURE_INDEX_TERMS.b))", tokens
    ) == [buckets_for(t, prefixes) for t in tokens]
    context.close()
    assert errors == []
