"""``capture tag``: set level, roles, kind, topics and prerequisites, or confirm the suggestions.

``confirm_tags`` is also what ``capture add`` calls for each new clip: in a terminal it
asks a short question per tag with the suggestion as the default; otherwise it takes
the suggestions as they are. What a person chose and what was accepted are recorded
apart, in the entry's ``tagged`` mapping.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO, Any

import typer
from rich.console import Console
from rich.prompt import Prompt

from capture.app import app, console, err_console, user_errors, user_text, workspace
from pipeline.errors import CaptureError
from pipeline.workspace.answered import AnsweredQuestion, clean_question
from pipeline.workspace.catalogue import KINDS, LEVELS, Resource
from pipeline.workspace.paths import Workspace
from pipeline.workspace.tagging import PERSON, SUGGESTED, Suggestions, TagChange

SKIP = "-"
LIST_TAGS = ("roles", "topics", "prerequisites")
TEXT_QUESTIONS = (
    ("what", "What is the expertise, in a line"),
    ("why", "Why should others know it"),
    ("when", "When would they apply it"),
)


class _Answers:
    """Lines read from a stream as the terminal gives them: without the newline, so Enter means "default"."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def readline(self) -> str:
        return self.stream.readline().rstrip("\r\n")


def _current(resource: Resource, tag: str) -> list[str]:
    value = getattr(resource, tag)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _split(answer: str) -> list[str]:
    if answer.strip() == SKIP:
        return []
    return list(dict.fromkeys(part.strip() for part in answer.replace(";", ",").split(",") if part.strip()))


def _ask_list(out: Console, label: str, default: list[str], *, allowed: Sequence[str] | None, stream: Any) -> list[str]:
    shown = ""
    if allowed is not None:
        shown = "; from: " + (
            ", ".join(allowed[:8]) + (", … (see capture list)" if len(allowed) > 8 else "")
            if allowed
            else "nothing yet"
        )
    hint = f" [dim](comma-separated; {SKIP} for none{user_text(shown)})[/]"
    while True:
        answer = Prompt.ask(f"{label}{hint}", console=out, default=", ".join(default) or SKIP, stream=stream)
        values = _split(answer)
        unknown = [v for v in values if allowed is not None and v not in allowed]
        if not unknown or values == default:  # Enter keeps what is there, even a value `capture check` flags
            return values
        choose = f"choose from {', '.join(allowed)}" if allowed else f"leave it as {SKIP}"
        out.print(f"[red]Not known: {user_text(', '.join(unknown))}[/]; {user_text(choose)}.")


def show_suggestions(resource: Resource, suggestions: Suggestions, out: Console | None = None) -> None:
    out = out or console
    found = [*suggestions.all(), *suggestions.questions]
    if not found:
        out.print(f"[bold]{user_text(resource.id)}[/]: no suggestions (no role signals or cues in its transcript)")
        return
    out.print(f"[bold]{user_text(resource.id)}[/]: suggested")
    for suggestion in found:
        out.print(f"  {user_text(str(suggestion))}", soft_wrap=True)


def confirm_tags(
    resource: Resource,
    suggestions: Suggestions,
    *,
    yes: bool,
    roles: Sequence[str] = (),
    resource_ids: Sequence[str] = (),
    keep_person: bool = True,
    out: Console | None = None,
    stream: IO[str] | None = None,
) -> TagChange:
    """The tags to set on ``resource``: the suggestions (``yes``) or what a person answers.

    Tags a person set already are left alone when ``keep_person``. With ``yes`` a tag that
    already has a value keeps it. An answer equal to the suggestion is recorded as an
    accepted suggestion, anything else as the person's. ``stream`` gives the answers
    instead of the terminal (tests, piped answers).
    """
    asked = [t for t in ("level", "kind", *LIST_TAGS) if not (keep_person and resource.tagged.get(t) == PERSON)]
    if yes:
        return _accepted(resource, suggestions, asked)
    out = out or console
    answers: Any = _Answers(stream) if stream is not None else None
    allowed = {"roles": list(roles), "prerequisites": [i for i in resource_ids if i != resource.id]}
    change = TagChange()
    out.print(f"Tags for [bold]{user_text(resource.title)}[/] ({user_text(resource.id)}): Enter keeps the default.")
    for tag in asked:
        suggested = suggestions.values(tag)
        current = _current(resource, tag)
        values = _ask_tag(out, tag, current or suggested, allowed=allowed.get(tag), answers=answers)
        if values == current:
            continue
        source = SUGGESTED if values and values == suggested else PERSON
        if tag not in ("level", "kind"):
            change.set(tag, values, source)
        elif values:
            change.set(tag, values[0], source)
    _ask_texts(resource, change, keep_person=keep_person, out=out, answers=answers)
    return change


def _accepted(resource: Resource, suggestions: Suggestions, asked: list[str]) -> TagChange:
    """The suggestions for every asked tag that has no value yet."""
    change = TagChange()
    for tag in asked:
        suggested = suggestions.values(tag)
        if suggested and not _current(resource, tag):
            change.set(tag, suggested[0] if tag in ("level", "kind") else suggested, SUGGESTED)
    return change


def _ask_tag(out: Console, tag: str, default: list[str], *, allowed: Sequence[str] | None, answers: Any) -> list[str]:
    """One question: a choice for level and kind, a comma-separated list for the others."""
    if tag not in ("level", "kind"):
        return _ask_list(out, tag, default, allowed=allowed, stream=answers)
    names = LEVELS if tag == "level" else KINDS
    answer = Prompt.ask(
        tag, console=out, choices=[*names, SKIP], default=default[0] if default else SKIP, stream=answers
    )
    return [] if answer == SKIP else [answer]


def _ask_texts(resource: Resource, change: TagChange, *, keep_person: bool, out: Console, answers: Any) -> None:
    """What, why and when, each with its current text as the default."""
    for tag, question in TEXT_QUESTIONS:
        if keep_person and resource.tagged.get(tag) == PERSON:
            continue
        current_text = getattr(resource, tag)
        answer = Prompt.ask(
            question, console=out, default=current_text, show_default=bool(current_text), stream=answers
        )
        if answer.strip() != current_text:
            change.set(tag, answer.strip(), PERSON)


def ask_questions(
    resource: Resource, suggestions: Suggestions, change: TagChange, *, out: Console | None = None, stream: Any = None
) -> None:
    """The suggested questions to keep (by number, Enter: none), each editable, and one more of the person's own."""
    from capture.commands.questions import parse_question_option

    out = out or console
    answers: Any = _Answers(stream) if stream is not None else None
    offered = list(suggestions.questions)
    kept = list(resource.questions)
    chosen: list[int] = []
    if offered:
        out.print(f"Questions [bold]{user_text(resource.id)}[/] may answer:")
        for number, suggestion in enumerate(offered, start=1):
            at = f" (at {suggestion.at})" if suggestion.at else ""
            out.print(f"  {number}. {user_text(suggestion.value)}{user_text(at)}", soft_wrap=True)
        picked = Prompt.ask(
            "Questions to keep [dim](numbers, comma-separated; Enter: none)[/]", console=out, default="",
            show_default=False, stream=answers,
        )  # fmt: skip
        chosen = [int(p) for p in _split(picked) if p.isdigit() and 1 <= int(p) <= len(offered)]
    edited = False
    for number in dict.fromkeys(chosen):
        suggestion = offered[number - 1]
        text = Prompt.ask(f"Question {number}", console=out, default=suggestion.value, stream=answers)
        edited = edited or clean_question(text) != suggestion.value
        kept.append(AnsweredQuestion(clean_question(text), suggestion.at))
    extra = Prompt.ask(
        "Another question it answers [dim](add ' @ mm:ss' for its moment; Enter: none)[/]", console=out,
        default="", show_default=False, stream=answers,
    )  # fmt: skip
    if extra.strip():
        kept.append(parse_question_option(extra))
        edited = True
    if kept != resource.questions:
        change.set("questions", kept, PERSON if edited else SUGGESTED)


def describe_tags(resource: Resource) -> str:
    parts = []
    for tag in ("level", "kind", "roles", "topics", "prerequisites"):
        value = getattr(resource, tag)
        shown = ", ".join(value) if isinstance(value, list) else value
        if shown:
            who = resource.tagged.get(tag)
            parts.append(f"{tag}: {shown}" + (f" ({who})" if who else ""))
    if resource.questions:
        count = len(resource.questions)
        parts.append(f"answers {count} question{'s' if count != 1 else ''}")
    return "; ".join(parts) or "no tags"


def tag_new_resources(
    ws: Workspace, resource_ids: Sequence[str], *, interactive: bool, stream: IO[str] | None = None
) -> None:
    """After ``capture add``: suggest tags for each new clip, confirm them, record them."""
    from pipeline.workspace.catalogue import editing_catalogue, load_catalogue
    from pipeline.workspace.tagging import apply_tags, suggest_for

    catalogue = load_catalogue(ws.catalogue_path)
    changes: dict[str, TagChange] = {}
    offered: dict[str, Suggestions] = {}
    for resource_id in resource_ids:
        resource = catalogue.get(resource_id)
        suggestions = offered[resource_id] = suggest_for(ws.root, catalogue, resource)
        show_suggestions(resource, suggestions)
        changes[resource_id] = confirm_tags(
            resource,
            suggestions,
            yes=not interactive,
            roles=[r.id for r in catalogue.settings.roles],
            resource_ids=[r.id for r in catalogue.resources],
            stream=stream,
        )
    with_questions = [rid for rid in resource_ids if offered[rid].questions]
    for resource_id in with_questions if interactive else ():  # questions after every clip's tags
        ask_questions(catalogue.get(resource_id), offered[resource_id], changes[resource_id], stream=stream)
    if with_questions and not interactive:
        console.print(
            "Suggested questions are kept only by a person: run `capture tag ID` in a terminal to keep them, "
            f"or add one with --question 'TEXT @ mm:ss' ({user_text(', '.join(with_questions))})."
        )
    # Ask first, lock after: a person may take minutes to answer.
    updated: list[Resource] = []
    refused: list[str] = []
    with editing_catalogue(ws.catalogue_path) as editing:
        for resource_id, change in changes.items():
            if not change.changed():
                continue
            try:
                updated.append(apply_tags(editing, resource_id, change))
            except CaptureError as exc:  # the clip stays added; its tags can be set again
                refused.append(f"{resource_id} not tagged: {exc}; set its tags with `capture tag {resource_id}`")
    for resource in updated:
        console.print(
            f"[green]tagged[/] {user_text(resource.id)}: {user_text(describe_tags(resource))}", soft_wrap=True
        )
    for message in refused:
        err_console.print(f"[yellow]Warning:[/] {user_text(message)}")


def _suggested_change(ws: Workspace, resource_id: str, *, suggest: bool, yes: bool) -> TagChange | None:
    """The suggestions shown, then confirmed in a terminal or taken with ``yes``; None: nothing to save."""
    from pipeline.workspace.catalogue import load_catalogue
    from pipeline.workspace.tagging import suggest_for

    catalogue = load_catalogue(ws.catalogue_path)
    resource = catalogue.get(resource_id)
    suggestions = suggest_for(ws.root, catalogue, resource)
    show_suggestions(resource, suggestions)
    if suggest:
        return None
    if not yes and not sys.stdin.isatty():
        console.print(
            "Nothing changed: run it in a terminal to confirm, add --yes to accept the "
            "suggestions, or set tags with --level, --role, --kind, --topic, --needs."
        )
        return None
    change = confirm_tags(
        resource,
        suggestions,
        yes=yes,
        roles=[r.id for r in catalogue.settings.roles],
        resource_ids=[r.id for r in catalogue.resources],
        keep_person=yes,
    )
    if not yes:
        ask_questions(resource, suggestions, change)
    if not change.changed():
        console.print(f"{user_text(resource_id)}: nothing changed ({user_text(describe_tags(resource))})")
        return None
    return change


@app.command()
def tag(
    *,
    resource_id: str = typer.Argument(..., help="The resource's id (see `capture list`)."),
    level: str | None = typer.Option(None, help="beginner, intermediate or advanced."),
    role: list[str] = typer.Option([], "--role", help="A role it is for (repeat for more; replaces the roles)."),
    kind: str | None = typer.Option(None, help="skill, theory or strategy."),
    topic: list[str] = typer.Option([], "--topic", help="A topic (repeat for more; replaces the topics)."),
    prerequisite: list[str] = typer.Option(
        [], "--prerequisite", "--needs", help="A resource id to watch first (repeat for more; replaces them)."
    ),
    what: str | None = typer.Option(None, help="What the expertise is."),
    why: str | None = typer.Option(None, help="Why others should know it."),
    when: str | None = typer.Option(None, help="When to apply it."),
    question: list[str] = typer.Option(
        [], "--question", help="A question it answers, 'TEXT @ mm:ss' for its moment (repeat; replaces them)."
    ),
    suggest: bool = typer.Option(False, "--suggest", help="Only show the suggestions and their reasons."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Accept the suggestions for tags that have no value yet."),
) -> None:
    """Tag a resource. With no tag options: suggest tags from its transcript and ask (or --yes)."""
    from pipeline.workspace.catalogue import editing_catalogue
    from pipeline.workspace.tagging import apply_tags

    change = TagChange()
    for name, value in (("level", level), ("kind", kind), ("what", what), ("why", why), ("when", when)):
        if value is not None:
            change.set(name, value, PERSON)
    for name, values in (("roles", role), ("topics", topic), ("prerequisites", prerequisite)):
        if values:
            change.set(name, list(values), PERSON)
    with user_errors():
        if question:
            from capture.commands.questions import parse_question_option

            change.set("questions", [parse_question_option(q) for q in question], PERSON)
        ws = workspace()
        if not change.changed():
            found = _suggested_change(ws, resource_id, suggest=suggest, yes=yes)
            if found is None:
                return
            change = found
        with editing_catalogue(ws.catalogue_path) as editing:
            updated = apply_tags(editing, resource_id, change)
    console.print(f"[green]tagged[/] {user_text(updated.id)}: {user_text(describe_tags(updated))}", soft_wrap=True)
