"""``capture print`` (issue 18): sheets of QR codes, every code decoded back to its short link."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from capture.cli import app
from pipeline.site.printsheet import PrintRequest, parse_moment, plan_sheet
from pipeline.workspace.catalogue import read_catalogue
from pipeline.workspace.journeys import load_journeys
from pipeline.workspace.paths import Workspace
from tests.journey_workspace import edit, make_workspace

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
SITE = "https://learning.example.com/packing/"
runner = CliRunner()


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path / "ws")
    edit(root / "resources.yaml", "title: Test know-how\n", f"title: Test know-how\nsite:\n  url: {SITE}\n")
    edit(
        root / "resources.yaml",
        "    title: Handover basics\n",
        "    title: How to clear a film jam\n    expert: Priya Nair\n    duration: 125\n",
    )
    return root


def run(root: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--workspace", str(root), "print", *args])


def links(root: Path) -> dict[str, str]:
    """Each thing's short link, from the codes written into its file."""
    catalogue = read_catalogue(root / "resources.yaml")
    found = {r.id: f"{SITE}s/{r.code}/" for r in catalogue.resources if r.code}
    found.update({f"role:{r.id}": f"{SITE}s/{r.code}/" for r in catalogue.settings.roles if r.code})
    found.update({f"journey:{j.id}": f"{SITE}s/{j.code}/" for j in load_journeys(root / "journeys") if j.code})
    return found


def test_a_resource_prints_as_one_label_with_its_facts(ws: Path) -> None:
    result = run(ws, "resource", "basics", "--at", "1:30")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Gave 7 new short codes (written to resources.yaml and journeys/).",
        "Wrote 1 QR code on 1 page (label) to prints/resource-basics-label.html",
        "Open it in a browser and print it at 100% scale.",
    ]
    sheet, assigned = plan_sheet(Workspace(ws), PrintRequest(kind="resource", id="basics", at="1:30"))
    assert assigned == 0  # given once, by the first print
    (code,) = sheet.codes
    assert code.url == links(ws)["basics"] + "#t=90"
    assert (code.title, code.facts) == ("How to clear a film jam", "Beginner · Priya Nair")
    assert code.caption == "Scan: how to clear a film jam, 2\u00a0min, from 1:30"
    html = (ws / "prints" / "resource-basics-label.html").read_text()
    assert "@page { size: 62mm 100mm; margin: 0; }" in html
    written = re.search(r'<span class="link">(.*?)</span>', html)
    assert written and written.group(1).replace("<wbr>", "") == code.written  # may break after a slash, not inside
    assert code.written == links(ws)["basics"].removeprefix("https://") + "#t=90"
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # nothing from another host


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("resource", "nope"), "no resource with id 'nope' in resources.yaml (known: basics, faults, escalation); "
         "see `capture list`"),
        (("journey", "nope"), "no journey 'nope' in journeys/ (known: leads, operators); "
         "start one with `capture journey new --role ROLE`"),
        (("role", "nobody"), "no role 'nobody' under roles: in resources.yaml (declared: operator, lead); "
         "print one of those"),
        (("thing", "basics"), "expected what to print as resource, journey or role, got 'thing'"),
        (("journey", "leads", "--at", "1:30"), "--at: a moment belongs to one clip; use it with "
         "`capture print resource ID --at 1:30`"),
        (("resource", "basics", "--at", "9:99"), "--at: expected a moment like 1:30 or 90 (seconds), got '9:99'"),
        (("resource", "basics", "--at", "2:05"), "--at: 2:05 is after the end of 'basics' (2:05); "
         "give an earlier moment"),
        (("resource", "basics", "--size", "huge"), "--size: expected label, sheet or poster, got 'huge'"),
        (("resource", "basics", "--paper", "a3"), "--paper: expected a4 or letter, got 'a3'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_line(ws: Path, args: tuple[str, ...], message: str) -> None:
    result = run(ws, *args)
    assert (result.exit_code, result.stderr) == (1, f"Error: {message}\n")


def test_an_empty_role_and_a_missing_site_url_are_refused(ws: Path) -> None:
    edit(ws / "resources.yaml", "    name: Lead\n", "    name: Lead\n  - id: driver\n")
    result = run(ws, "role", "driver", "--every-clip")
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: role 'driver' has no clips to print; tag some with `capture tag ID --role driver`\n",
    )
    edit(ws / "resources.yaml", f"site:\n  url: {SITE}\n", "")
    result = run(ws, "resource", "basics")
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: site.url is not set in resources.yaml, and a QR code needs the site's public address; "
        "add it under site:, like `url: https://learning.example.com/packing/`, then print again\n",
    )
    assert "code:" not in (ws / "resources.yaml").read_text()  # nothing given for a print that was refused


def test_moments() -> None:
    assert [parse_moment(t) for t in ("90", "1:30", "0:05", "1:02:03", " 2:00 ")] == [90, 90, 5, 3723, 120]


def test_hostile_titles_are_inert_and_cut_short(ws: Path) -> None:
    edit(ws / "resources.yaml", "    title: Running faults\n", f"    title: '<script>alert(1)</script>{'x' * 10000}'\n")
    assert run(ws, "role", "operator", "--every-clip").exit_code == 0
    html = (ws / "prints" / "role-operator-clips-sheet-a4.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "x" * 100 not in html


def long_journey(root: Path, steps: int) -> None:
    """A role with ``steps`` more clips and a journey through all of them."""
    extra = "".join(
        f"  - id: step-{n:02d}\n    title: Step {n} of the changeover\n    level: beginner\n    roles: [operator]\n"
        for n in range(steps)
    )
    path = root / "resources.yaml"
    path.write_text(path.read_text() + extra)
    ids = ", ".join(f"step-{n:02d}" for n in range(steps))
    (root / "journeys" / "changeover.yaml").write_text(
        f"title: Changeover\nroles: [operator]\nstages:\n  beginner: [{ids}]\n"
    )


def decode_pages(browser: Any, sheet: Path, name: str) -> list[list[str]]:
    """Each printed page rendered in Chromium at A4 width, screenshot, and every QR code in it decoded."""
    import io

    import zxingcpp
    from PIL import Image

    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 900, "height": 1200}, device_scale_factor=2)
    try:
        page.goto(sheet.as_uri())
        page.screenshot(path=str(ARTIFACTS / f"print-{name}.png"), full_page=True)
        found = []
        for number, box in enumerate(page.locator("section.page").all(), start=1):
            image = Image.open(io.BytesIO(box.screenshot()))
            found.append(sorted(code.text for code in zxingcpp.read_barcodes(image)))
            if number == 1:
                image.save(ARTIFACTS / f"print-{name}-page-1.png")
        return found
    finally:
        page.close()


def each_code_matches_its_words(page: Any) -> int:
    """Each code, decoded from its own box, holds the link written under it; how many there are."""
    import io

    import zxingcpp
    from PIL import Image

    boxes = page.locator("figure.code").all()
    for box in boxes:
        (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(box.screenshot())))
        assert decoded.text == "https://" + box.locator(".link").inner_text().replace("\n", "")
    return len(boxes)


@pytest.mark.browser
def test_every_code_of_a_journey_poster_decodes_to_its_link(ws: Path, browser: Any) -> None:
    assert run(ws, "journey", "operators").exit_code == 0
    pages = decode_pages(browser, ws / "prints" / "journey-operators-poster-a4.html", "journey-poster-a4")
    wanted = links(ws)
    assert pages == [sorted([wanted["journey:operators"], wanted["basics"], wanted["faults"]])]


@pytest.mark.browser
def test_a_role_sheet_on_letter_and_a_label_decode(ws: Path, browser: Any) -> None:
    assert run(ws, "role", "operator", "--every-clip", "--paper", "letter").exit_code == 0
    pages = decode_pages(browser, ws / "prints" / "role-operator-clips-sheet-letter.html", "role-sheet-letter")
    wanted = links(ws)
    assert pages == [sorted([wanted["role:operator"], wanted["basics"], wanted["faults"]])]
    assert run(ws, "resource", "basics", "--at", "1:30").exit_code == 0
    pages = decode_pages(browser, ws / "prints" / "resource-basics-label.html", "resource-label")
    assert pages == [[wanted["basics"] + "#t=90"]]


@pytest.mark.browser
def test_a_journey_too_big_for_one_page_runs_on_and_no_code_is_cut_off(ws: Path, browser: Any) -> None:
    long_journey(ws, 20)
    result = run(ws, "journey", "changeover")
    assert result.exit_code == 0, result.output
    assert "Wrote 21 QR codes on 2 pages (poster, a4)" in result.stdout
    sheet = ws / "prints" / "journey-changeover-poster-a4.html"
    pages = decode_pages(browser, sheet, "journey-two-pages")
    wanted = links(ws)
    assert [len(p) for p in pages] == [12, 9]
    every = [wanted["journey:changeover"], *(wanted[f"step-{n:02d}"] for n in range(20))]
    assert sorted(text for page in pages for text in page) == sorted(every)
    page = browser.new_page(viewport={"width": 900, "height": 1200}, device_scale_factor=2)
    page.goto(sheet.as_uri())
    assert each_code_matches_its_words(page) == 21
    outside = page.evaluate(
        """() => [...document.querySelectorAll('section.page')].flatMap(p => {
             const box = p.getBoundingClientRect();
             return [...p.querySelectorAll('figure.code, svg.qr, figcaption span')].filter(e => {
               const r = e.getBoundingClientRect();
               return r.top < box.top || r.bottom > box.bottom || r.left < box.left || r.right > box.right;
             }).map(e => e.className.baseVal ?? e.className);
           })"""
    )
    page.emulate_media(media="print")
    printed = page.evaluate("() => [...document.querySelectorAll('section.page')].map(p => p.offsetHeight)")
    page.close()
    assert outside == []
    assert printed == [printed[0]] * 2 and printed[0] <= 255 * 96 / 25.4  # fits inside A4's and Letter's margins


@pytest.mark.browser
def test_a_sheet_loads_nothing_from_outside_and_axe_finds_nothing_serious(ws: Path, browser: Any) -> None:
    axe = REPO / "node_modules" / "axe-core" / "axe.min.js"
    assert axe.is_file(), "axe-core is missing: `make test` installs it with npm into node_modules/"
    assert run(ws, "journey", "operators").exit_code == 0
    sheet = ws / "prints" / "journey-operators-poster-a4.html"
    for width, height in ((390, 844), (320, 640)):
        page = browser.new_page(viewport={"width": width, "height": height})
        requests: list[str] = []
        page.on("request", lambda request, seen=requests: seen.append(request.url))
        page.goto(sheet.as_uri())
        page.screenshot(path=str(ARTIFACTS / f"print-sheet-{width}x{height}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the sheet scrolls sideways"
        page.add_script_tag(path=str(axe))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        page.close()
        assert requests == [sheet.as_uri()]
        assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
