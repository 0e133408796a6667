"""Review dates (issue 15, item 4): `review_by:` and `review_every:`, what is due, `capture status`
and `capture check`, and "Checked by <expert> on <date>" on the page. Every date is pinned."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capture.cli import app
from pipeline.errors import CatalogueError
from pipeline.workspace.catalogue import load_catalogue, read_catalogue
from pipeline.workspace.paths import init_workspace
from pipeline.workspace.reviewdates import Period, due, interval_problem, parse_period

TODAY = "2027-07-01"
ENTRIES = """
resources:
  - id: pinned
    title: Pinned
    captured: 2027-01-10
    level: beginner
    review_by: 2027-06-30
  - id: approved
    title: Approved
    expert: Ana Silva
    captured: 2026-01-05
    level: beginner
    transcript: transcripts/approved.md
    review: approved
  - id: fresh
    title: Fresh
    captured: 2027-05-01
    level: beginner
  - id: old-draft
    title: Old draft
    captured: 2026-10-01
    level: beginner
"""
APPROVED = """---
id: approved
status: approved
approved_by: Ana Silva
approved_at: 2026-12-15T10:00:00+00:00
---
[00:00.0] Lock the guard.
"""


@pytest.fixture()
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = init_workspace(tmp_path / "ws", title="Dates").root
    text = (root / "resources.yaml").read_text(encoding="utf-8")
    text = "review_every: 6 months\n" + text
    text = text[: text.index("\nresources:")] + ENTRIES
    (root / "resources.yaml").write_text(text, encoding="utf-8")
    (root / "transcripts" / "approved.md").write_text(APPROVED, encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.setenv("CAPTURE_TODAY", TODAY)
    return root


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("6 months", Period(6, "month")),
        ("1 year", Period(1, "year")),
        ("2 Weeks", Period(2, "week")),
        (" 90 days ", Period(90, "day")),
        ("1 month", Period(1, "month")),
    ],
)
def test_periods_are_read(text: str, period: Period) -> None:
    assert parse_period(text) == period


@pytest.mark.parametrize("text", ["6 moons", "months", "0 days", "-1 week", "1001 days", "6months ago", "", "½ year"])
def test_other_periods_are_refused(text: str) -> None:
    assert parse_period(text) is None
    assert interval_problem(text) == (
        f"expected a period like '6 months' (1 to 1000 days, weeks, months or years), got {text!r}; "
        "fix it or remove the line"
    )


def test_a_month_after_a_month_end_stays_in_its_month() -> None:
    assert Period(1, "month").after(dt.date(2027, 1, 31)) == dt.date(2027, 2, 28)
    assert Period(1, "month").after(dt.date(2028, 1, 31)) == dt.date(2028, 2, 29)
    assert Period(1, "year").after(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
    assert Period(6, "month").after(dt.date(2026, 12, 15)) == dt.date(2027, 6, 15)
    assert Period(2, "week").after(dt.date(2026, 12, 25)) == dt.date(2027, 1, 8)


def test_a_bad_review_every_or_review_by_is_a_file_line_error(ws: Path) -> None:
    path = ws / "resources.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("review_every: 6 months", "review_every: 6 moons").replace(
        "review_by: 2027-06-30", "review_by: 30/06/2027"
    )
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    every = next(i for i, line in enumerate(lines, 1) if line.startswith("review_every"))
    by = next(i for i, line in enumerate(lines, 1) if "review_by" in line)
    for loader in (load_catalogue, read_catalogue):
        with pytest.raises(CatalogueError) as caught:
            loader(path)
        assert caught.value.problems == [
            f"resources.yaml:{every}: settings.review_every: expected a period like '6 months' (1 to 1000 days, "
            "weeks, months or years), got '6 moons'; fix it or remove the line",
            f"resources.yaml:{by}: resources[0].review_by: expected a date like 2026-06-30, got '30/06/2027'",
        ]
    code, stdout, _ = cli("check")
    assert code == 1
    assert f"resources.yaml:{every}: error: settings.review_every: expected a period like '6 months'" in stdout


def test_due_orders_the_longest_overdue_first(ws: Path) -> None:
    catalogue = read_catalogue(ws / "resources.yaml")
    found = due(catalogue, dt.date.fromisoformat(TODAY))
    assert [(d.id, d.due, d.checked, d.reason) for d in found] == [
        (
            "old-draft",
            "2027-04-01",
            "2026-10-01",
            "not checked since its take of 2026-10-01; review_every 6 months: due 2027-04-01",
        ),
        ("approved", "2027-06-15", "2026-12-15", "last checked 2026-12-15; review_every 6 months: due 2027-06-15"),
        ("pinned", "2027-06-30", "", "review by 2027-06-30 (review_by in resources.yaml)"),
    ]
    assert found[0].days_over(dt.date.fromisoformat(TODAY)) == 91
    assert due(catalogue, dt.date(2027, 4, 1))[0].id == "old-draft"
    assert due(catalogue, dt.date(2027, 3, 31)) == []
    # The caller may give the approval dates it already has.
    assert [d.id for d in due(catalogue, dt.date(2027, 6, 20), approved={"approved": "2027-06-01"})] == ["old-draft"]


def test_status_lists_what_is_due(ws: Path) -> None:
    code, stdout, _ = cli("status")
    assert code == 0
    assert stdout.endswith(
        "Due for a check by its expert (3):\n"
        "  old-draft: not checked since its take of 2026-10-01; review_every 6 months: due 2027-04-01\n"
        "  approved: last checked 2026-12-15; review_every 6 months: due 2027-06-15\n"
        "  pinned: review by 2027-06-30 (review_by in resources.yaml)\n"
        "Ask the expert to watch it again, then capture approve ID (or set a new review_by).\n"
    )
    code, stdout, _ = cli("status", "--json")
    rows = {row["id"]: row["review_due"] for row in json.loads(stdout)}
    assert rows == {"pinned": "2027-06-30", "approved": "2027-06-15", "fresh": "", "old-draft": "2027-04-01"}


def test_check_warns_about_what_is_due(ws: Path) -> None:
    code, stdout, _ = cli("check")
    assert code == 0  # warnings do not fail the check
    lines = (ws / "resources.yaml").read_text(encoding="utf-8").splitlines()
    pinned = lines.index("  - id: pinned") + 1
    assert (
        f"resources.yaml:{pinned}: warning: 'pinned' is due for a check by its expert: review by 2027-06-30 "
        "(review_by in resources.yaml); ask them to watch it again, then `capture approve pinned` and set a new "
        "review_by\n"
    ) in stdout
    assert "'fresh' is due" not in stdout
    assert cli("check", "--strict")[0] == 1


def test_the_page_says_who_checked_it_and_when(ws: Path) -> None:
    assert cli("build")[0] == 0
    page = (ws / "site/r/approved/index.html").read_text(encoding="utf-8")
    assert '<p class="take-checked">Checked by Ana Silva on <time datetime="2026-12-15">15 Dec 2026</time></p>' in page
    assert "take-checked" not in (ws / "site/r/fresh/index.html").read_text(encoding="utf-8")


def test_a_site_cache_from_before_takes_and_review_dates_is_not_trusted(tmp_path: Path) -> None:
    """The build's parsed-catalogue cache holds each entry's fields; one written before these fields
    existed would give resources without them (an AttributeError in the build)."""
    import pickle

    from pipeline.site.catalogue_cache import load_catalogue_cached

    path = tmp_path / "resources.yaml"
    path.write_text("resources:\n  - id: a\n    title: A\n", encoding="utf-8")
    cache = tmp_path / "catalogue.pickle"
    load_catalogue_cached(path, cache)
    _, header_key, settings, flat = pickle.loads(cache.read_bytes())  # noqa: S301 - written just now
    new_fields = ("reviewed", "review_by", "version", "updated", "update_note", "versions")
    old = {key: {k: v for k, v in entry.items() if k not in new_fields} for key, entry in flat.items()}
    cache.write_bytes(pickle.dumps((3, header_key, settings, old)))
    [resource] = load_catalogue_cached(path, cache).resources
    assert (resource.id, resource.version, resource.versions, resource.review_by) == ("a", 1, [], "")


def test_checked_by_comes_from_the_approval_or_the_reviewed_date() -> None:
    from pipeline.site.takes import checked_by
    from pipeline.workspace.catalogue import Expert, Resource

    resource = Resource(id="a", title="A", expert=Expert("Ana Silva"), review="approved", reviewed="2027-01-02")
    approved = {"status": "approved", "approved_by": "Sam", "approved_at": "2027-02-03T09:00:00+00:00"}
    assert checked_by(resource, approved) == ("Sam", "2027-02-03")
    assert checked_by(resource, {**approved, "approved_by": ""}) == ("Ana Silva", "2027-02-03")
    assert checked_by(resource, {"status": "draft"}) is None  # a draft transcript: not checked, whatever the entry says
    assert checked_by(resource, None) == ("Ana Silva", "2027-01-02")  # no transcript: the entry's reviewed date
    resource.review = "draft"
    assert checked_by(resource, None) is None
