"""capture report: "Did this help?" answers from a generated access log, the queue of work, junk."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

import capture.commands.report  # noqa: F401  (registers the command on the app)
from capture.app import app
from pipeline.report.answers import parse_answer
from pipeline.report.html import render_report_html
from pipeline.report.model import build_report, report_to_dict
from pipeline.workspace.paths import Workspace
from tests.test_report import log_line, ranged, write_log

CATALOGUE = """\
title: Test site
resources:
  - id: handover
    title: Shift handover basics
    version: 2
  - id: running-fault
    title: Handing over a running fault
    review_by: 2026-10-01
  - id: no-lead
    title: When no shift lead arrives
  - id: unused
    title: Never opened
    review_by: 2027-01-01
"""
OCT, NOV, TODAY = date(2026, 10, 28), date(2026, 11, 9), date(2026, 11, 20)
# Hostile or malformed beacons: each is junk, counted and never shown.
JUNK = (
    "r=handover&v=2&a=HELPED",
    "r=handover&v=2&a=%3Cscript%3Ealert(1)%3C/script%3E",
    "r=..%2Fetc%2Fpasswd&v=1&a=helped",
    "r=handover&v=0&a=helped",
    "r=handover&v=02&a=helped",
    "r=handover&v=abc&a=helped",
    "r=handover&v=1000001&a=helped",
    "r=handover&v=2",
    "r=handover&r=no-lead&v=2&a=helped",
    "r=handover&v=2&a=helped&x=1",
    "r=hand%00over&v=2&a=helped",
    "r=Handover&v=2&a=helped",
    "r=handover&v=2&a=helped" + "x" * 10_000,
    "",
)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "resources.yaml").write_text(CATALOGUE, encoding="utf-8")
    return Workspace(root)


def answer(ip: str, day: date, query: str) -> str:
    return log_line(ip, day, f"/learning/feedback.gif?{query}", size=43)


def answers_log() -> list[str]:
    """Known answers per resource and version, watch-through for running-fault, searches, junk, an unknown id."""
    lines: list[str] = []
    plan = [
        ("handover", 1, "helped", 2, OCT),
        ("handover", 1, "wrong", 3, OCT),  # an old take: counted, but no longer in the queue
        ("handover", 2, "helped", 1, NOV),
        ("handover", 2, "not-needed", 4, NOV),
        ("handover", 2, "wrong", 1, NOV),
        ("no-lead", 1, "wrong", 2, NOV),
        ("no-lead", 1, "helped", 1, NOV),
        ("running-fault", 1, "helped", 3, OCT),
        ("running-fault", 1, "helped", 2, NOV),
    ]
    for n, (rid, version, said, times, day) in enumerate(plan):
        lines += [answer(f"10.1.{n}.{i}", day, f"r={rid}&v={version}&a={said}") for i in range(times)]
    for i in range(5):  # five viewers each fetch a tenth of running-fault's video: low watch-through
        lines.append(ranged(f"10.2.0.{i}", NOV, "running-fault", start=0, sent=100, total=1000))
    lines += [log_line(f"10.3.0.{i}", NOV, "/learning/search.gif?q=pallet+jack&n=0") for i in range(2)]
    lines.append(log_line("10.3.1.1", NOV, "/learning/search.gif?q=fire+drill&n=0"))
    lines.append(answer("10.4.0.1", NOV, "r=ghost-clip&v=1&a=helped"))
    lines += [answer("10.5.0.1", NOV, query) for query in JUNK]
    lines.append(log_line("10.5.0.2", NOV, "/learning/feedback.gif"))  # no query at all
    return lines


EXPECTED_QUEUE = [
    ["marked-wrong", "no-lead", "2 marked it wrong or out of date (version 1)"],
    ["marked-wrong", "handover", "1 marked it wrong or out of date (version 2)"],
    ["not-helping", "running-fault", "low watch-through: median 10 % fetched by 5 viewers"],
    ["not-helping", "handover", "few helped: 1 of 6 answers to version 2"],
    ["search-found-nothing", "", "searched 2 times and found nothing"],
    ["search-found-nothing", "", "searched 1 time and found nothing"],
    ["review-due", "running-fault", "due for review since 2026-10-01"],
]


def test_per_version_counts_and_the_queue_in_json(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = ws.media_folder("running-fault")
    media.mkdir(parents=True)
    (media / "video.mp4").write_bytes(b"\0" * 1000)
    log = write_log(tmp_path / "access.log", answers_log())
    monkeypatch.setenv("CAPTURE_TODAY", TODAY.isoformat())
    result = CliRunner().invoke(app, ["--workspace", str(ws.root), "report", "--json", "--access-log", str(log)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    by_id = {r["id"]: r for r in data["resources"]}
    assert by_id["handover"]["answers"] == {
        "helped": 3,
        "not_needed": 4,
        "wrong": 4,
        "versions": [
            {"version": 1, "helped": 2, "not_needed": 0, "wrong": 3},
            {"version": 2, "helped": 1, "not_needed": 4, "wrong": 1},
        ],
        "helped_by_month": {"2026-10": 2, "2026-11": 1},
    }
    assert by_id["running-fault"]["answers"]["versions"] == [{"version": 1, "helped": 5, "not_needed": 0, "wrong": 0}]
    assert by_id["running-fault"]["answers"]["helped_by_month"] == {"2026-10": 3, "2026-11": 2}
    assert by_id["running-fault"]["video"]["median_fetched"] == 0.1
    assert by_id["no-lead"]["answers"]["versions"] == [{"version": 1, "helped": 1, "not_needed": 0, "wrong": 2}]
    assert "unused" not in by_id
    assert [[i["kind"], i["resource"], i["reason"]] for i in data["queue"]] == EXPECTED_QUEUE
    assert [i["title"] for i in data["queue"] if not i["resource"]] == ["pallet jack", "fire drill"]
    assert data["answer_junk"] == len(JUNK) + 1
    assert data["unknown_answers"] == {"ghost-clip": 1}
    assert "script" not in result.stdout and "passwd" not in result.stdout and "xxxx" not in result.stdout


def test_the_queue_in_the_terminal_and_the_html(ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = write_log(tmp_path / "access.log", answers_log())
    monkeypatch.setenv("CAPTURE_TODAY", TODAY.isoformat())
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["--workspace", str(ws.root), "report", "--access-log", str(log)])
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert (
        "Did this help? 9 helped, 4 not what they needed, 6 wrong or out of date; "
        "for unknown resources: ghost-clip ×1; 15 junk (not an answer, not counted)"
    ) in out
    assert "Work queue (most urgent first)" in out
    assert "│ 3 of 11 │" in out and "│ 10% │ - │ 5 of 5 │" in out  # answers beside views and watch-through
    kinds = ("│ 1 │ marked-wrong", "│ 3 │ not-helping", "│ 5 │ search-found-nothing", "│ 7 │ review-due")
    assert [out.index(kind) for kind in kinds] == sorted(out.index(kind) for kind in kinds)
    assert out.index("'pallet jack'") < out.index("'fire drill'")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<h2>Work queue</h2>" in html and "Marked wrong or out of date" in html
    assert html.index("2 marked it wrong") < html.index("few helped: 1 of 6") < html.index("due for review since")
    assert "ghost-clip (1)" in html and "15 requests for feedback.gif" in html
    assert "script" not in html.replace("<script", "") and "passwd" not in html and "xxxx" not in html


def test_answers_on_an_old_take_leave_the_queue(ws: Workspace, tmp_path: Path) -> None:
    lines = [answer("10.6.0.1", NOV, "r=handover&v=1&a=wrong")]
    report = build_report(ws, [write_log(tmp_path / "access.log", lines)], today=TODAY)
    assert [(i.kind, i.resource) for i in report.queue] == [("review-due", "running-fault")]
    lines.append(answer("10.6.0.2", NOV, "r=handover&v=2&a=wrong"))
    report = build_report(ws, [write_log(tmp_path / "access.log", lines)], today=TODAY)
    assert [(i.kind, i.resource) for i in report.queue] == [
        ("marked-wrong", "handover"),
        ("review-due", "running-fault"),
    ]


def test_a_review_date_not_yet_reached_is_not_due(ws: Workspace, tmp_path: Path) -> None:
    ws.catalogue_path.write_text(
        CATALOGUE.replace("2026-10-01", "2026-11-21").replace("2027-01-01", "2026-11-20"), encoding="utf-8"
    )
    report = build_report(ws, [write_log(tmp_path / "access.log", [])], today=TODAY)
    assert [(i.kind, i.resource, i.reason) for i in report.queue] == [
        ("review-due", "unused", "due for review since 2026-11-20")
    ]


def test_no_answers_no_queue(ws: Workspace, tmp_path: Path) -> None:
    ws.catalogue_path.write_text(CATALOGUE.replace("review_by", "note"), encoding="utf-8")
    report = build_report(ws, [write_log(tmp_path / "a.log", [log_line("10.7.0.1", NOV, "/r/handover/")])], today=TODAY)
    data = report_to_dict(report)
    assert (data["queue"], data["answer_junk"], data["unknown_answers"]) == ([], 0, {})
    assert data["resources"][0]["answers"] is None
    assert "Nothing to do" in render_report_html(report)


def test_crawler_answers_are_not_counted(ws: Workspace, tmp_path: Path) -> None:
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    lines = [log_line("66.249.66.1", NOV, "/feedback.gif?r=no-lead&v=1&a=wrong", agent=bot)]
    report = build_report(ws, [write_log(tmp_path / "access.log", lines)], today=TODAY)
    assert (report.bot_requests, report.answer_junk, [r.id for r in report.resources]) == (1, 0, [])


@pytest.mark.parametrize(
    ("query", "parsed"),
    [
        (b"r=handover&v=2&a=helped", ("handover", 2, "helped")),
        (b"a=not-needed&r=no-lead&v=13", ("no-lead", 13, "not-needed")),
        (b"r=x-1&v=1&a=wrong", ("x-1", 1, "wrong")),
        *((query.encode(), None) for query in JUNK),
        (b"r=handover&v=\xd9\xa3&a=helped", None),  # an Arabic-Indic digit
        (b"r=handover&v=%D9%A3&a=helped", None),
    ],
)
def test_parse_answer(query: bytes, parsed: tuple[str, int, str] | None) -> None:
    assert parse_answer(query) == parsed


def test_hostile_search_terms_in_the_queue_are_inert(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        log_line("10.8.0.1", NOV, "/search.gif?q=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E&n=0"),
        log_line("10.8.0.2", NOV, "/search.gif?q=%1b%5d0%3bpwned%07&n=0"),
    ]
    log = write_log(tmp_path / "access.log", lines)
    monkeypatch.setenv("CAPTURE_TODAY", TODAY.isoformat())
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        app, ["--workspace", str(ws.root), "report", "--access-log", str(log), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b]0;pwned\\x07" in result.stdout
    html = out.read_text(encoding="utf-8")
    assert "<img" not in html and "“&lt;img src=x onerror=alert(1)&gt;”" in html
