"""Short links and the site's address (issue 18): codes given once, kept through renames, refused twice."""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capture.cli import app
from pipeline.serve.preview import make_server
from pipeline.site.build import build_site
from pipeline.workspace.catalogue import read_catalogue
from pipeline.workspace.check import check_workspace
from pipeline.workspace.codes import CODE_PATTERN, assign_codes
from pipeline.workspace.journeys import load_journeys
from pipeline.workspace.paths import Workspace
from tests.journey_workspace import edit, make_workspace
from tests.support import launch_chromium

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
ATOM = {"a": "http://www.w3.org/2005/Atom", "media": "http://search.yahoo.com/mrss/"}
runner = CliRunner()


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


def problems(root: Path) -> list[str]:
    return [str(p) for p in check_workspace(Workspace(root)).problems]


def with_url(root: Path, url: str) -> None:
    edit(root / "resources.yaml", "title: Test know-how\n", f"title: Test know-how\nsite:\n  url: '{url}'\n")


def codes_of(root: Path) -> dict[str, str]:
    catalogue = read_catalogue(root / "resources.yaml")
    found = {r.id: r.code for r in catalogue.resources}
    found.update({f"role:{r.id}": r.code for r in catalogue.settings.roles})
    found.update({f"journey:{j.id}": j.code for j in load_journeys(root / "journeys")})
    return found


def redirect_target(page: Path) -> str:
    """Where a short link's page leads: the same in its script, its refresh and its link."""
    html = page.read_text(encoding="utf-8")
    script = re.search(r'location\.replace\("([^"]+)" \+ location\.hash\)', html)
    refresh = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', html)
    link = re.search(r'<a href="([^"]+)">open it here</a>', html)
    assert script and refresh and link, html
    assert script.group(1) == refresh.group(1) == link.group(1)
    return script.group(1)


@pytest.mark.parametrize(
    ("url", "what"),
    [
        ("ftp://example.com/packing/", "expected an http:// or https:// address like "
         "'https://learning.example.com/packing/', got 'ftp://example.com/packing/'"),
        ("learning.example.com/packing/", "expected an http:// or https:// address like "
         "'https://learning.example.com/packing/', got 'learning.example.com/packing/'"),
        ("https://example.com/packing/?v=2", "the address 'https://example.com/packing/?v=2' has a query ('?…'); "
         "give the site's folder alone, like 'https://learning.example.com/packing/'"),
        ("https://example.com/packing/#top", "the address 'https://example.com/packing/#top' has a fragment "
         "('#…'); give the site's folder alone, like 'https://learning.example.com/packing/'"),
        ("https://example.com/packing", "the address 'https://example.com/packing' does not end with '/'; "
         "write 'https://example.com/packing/', so links made from it stay inside the site"),
        ("https:///packing/", "the address 'https:///packing/' has no host name; write it in full, "
         "like 'https://learning.example.com/packing/'"),
    ],
)  # fmt: skip
def test_a_bad_site_url_says_what_is_wrong_with_it(ws: Path, url: str, what: str) -> None:
    with_url(ws, url)
    assert problems(ws) == [f"resources.yaml:3: error: site.url: {what}"]
    result = runner.invoke(app, ["--workspace", str(ws), "check"])
    assert result.exit_code == 1


def test_a_good_site_url_is_no_problem(ws: Path) -> None:
    with_url(ws, "https://learning.example.com/packing/")
    assert problems(ws) == []
    assert read_catalogue(ws / "resources.yaml").settings.site.url == "https://learning.example.com/packing/"


def test_the_feed_links_are_absolute_when_the_site_url_is_set(ws: Path) -> None:
    with_url(ws, "https://learning.example.com/packing/")
    build_site(Workspace(ws))
    root = ET.parse(ws / "site" / "feed.xml").getroot()  # noqa: S314 - the feed this build just wrote
    site = "https://learning.example.com/packing/"
    links = {link.get("rel"): link.get("href") for link in root.findall("a:link", ATOM)}
    assert links == {"self": f"{site}feed.xml", "alternate": f"{site}index.html"}
    entry = next(e for e in root.findall("a:entry", ATOM) if e.findtext("a:title", "", ATOM) == "Handover basics")
    assert {link.get("rel"): link.get("href") for link in entry.findall("a:link", ATOM)} == {
        "alternate": f"{site}r/basics/index.html"
    }
    categories = [(c.get("scheme"), c.get("term")) for c in entry.findall("a:category", ATOM)]
    assert categories == [(None, "beginner"), ("role", "operator"), ("role", "lead")]
    assert "site.url is not set" not in (ws / "site" / "feed.xml").read_text()


def test_the_feed_says_why_its_links_are_relative_without_a_site_url(ws: Path) -> None:
    build_site(Workspace(ws))
    feed = (ws / "site" / "feed.xml").read_text()
    assert "<!-- site.url is not set in resources.yaml, so these links are relative to this feed's address" in feed
    root = ET.fromstring(feed)  # noqa: S314 - the feed this build just wrote
    assert root.find("a:link[@rel='self']", ATOM).get("href") == "feed.xml"  # type: ignore[union-attr]


def test_links_gives_every_thing_a_code_once_and_keeps_comments(ws: Path) -> None:
    edit(ws / "resources.yaml", "resources:\n", "resources:  # the clips\n")
    result = runner.invoke(app, ["--workspace", str(ws), "links"])
    assert result.exit_code == 0, result.output
    first = codes_of(ws)
    assert len(first) == 7 and all(CODE_PATTERN.match(code) for code in first.values())
    assert len(set(first.values())) == 7
    assert "Gave 7 new short codes; commit resources.yaml and journeys/ to keep them." in result.stdout
    assert "resources:  # the clips\n" in (ws / "resources.yaml").read_text()
    assert f"{first['basics']}  resource  basics  Handover basics  s/{first['basics']}/" in result.stdout
    assert "site.url is not set in resources.yaml, so these are relative; QR codes (`capture print`) need it.\n" in (
        result.stdout
    )
    again = runner.invoke(app, ["--workspace", str(ws), "links"])
    assert again.exit_code == 0 and "Gave" not in again.stdout
    assert codes_of(ws) == first
    assert problems(ws) == []


def test_check_refuses_two_things_claiming_one_code(ws: Path) -> None:
    edit(ws / "resources.yaml", "    transcript: transcripts/basics.md\n", "    transcript: transcripts/basics.md\n"
         "    code: K7QM2\n")  # fmt: skip
    edit(ws / "journeys" / "leads.yaml", "title: For leads\n", "title: For leads\ncode: K7QM2\n")
    assert problems(ws) == [
        "journeys/leads.yaml:2: error: code: the code 'K7QM2' is already claimed by the resource 'basics' "
        "(resources.yaml:15: resources[0].code); one code leads to one page, so remove it here or there "
        "and run `capture links` for a new one",
    ]
    assert runner.invoke(app, ["--workspace", str(ws), "check"]).exit_code == 1


def test_check_refuses_a_malformed_code_and_an_alias_that_is_a_live_id(ws: Path) -> None:
    edit(ws / "resources.yaml", "    prerequisites: [faults]\n", "    prerequisites: [faults]\n"
         "    code: k7qm0\n    aliases: [basics, nul]\n")  # fmt: skip
    assert problems(ws) == [
        "resources.yaml:25: error: resources[2].code: expected a short code of 4 to 8 of "
        "23456789ABCDEFGHJKMNPQRSTUVWXYZ, got 'k7qm0'; remove it and run `capture links` to be given one",
        "resources.yaml:26: error: resources[2].aliases[0]: 'basics' is the id of a resource, so r/basics/ is "
        "its page; remove the alias",
        "resources.yaml:26: error: resources[2].aliases[1]: 'nul' is a name Windows reserves, so r/nul/ cannot be "
        "copied to a file share; remove the alias",
    ]


def rename(root: Path, old: str, new: str) -> None:
    """Rename a resource as a person would: its id, its steps, and its old id kept as an alias."""
    edit(root / "resources.yaml", f"  - id: {old}\n", f"  - id: {new}\n    aliases: [{old}]\n")
    edit(root / "resources.yaml", "    title: Escalation\n", "    title: When to call the engineer\n")
    edit(root / "journeys" / "leads.yaml", f"advanced: [{old}]", f"advanced: [{new}]")


def test_a_renamed_resource_keeps_its_short_link(ws: Path, tmp_path: Path) -> None:
    assign_codes(Workspace(ws))
    code = codes_of(ws)["escalation"]
    build_site(Workspace(ws))
    site = ws / "site"
    assert redirect_target(site / "s" / code / "index.html") == "../../r/escalation/index.html"
    codes = codes_of(ws)
    assert redirect_target(site / "s" / codes["role:lead"] / "index.html") == "../../role/lead/index.html"
    assert redirect_target(site / "s" / codes["journey:leads"] / "index.html") == "../../j/leads/index.html"
    assert len(list((site / "s").iterdir())) == 7
    rename(ws, "escalation", "calling-the-engineer")
    assert problems(ws) == []
    assert codes_of(ws)["calling-the-engineer"] == code  # the code is the entry's, not its id's
    build_site(Workspace(ws))
    assert redirect_target(site / "s" / code / "index.html") == "../../r/calling-the-engineer/index.html"
    assert redirect_target(site / "r" / "escalation" / "index.html") == "../../r/calling-the-engineer/index.html"
    assert "Short link" not in (site / "r" / "calling-the-engineer" / "index.html").read_text()  # no site.url
    assert not (site / "r" / "escalation" / "captions.vtt").exists()


@pytest.mark.browser
def test_an_old_short_link_opens_the_renamed_clip_at_its_moment_over_http_and_file(ws: Path) -> None:
    from playwright.sync_api import sync_playwright

    assign_codes(Workspace(ws))
    code = codes_of(ws)["escalation"]
    rename(ws, "escalation", "calling-the-engineer")
    with_url(ws, "https://learning.example.com/packing/")
    build_site(Workspace(ws))
    site = ws / "site"
    ARTIFACTS.mkdir(exist_ok=True)
    httpd = make_server(site, 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    http = f"http://127.0.0.1:{httpd.server_address[1]}/"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for width, height in ((390, 844), (320, 640)):
                page = browser.new_page(viewport={"width": width, "height": height})
                for start in (f"{site.as_uri()}/s/{code}/index.html", f"{site.as_uri()}/r/escalation/index.html",
                              f"{http}s/{code}/", f"{http}r/escalation/"):  # fmt: skip
                    page.goto(start + "#t=90")
                    page.wait_for_url("**/r/calling-the-engineer/index.html#t=90")
                    assert page.locator("h1").inner_text() == "When to call the engineer"
                    short = page.locator(".short-link").inner_text()
                    assert short == f"https://learning.example.com/packing/s/{code}/"
                    assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(path=str(ARTIFACTS / f"short-link-{width}x{height}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
            httpd.shutdown()
            httpd.server_close()


def test_a_merged_resource_keeps_the_old_code_it_lists(ws: Path) -> None:
    assign_codes(Workspace(ws))
    codes = codes_of(ws)
    text = (ws / "resources.yaml").read_text()
    start = text.index("  - id: escalation\n")
    (ws / "resources.yaml").write_text(text[:start])  # escalation merged into faults: its entry goes...
    edit(ws / "resources.yaml", f"    code: {codes['faults']}\n",
         f"    code: {codes['faults']}\n    aliases: [escalation, {codes['escalation']}]\n")  # fmt: skip
    edit(ws / "journeys" / "leads.yaml", "  advanced: [escalation]\n", "")
    build_site(Workspace(ws))
    site = ws / "site"
    assert redirect_target(site / "s" / codes["escalation"] / "index.html") == "../../r/faults/index.html"
    assert redirect_target(site / "r" / "escalation" / "index.html") == "../../r/faults/index.html"


def test_a_hostile_code_or_alias_makes_no_page_and_leaves_the_site_alone(ws: Path) -> None:
    edit(ws / "resources.yaml", "    prerequisites: [faults]\n", "    prerequisites: [faults]\n"
         f"    code: ../../../evil\n    aliases: ['../x', '<script>', {'x' * 10000}]\n")  # fmt: skip
    found = problems(ws)
    assert len(found) == 4 and all(": error: resources[2]." in p for p in found)
    build_site(Workspace(ws))
    made = sorted(p.relative_to(ws).as_posix() for p in ws.rglob("index.html") if "site/" not in p.as_posix())
    assert made == []
    assert not (ws / "site" / "s").exists()
    assert sorted(p.name for p in (ws / "site" / "r").iterdir()) == ["basics", "escalation", "faults"]
    result = runner.invoke(app, ["--workspace", str(ws), "print", "resource", "escalation"])
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: site.url is not set in resources.yaml, and a QR code needs the site's public address; "
        "add it under site:, like `url: https://learning.example.com/packing/`, then print again\n",
    )
    with_url(ws, "https://learning.example.com/packing/")
    result = runner.invoke(app, ["--workspace", str(ws), "print", "resource", "escalation"])
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: the short code '../../../evil' is malformed; run `capture check`, which says where it is\n",
    )


def test_a_role_written_as_a_word_and_a_commented_journey_get_codes_and_keep_their_shape(ws: Path) -> None:
    edit(ws / "resources.yaml", "  - id: lead\n    name: Lead\n    signals: [shift lead, duty manager]\n", "  - lead\n")
    edit(ws / "journeys" / "leads.yaml", "title: For leads\n", "# Who leads a shift.\ntitle: For leads  # shown\n")
    added = assign_codes(Workspace(ws))
    assert sorted(claim.id for claim in added) == ["basics", "escalation", "faults", "lead", "leads", "operator",
                                                   "operators"]  # fmt: skip
    codes = codes_of(ws)
    assert f"  - id: lead\n    code: {codes['role:lead']}\nresources:\n" in (ws / "resources.yaml").read_text()
    assert read_catalogue(ws / "resources.yaml").settings.role("lead").name == "lead"  # type: ignore[union-attr]
    journey = (ws / "journeys" / "leads.yaml").read_text()
    assert journey.startswith(f"# Who leads a shift.\ntitle: For leads  # shown\ncode: {codes['journey:leads']}\n")
    assert problems(ws) == []


def test_the_demo_feed_with_a_site_url_is_absolute_with_thumbnails_and_categories(
    demo_workspace: Path, tmp_path: Path
) -> None:
    import shutil

    root = tmp_path / "demo"
    shutil.copytree(demo_workspace, root, ignore=shutil.ignore_patterns("site", ".capture"), symlinks=True)
    site = "https://learning.example.com/packing/"
    edit(root / "resources.yaml", "  publish_drafts: true", f"  url: {site}\n  publish_drafts: true")
    assign_codes(Workspace(root))
    build_site(Workspace(root))
    code = codes_of(root)["shift-handover-basics"]
    page = (root / "site" / "r" / "shift-handover-basics" / "index.html").read_text()
    assert f'<dt>Short link</dt><dd><code class="short-link">{site}s/{code}/</code></dd>' in page
    feed = ET.parse(root / "site" / "feed.xml").getroot()  # noqa: S314 - the feed this build just wrote
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    entries = feed.findall("a:entry", ATOM)
    assert len(entries) == 3
    for entry in entries:
        links = {link.get("rel"): link.get("href") for link in entry.findall("a:link", ATOM)}
        rid = links["alternate"].removeprefix(f"{site}r/").removesuffix("/index.html")  # type: ignore[union-attr]
        assert links == {"alternate": f"{site}r/{rid}/index.html", "enclosure": f"{site}media/{rid}/poster.jpg"}
        thumbnail = entry.find("media:thumbnail", ATOM)
        assert thumbnail is not None and thumbnail.get("url") == f"{site}media/{rid}/poster.jpg"
        assert (root / "site" / "media" / rid / "poster.jpg").is_file()
        schemes = [c.get("scheme") for c in entry.findall("a:category", ATOM)]
        assert schemes[0] is None and schemes[1:] and set(schemes[1:]) == {"role"}  # the level, then the roles


def test_a_catalogue_cache_from_before_aliases_is_not_trusted(ws: Path) -> None:
    """A build's cached entries written by the code before `code` and `aliases` existed are parsed again."""
    import pickle

    build_site(Workspace(ws))
    cache = ws / ".capture" / "site" / "catalogue.pickle"
    _, header_key, settings, flat = pickle.loads(cache.read_bytes())  # noqa: S301 - the cache this build wrote
    for fields in flat.values():
        del fields["code"], fields["aliases"]
    cache.write_bytes(pickle.dumps((3, header_key, settings, flat)))  # as round 3's capture wrote it
    edit(ws / "resources.yaml", "title: Test know-how\n", "title: Test know-how!\n")  # the header only
    build_site(Workspace(ws))
    assert "Test know-how!" in (ws / "site" / "index.html").read_text()
