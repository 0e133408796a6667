"""The site's side of feedback: "Did this help?" on resource pages, and credit from `capture build --evidence`."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import capture.commands.build
import capture.commands.report  # noqa: F401
from benchmarks.site import make_library, resource_id
from capture.app import app
from pipeline.errors import BuildError
from pipeline.site.build import build_site
from pipeline.site.helpful import comment_link, read_evidence
from pipeline.workspace.catalogue import Resource
from pipeline.workspace.paths import Workspace

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """Six synthetic resources (mailto feedback); experts are "Expert 00" to "Expert 05", one clip each."""
    root = make_library(tmp_path / "lib", 6, lines=3)
    text = (root / "resources.yaml").read_text(encoding="utf-8")
    (root / "resources.yaml").write_text(text.replace("name: Expert 03", "name: Expert 00"), encoding="utf-8")
    return root


def page(root: Path, rel: str) -> str:
    return (root / "site" / rel).read_text(encoding="utf-8")


def evidence(path: Path, helped: dict[str, tuple[int, dict[str, int]]]) -> Path:
    """A report's JSON with these "helped" counts (total, per month) and nothing else of note."""
    resources = [
        {
            "id": rid,
            "answers": {"helped": total, "not_needed": 0, "wrong": 0, "versions": [], "helped_by_month": months},
        }
        for rid, (total, months) in helped.items()
    ]
    resources.append({"id": "no-answers", "answers": None})
    path.write_text(json.dumps({"generated": "2026-11-22T08:00:00+00:00", "resources": resources}), encoding="utf-8")
    return path


def build(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--workspace", str(root), "build", *args], env={"CAPTURE_TODAY": "2026-11-22"})
    return result.exit_code, result.stdout, result.stderr


def test_the_question_is_on_every_resource_page(library: Path) -> None:
    build_site(Workspace(library), today=TODAY)
    html = page(library, f"r/{resource_id(1)}/index.html")
    boxes = re.findall(r'<section class="helpful helpful-(\w+)"[^>]*>', html)
    assert boxes == ["end", "side"]  # under the player (shown when the clip ends) and beside the transcript
    assert (
        f'data-resource="{resource_id(1)}" data-version="1" data-beacon="../../feedback.gif" '
        'aria-labelledby="helpful-side-q" data-pending>'
    ) in html
    assert re.findall(r'data-answer="([\w-]+)" aria-pressed="false">([^<]+)</button>', html)[:3] == [
        ("helped", "Helped"),
        ("not-needed", "Not what I needed"),
        ("wrong", "Something’s wrong or out of date"),
    ]
    assert '<p class="helpful-status" role="status" aria-live="polite"></p>' in html
    assert '<script src="../../static/feedback.js"></script>' in html
    assert (library / "site" / "feedback.gif").read_bytes().startswith(b"GIF89a")
    assert "helped-count" not in html  # no evidence, no credit


def test_the_comment_link_is_prefilled_with_resource_version_and_answer() -> None:
    clip = Resource(id="pallet-jack", title="Pallet jack & you")
    assert comment_link("mailto:learning@example.com", clip, version=3, answer="wrong") == (
        "mailto:learning@example.com?subject=Feedback%20on%20Pallet%20jack%20%26%20you%20%28pallet-jack%2C%20"
        "version%203%29%3A%20Something%E2%80%99s%20wrong%20or%20out%20of%20date&body=Clip%3A%20Pallet%20jack%20"
        "%26%20you%20%28pallet-jack%29%2C%20version%203%0AMy%20answer%3A%20Something%E2%80%99s%20wrong%20or%20"
        "out%20of%20date%0A%0AMy%20comment%3A%0A"
    )
    assert comment_link("https://forms.example.com/f?x=1", clip, version=2, answer="helped") == (
        "https://forms.example.com/f?x=1&resource=pallet-jack&version=2&answer=helped"
    )
    assert comment_link("https://forms.example.com/{id}", clip, version=1, answer="not-needed") == (
        "https://forms.example.com/pallet-jack"
    )
    assert comment_link("javascript:alert(1)", clip, version=1, answer="helped") == ""
    assert comment_link("", clip, version=1, answer="helped") == ""


def test_without_a_feedback_setting_there_is_no_comment_link(library: Path) -> None:
    catalogue = library / "resources.yaml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace("feedback: mailto:", "x_old: "), "utf-8")
    build_site(Workspace(library), today=TODAY)
    html = page(library, f"r/{resource_id(0)}/index.html")
    assert 'class="helpful helpful-side"' in html and "helpful-comment" not in html


def test_evidence_credits_experts_and_resources(library: Path, tmp_path: Path) -> None:
    report = evidence(
        tmp_path / "report.json",
        {
            resource_id(0): (5, {"2026-10": 2, "2026-11": 3}),
            resource_id(3): (2, {"2026-10": 2}),  # nobody this month: nothing on its page
            resource_id(1): (1, {"2026-11": 1}),
            "deleted-clip": (9, {"2026-11": 9}),  # not in the catalogue: ignored
        },
    )
    code, out, err = build(library, "--evidence", str(report))
    assert (code, err) == (0, ""), out
    assert '<p class="helped-count">Helped 3 people this month</p>' in page(library, f"r/{resource_id(0)}/index.html")
    assert '<p class="helped-count">Helped 1 person this month</p>' in page(library, f"r/{resource_id(1)}/index.html")
    assert "helped-count" not in page(library, f"r/{resource_id(3)}/index.html")
    assert "helped-count" not in page(library, f"r/{resource_id(2)}/index.html")
    assert '<p class="helped-count">Helped 7 people with 2 clips.</p>' in page(library, "expert/expert-00/index.html")
    assert '<p class="helped-count">Helped 1 person with 1 clip.</p>' in page(library, "expert/expert-01/index.html")
    assert "helped-count" not in page(library, "expert/expert-02/index.html")  # never a fake zero


def test_a_new_report_rebuilds_the_pages_it_changes_and_none_removes_the_credit(library: Path, tmp_path: Path) -> None:
    first = evidence(tmp_path / "one.json", {resource_id(0): (2, {"2026-11": 2})})
    assert build(library, "--evidence", str(first))[0] == 0
    assert "Helped 2 people this month" in page(library, f"r/{resource_id(0)}/index.html")
    second = evidence(tmp_path / "two.json", {resource_id(0): (4, {"2026-11": 4})})
    code, out, _ = build(library, "--evidence", str(second))
    assert code == 0 and "nothing changed" not in out
    assert "Helped 4 people this month" in page(library, f"r/{resource_id(0)}/index.html")
    assert "Helped 4 people with 1 clip." in page(library, "expert/expert-00/index.html")
    untouched = page(library, f"r/{resource_id(2)}/index.html")
    code, out, _ = build(library, "--evidence", str(second))
    assert code == 0 and "nothing changed" in out
    assert build(library)[0] == 0
    assert "helped-count" not in page(library, f"r/{resource_id(0)}/index.html")
    assert "helped-count" not in page(library, "expert/expert-00/index.html")
    assert page(library, f"r/{resource_id(2)}/index.html") == untouched


def test_the_report_json_is_evidence(library: Path, tmp_path: Path) -> None:
    """The round trip: `capture report --json` of a log with answers, then `capture build --evidence` of it."""
    lines = [
        f'10.9.0.{i} - - [{day}/Nov/2026:10:00:00 +0000] "GET /feedback.gif?r={resource_id(4)}&v=1&a={said} HTTP/1.1" '
        '200 43 "-" "Mozilla/5.0"\n'
        for i, (day, said) in enumerate([("02", "helped"), ("03", "helped"), ("03", "wrong"), ("04", "helped")])
    ]
    log = tmp_path / "access.log"
    log.write_text("".join(lines), encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["--workspace", str(library), "report", "--json", "--access-log", str(log)],
        env={"CAPTURE_TODAY": "2026-11-22"},
    )
    assert result.exit_code == 0, result.output
    report = tmp_path / "report.json"
    report.write_text(result.stdout, encoding="utf-8")
    assert build(library, "--evidence", str(report))[0] == 0
    assert '<p class="helped-count">Helped 3 people this month</p>' in page(library, f"r/{resource_id(4)}/index.html")


def _bad_evidence(tmp_path: Path) -> list[tuple[Path, str]]:
    cases = {
        "text.json": ("shopping list", "not JSON (Expecting value: line 1 column 1 (char 0))"),
        "list.json": ("[1, 2]", "not a report: no generated time and resources list"),
        "config.json": ('{"resources": []}', "not a report: no generated time and resources list"),
        "noid.json": ('{"generated": "x", "resources": [{"title": "a"}]}', "a resource without an id"),
        "counts.json": (
            '{"generated": "x", "resources": [{"id": "a", "answers": {"helped": -1, "helped_by_month": {}}}]}',
            "the answers of 'a' are not a report's counts",
        ),
        "months.json": (
            '{"generated": "x", "resources": [{"id": "a", "answers": {"helped": 1, "helped_by_month": {"m": "1"}}}]}',
            "the answers of 'a' per month are not a report's counts",
        ),
    }
    found = []
    for name, (text, what) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        found.append((tmp_path / name, what))
    return [(tmp_path / "missing.json", "no such file"), (tmp_path, "cannot be read (Is a directory)"), *found]


def test_bad_evidence_is_one_clear_line(library: Path, tmp_path: Path) -> None:
    assert build(library)[0] == 0
    before = page(library, f"r/{resource_id(0)}/index.html")
    for path, what in _bad_evidence(tmp_path):
        code, _, err = build(library, "--evidence", str(path))
        assert (code, err) == (
            1,
            f"Error: --evidence {path}: {what}; give the JSON that "
            "`capture report --json --access-log FILE > report.json` wrote\n",
        )
        with pytest.raises(BuildError):
            read_evidence(path)
    assert page(library, f"r/{resource_id(0)}/index.html") == before


def test_a_hostile_title_is_inert_in_the_comment_links(library: Path) -> None:
    catalogue = library / "resources.yaml"
    text = catalogue.read_text(encoding="utf-8")
    start = text.index("    title: ", text.index(f"  - id: {resource_id(0)}\n"))
    end = text.index("\n", start)
    hostile = '\'<script>alert(1)</script> "&amp;" ' + "x" * 10_000 + "'"
    catalogue.write_text(text[:start] + f"    title: {hostile}" + text[end:], encoding="utf-8")
    build_site(Workspace(library), today=TODAY)
    html = page(library, f"r/{resource_id(0)}/index.html")
    assert "<script>alert" not in html
    links = re.findall(r'<a href="(mailto:[^"]*)">Add a comment</a>', html)
    assert len(links) == 6  # three answers in each of the two boxes
    assert all("%3Cscript%3Ealert%281%29%3C/script%3E%20%22%26amp%3B%22%20xxx" in link for link in links)
