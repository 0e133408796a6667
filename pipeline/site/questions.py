"""The site's questions: the Questions page, grouped by role and topic, and ``questions-index.js`` for search.

Every question a resource lists links to the moment that answers it (``r/<id>/index.html#t=SECONDS``).
Open questions from ``questions.yaml`` are shown as "asked N times, not answered yet" where the
site setting ``site.open_questions`` is on, so workers see that their question was heard.

``questions-index.js`` sets ``window.CAPTURE_QUESTIONS`` to one row per question,
``[text, href, resource title, seconds (-1: the start), times asked (0 for an answered one)]``;
``static/questions.js`` loads it with a ``<script>`` tag (which works from ``file://``) and
``CaptureQuestions.search(query)`` answers with the matching rows, best first, for the search
page to show before its clip results.

A question with a short code (``code:``, given by ``capture links``) has an ``id="q-<code>"`` on
the Questions page, and :func:`question_targets` says where its ``s/<code>/`` page leads: the
moment that answers it, or, while no resource answers it, its place on the Questions page. A
question of ``questions.yaml`` and the same question on a resource share the file's code.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import CatalogueError
from pipeline.site.output import Output
from pipeline.site.views import ResourceView, SiteModel, content_key
from pipeline.workspace.answered import question_key
from pipeline.workspace.codes import CODE_PATTERN
from pipeline.workspace.questions import OpenQuestion, questions_path, read_questions

if TYPE_CHECKING:
    from pipeline.site.render import Pages

EVERYONE = "For everyone"
OTHER_TOPIC = "Other questions"


@dataclass(frozen=True)
class QuestionItem:
    """One question as the site shows it: answered (``href`` to its moment) or open (``times`` asked)."""

    text: str
    href: str = ""  # from the site's root; "" for an open question
    title: str = ""  # the answering resource's title
    seconds: float | None = None
    times: int = 0
    code: str = ""  # its short code, s/<code>/
    anchor: str = ""  # its id on the Questions page, on its first appearance there only


@dataclass(frozen=True)
class TopicGroup:
    name: str
    items: tuple[QuestionItem, ...]


@dataclass(frozen=True)
class RoleGroup:
    id: str
    name: str
    topics: tuple[TopicGroup, ...]


def answer_href(view: ResourceView, seconds: float | None) -> str:
    page = f"r/{view.resource.id}/index.html"
    return page if seconds is None else f"{page}#t={int(seconds)}"


def _answered(views: Sequence[ResourceView], codes: dict[str, str]) -> list[tuple[QuestionItem, list[str], str]]:
    """(item, its roles, its topic) for every question a resource lists; ``codes`` by question_key."""
    found = []
    for view in views:
        r = view.resource
        for question, (text, seconds) in zip(r.questions, view.answers, strict=True):
            code = question.code or codes.get(question_key(text), "")
            item = QuestionItem(text, answer_href(view, seconds), r.title, seconds, code=code)
            found.append((item, list(r.roles), r.topics[0] if r.topics else ""))
    return found


def _open(model: SiteModel, questions: Sequence[OpenQuestion]) -> list[tuple[QuestionItem, list[str], str]]:
    answered = {question_key(q.text) for v in model.views for q in v.resource.questions}
    found = []
    for question in sorted(questions, key=lambda q: -q.times):
        if question_key(question.text) not in answered:
            item = QuestionItem(question.text, times=question.times, code=question.code)
            topic = question.topics[0] if question.topics else ""
            found.append((item, [question.role] if question.role else [], topic))
    return found


def group_questions(model: SiteModel, rows: list[tuple[QuestionItem, list[str], str]]) -> list[RoleGroup]:
    """By role (in the settings' order, then questions for no role), then by topic (alphabetical, then the rest)."""
    names = {role.id: role.name for role in model.roles()}
    by_role: dict[str, dict[str, list[QuestionItem]]] = {}
    for item, roles, topic in rows:
        for role in [r for r in roles if r in names] or [""]:
            by_role.setdefault(role, {}).setdefault(topic, []).append(item)
    _anchor_first(by_role, [*names, ""])
    groups = []
    for role in [*names, ""]:
        topics = by_role.get(role)
        if not topics:
            continue
        ordered = sorted(topics.items(), key=lambda item: (not item[0], item[0].casefold()))
        groups.append(
            RoleGroup(
                role,
                names.get(role, EVERYONE),
                tuple(TopicGroup(topic.capitalize() or OTHER_TOPIC, tuple(items)) for topic, items in ordered),
            )
        )
    return groups


def _anchor_first(by_role: dict[str, dict[str, list[QuestionItem]]], order: list[str]) -> None:
    """An ``id`` for each code on its first appearance in page order (a question under two roles shows twice)."""
    seen: set[str] = set()
    for role in order:
        topics = by_role.get(role, {})
        for topic in sorted(topics, key=lambda name: (not name, name.casefold())):
            items = topics[topic]
            for index, item in enumerate(items):
                if CODE_PATTERN.match(item.code) and item.code not in seen:  # a mistyped one: no id
                    seen.add(item.code)
                    items[index] = dataclasses.replace(item, anchor=f"q-{item.code}")


def question_targets(model: SiteModel) -> dict[str, str]:
    """Where each question's short code leads (from the site's root): the first moment that answers it;
    else its place on the Questions page; else that page, or the home page where the site has none."""
    targets: dict[str, str] = {}
    answers: dict[str, str] = {}
    for item, _, _ in model.questions:
        if item.href:
            answers.setdefault(question_key(item.text), item.href)
        if item.code:
            targets.setdefault(item.code, item.href or f"questions/index.html#q-{item.code}")
    elsewhere = "questions/index.html" if model.questions else "index.html"
    for question in model.open_questions:
        if question.code:
            targets.setdefault(question.code, answers.get(question_key(question.text), elsewhere))
    return targets


def read_open_questions(model: SiteModel, root: Path) -> list[OpenQuestion]:
    """``questions.yaml`` for the site, logged as an input; a broken file is a warning, never a failed build."""
    path = questions_path(root)
    try:
        model.inputs.content(str(path), path.read_bytes())
    except OSError:
        model.inputs.content(str(path), None)
        return []
    try:
        return read_questions(root).questions
    except CatalogueError as exc:
        model.warnings.append(f"{exc} ({'; '.join(exc.problems[:3])}); the site shows no open questions until then")
        return []


def index_script(rows: Sequence[QuestionItem]) -> str:
    data = [[r.text, r.href, r.title, -1 if r.seconds is None else int(r.seconds), r.times] for r in rows]
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("<", "\\u003c")
    return f"window.CAPTURE_QUESTIONS = {text};\n"


Row = tuple[QuestionItem, list[str], str]  # a question, the roles it is shown under, its topic


def question_rows(model: SiteModel) -> list[Row]:
    """Every question the site shows: those resources answer, then (where the setting says) the open ones.

    Read once per build (``SiteModel.questions``); ``questions.yaml`` beside ``resources.yaml``.
    """
    codes = {question_key(q.text): q.code for q in reversed(model.open_questions) if q.code}
    rows = _answered(model.views, codes)
    if model.catalogue.settings.site.open_questions:
        rows += _open(model, model.open_questions)
    return rows


def question_outputs(model: SiteModel, pages: Pages, *, base: str) -> list[Output]:
    """The Questions page and the search's question index, each keyed by every question it shows;
    nothing for a site without questions (and its pages link to no Questions page)."""
    rows = model.questions
    if not rows:
        return []
    groups = group_questions(model, rows)
    items = [item for item, _, _ in rows]
    key = content_key(base, "questions", groups)
    script = index_script(items)
    return [
        Output("questions/index.html", key, render=functools.partial(pages.questions, groups)),
        Output("questions-index.js", content_key(script), render=functools.partial(str.encode, script)),
    ]
