"""``capture questions``: the questions people ask, who might answer them, and which a clip answers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from capture.app import app, console, err_console, user_errors, user_text, workspace
from pipeline.workspace.answered import AnsweredQuestion, clean_question, question_problem

if TYPE_CHECKING:
    from pipeline.report.questions import CandidateQuestion
    from pipeline.workspace.catalogue import Catalogue
    from pipeline.workspace.paths import Workspace
    from pipeline.workspace.questions import QuestionStatus

questions_app = typer.Typer(
    help="Questions people ask. Alone: list the open ones, most asked first, with who might answer, then the "
    "answered ones."
)
app.add_typer(questions_app, name="questions")
AT = " @ "


def parse_question_option(value: str) -> AnsweredQuestion:
    """ "How do I clear a jam? @ 01:05" -> the question and its moment (a time or a chapter's name)."""
    from pipeline.errors import CaptureError

    text, _, at = value.rpartition(AT) if AT in value else (value, "", "")
    problem = question_problem(text)
    if problem is not None:
        raise CaptureError(f"question: {problem}")
    return AnsweredQuestion(clean_question(text), clean_question(at))


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count:,} times"


def print_candidates(candidates: Sequence[CandidateQuestion]) -> None:
    """The report's searches that found nothing, merged into questions (what import-searches would adopt)."""
    console.print("[bold]Candidate questions[/] from searches that found nothing (capture questions import-searches):")
    for candidate in candidates:
        terms = ", ".join(f"'{term}' ×{count}" for term, count in candidate.terms.items())
        console.print(f"  {user_text(candidate.text)}: {_times(candidate.count)} ({user_text(terms)})", soft_wrap=True)


@questions_app.callback(invoke_without_command=True)
def list_questions(ctx: typer.Context) -> None:
    """List the open questions, most asked first, with who might answer; then the answered ones."""
    if ctx.invoked_subcommand is not None:
        return
    from pipeline.workspace.catalogue import read_catalogue
    from pipeline.workspace.questions import question_statuses, read_questions

    with user_errors():
        ws = workspace()
        catalogue = read_catalogue(ws.catalogue_path)
        found = read_questions(ws.root)
        statuses = question_statuses(found, catalogue)
        transcripts = _transcripts(ws, catalogue) if any(not s.answered_by for s in statuses) else {}
    for warning in found.warnings:
        err_console.print(f"[yellow]Warning:[/] {user_text(warning)}")
    if not statuses:
        console.print('No questions yet: add one with `capture questions add "How do I …?" --role ROLE`.')
        return
    open_ones = [s for s in statuses if not s.answered_by]
    console.print(f"[bold]Open questions[/] ({len(open_ones)}), most asked first:")
    for status in open_ones:
        _print_open(status, catalogue, transcripts)
    answered = [s for s in statuses if s.answered_by]
    if answered:
        console.print(f"[bold]Answered[/] ({len(answered)}):")
    for status in answered:
        names = ", ".join(f"{rid} ({catalogue.get(rid).title})" for rid in status.answered_by)
        console.print(f"  [green]answered[/] {user_text(status.question.text)} → {user_text(names)}", soft_wrap=True)


def _transcripts(ws: Workspace, catalogue: Catalogue) -> dict[str, str]:
    from pipeline.errors import CaptureError
    from pipeline.workspace.tagging import transcript_text

    texts = {}
    for resource in catalogue.resources:
        try:
            texts[resource.id] = transcript_text(ws.root, resource)
        except (CaptureError, OSError, UnicodeDecodeError):  # a broken transcript: `capture check` names it
            texts[resource.id] = ""
    return texts


def _print_open(status: QuestionStatus, catalogue: Catalogue, transcripts: dict[str, str]) -> None:
    from pipeline.workspace.questions import who_might_answer

    question = status.question
    facts = [f"asked {_times(question.times)}"]
    if question.role:
        facts.append(question.role)
    if question.topics:
        facts.append(", ".join(question.topics))
    console.print(f"  {user_text(question.text)} [dim]({user_text(' · '.join(facts))})[/]", soft_wrap=True)
    answerers = who_might_answer(question, catalogue, transcripts)
    if not answerers:
        console.print("    who might answer: nobody's clips come close yet")
    for answerer in answerers:
        console.print(f"    who might answer: {user_text(str(answerer))}", soft_wrap=True)


@questions_app.command("add")
def add(
    text: str = typer.Argument(..., help='The question as people ask it: "How do I clear a film jam on line 3?"'),
    role: str = typer.Option("", "--role", help="The role that asks it (an id under roles: in resources.yaml)."),
    topic: list[str] = typer.Option([], "--topic", help="A topic it is about (repeat for more)."),
    source: str = typer.Option("", "--from", help="Where it was asked: a workshop, a team chat, a supervisor."),
) -> None:
    """Record a question someone asked; the same question again counts as one more ask."""
    from pipeline.clock import today
    from pipeline.workspace.catalogue import read_catalogue
    from pipeline.workspace.questions import add_question, editing_questions

    with user_errors():
        ws = workspace()
        catalogue = read_catalogue(ws.catalogue_path)
        with editing_questions(ws.root) as found:
            question, new = add_question(
                found, text, catalogue=catalogue, role=role, topics=topic, source=source, added=today().isoformat()
            )
    said = "added" if new else f"asked again, now {_times(question.times)}"
    console.print(f"[green]{said}[/]: {user_text(question.text)} (questions.yaml)", soft_wrap=True)


@questions_app.command("import-searches")
def import_searches(
    access_log: list[Path] = typer.Argument(..., metavar="FILE", help="Access logs (as for `capture report`)."),
) -> None:
    """Adopt the site's searches that found nothing as questions, near duplicates merged, with their counts."""
    from pipeline.report.model import build_report
    from pipeline.workspace.questions import adopt_searches, editing_questions

    with user_errors():
        ws = workspace()
        candidates = build_report(ws, list(access_log)).candidate_questions
        with editing_questions(ws.root) as found:
            added, updated = adopt_searches(found, candidates)
    print_candidates(candidates)
    console.print(f"questions.yaml: {added} added, {updated} with new counts; see `capture questions`.")
