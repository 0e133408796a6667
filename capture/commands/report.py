"""``capture report``: evidence from the web server's access logs and the feedback form's export."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from capture.app import app, console, err_console, fail, user_errors, user_text, workspace
from pipeline.text import printable_json

QUEUE_SHOWN = 15  # the terminal shows the queue's head; the HTML report and --json hold all of it

if TYPE_CHECKING:
    from pipeline.report.model import JourneyStats, Report, ResourceStats
    from pipeline.workspace.paths import Workspace


@app.command("report")
def report(
    *,
    access_log: list[Path] = typer.Option(
        None,
        "--access-log",
        "-l",
        metavar="FILE",
        help="An nginx/Apache access log (combined format, plain or .gz); repeat it, or list more files after it.",
    ),
    more_logs: list[Path] = typer.Argument(
        None,
        metavar="FILE",
        help="More access logs, so `--access-log /var/log/nginx/access.log*` works.",
        show_default=False,
    ),
    feedback: Path | None = typer.Option(
        None,
        "--feedback",
        "-f",
        metavar="FILE.csv",
        help="The feedback form's CSV export (columns named under report: feedback: in resources.yaml).",
    ),
    since: str | None = typer.Option(None, "--since", metavar="DATE", help="Only count from this day on (2026-11-01)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON for other tools (no summary)."),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        metavar="report.html",
        dir_okay=False,
        help="Where to write the HTML report (default report.html; with --json only if given).",
    ),
) -> None:
    """Which resources are used, watched through and found helpful, from access logs and feedback."""
    from pipeline.errors import ReportError
    from pipeline.fsutil import atomic_write_text
    from pipeline.report.html import render_report_html
    from pipeline.report.model import parse_since, report_to_json

    logs = list(access_log or []) + list(more_logs or [])
    if not logs:
        raise fail("no access log given; pass --access-log FILE (several files and .gz are fine)", 2)
    try:
        start = parse_since(since) if since else None
    except ReportError as exc:
        raise fail(str(exc), 2) from None
    with user_errors():
        result = _read_with_progress(workspace(), logs, feedback, since=start)
        target = out if out is not None else (None if as_json else Path("report.html"))
        if target is not None:
            atomic_write_text(target, render_report_html(result))
    if as_json:
        typer.echo(printable_json(report_to_json(result)), nl=False)
        if target is not None:
            err_console.print(f"Wrote {user_text(str(target))}")
        return
    _summary(result, target)


def _read_with_progress(ws: Workspace, logs: list[Path], feedback: Path | None, *, since: date | None) -> Report:
    """build_report with a bar over the bytes of every log, on stderr and only in a terminal."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from pipeline.report.model import build_report

    columns = (TextColumn("Reading logs"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as progress:
        task = progress.add_task("logs", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return build_report(ws, logs, feedback, since=since, on_progress=on_progress)


def _table(title: str, columns: tuple[str, ...]) -> Table:
    """A summary table: the first column (a name) on the left, the figures on the right."""
    table = Table(title=title, title_justify="left")
    table.add_column(columns[0], justify="left")
    for column in columns[1:]:
        table.add_column(column, justify="right")
    return table


def _headline(result: Report) -> str:
    period = f"{result.first_day} to {result.last_day}" if result.first_day else "no dated requests"
    return (
        f"[bold]{result.page_views:,}[/] page views by [bold]{result.visitors:,}[/] visitors, {period} "
        f"({result.lines:,} lines; {result.malformed:,} not log lines, skipped; {result.bot_requests:,} from crawlers)"
    )


def _top_resources(result: Report) -> Table:
    columns = ("resource", "views", "visitors", "median fetched", "rating", "helped")
    table = _table("Top resources", columns)
    for r in result.resources[:10]:
        fetched = f"{100 * r.video.median_fetched:.0f}%" if r.video and r.video.viewers else "-"
        rating = f"{r.feedback.mean_rating:g}" if r.feedback and r.feedback.mean_rating is not None else "-"
        answers = (
            f"{r.answers.helped:,} of {r.answers.helped + r.answers.not_needed + r.answers.wrong:,}"
            if r.answers
            else "-"
        )
        table.add_row(user_text(r.title), f"{r.views:,}", f"{r.visitors:,}", fetched, rating, answers)
    return table


def _unwatched(result: Report) -> str:
    def viewers(r: ResourceStats) -> int:
        return r.video.viewers if r.video else 0

    return "[bold]Nobody watched past the first quarter:[/] " + ", ".join(
        f"{user_text(r.title)} ({viewers(r)} viewer{'s' if viewers(r) != 1 else ''})" for r in result.unwatched
    )


def _journeys(dropping: list[JourneyStats]) -> Table:
    table = _table("Journeys", ("journey", "started", "intermediate", "advanced", "drop-out"))
    for j in dropping:
        figures = (f"{j.started:,}", f"{j.reached_intermediate:,}", f"{j.reached_advanced:,}", f"{j.drop_out:.0%}")
        table.add_row(user_text(j.title), *figures)
    return table


def _feedback(result: Report) -> str:
    unmatched = f", {result.feedback_unmatched:,} naming no known resource" if result.feedback_unmatched else ""
    return f"Feedback: {result.feedback_rows:,} responses{unmatched}"


def _queue(result: Report) -> Table:
    table = Table(title="Work queue (most urgent first)", title_justify="left")
    for column in ("", "what", "resource or search", "why"):
        table.add_column(column, justify="right" if not column else "left")
    for number, item in enumerate(result.queue[:QUEUE_SHOWN], start=1):
        name = user_text(item.title) if item.resource else user_text(repr(item.title))
        table.add_row(str(number), item.kind, name, user_text(item.reason))
    return table


def _answers(result: Report) -> str:
    answered = [r.answers for r in result.resources if r.answers]
    counts = (sum(a.helped for a in answered), sum(a.not_needed for a in answered), sum(a.wrong for a in answered))
    line = "Did this help? {:,} helped, {:,} not what they needed, {:,} wrong or out of date".format(*counts)
    if result.unknown_answers:
        line += "; for unknown resources: " + ", ".join(
            f"{user_text(rid)} ×{count}" for rid, count in result.unknown_answers.items()
        )
    if result.answer_junk:
        line += f"; {result.answer_junk:,} junk (not an answer, not counted)"
    return line


def _summary(result: Report, target: Path | None) -> None:
    console.print(_headline(result))
    for warning in result.warnings:
        err_console.print(f"[yellow]Warning:[/] {user_text(warning)}")
    if result.resources:
        console.print(_top_resources(result))
    if result.unwatched:
        console.print(_unwatched(result))
    dropping = sorted((j for j in result.journeys if j.started), key=lambda j: -j.drop_out)
    if dropping:
        console.print(_journeys(dropping))
    if result.no_answer:
        console.print(
            "[bold]Searches with no answer[/] (the next clips to film): "
            + ", ".join(f"{user_text(repr(s.term))} ×{s.no_result}" for s in result.no_answer[:15])
        )
    if result.candidate_questions:
        from capture.commands.questions import print_candidates

        print_candidates(result.candidate_questions[:10])
    if result.feedback_file:
        console.print(_feedback(result))
    if any(r.answers for r in result.resources) or result.unknown_answers or result.answer_junk:
        console.print(_answers(result))
    if result.queue:
        console.print(_queue(result))
        if len(result.queue) > QUEUE_SHOWN:
            console.print(f"… and {len(result.queue) - QUEUE_SHOWN:,} more in the HTML report and --json")
    if target is not None:
        console.print(f"Wrote {user_text(str(target))}")
