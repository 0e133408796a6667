"""``questions.yaml``: the questions people ask that are waiting for an answer, and who might answer them.

A plain file in the workspace, beside ``resources.yaml``, that people may edit by hand; capture
reads it with the project's YAML readers (``file:line`` errors, every problem collected) and
writes it back atomically with its comments kept::

    questions:
      - text: How do I clear a film jam on line 3?
        role: line-operator
        asked: 2                 # times people asked it (capture questions add)
        searches:                # site searches that found nothing (capture questions import-searches)
          clear jam: 4
          film jammed: 2
        code: K7QM2              # its short link s/K7QM2/ (capture links): the Questions page, then its answer

A question is *answered* once a resource lists it under its own ``questions:`` (same words, case
and punctuation aside). Who might answer an open one: the experts whose resources are closest by
role, topic and words, each with the reason.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import CaptureError, CatalogueError
from pipeline.fsutil import file_lock
from pipeline.workspace.answered import (
    clean_question,
    content_stems,
    content_words,
    question_key,
    question_problem,
    word_stems,
)
from pipeline.workspace.catalogue import Catalogue, Resource
from pipeline.workspace.yamlio import line_of, load_yaml, read_yaml, save_yaml, writable_mode

QUESTIONS_NAME = "questions.yaml"
ENTRY_KEYS = ("text", "role", "topics", "asked", "searches", "from", "added", "code")
MAX_ASKED = 10**9
MAX_WORD = 100  # a topic or where a question was asked: a few words
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
HEADER = """\
# Questions people ask that no clip answers yet: L&D's filming list.
# `capture questions add "..." --role ROLE` adds one, `capture questions import-searches` adopts the
# site searches that found nothing, `capture questions` lists them with who might answer.
# Edit by hand freely: a question is answered once a resource lists it under `questions:` in resources.yaml.
"""


@dataclass
class OpenQuestion:
    """One entry of ``questions.yaml``; ``line`` is where it starts in the file."""

    text: str
    role: str = ""
    topics: list[str] = field(default_factory=list)
    asked: int = 1
    searches: dict[str, int] = field(default_factory=dict)
    source: str = ""  # ``from:``: a workshop, a team chat, a supervisor, searches
    added: str = ""
    line: int | None = None
    code: str = ""  # its short link, s/<code>/ (pipeline.workspace.codes)

    @property
    def times(self) -> int:
        """How often it was asked: by people, and in searches that found nothing."""
        return self.asked + sum(self.searches.values())


@dataclass
class QuestionsFile:
    path: Path
    questions: list[OpenQuestion]
    doc: Any = None  # the round-trip tree (None when read for reading only)
    warnings: list[str] = field(default_factory=list)

    def find(self, text: str) -> OpenQuestion | None:
        key = question_key(text)
        return next((q for q in self.questions if question_key(q.text) == key), None)


def questions_path(root: Path) -> Path:
    return root / QUESTIONS_NAME


class _Entries:
    """Reads the ``questions:`` list, collecting every problem as ``questions.yaml:LINE: where: what``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def error(self, line: int | None, where: str, what: str) -> None:
        self.errors.append(f"{self.name}:{line or '?'}: {where}: {what}")

    def read(self, doc: Any) -> list[OpenQuestion]:
        if doc is None:
            return []
        if not isinstance(doc, dict):
            self.error(1, "questions", "expected a mapping with a 'questions' list; see the header `capture` writes")
            return []
        entries = doc.get("questions")
        if entries is None:
            return []
        if not isinstance(entries, list):
            self.error(line_of(doc, "questions"), "questions", "expected a list of questions")
            return []
        found = []
        seen: dict[str, int] = {}
        for index, node in enumerate(entries):
            question = self.entry(node, f"questions[{index}]", line_of(entries, index))
            if question is None:
                continue
            key = question_key(question.text)
            if key in seen:
                self.warnings.append(
                    f"{self.name}:{question.line or '?'}: questions[{index}]: the same question as "
                    f"questions[{seen[key]}]; keep one and add up their counts"
                )
            seen.setdefault(key, index)
            found.append(question)
        return found

    def entry(self, node: Any, where: str, line: int | None) -> OpenQuestion | None:
        if isinstance(node, str):
            node = {"text": node}
        if not isinstance(node, dict):
            self.error(line, where, "expected a question: text: and, if known, role:, topics:, asked:")
            return None
        for key in node:
            if key not in ENTRY_KEYS:
                self.warnings.append(
                    f"{self.name}:{line_of(node, key) or '?'}: {where}.{key}: unknown key "
                    f"(known keys: {', '.join(ENTRY_KEYS)})"
                )
        text = node.get("text")
        problem = question_problem(text) if isinstance(text, str) else "expected the question as text"
        if problem is not None:
            self.error(line_of(node, "text") or line, f"{where}.text", problem)
            return None
        return OpenQuestion(
            text=clean_question(str(text)),
            role=self.word(node, "role", where),
            topics=self.words(node, "topics", where),
            asked=self.count(node, "asked", where, default=0 if "searches" in node else 1),
            searches=self.searches(node, where),
            source=self.word(node, "from", where),
            added=self.word(node, "added", where),
            line=line_of(node, "text") or line,
            code=self.word(node, "code", where),
        )

    def word(self, node: Any, key: str, where: str) -> str:
        value = node.get(key)
        if value is None:
            return ""
        if isinstance(value, bool) or (not isinstance(value, (str, int, float)) and not hasattr(value, "isoformat")):
            self.error(line_of(node, key), f"{where}.{key}", "expected text")
            return ""
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return clean_question(text)

    def words(self, node: Any, key: str, where: str) -> list[str]:
        value = node.get(key)
        if value is None:
            return []
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            self.error(line_of(node, key), f"{where}.{key}", "expected a list of text")
            return []
        return [clean_question(v) for v in items if v.strip()]

    def count(self, node: Any, key: str, where: str, *, default: int) -> int:
        value = node.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ASKED:
            self.error(line_of(node, key), f"{where}.{key}", f"expected a whole number from 0 to {MAX_ASKED:,}")
            return default
        return value

    def searches(self, node: Any, where: str) -> dict[str, int]:
        value = node.get("searches")
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(line_of(node, "searches"), f"{where}.searches", "expected search terms with their counts")
            return {}
        found = {}
        for term in value:
            found[clean_question(str(term))] = self.count(value, term, f"{where}.searches.{term}", default=0)
        return found


def parse_questions(path: Path, doc: Any) -> QuestionsFile:
    """Validate a parsed questions file; raise :class:`CatalogueError` listing every problem with its line."""
    entries = _Entries(path.name)
    questions = entries.read(doc)
    if entries.errors:
        count = len(entries.errors)
        raise CatalogueError(
            f"{path.name} has {count} problem{'s' if count > 1 else ''}; fix {'them' if count > 1 else 'it'} "
            "and run the command again",
            entries.errors,
        )
    return QuestionsFile(path, questions, doc, entries.warnings)


def read_questions(root: Path) -> QuestionsFile:
    """The open questions for reading (libyaml); an empty list where the file does not exist yet."""
    path = questions_path(root)
    if not path.is_file():
        return QuestionsFile(path, [])
    return parse_questions(path, read_yaml(path))


def _new_document() -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    doc = CommentedMap()
    doc["questions"] = CommentedSeq()
    doc.yaml_set_start_comment(HEADER.replace("# ", "").replace("#", "").rstrip("\n"))
    return doc


@contextmanager
def editing_questions(root: Path) -> Iterator[QuestionsFile]:
    """Lock, load (or start) the file, let the caller change it, save it atomically with its comments."""
    path = questions_path(root)
    with file_lock(path.with_name(".questions.yaml.lock")):
        writable_mode(path, path.name)
        doc = load_yaml(path) if path.is_file() else None
        if doc is None:
            doc = _new_document()
        found = parse_questions(path, doc)
        if not isinstance(doc.get("questions"), list):
            from ruamel.yaml.comments import CommentedSeq

            doc["questions"] = CommentedSeq()
        found.doc = doc
        yield found
        save_yaml(path, doc)


def question_node(found: QuestionsFile, question: OpenQuestion) -> Any:
    """The entry of ``question`` in the round-trip tree, a bare line of text made a mapping first."""
    return _node_of(found, question)


def _node_of(found: QuestionsFile, question: OpenQuestion) -> Any:
    entries = found.doc["questions"]
    index = found.questions.index(question)
    node = entries[index]
    if isinstance(node, str):  # a bare line of text becomes a mapping once it has counts
        node = text_mapping(entries, index)
    return node


def text_mapping(entries: Any, index: int) -> Any:
    """``- How do I ...?`` made ``- text: How do I ...?`` in place, its end-of-line comment kept on the text."""
    from ruamel.yaml.comments import CommentedMap

    node = entries[index] = CommentedMap([("text", entries[index])])
    comment = entries.ca.items.pop(index, None) if hasattr(entries, "ca") else None
    if comment and comment[0] is not None:  # a sequence item's comment would print before its mapping
        node.ca.items["text"] = [None, None, comment[0], None]
    return node


def add_question(
    found: QuestionsFile,
    text: str,
    *,
    catalogue: Catalogue,
    role: str = "",
    topics: Sequence[str] = (),
    source: str = "",
    added: str = "",
) -> tuple[OpenQuestion, bool]:
    """Record a question someone asked: a new entry, or one more ask of the same question. (question, new)."""
    from ruamel.yaml.comments import CommentedMap

    problem = question_problem(text)
    if problem is not None:
        raise CaptureError(problem)
    check_role(role, catalogue)
    for name, value in [*(("--topic", t) for t in topics), ("--from", source)]:
        if len(value) > MAX_WORD or _CONTROL.search(value):
            raise CaptureError(f"{name}: expected a few words of plain text (at most {MAX_WORD} characters)")
    existing = found.find(text)
    if existing is not None:
        existing.asked += 1
        node = _node_of(found, existing)
        node["asked"] = existing.asked
        if role and not existing.role:
            existing.role = node["role"] = role
        return existing, False
    question = OpenQuestion(clean_question(text), role, [clean_question(t) for t in topics if t.strip()], 1)
    question.source, question.added = clean_question(source), added
    entry = CommentedMap([("text", question.text)])
    for key, value in (("role", question.role), ("from", question.source), ("added", question.added)):
        if value:
            entry[key] = value
    if question.topics:
        entry["topics"] = list(question.topics)
    entry["asked"] = 1
    found.doc["questions"].append(entry)
    found.questions.append(question)
    return question, True


def check_role(role: str, catalogue: Catalogue) -> None:
    declared = [r.id for r in catalogue.settings.roles]
    if role and role not in declared:
        raise CaptureError(
            f"role '{role}' is not declared in {catalogue.path.name} (declared: {', '.join(declared) or 'none'}); "
            "add it under 'roles:' first, or leave --role out"
        )


def adopt_searches(found: QuestionsFile, candidates: Sequence[Any]) -> tuple[int, int]:
    """Searches that found nothing, as questions: a new entry per group, or newer counts on the entry
    that already holds one of its terms. Counts per term are the larger of the old and the new, so
    importing the same log twice counts nothing twice. Returns (added, updated)."""
    from ruamel.yaml.comments import CommentedMap

    added = updated = 0
    for candidate in candidates:
        terms: Mapping[str, int] = candidate.terms
        existing = next((q for q in found.questions if set(q.searches) & set(terms)), None)
        existing = existing or found.find(candidate.text)
        if existing is None:
            entry = CommentedMap([("text", candidate.text), ("from", "searches"), ("asked", 0)])
            entry["searches"] = CommentedMap(sorted(terms.items(), key=lambda item: (-item[1], item[0])))
            found.doc["questions"].append(entry)
            found.questions.append(OpenQuestion(candidate.text, asked=0, searches=dict(terms), source="searches"))
            added += 1
            continue
        merged = {t: max(existing.searches.get(t, 0), terms.get(t, 0)) for t in {*existing.searches, *terms}}
        if merged != existing.searches:
            existing.searches = merged
            node = _node_of(found, existing)
            node["searches"] = CommentedMap(sorted(merged.items(), key=lambda item: (-item[1], item[0])))
            updated += 1
    return added, updated


# ---------------------------------------------------------------- answered, and who might answer


@dataclass(frozen=True)
class QuestionStatus:
    question: OpenQuestion
    answered_by: tuple[str, ...]  # resource ids that list it


def question_statuses(found: QuestionsFile, catalogue: Catalogue) -> list[QuestionStatus]:
    """Every question of the file with the resources that answer it; open ones most asked first."""
    answering: dict[str, list[str]] = {}
    for resource in catalogue.resources:
        for listed in resource.questions:
            answering.setdefault(question_key(listed.text), []).append(resource.id)
    statuses = [
        QuestionStatus(q, tuple(dict.fromkeys(answering.get(question_key(q.text), ())))) for q in found.questions
    ]
    return sorted(statuses, key=lambda s: (bool(s.answered_by), -s.question.times, s.question.text.casefold()))


@dataclass(frozen=True)
class Answerer:
    """An expert who might answer a question: the score and the reasons it is made of."""

    name: str
    job_title: str
    score: int
    reasons: tuple[str, ...]
    resource_ids: tuple[str, ...]

    def __str__(self) -> str:
        job = f" ({self.job_title})" if self.job_title else ""
        return f"{self.name}{job}: {'; '.join(self.reasons)}"


ROLE_POINTS = 3
TOPIC_POINTS = 2
MAX_ANSWERERS = 3


def _resource_stems(resource: Resource, transcript: str) -> frozenset[str]:
    topics = " ".join(resource.topics)
    return _stems_of(resource.title, resource.summary, resource.what, resource.why, resource.when, topics, transcript)


@functools.lru_cache(maxsize=1 << 16)
def _stems_of(*texts: str) -> frozenset[str]:
    """The stems of a resource's words, kept: every open question is compared with every resource."""
    return word_stems(" ".join(texts))


@dataclass(frozen=True)
class _Asked:
    """A question's role, topics and words, worked out once for every resource it is compared with."""

    role: str
    topics: frozenset[str]
    stems: frozenset[str]
    words: tuple[tuple[str, str], ...]  # (stem, the word as asked), in the question's order, once each

    @classmethod
    def of(cls, question: OpenQuestion) -> _Asked:
        pairs = content_words(question.text)
        by_stem = {stem: word for word, stem in reversed(pairs)}
        ordered = tuple((stem, by_stem[stem]) for stem in dict.fromkeys(stem for _, stem in pairs))
        return cls(question.role, frozenset(question.topics), frozenset(by_stem), ordered)


@functools.lru_cache(maxsize=4096)
def _topic_stems(topic: str) -> frozenset[str]:
    return frozenset(content_stems(topic))


def _score(asked: _Asked, resource: Resource, words: frozenset[str]) -> tuple[int, list[str]]:
    """Points for one resource, and why: its role, its topics, the question's words it says."""
    points, reasons = 0, []
    if asked.role and asked.role in resource.roles:
        points += ROLE_POINTS
        reasons.append(f"role {asked.role}")
    topics = [t for t in resource.topics if t in asked.topics or _topic_stems(t) <= asked.stems]
    if topics:
        points += TOPIC_POINTS * len(topics)
        reasons.append("topic " + ", ".join(topics))
    shared = [word for stem, word in asked.words if stem in words]
    if shared:
        points += len(shared)
        reasons.append("says " + ", ".join(repr(w) for w in shared))
    return points, reasons


def who_might_answer(
    question: OpenQuestion, catalogue: Catalogue, transcripts: Mapping[str, str] | None = None
) -> list[Answerer]:
    """The experts whose resources are closest to ``question``, best first (at most three).

    A resource earns 3 points for the question's role, 2 for each topic it shares, 1 for each of the
    question's words (stemmed, common words aside) in its title, summary, what/why/when, topics or
    transcript. An expert's score is their best resource's; a tie goes to the one with more
    resources that score, then by name.
    """
    transcripts = transcripts or {}
    asked = _Asked.of(question)
    by_expert: dict[str, list[tuple[int, list[str], Resource]]] = {}
    for resource in catalogue.resources:
        if not resource.expert.name:
            continue
        points, reasons = _score(asked, resource, _resource_stems(resource, transcripts.get(resource.id, "")))
        if points:
            by_expert.setdefault(resource.expert.name, []).append((points, reasons, resource))
    ranked = []
    for name, scored in by_expert.items():
        scored.sort(key=lambda item: -item[0])
        points, reasons, best = scored[0]
        others = f" (and {len(scored) - 1} more of their clips)" if len(scored) > 1 else ""
        ranked.append(
            Answerer(
                name,
                best.expert.job_title,
                points,
                (f"'{best.title}': {', '.join(reasons)}{others}",),
                tuple(r.id for _, _, r in scored),
            )
        )
    ranked.sort(key=lambda a: (-a.score, -len(a.resource_ids), a.name.casefold()))
    return ranked[:MAX_ANSWERERS]
