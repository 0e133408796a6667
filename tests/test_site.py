"""The site build: layout, content, links, and incremental writes keyed by content."""

from __future__ import annotations

import datetime as dt
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from benchmarks.site import POSTER, make_library, resource_id
from pipeline.errors import BuildError, CaptureError, ShrinkRefusedError
from pipeline.site.build import build_site, feedback_link, jpeg_size
from pipeline.site.catalogue_cache import load_catalogue_cached, split_entries
from pipeline.workspace.catalogue import Resource
from pipeline.workspace.paths import Workspace
from pipeline.workspace.slugs import person_slug
from tests.support import REPO, paged_library, run_capture

TODAY = dt.date(2026, 11, 22)
OUTSIDE = re.compile(r"""(?:src|href|action|poster)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|//)""", re.I)


def build(root: Path):  # type: ignore[no-untyped-def]
    return build_site(Workspace(root), today=TODAY)


def snapshot(site: Path) -> dict[str, tuple[int, int]]:
    """Every file's (inode, mtime_ns): a rewrite changes at least one of them."""
    return {
        p.relative_to(site).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in site.rglob("*") if p.is_file()
    }


def changed(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> set[str]:
    return {rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel)}


def retitle(root: Path, rid: str, title: str) -> None:
    """Give one resource a new title in resources.yaml, as a person editing the file would."""
    catalogue = root / "resources.yaml"
    text = catalogue.read_text()
    at = text.index("    title: ", text.index(f"  - id: {rid}\n"))
    catalogue.write_text(text[:at] + f"    title: {title}" + text[text.index("\n", at) :])


def search_text(site: Path) -> str:
    """Every row of the search index that its listing counts, one after the other."""
    listing = (site / "search-index.js").read_text()
    count = int(re.search(r'"n":(\d+)', listing).group(1))  # type: ignore[union-attr]
    rows = [site / "search" / "r" / f"{n}.js" for n in range(count)]
    assert re.search(r'"terms":"(search/terms-[0-9a-f]+\.js)"', listing) and all(row.is_file() for row in rows)
    return "".join(row.read_text() for row in rows)


def search_files(rels: set[str]) -> set[str]:
    """The search index's files among ``rels``, set aside: what a change rewrites there is tested in test_search."""
    return {rel for rel in rels if rel.startswith("search/")}


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = make_library(tmp_path / "lib", 12, lines=4)
    build(root)
    return root


def test_layout_has_every_page_type(library: Path) -> None:
    site = library / "site"
    for rel in (
        "index.html",
        "feed.xml",
        "search-index.js",
        "search.gif",
        "static/style.css",
        "static/site.js",
        "static/search.js",
        f"r/{resource_id(0)}/index.html",
        f"r/{resource_id(0)}/captions.vtt",
        f"media/{resource_id(0)}/video.mp4",
        f"media/{resource_id(0)}/poster.jpg",
        "j/journey-0/index.html",
        "role/shift-lead/index.html",
        "expert/expert-00/index.html",
    ):
        assert (site / rel).is_file(), rel
    assert (site / "search.gif").read_bytes().startswith(b"GIF89a")


def test_media_is_hard_linked_not_copied(library: Path) -> None:
    source = library / "media" / resource_id(3) / "video.mp4"
    assert os.path.samefile(source, library / "site" / "media" / resource_id(3) / "video.mp4")


def test_noop_rebuild_writes_nothing(library: Path) -> None:
    before = snapshot(library / "site")
    result = build(library)
    assert (result.written, result.removed) == (0, 0)
    assert result.unchanged == len(before)
    assert changed(before, snapshot(library / "site")) == set()


def test_one_transcript_edit_rewrites_only_its_pages(library: Path) -> None:
    rid = resource_id(5)
    path = library / "transcripts" / f"{rid}.md"
    path.write_text(path.read_text() + "[00:30.0] Lift the guard before you clear the jam.\n")
    before = snapshot(library / "site")
    result = build(library)
    rewritten = changed(before, snapshot(library / "site"))
    assert rewritten - search_files(rewritten) == {
        f"r/{rid}/index.html",
        f"r/{rid}/captions.vtt",
        f"r/{rid}/embed.html",  # the embed shows the transcript too
        "j/journey-0/offline.json",  # its journey's offline manifest lists the page's new key and size
        "search-index.js",
    }
    # and in the search index its row, the listing and the buckets of the new line's words
    assert "search/r/5.js" in rewritten and len(search_files(rewritten)) <= 2 * (2 + 8)
    assert result.written + result.removed == len(rewritten)  # a renamed file of the index: the new in, the old out
    assert "Lift the guard before you clear the jam." in search_text(library / "site")


def test_one_title_edit_rewrites_the_pages_that_show_it(library: Path) -> None:
    rid = resource_id(5)  # clip 5 needs clip 1 first, and clip 9 needs clip 5
    retitle(library, rid, "Clearing a jam safely")
    before = snapshot(library / "site")
    build(library)
    rewritten = changed(before, snapshot(library / "site"))
    assert {
        f"r/{rid}/index.html",
        f"r/{resource_id(1)}/index.html",
        f"r/{resource_id(9)}/index.html",
        "search-index.js",
        "feed.xml",
        "index.html",
        "expert/expert-05/index.html",
    } <= rewritten
    assert any(rel.startswith("search/") for rel in rewritten)
    assert not any(rel.startswith("media/") or rel.startswith("static/") for rel in rewritten)
    assert f"r/{resource_id(3)}/index.html" not in rewritten  # it shows neither its card nor its title
    for rel in rewritten:
        if (
            rel.endswith((".html", ".js"))
            and rel not in (f"r/{rid}/index.html", "search-index.js")
            and not rel.startswith(("j/", "search/b/", "search/terms-"))  # postings and listing, no titles
            and (library / "site" / rel).exists()
        ):
            assert "Clearing a jam safely" in (library / "site" / rel).read_text(), rel


def test_changed_media_is_linked_again(library: Path) -> None:
    rid = resource_id(4)
    video = library / "media" / rid / "video.mp4"
    replacement = video.with_name("video.new")
    replacement.write_bytes(b"a different, longer video file")
    os.replace(replacement, video)  # as the media stage writes: a new file renamed into place
    (video.parent / "meta.json").write_text('{"key": "fake:re-encoded"}')
    before = snapshot(library / "site")
    build(library)
    assert f"media/{rid}/video.mp4" in changed(before, snapshot(library / "site"))
    assert os.path.samefile(video, library / "site" / "media" / rid / "video.mp4")


def test_removed_resource_removes_its_pages(library: Path) -> None:
    rid = resource_id(11)
    catalogue = library / "resources.yaml"
    text = catalogue.read_text()
    catalogue.write_text(text[: text.index(f"  - id: {rid}\n")])
    before = snapshot(library / "site")
    result = build(library)
    assert not (library / "site" / "r" / rid).exists()
    assert not (library / "site" / "media" / rid).exists()
    gone = set(before) - set(snapshot(library / "site"))
    # its page, captions, embed, video, poster, the page of its only expert; its row of the search index
    assert len(gone - search_files(gone)) == 6 and "search/r/11.js" in gone
    assert result.removed == len(gone)


def test_failed_build_leaves_the_site_as_it_was(library: Path) -> None:
    before = snapshot(library / "site")
    path = library / "transcripts" / f"{resource_id(2)}.md"
    path.write_text(path.read_text() + "[00:01.0] A line out of order.\n")
    with pytest.raises(BuildError) as caught:
        build(library)
    message = str(caught.value)  # the transcript module words the problem; the build names the resource
    assert message.startswith(f"{resource_id(2)}: {resource_id(2)}.md:11: [00:01.0] comes before "), message
    assert message.endswith("keep the times in order"), message
    assert changed(before, snapshot(library / "site")) == set()
    assert not (library / ".site.staging").exists()


def test_cli_build_reports_a_bad_transcript(library: Path) -> None:
    path = library / "transcripts" / f"{resource_id(2)}.md"
    path.write_text("no front matter\n")
    result = run_capture("build", cwd=library)
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: {resource_id(2)}: {resource_id(2)}.md:1: expected '---' to open the front "
        "matter; restore the header block\n"
    )


def test_cli_build_says_what_it_did(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPTURE_TODAY", TODAY.isoformat())  # the day the fixture built on, whatever today is
    result = run_capture("build", cwd=library)
    assert result.returncode == 0, result.stderr
    # 34 pages before the 8 lists of the all-clips page and the subscribe page (issue 14)
    assert "Built 55 pages for 12 resources into site/ (nothing changed, " in " ".join(result.stdout.split())


def test_cli_build_counts_in_the_singular(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPTURE_TODAY", TODAY.isoformat())
    root = make_library(tmp_path / "one", 1, lines=2)
    build(root)
    (root / "site" / "r" / resource_id(0) / "index.html").unlink()
    result = run_capture("build", cwd=root)
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stdout.split())
    assert " pages for 1 resource into site/ (1 file written, 0 removed, " in said, said


def test_the_day_comes_from_capture_today(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.clock import today

    monkeypatch.setenv("CAPTURE_TODAY", "2026-11-20")
    assert today() == dt.date(2026, 11, 20)
    monkeypatch.setenv("CAPTURE_TODAY", "20 November")
    with pytest.raises(CaptureError) as caught:
        today()
    assert str(caught.value) == "CAPTURE_TODAY: expected a date as YYYY-MM-DD, got '20 November'; fix it or unset it"


def test_a_pinned_day_decides_what_is_new(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPTURE_TODAY", "2026-11-24")  # two days after the fixture's build
    result = run_capture("build", cwd=library)
    assert result.returncode == 0, result.stderr
    html = (library / "site" / "index.html").read_text()
    assert ">New this week</h2>" in html
    assert html.count('<li class="card">') == 5  # captured 2026-11-18 to 2026-11-22
    monkeypatch.setenv("CAPTURE_TODAY", "2027-06-01")  # months after every clip: none is new this week
    assert run_capture("build", cwd=library).returncode == 0
    html = (library / "site" / "index.html").read_text()
    assert ">Newest</h2>" in html
    assert html.count('<li class="card">') == 6  # the newest few instead


SHRINK_MESSAGE = (
    "Error: resources.yaml: {after} where the site has 12; a catalogue that lost {which} of its resources since "
    "the last build may be empty or half-saved, so the site is left as it was; check resources.yaml, or run "
    "`capture build --allow-shrink` to publish it as it is\n"
)


def test_an_empty_catalogue_is_not_published(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPTURE_TODAY", TODAY.isoformat())
    before = snapshot(library / "site")
    (library / "resources.yaml").write_text("")  # : > resources.yaml
    result = run_capture("build", cwd=library)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == SHRINK_MESSAGE.format(after="0 resources", which="all")
    assert changed(before, snapshot(library / "site")) == set()
    confirmed = run_capture("build", "--allow-shrink", cwd=library)
    assert confirmed.returncode == 0, confirmed.stderr
    assert "for 0 resources into site/" in " ".join(confirmed.stdout.split())
    assert not (library / "site" / "r").exists()


def test_a_half_saved_catalogue_is_not_published(library: Path) -> None:
    catalogue = library / "resources.yaml"
    text = catalogue.read_text()
    catalogue.write_text(text[: text.index(f"  - id: {resource_id(5)}\n")])  # an editor stopped halfway: 5 of 12 left
    before = snapshot(library / "site")
    with pytest.raises(ShrinkRefusedError) as caught:
        build(library)
    assert f"Error: {caught.value}\n" == SHRINK_MESSAGE.format(after="5 resources", which="most")
    assert changed(before, snapshot(library / "site")) == set()
    catalogue.write_text(text[: len(text) * 3 // 10])  # cut mid-entry, as a crashed save leaves it
    with pytest.raises(ShrinkRefusedError):
        build(library)
    assert changed(before, snapshot(library / "site")) == set()
    catalogue.write_text(text[: text.index(f"  - id: {resource_id(5)}\n")])
    assert build_site(Workspace(library), today=TODAY, allow_shrink=True).resources == 5


def test_a_few_resources_removed_on_purpose_still_build(library: Path) -> None:
    catalogue = library / "resources.yaml"
    text = catalogue.read_text()
    catalogue.write_text(text[: text.index(f"  - id: {resource_id(6)}\n")])  # half of them: not "most"
    assert build(library).resources == 6


def test_losing_most_of_a_small_site_is_not_a_shrink() -> None:
    from pipeline.site.build import check_shrink

    check_shrink(4, 1)  # three lost: fewer than a handful
    check_shrink(10, 5)  # half
    for before, after in ((1, 0), (3, 0), (10, 4), (10_000, 2_000)):
        with pytest.raises(ShrinkRefusedError):
            check_shrink(before, after)


def assert_links_resolve(site: Path) -> None:
    for page in site.rglob("*.html"):
        html = page.read_text()
        assert not OUTSIDE.search(html.replace('href="mailto:', 'href="')), page
        for link in re.findall(r'(?:href|src|poster)="([^"]+)"', html):
            if link.startswith("mailto:"):
                continue
            assert not link.startswith("/"), (page, link)
            target = (page.parent / link.split("#")[0].split("?")[0]).resolve()
            assert target.exists(), (page.relative_to(site), link)


def test_links_are_relative_and_resolve(library: Path) -> None:
    assert_links_resolve(library / "site")


def test_role_page_puts_prerequisites_first(library: Path) -> None:
    html = (library / "site" / "role" / "line-operator" / "index.html").read_text()
    found = re.findall(r'href="\.\./\.\./r/(clip-\d+)/', html)
    catalogue = load_catalogue_cached(library / "resources.yaml", library / ".capture" / "site" / "catalogue.pickle")
    position = {rid: found.index(rid) for rid in found}
    for resource in catalogue.resources:
        if resource.id in position:
            for need in resource.prerequisites:
                if need in position and catalogue.find(need).level == resource.level:  # type: ignore[union-attr]
                    assert position[need] < position[resource.id]


def card_ids(html: str) -> list[str]:
    return re.findall(r'<li class="card">\s*<a href="(?:\.\./)+r/(clip-\d+)/', html)


@pytest.fixture
def long_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = paged_library(tmp_path / "lib", monkeypatch)
    build(root)
    return root


def test_long_lists_are_paged_in_order(long_lists: Path) -> None:
    from pipeline.site.build import gather

    site = long_lists / "site"
    model = gather(Workspace(long_lists), dt.date(2026, 11, 22))
    levels = model.role_levels("quality")
    role_page = (site / "role" / "quality" / "index.html").read_text()
    assert len(card_ids(role_page)) == sum(min(len(views), 2) for views in levels.values())  # two of each level
    assert role_page.count("<h1>") == 1 and role_page.count("</html>") == 1
    for level, views in levels.items():
        expected = [v.resource.id for v in views]
        if not expected:
            continue
        section = role_page[role_page.index(f'<h2 id="{level}">') :]
        assert card_ids(section)[:2] == expected[:2]
        assert f'<a href="{level}/index.html">All {len(expected)} {level} clips for Quality ›</a>' in section
        paged = []
        for number in range(1, -(-len(expected) // 3) + 1):
            path = site / "role" / "quality" / level / ("" if number == 1 else str(number)) / "index.html"
            html = path.read_text()
            assert len(card_ids(html)) <= 3
            assert f"page {number} of {-(-len(expected) // 3)}" in html
            paged += card_ids(html)
        assert paged == expected  # every clip once, prerequisites first, across the pages
    assert_links_resolve(site)


def test_an_experts_forty_clips_are_fourteen_pages(long_lists: Path) -> None:
    site = long_lists / "site" / "expert" / "expert-00"
    assert sorted(int(p.parent.name) for p in site.glob("*/index.html")) == list(range(2, 15))
    html = (site / "7" / "index.html").read_text()
    assert "Thank you, Expert 00, for sharing 40 clips" in html
    assert "Clips 19–21 of 40 · page 7 of 14" in html
    assert '<a href="../../../expert/expert-00/6/index.html" rel="prev">' in html
    assert '<a href="../../../expert/expert-00/index.html" aria-label="Page 1">1</a>' in html
    assert 'aria-current="page">7</a>' in html
    assert html.count('class="gap"') == 2  # 1 2 … 5 6 7 8 9 … 13 14
    last = (site / "14" / "index.html").read_text()
    assert "Clips 40–40 of 40" in last and 'rel="next"' not in last


def test_a_title_edit_rewrites_one_page_of_a_long_list(long_lists: Path) -> None:
    retitle(long_lists, resource_id(30), "Clearing a jam safely")
    before = snapshot(long_lists / "site")
    build(long_lists)
    expert_pages = {rel for rel in changed(before, snapshot(long_lists / "site")) if rel.startswith("expert/")}
    assert expert_pages == {"expert/expert-00/11/index.html"}  # the 31st clip: page 11 of 3 a page


def test_pager_shows_the_ends_and_the_pages_around() -> None:
    from pipeline.site.build import pager

    assert pager(1, 1) == [1]
    assert pager(4, 9) == list(range(1, 10))
    assert pager(1, 20) == [1, 2, 3, None, 19, 20]
    assert pager(10, 20) == [1, 2, None, 8, 9, 10, 11, 12, None, 19, 20]
    assert pager(20, 20) == [1, 2, None, 18, 19, 20]


def test_resource_page_content(library: Path) -> None:
    rid = resource_id(5)
    html = (library / "site" / "r" / rid / "index.html").read_text()
    assert '<html lang="en">' in html
    assert '<track kind="captions" src="captions.vtt" srclang="en" label="Captions" default>' in html
    assert 'poster="../../media/clip-00005/poster.jpg"' in html
    assert 'width="640" height="360"' in html  # from the poster: the box keeps the video's shape
    assert '<script type="application/json" id="cues">' in html
    assert html.count('class="seek"') == 4
    assert "mailto:learning@example.com?subject=Feedback%20on%20" in html and "%28clip-00005%29" in html
    assert 'href="../../expert/expert-05/index.html">Expert 05</a>' in html
    assert "<dt>What</dt>" in html and "<dt>Why</dt>" in html and "<dt>When</dt>" in html and "<dt>Who</dt>" in html
    assert "Watch first" in html and "Next steps" in html
    assert 'Updated <time datetime="2026-11-17">' in html
    assert '<span class="badge">Draft</span>' in html


def test_drafts_can_be_kept_off_the_site(library: Path) -> None:
    catalogue = library / "resources.yaml"
    catalogue.write_text(catalogue.read_text().replace("publish_drafts: true", "publish_drafts: false"))
    approved = library / "transcripts" / f"{resource_id(0)}.md"
    approved.write_text(approved.read_text().replace("status: draft", "status: approved"))
    result = build(library)
    site = library / "site"
    assert 'class="seek"' not in (site / "r" / resource_id(1) / "index.html").read_text()
    assert not (site / "r" / resource_id(1) / "captions.vtt").exists()
    assert 'class="seek"' in (site / "r" / resource_id(0) / "index.html").read_text()
    assert f"{resource_id(1)}: draft transcript not published (site.publish_drafts is false)" in result.warnings
    row = next(line for line in search_text(site).splitlines() if f'"{resource_id(1)}"' in line)
    assert row.endswith('[],""];')


@pytest.mark.parametrize("written", ["'approved'", '"approved"'])
def test_a_quoted_approved_status_is_approved(library: Path, written: str) -> None:
    """The site reads the header with the transcript format's reader, as `capture status` does."""
    from pipeline.speech.transcript import read_transcript

    catalogue = library / "resources.yaml"
    catalogue.write_text(catalogue.read_text().replace("publish_drafts: true", "publish_drafts: false"))
    path = library / "transcripts" / f"{resource_id(0)}.md"
    path.write_text(path.read_text().replace("status: draft", f"status: {written}"))
    assert read_transcript(path).status == "approved"  # what `capture status` reads
    result = build(library)
    html = (library / "site" / "r" / resource_id(0) / "index.html").read_text()
    assert f"{resource_id(0)}: draft transcript not published (site.publish_drafts is false)" not in result.warnings
    assert 'class="seek"' in html
    meta = html[html.index('<p class="meta">') : html.index("</p>", html.index('<p class="meta">'))]
    assert '<span class="badge ok">Reviewed</span>' in meta
    assert (library / "site" / "r" / resource_id(0) / "captions.vtt").is_file()


def test_a_video_path_cut_to_its_folder_is_missing_media(tmp_path: Path) -> None:
    root = make_library(tmp_path / "lib", 3, lines=2)
    rid = resource_id(1)
    catalogue = root / "resources.yaml"
    catalogue.write_text(catalogue.read_text().replace(f"video: media/{rid}/video.mp4", f"video: media/{rid}"))
    result = build(root)  # was: "Is a directory", from linking the folder into the site
    assert f"{rid}: media is missing; run `capture add` on its clip again to rebuild it" in result.warnings
    assert sorted(p.name for p in (root / "site" / "media" / rid).iterdir()) == ["poster.jpg"]
    assert (root / "site" / "r" / rid / "index.html").is_file()


def test_feed_is_atom_with_relative_links(library: Path) -> None:
    root = ET.parse(library / "site" / "feed.xml").getroot()  # noqa: S314 - the feed this build just wrote
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 12
    assert entries[0].find("a:link", ns).get("href") == f"r/{resource_id(0)}/index.html"  # type: ignore[union-attr]
    assert entries[0].find("a:updated", ns).text == "2026-11-22T00:00:00Z"  # type: ignore[union-attr]
    assert root.find("a:id", ns).text.startswith("urn:uuid:")  # type: ignore[union-attr]


def test_home_is_search_first_with_new_and_roles(library: Path) -> None:
    html = (library / "site" / "index.html").read_text()
    assert html.index('id="q"') < html.index('id="journeys"') < html.index('id="new"') < html.index('id="browse"')
    assert ">New this week</h2>" in html
    assert html.count('<li class="card">') == 7  # captured in the 7 days up to today
    assert 'href="role/shift-lead/index.html#advanced"' in html
    assert '<script src="search-index.js"></script>' in html


def test_feedback_link_forms() -> None:
    resource = Resource(id="jam-clearing", title="Clearing a jam")
    assert feedback_link("", resource) == ""
    assert feedback_link("mailto:l@example.com", resource) == (
        "mailto:l@example.com?subject=Feedback%20on%20Clearing%20a%20jam%20%28jam-clearing%29"
    )
    assert (
        feedback_link("https://forms.example.com/f?x=1", resource)
        == "https://forms.example.com/f?x=1&resource=jam-clearing"
    )
    assert feedback_link("https://forms.example.com/f/{id}", resource) == "https://forms.example.com/f/jam-clearing"
    assert feedback_link("javascript:alert(1)", resource) == ""


def test_jpeg_size_reads_the_frame_header(tmp_path: Path) -> None:
    path = tmp_path / "poster.jpg"
    path.write_bytes(POSTER)
    assert jpeg_size(path) == (640, 360)
    path.write_bytes(b"not a jpeg")
    assert jpeg_size(path) is None


def test_expert_slugs_are_readable() -> None:
    # Issue 12: the site's own slugify dropped letters with accents ("zo-o-brien"); one slug module now.
    assert person_slug("Priya Nair") == "priya-nair"
    assert person_slug("  Zoë O'Brien ") == "zoe-o-brien"
    assert person_slug("!!!").startswith("expert-")


def test_split_entries_finds_each_resource() -> None:
    text = "title: x\n# note\nresources:\n  - id: a\n    title: A\n\n  # between\n  - id: b\n    roles:\n      - x\n"
    header, chunks = split_entries(text)  # type: ignore[misc]
    assert header == "title: x\n# note\n"
    assert chunks == ["  - id: a\n    title: A\n\n  # between\n", "  - id: b\n    roles:\n      - x\n"]
    assert split_entries("title: x\nresources:\n  - id: a\nother: 1\n") is None


def test_cached_catalogue_matches_the_full_load(library: Path) -> None:
    from pipeline.workspace.catalogue import load_catalogue

    cache = library / ".capture" / "site" / "catalogue.pickle"
    cached = load_catalogue_cached(library / "resources.yaml", cache)
    full = load_catalogue(library / "resources.yaml")
    for a, b in zip(cached.resources, full.resources, strict=True):
        b.line = None
        assert a == b
    assert cached.settings == full.settings


def test_cached_catalogue_reports_errors_with_lines(library: Path) -> None:
    from pipeline.errors import CatalogueError

    catalogue = library / "resources.yaml"
    catalogue.write_text(catalogue.read_text().replace("level: advanced", "level: expert", 1))
    with pytest.raises(CatalogueError) as caught:
        load_catalogue_cached(catalogue, library / ".capture" / "site" / "catalogue.pickle")
    assert re.fullmatch(
        r"resources\.yaml:\d+: resources\[2\]\.level: expected beginner, intermediate or advanced, "
        r"got 'expert'",
        caught.value.problems[0],
    )


def test_demo_site_has_every_sample(demo_site: Path) -> None:
    html = (demo_site / "index.html").read_text()
    for rid in ("shift-handover-basics", "handing-over-a-running-fault", "when-no-shift-lead-arrives"):
        assert (demo_site / "r" / rid / "index.html").is_file()
        assert (demo_site / "media" / rid / "video.mp4").stat().st_size > 10_000
    assert 'href="j/handover-for-operators/index.html"' in html


def test_published_captions_are_the_ones_the_expert_reviewed(demo_workspace: Path) -> None:
    """The site's captions use whisper's word timings, as the review page and `capture captions` do."""
    from pipeline.speech.captions import format_vtt
    from pipeline.speech.review import resource_cues
    from pipeline.speech.transcript import read_transcript
    from pipeline.workspace.catalogue import load_catalogue

    workspace = Workspace(demo_workspace)
    checked = 0
    for resource in load_catalogue(workspace.catalogue_path).resources:
        assert workspace.words_path(resource.id).is_file()
        transcript = read_transcript(workspace.root / str(resource.transcript))
        reviewed = format_vtt(resource_cues(workspace, resource, transcript))
        assert (demo_workspace / "site" / "r" / resource.id / "captions.vtt").read_text() == reviewed, resource.id
        checked += 1
    assert checked == 3


def test_new_word_timings_rebuild_the_captions(library: Path) -> None:
    import json

    from pipeline.speech.transcript import read_transcript

    rid = resource_id(4)
    line = read_transcript(library / "transcripts" / f"{rid}.md").lines[0]
    words = line.text.split()
    # Said fast, then a long pause: the cue ends with the words, not at the reading-speed estimate.
    timed = [[round(line.start + 0.2 * i, 3), round(line.start + 0.2 * i + 0.15, 3), w] for i, w in enumerate(words)]
    before = snapshot(library / "site")
    words_path = Workspace(library).words_path(rid)
    words_path.parent.mkdir(parents=True, exist_ok=True)
    words_path.write_text(json.dumps({"id": rid, "segments": [{"words": timed}]}))
    build(library)
    assert changed(before, snapshot(library / "site")) == {
        f"r/{rid}/captions.vtt",
        f"r/{rid}/index.html",
        f"r/{rid}/embed.html",  # the embed's cues too
        "j/journey-0/offline.json",  # the journey's offline manifest: the new keys and sizes
    }


def test_server_answers_byte_ranges(library: Path) -> None:
    import threading
    import urllib.request

    from pipeline.serve.preview import make_server

    seen: list[tuple[str, int]] = []
    server = make_server(library / "site", 0, on_request=lambda path, status: seen.append((path, status)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        video = (library / "site" / "media" / resource_id(0) / "video.mp4").read_bytes()
        request = urllib.request.Request(base + f"media/{resource_id(0)}/video.mp4", headers={"Range": "bytes=4-11"})
        with urllib.request.urlopen(request) as response:
            assert response.status == 206
            assert response.headers["Content-Range"] == f"bytes 4-11/{len(video)}"
            assert response.read() == video[4:12]
        with urllib.request.urlopen(base + "search.gif?q=jam&n=3") as response:
            assert response.read().startswith(b"GIF89a")
    finally:
        server.shutdown()
        server.server_close()
    assert (f"/media/{resource_id(0)}/video.mp4", 206) in seen and ("/search.gif?q=jam&n=3", 200) in seen


def test_watcher_rebuilds_on_change_and_keeps_the_last_good_site(library: Path) -> None:
    from pipeline.serve.preview import Watcher

    results: list[tuple[object, object]] = []
    watcher = Watcher(Workspace(library), lambda: build(library), lambda result, error: results.append((result, error)))
    assert watcher.check() is False
    path = library / "transcripts" / f"{resource_id(3)}.md"
    path.write_text(path.read_text() + "[00:40.0] Count the cartons twice.\n")
    assert watcher.check() is True
    # Its page, captions and embed, its journey's offline manifest; in the search index its row, the
    # listing that names the buckets of "count", "the", "carton" and "twice", those four buckets and
    # search-index.js.
    assert results[-1][1] is None and results[-1][0].written == 4 + 2 + 4 + 1  # type: ignore[union-attr]
    page = (library / "site" / "r" / resource_id(3) / "index.html").read_text()
    assert "Count the cartons twice." in page
    path.write_text("broken\n")
    assert watcher.check() is True
    assert isinstance(results[-1][1], BuildError)
    assert (library / "site" / "r" / resource_id(3) / "index.html").read_text() == page


def test_capture_serve_serves_on_loopback(library: Path) -> None:
    import subprocess
    import sys
    import urllib.request

    process = subprocess.Popen(
        [sys.executable, "-m", "capture", "serve", "--port", "0", "--no-watch"],
        cwd=library,
        env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        match = re.search(r"Serving site/ at (http://127\.0\.0\.1:\d+/) \(loopback only\)", line)
        assert match, line
        with urllib.request.urlopen(match.group(1) + "index.html") as response:
            assert b"Benchmark know-how" in response.read()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_noop_rebuild_keeps_its_warnings(library: Path) -> None:
    (library / "media" / resource_id(7) / "video.mp4").unlink()
    first = build(library)
    again = build(library)
    assert again.written == 0
    assert (
        again.warnings
        == first.warnings
        == [f"{resource_id(7)}: media is missing; run `capture add` on its clip again to rebuild it"]
    )


def test_a_deleted_site_file_is_written_again(library: Path) -> None:
    (library / "site" / "r" / resource_id(2) / "index.html").unlink()
    result = build(library)
    assert result.written == 1
    assert (library / "site" / "r" / resource_id(2) / "index.html").is_file()


def test_ordering_is_fast_and_puts_prerequisites_first() -> None:
    import time

    from pipeline.workspace.ordering import order_by_prerequisites

    resources = [
        Resource(
            id=f"r{i}",
            title="t",
            level=("beginner", "advanced")[i % 2],
            prerequisites=[f"r{i + 1}"] if i % 3 == 0 and i + 1 < 6000 else [],
        )
        for i in range(6000)
    ]
    started = time.process_time()
    ordered = [r.id for r in order_by_prerequisites(resources)]
    assert time.process_time() - started < 1.0
    place = {rid: index for index, rid in enumerate(ordered)}
    assert sorted(ordered) == sorted(r.id for r in resources)
    assert all(place[f"r{i + 1}"] < place[f"r{i}"] for i in range(0, 5999, 3))


def test_parallel_rendering_gives_the_same_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.site import output as site_output

    sequential = make_library(tmp_path / "one", 12, lines=4)
    build(sequential)
    parallel = make_library(tmp_path / "many", 12, lines=4)
    monkeypatch.setattr(site_output, "PARALLEL_MIN", 5)
    monkeypatch.setattr(site_output.os, "cpu_count", lambda: 2)
    build(parallel)

    def pages(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in root.rglob("*")
            if p.is_file() and not p.name.endswith((".mp4", ".jpg"))
        }

    assert pages(sequential / "site") == pages(parallel / "site")


def test_an_error_in_a_worker_stops_the_build(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.site import output as site_output

    monkeypatch.setattr(site_output, "PARALLEL_MIN", 5)
    monkeypatch.setattr(site_output.os, "cpu_count", lambda: 2)
    (library / "resources.yaml").write_text((library / "resources.yaml").read_text().replace("Bench Ltd", "Bench plc"))
    (library / "transcripts" / f"{resource_id(6)}.md").write_text("---\nid: x\n")
    before = snapshot(library / "site")
    with pytest.raises(BuildError) as caught:
        build(library)
    assert str(caught.value) == (
        f"{resource_id(6)}: {resource_id(6)}.md:1: the front matter is not closed; add a line '---' after it"
    )
    assert changed(before, snapshot(library / "site")) == set()


def _order_by_definition(resources: list[Resource]) -> list[str]:
    """The ordering's definition, quadratic: place the first resource, by (level, catalogue order),
    whose known prerequisites are all placed; when none can go, the rest keep their order."""
    from pipeline.workspace.catalogue import LEVELS

    rank = {level: index for index, level in enumerate(LEVELS)}
    position = {r.id: index for index, r in enumerate(resources)}
    known = {r.id for r in resources}
    pending = sorted(resources, key=lambda r: (rank.get(r.level or "", len(LEVELS)), position[r.id]))
    placed: list[str] = []
    while pending:
        for index, resource in enumerate(pending):
            if all(p in placed for p in resource.prerequisites if p in known and p != resource.id):
                placed.append(pending.pop(index).id)
                break
        else:
            placed.extend(r.id for r in pending)
            break
    return placed


def test_fast_ordering_matches_its_definition() -> None:
    import random

    from pipeline.workspace.catalogue import LEVELS
    from pipeline.workspace.ordering import order_by_prerequisites

    rng = random.Random(11)
    for _ in range(800):
        ids = [f"r{i}" for i in range(rng.randint(0, 10))]
        resources = [
            Resource(
                id=rid,
                title=rid,
                level=rng.choice([*LEVELS, None]),
                prerequisites=rng.sample([*ids, "unknown"], rng.randint(0, min(3, len(ids)))),
            )
            for rid in ids
        ]  # cycles and self-references included
        assert [r.id for r in order_by_prerequisites(resources)] == _order_by_definition(resources)


def test_a_page_rendered_again_reads_its_cues_back_from_the_site(library: Path) -> None:
    rid = resource_id(4)
    path = library / "transcripts" / f"{rid}.md"
    path.write_text(path.read_text() + '[00:31.0] Keep 3 < 4 & 5 > 2 in mind, and "quote" it.\n')
    build(library)
    page = library / "site" / "r" / rid / "index.html"
    first = page.read_bytes()
    page.unlink()
    from pipeline.site import build as site

    calls: list[str] = []
    real = site.ResourceView._cues.func  # type: ignore[attr-defined]
    site.ResourceView._cues.func = lambda view: calls.append(view.resource.id) or real(view)  # type: ignore[attr-defined]
    try:
        assert build(library).written == 1
    finally:
        site.ResourceView._cues.func = real  # type: ignore[attr-defined]
    assert page.read_bytes() == first
    assert calls == []  # no cue was planned again: they came from captions.vtt


def test_parse_vtt_reads_what_format_vtt_wrote() -> None:
    from pipeline.site.build import parse_vtt
    from pipeline.speech.captions import format_vtt, make_cues
    from pipeline.speech.transcript import parse_transcript

    transcript = parse_transcript(
        "---\nid: a\n---\n[00:00.0] Keep 3 < 4 & 5 > 2 in mind.\n"
        "[00:04.5] A much longer line that has to be split over two lines of a cue at least.\n"
    )
    cues = make_cues(transcript, 12.0)
    assert parse_vtt(format_vtt(cues)) == [(c.start, c.end, c.text) for c in cues]


def test_a_role_id_that_is_not_url_safe_gets_no_page(library: Path) -> None:
    from pipeline.workspace.catalogue import load_catalogue

    catalogue = library / "resources.yaml"
    text = catalogue.read_text()
    catalogue.write_text(text.replace("roles: [line-operator", "roles: ['../../escape', line-operator", 1))
    try:
        load_catalogue(catalogue)
    except CaptureError:
        pytest.skip("the catalogue refuses such a role id before the site sees it")
    result = build(library)
    assert not (library / "escape").exists() and not (library / "site" / "escape").exists()
    assert result.pages == 55  # 34 before the 8 all-clips lists and subscribe.html (issue 14), 12 embeds (issue 18)
    assert "../../escape" in (library / "site" / "r" / resource_id(0) / "index.html").read_text()


def test_dates_on_pages_read_as_people_read_them() -> None:
    from pipeline.site.render import day

    assert [day("2026-11-22"), day("2026-01-05T18:44+00:00"), day("not a date"), day("")] == [
        "22 Nov 2026",
        "5 Jan 2026",
        "not a date",
        "",
    ]
