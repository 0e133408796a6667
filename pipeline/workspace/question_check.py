"""``capture check`` for questions: moments beyond the clip, questions listed twice, answers that disagree on level.

Called by :func:`pipeline.workspace.check.check_workspace`; every finding is a warning (the site
still builds), with the file and line of the question and what to do.
"""

from __future__ import annotations

from pipeline.errors import CaptureError, CatalogueError
from pipeline.speech.coverage import clock
from pipeline.speech.transcript import read_transcript
from pipeline.workspace.answered import AnsweredQuestion, first_chapter_start, has_chapters, question_key
from pipeline.workspace.catalogue import Catalogue, Resource
from pipeline.workspace.check import ERROR, WARNING, Problem
from pipeline.workspace.paths import CATALOGUE_NAME, Workspace
from pipeline.workspace.questions import QUESTIONS_NAME, read_questions

LEVEL_ORDER = {"beginner": 0, "intermediate": 1, "advanced": 2}


def _warn(line: int | None, message: str) -> Problem:
    return Problem(WARNING, CATALOGUE_NAME, line, message)


def _moment(workspace: Workspace, resource: Resource, question: AnsweredQuestion, *, where: str) -> list[Problem]:
    """A time past the clip's end, or a chapter the transcript does not have."""
    seconds = question.seconds
    if seconds is not None:
        if resource.duration and seconds > resource.duration:
            return [
                _warn(
                    question.line,
                    f"{where}.at: {question.at} is past the end of the clip ({clock(round(resource.duration, 1))}); "
                    "set the moment where the answer starts",
                )
            ]
        return []
    if not question.chapter:
        return []
    lines = []
    if resource.transcript and (workspace.root / resource.transcript).is_file():
        try:
            lines = read_transcript(workspace.root / resource.transcript).lines
        except CaptureError:
            return []  # the transcript check names what is wrong with it
    if not has_chapters(lines):
        what = "its transcript has no chapters"
    elif first_chapter_start(lines, question.chapter) is None:
        what = "the transcript has no chapter of that name"
    else:
        return []
    return [_warn(question.line, f"{where}.at: {question.at!r} is not a time like '01:05' and {what}; write the time")]


def _resource(workspace: Workspace, resource: Resource, where: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, question in enumerate(resource.questions):
        here = f"{where}.questions[{index}]"
        key = question_key(question.text)
        if key in seen:
            problems.append(
                _warn(question.line, f"{here}: listed twice (also {where}.questions[{seen[key]}]); keep one")
            )
        seen.setdefault(key, index)
        problems += _moment(workspace, resource, question, where=here)
    return problems


def _levels(catalogue: Catalogue) -> list[Problem]:
    """A question answered by resources of different levels: a learner cannot tell which answer is for them."""
    answering: dict[str, list[tuple[Resource, AnsweredQuestion]]] = {}
    for resource in catalogue.resources:
        for question in resource.questions:
            answering.setdefault(question_key(question.text), []).append((resource, question))
    problems = []
    for found in answering.values():
        levels = {r.level for r, _ in found if r.level in LEVEL_ORDER}
        if len(levels) < 2:
            continue
        first, question = found[0]
        named = ", ".join(dict.fromkeys(f"{r.id} ({r.level})" for r, _ in found if r.level))
        problems.append(
            _warn(
                question.line,
                f"resources[{catalogue.resources.index(first)}].questions: '{question.text}' is answered at "
                f"different levels by {named}; keep it on the one whose level fits, or ask it two ways",
            )
        )
    return problems


def question_problems(workspace: Workspace, catalogue: Catalogue) -> list[Problem]:
    """Every question problem in the catalogue and in questions.yaml."""
    problems: list[Problem] = []
    for index, resource in enumerate(catalogue.resources):
        problems += _resource(workspace, resource, f"resources[{index}]")
    problems += _levels(catalogue)
    try:
        found = read_questions(workspace.root)
    except CatalogueError as exc:
        return problems + [_located(text) for text in exc.problems or [str(exc)]]
    declared = {role.id for role in catalogue.settings.roles}
    unknown = [
        Problem(
            WARNING,
            QUESTIONS_NAME,
            q.line,
            f"role '{q.role}' is not declared in {CATALOGUE_NAME}; the site shows it for everyone until it is",
        )
        for q in found.questions
        if q.role and q.role not in declared
    ]
    return problems + [_located(text, WARNING) for text in found.warnings] + unknown


def _located(text: str, severity: str = ERROR) -> Problem:
    """``questions.yaml:12: where: what`` as a problem of that file and line."""
    name, _, rest = text.partition(":")
    line, _, message = rest.partition(":")
    if name != QUESTIONS_NAME or not line.isdigit():
        return Problem(severity, QUESTIONS_NAME, None, text.removeprefix(f"{QUESTIONS_NAME}: "))
    return Problem(severity, QUESTIONS_NAME, int(line), message.strip())
