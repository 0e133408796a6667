"""capture report's input as people export it: CSV dialects and encodings, over-long comments and lines, and
peak memory on input without newlines (issue 19, items 14 and 15). Every file here is a real file the test writes."""

from __future__ import annotations

import codecs
import csv
import json
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.report.model import Report, build_report
from pipeline.workspace.paths import Workspace
from tests.support import REPO
from tests.test_report import CATALOGUE, MON, log_line, write_log

# Excel's "CSV UTF-8" in a German or French locale: a byte order mark, ";" between fields, CRLF,
# "," inside ratings and comments, and ";" inside a quoted comment.
EXCEL_ROWS = [
    "Zeitstempel;Resource;Rating;Comment",
    "09.11.2026 10:00;handover;4,5;Klar, kurz, nützlich",
    '09.11.2026 11:00;handover;5;"Gut; danke"',
    "10.11.2026 09:00;running-fault;2;zu leise, schwer zu hören",
]
EXCEL_TEXT = "\r\n".join(EXCEL_ROWS) + "\r\n"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "resources.yaml").write_text(CATALOGUE, encoding="utf-8")
    return Workspace(root)


def feedback_report(ws: Workspace, csv_path: Path) -> Report:
    return build_report(ws, [write_log(csv_path.parent / "access.log", [])], csv_path)


def figures(report: Report) -> list[tuple[str, int, float | None, list[str]]]:
    return [
        (r.id, r.feedback.responses, r.feedback.mean_rating, [c.text for c in r.feedback.comments])
        for r in report.resources
        if r.feedback is not None
    ]


EXCEL_FIGURES = [
    ("handover", 2, 4.75, ["Klar, kurz, nützlich", "Gut; danke"]),
    ("running-fault", 1, 2.0, ["zu leise, schwer zu hören"]),
]


def test_excel_csv_utf8_with_semicolons(ws: Workspace, tmp_path: Path) -> None:
    csv_path = tmp_path / "feedback.csv"
    csv_path.write_bytes(EXCEL_TEXT.encode("utf-8-sig"))
    report = feedback_report(ws, csv_path)
    assert figures(report) == EXCEL_FIGURES
    assert (report.feedback_rows, report.feedback_unmatched, report.warnings) == (3, 0, [])


@pytest.mark.parametrize(
    "encoded",
    [
        codecs.BOM_UTF16_LE + EXCEL_TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + EXCEL_TEXT.encode("utf-16-be"),
        EXCEL_TEXT.encode("utf-16-le"),  # no byte order mark: the zero bytes beside ASCII letters tell
        EXCEL_TEXT.replace(";", "\t")
        .replace("Gut\t danke", "Gut; danke")
        .encode("utf-16"),  # Excel's "Unicode text": tabs, UTF-16 with a BOM
    ],
    ids=["utf-16-le-bom", "utf-16-be-bom", "utf-16-le-no-bom", "excel-unicode-text"],
)
def test_utf16_csv(ws: Workspace, tmp_path: Path, encoded: bytes) -> None:
    csv_path = tmp_path / "feedback.csv"
    csv_path.write_bytes(encoded)
    report = feedback_report(ws, csv_path)
    assert figures(report) == EXCEL_FIGURES
    assert report.warnings == []


def test_windows_1252_csv_is_read_with_a_warning(ws: Workspace, tmp_path: Path) -> None:
    csv_path = tmp_path / "feedback.csv"
    csv_path.write_bytes(EXCEL_TEXT.encode("cp1252"))
    report = feedback_report(ws, csv_path)
    assert figures(report) == EXCEL_FIGURES
    assert report.warnings == ["feedback.csv is not UTF-8; read it as Windows-1252"]


def test_a_comment_over_the_cap_is_cut_and_counted(ws: Workspace, tmp_path: Path) -> None:
    csv_path = tmp_path / "feedback.csv"
    long_comment = "very long " * 20_000  # 200,000 characters, over the csv module's 131,072
    csv_path.write_text(
        f'resource,rating,comment\nhandover,4,"{long_comment}"\nhandover,2,short\nno-lead,3,{long_comment}\n',
        encoding="utf-8",
    )
    report = feedback_report(ws, csv_path)
    comments = {r.id: [c.text for c in r.feedback.comments] for r in report.resources if r.feedback}
    assert comments == {"handover": [long_comment[:10_000] + "…", "short"], "no-lead": [long_comment[:10_000] + "…"]}
    assert report.warnings == ["feedback.csv: 2 comments over 10,000 characters cut to the first 10,000"]


def test_a_line_over_the_limit_is_skipped_and_counted(ws: Workspace, tmp_path: Path) -> None:
    csv_path = tmp_path / "feedback.csv"
    csv_path.write_text(
        "resource,rating,comment\nhandover,4,before\n" + "x" * 3_000_000 + "\nhandover,2,after\n", encoding="utf-8"
    )
    report = feedback_report(ws, csv_path)
    assert figures(report) == [("handover", 2, 3.0, ["before", "after"])]
    assert report.feedback_unmatched == 0
    assert report.warnings == [
        "feedback.csv: 1 line over 1,048,576 characters skipped; check the export is the form tool's CSV"
    ]


def test_feedback_line_numbers_stay_true_after_a_skipped_line(tmp_path: Path) -> None:
    from pipeline.report.feedback import FeedbackColumns, read_feedback

    csv_path = tmp_path / "feedback.csv"
    csv_path.write_text("resource,rating\nhandover,4\n" + "x" * 2_500_000 + "\n\nhandover,2\n", encoding="utf-8")
    export = read_feedback(csv_path, FeedbackColumns(), known_ids={"handover"}, ids_by_title={})
    assert [(row.line, row.rating) for row in export.rows] == [(2, 4.0), (5, 2.0)]
    assert export.skipped_lines == 1


# ---------------------------------------------------------------- peak memory (item 15)

MEASURE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    def hwm():  # VmHWM: ru_maxrss would carry the forking parent's high-water mark across exec
        return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    from pipeline.workspace.paths import Workspace
    from pipeline.report.model import build_report
    workspace, kind, target = Workspace(Path(sys.argv[1])), sys.argv[2], Path(sys.argv[3])
    before = hwm()
    if kind == "log":
        report = build_report(workspace, [target], salt="s")
    else:
        report = build_report(workspace, [Path(sys.argv[4])], target, salt="s")
    after = hwm()
    print(json.dumps({"extra_mib": (after - before) / 1024, "lines": report.lines, "malformed": report.malformed,
                      "page_views": report.page_views, "feedback_rows": report.feedback_rows,
                      "warnings": report.warnings}))
    """
)
FIFTY_MB = 50 * 1024 * 1024


def measure(ws: Workspace, kind: str, *paths: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(ws.root), kind, *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def write_no_newline(path: Path, *, head: bytes, filler: bytes, tail: bytes) -> Path:
    with open(path, "wb") as handle:
        handle.write(head)
        block = filler * (1024 * 1024 // len(filler))
        for _ in range(FIFTY_MB // len(block)):
            handle.write(block)
        handle.write(tail)
    return path


def test_a_50_mb_log_line_keeps_memory_flat(ws: Workspace, tmp_path: Path) -> None:
    good = log_line("10.0.0.1", MON, "/r/handover/").encode()
    log = write_no_newline(tmp_path / "access.log", head=good, filler=b"A", tail=b"\n" + good)
    result = measure(ws, "log", log)
    assert result["extra_mib"] < 64, result
    print(result["extra_mib"])  # the whole line is 50 MiB; it was read whole (142 MB peak)
    assert (result["lines"], result["malformed"], result["page_views"]) == (3, 1, 2)
    assert result["warnings"] == ["access.log: 1 line over 65,536 bytes skipped as not a log line"]


def test_50_mb_of_zero_bytes_as_a_log_keeps_memory_flat(ws: Workspace, tmp_path: Path) -> None:
    log = write_no_newline(tmp_path / "zeros.log", head=b"", filler=b"\0", tail=b"")
    result = measure(ws, "log", log)
    assert result["extra_mib"] < 16, result
    assert (result["lines"], result["malformed"]) == (1, 1)


def test_a_50_mb_feedback_line_keeps_memory_flat(ws: Workspace, tmp_path: Path) -> None:
    csv_path = write_no_newline(
        tmp_path / "feedback.csv", head=b"resource,rating\nhandover,4\n", filler=b"x", tail=b"\nhandover,2\n"
    )
    result = measure(ws, "feedback", csv_path, write_log(tmp_path / "access.log", []))
    assert result["extra_mib"] < 16, result
    assert result["feedback_rows"] == 2
    assert result["warnings"] == [
        "feedback.csv: 1 line over 1,048,576 characters skipped; check the export is the form tool's CSV"
    ]


def test_an_overlong_log_line_is_counted_at_its_line_number(ws: Workspace, tmp_path: Path) -> None:
    good = log_line("10.0.0.1", MON, "/r/handover/").encode()
    log = tmp_path / "access.log"
    log.write_bytes(good + b"x" * 70_000 + b"\n" + good + b"y" * 3_000_000 + b"\n" + good + b"z" * 65_536)
    report = build_report(ws, [log])
    assert (report.lines, report.malformed, report.page_views) == (6, 3, 3)  # the last is exactly the limit
    assert report.files[0].first_malformed_lines == (2, 4, 6)
    assert report.files[0].overlong == 2
    assert report.warnings == ["access.log: 2 lines over 65,536 bytes skipped as not a log line"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([b"a", b"bb", b"\n", b"ccccccc", b"\n\n", b"dddd\ne"]), max_size=40),
    st.lists(st.integers(1, 9), min_size=1, max_size=10),
    st.integers(1, 8),
)
def test_split_lines_is_split_with_long_lines_replaced(parts: list[bytes], sizes: list[int], limit: int) -> None:
    from pipeline.report.logs import OVERLONG_LINE, split_lines

    data = b"".join(parts)
    chunks, start, index = [], 0, 0
    while start < len(data):
        size = sizes[index % len(sizes)]
        chunks.append(data[start : start + size])
        start, index = start + size, index + 1
    expected = data.split(b"\n")
    if expected[-1] == b"":
        expected.pop()
    expected = [OVERLONG_LINE if len(line) > limit else line for line in expected]
    got = [line for block in split_lines(chunks, limit=limit) for line in block]
    assert got == expected


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([b"", b"resource,rating,comment\n", codecs.BOM_UTF8 + b"resource;rating\r\n", codecs.BOM_UTF16_LE]),
    st.binary(max_size=400),
)
def test_any_bytes_as_feedback_are_read_or_refused_never_a_crash(
    tmp_path_factory: pytest.TempPathFactory, head: bytes, body: bytes
) -> None:
    from pipeline.errors import FeedbackError
    from pipeline.report.feedback import FeedbackColumns, read_feedback

    csv_path = tmp_path_factory.mktemp("fuzz") / "feedback.csv"
    csv_path.write_bytes(head + body)
    limit = csv.field_size_limit()
    try:
        export = read_feedback(csv_path, FeedbackColumns(), known_ids={"handover"}, ids_by_title={})
    except FeedbackError as error:
        assert str(error).startswith("feedback.csv")
        return
    finally:
        assert csv.field_size_limit() == limit  # the process-wide limit is raised for the read only
    assert all(row.resource_id == "handover" for row in export.rows)
    assert export.total_rows == len(export.rows) + export.unmatched_rows


def test_since_applies_to_day_first_dates_of_european_exports(ws: Workspace, tmp_path: Path) -> None:
    from pipeline.report.feedback import parse_day

    assert [parse_day(t) for t in ("2026-11-09", "2026/11/09 10:00", "09.11.2026 10:00", "9.1.2026", "11/09/2026")] == [
        date(2026, 11, 9),
        date(2026, 11, 9),
        date(2026, 11, 9),
        date(2026, 1, 9),
        None,
    ]
    ws.catalogue_path.write_text(CATALOGUE + "report:\n  feedback:\n    date: Zeitstempel\n", encoding="utf-8")
    csv_path = tmp_path / "feedback.csv"
    csv_path.write_bytes((EXCEL_TEXT + "01.10.2026 09:00;handover;1;alt\r\n").encode("utf-8-sig"))
    report = build_report(ws, [write_log(tmp_path / "access.log", [])], csv_path, since=date(2026, 11, 1))
    assert figures(report) == EXCEL_FIGURES
    assert report.feedback_rows == 3
