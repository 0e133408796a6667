"""Tag suggestions that explain themselves, and applying the tags a person settles on.

Suggestions come from counting words in the transcript: the role signals and the
level and kind cues in ``resources.yaml`` (built-in cues where the file has none),
the glossary and the topics already in use, and the titles of other resources.
No model, no network: the same transcript and rules always give the same
suggestions, each with the words that led to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.errors import CaptureError
from pipeline.workspace.answered import AnsweredQuestion, question_problem
from pipeline.workspace.catalogue import KINDS, LEVELS, Catalogue, Resource
from pipeline.workspace.ordering import find_cycle

PERSON = "person"
SUGGESTED = "suggested"
TAG_NAMES: tuple[str, ...] = ("level", "kind", "roles", "topics", "prerequisites", "what", "why", "when", "questions")
LABELS = {"level": "level", "kind": "kind", "roles": "role", "topics": "topic", "prerequisites": "prerequisite"}
LABELS["questions"] = "question"

# Used for a level or kind that resources.yaml gives no cues for.
DEFAULT_LEVEL_CUES: dict[str, list[str]] = {
    "beginner": [
        "the basics",
        "basic",
        "first time",
        "first day",
        "getting started",
        "before you start",
        "new starter",
        "introduction",
        "step by step",
    ],
    "intermediate": [
        "do not just",
        "dont just",
        "common mistake",
        "once you know",
        "a tip",
        "tricky",
        "instead of",
        "better way",
    ],
    "advanced": ["edge case", "rare", "exception", "unusual", "worst case", "nobody", "escalate"],
}
DEFAULT_KIND_CUES: dict[str, list[str]] = {
    "skill": ["how to", "show you", "step", "write", "walk", "press", "check", "fill in", "first thing"],
    "theory": ["why", "because", "the reason", "means that", "works by", "principle", "so that"],
    "strategy": ["if", "decide", "depends", "until", "never", "priority", "plan", "call the"],
}
TIE_RULES = {"level": "a tie goes to the harder level", "kind": "a tie goes to strategy, then theory"}
# A role is suggested when its signals count at least this share of the best role's count.
ROLE_SHARE = 0.5


@dataclass(frozen=True)
class Suggestion:
    """One suggested tag value and why: ``role: shift-lead, because the clip says 'shift lead' 2 times``."""

    tag: str
    value: str
    reason: str
    score: int = 0
    at: str = ""  # for a question: where in the clip the answer starts (mm:ss)

    def __str__(self) -> str:
        return f"{LABELS.get(self.tag, self.tag)}: {self.value}, because {self.reason}"


@dataclass(frozen=True)
class Suggestions:
    level: Suggestion | None = None
    kind: Suggestion | None = None
    roles: tuple[Suggestion, ...] = ()
    topics: tuple[Suggestion, ...] = ()
    prerequisites: tuple[Suggestion, ...] = ()
    questions: tuple[Suggestion, ...] = ()  # questions the clip answers (pipeline.workspace.question_suggestions)

    def all(self) -> list[Suggestion]:
        single = [s for s in (self.level, self.kind) if s is not None]
        return [*single, *self.roles, *self.topics, *self.prerequisites]

    def values(self, tag: str) -> list[str]:
        found = getattr(self, tag)
        if found is None:
            return []
        if isinstance(found, Suggestion):
            return [found.value]
        return [s.value for s in found]


@dataclass
class TagChange:
    """Tags to set on one resource; ``None`` leaves a tag as it is. ``sources`` says who chose each."""

    level: str | None = None
    kind: str | None = None
    roles: list[str] | None = None
    topics: list[str] | None = None
    prerequisites: list[str] | None = None
    what: str | None = None
    why: str | None = None
    when: str | None = None
    questions: list[AnsweredQuestion] | None = None
    sources: dict[str, str] = field(default_factory=dict)

    def set(self, tag: str, value: str | list[str] | list[AnsweredQuestion], source: str) -> None:
        if tag not in TAG_NAMES:
            raise ValueError(f"unknown tag {tag!r}")
        setattr(self, tag, value)
        self.sources[tag] = source

    def changed(self) -> list[str]:
        return [tag for tag in TAG_NAMES if getattr(self, tag) is not None]


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, punctuation to spaces: "Don't  stop!" -> "dont stop"."""
    text = text.lower().replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


@lru_cache(maxsize=4096)
def _phrase_words(phrase: str) -> tuple[str, ...]:
    """A phrase as normalised words, its last word without a plural s ("fault codes" -> fault, code)."""
    words = normalise(phrase).split()
    if words and len(words[-1]) > 3 and words[-1].endswith("s") and not words[-1].endswith("ss"):
        words[-1] = words[-1][:-1]
    return tuple(words)


class Words:
    """A transcript's words, normalised and indexed by word, so each phrase is found without a scan."""

    def __init__(self, text: str) -> None:
        self.tokens = normalise(text).split()
        self.index: dict[str, list[int]] = {}
        for position, token in enumerate(self.tokens):
            self.index.setdefault(token, []).append(position)

    def find(self, phrase: str) -> list[int]:
        """Where ``phrase`` starts; its last word may carry a plural s or es ("sign" finds "signs")."""
        words = _phrase_words(phrase)
        if not words:
            return []
        *head, last = words
        endings = (last, last + "s", last + "es")
        if not head:
            return sorted(p for form in endings for p in self.index.get(form, []))
        size = len(head)
        return [
            start
            for start in self.index.get(head[0], [])
            if start + size < len(self.tokens)
            and self.tokens[start : start + size] == head
            and self.tokens[start + size] in endings
        ]


def _counts(words: Words, phrases: Iterable[str], *, overlap: bool = False) -> list[tuple[str, int]]:
    """(phrase, count) for each phrase found, most frequent first, ties in the order given.

    Unless ``overlap``, longer phrases claim their words first, so "the basics" is not
    counted again as "basic".
    """
    unique = [p for p in dict.fromkeys(phrases) if _phrase_words(p)]
    taken = bytearray(len(words.tokens))  # 1 where a longer phrase already counted the word
    found: dict[str, int] = {}
    for phrase in sorted(unique, key=lambda p: -len(_phrase_words(p))):
        size = len(_phrase_words(phrase))
        for start in words.find(phrase):
            if not overlap:
                if any(taken[start : start + size]):
                    continue
                taken[start : start + size] = b"\x01" * size
            found[phrase] = found.get(phrase, 0) + 1
    return sorted([(p, found[p]) for p in unique if p in found], key=lambda item: -item[1])


def _times(count: int) -> str:
    return f"{count} time" if count == 1 else f"{count} times"


def says(counts: Sequence[tuple[str, int]]) -> str:
    """ "the clip says 'shift lead' 2 times and 'duty manager' 1 time"."""
    parts = [f"'{phrase}' {_times(n)}" for phrase, n in counts]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"the clip says {joined}"


def _best_of(tag: str, names: tuple[str, ...], *, cues: dict[str, list[str]], text: Words) -> Suggestion | None:
    """The name whose cues count most; a tie goes to the later name (the harder level)."""
    scored = [(name, _counts(text, cues.get(name, []))) for name in names]
    scored = [(name, counts) for name, counts in scored if counts]
    if not scored:
        return None
    best_name, best_counts = max(reversed(scored), key=lambda item: sum(n for _, n in item[1]))
    best = sum(n for _, n in best_counts)
    reason = says(best_counts)
    others = [f"{name}: {', '.join(repr(p) for p, _ in counts)}" for name, counts in scored if name != best_name]
    if others:
        tie = any(sum(n for _, n in counts) == best for name, counts in scored if name != best_name)
        reason += f" (also cues for {'; '.join(others)}{'; ' + TIE_RULES[tag] if tie else ''})"
    return Suggestion(tag, best_name, reason, best)


def _cues(configured: dict[str, list[str]], defaults: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: configured.get(name, words) for name, words in defaults.items()}


def _needing(resources: Sequence[Resource], target: str) -> set[str]:
    """``target`` and every resource that needs it, directly or through other prerequisites."""
    needed_by: dict[str, list[str]] = {}
    for resource in resources:
        for need in resource.prerequisites:
            needed_by.setdefault(need, []).append(resource.id)
    found = {target}
    todo = [target]
    while todo:
        for rid in needed_by.get(todo.pop(), []):
            if rid not in found:
                found.add(rid)
                todo.append(rid)
    return found


def suggest_tags(text: str, catalogue: Catalogue, resource_id: str | None = None) -> Suggestions:
    """Suggest level, kind, roles, topics and prerequisites for a clip that says ``text``."""
    words = Words(text)
    settings = catalogue.settings
    level = _best_of("level", LEVELS, cues=_cues(settings.levels, DEFAULT_LEVEL_CUES), text=words)
    kind = _best_of("kind", KINDS, cues=_cues(settings.kinds, DEFAULT_KIND_CUES), text=words)

    role_counts = [(role.id, _counts(words, role.signals)) for role in settings.roles]
    role_scores = {rid: sum(n for _, n in counts) for rid, counts in role_counts}
    top = max(role_scores.values(), default=0)
    roles = tuple(
        Suggestion("roles", rid, says(counts), role_scores[rid])
        for rid, counts in sorted(role_counts, key=lambda item: -role_scores[item[0]])
        if counts and role_scores[rid] >= max(1.0, ROLE_SHARE * top)
    )

    candidates = list(settings.glossary) + [t for r in catalogue.resources for t in r.topics]
    topics = tuple(
        Suggestion("topics", topic, says([(topic, n)]), n) for topic, n in _counts(words, candidates, overlap=True)
    )

    prerequisites: list[Suggestion] = []
    # Leave out the clip itself and whatever needs it already: suggesting those would make a cycle.
    needing = _needing(catalogue.resources, resource_id) if resource_id else set()
    for other in catalogue.resources:
        if other.id in needing:
            continue
        named = _counts(words, [other.title, other.id.replace("-", " ")])
        if named:
            phrase, n = named[0]
            prerequisites.append(Suggestion("prerequisites", other.id, f"the clip names '{phrase}' {_times(n)}", n))
    return Suggestions(level=level, kind=kind, roles=roles, topics=topics, prerequisites=tuple(prerequisites))


def transcript_text(root: Path, resource: Resource) -> str:
    """The words of a resource's transcript ("" when it has none)."""
    from pipeline.speech.transcript import read_transcript

    if not resource.transcript or not (root / resource.transcript).is_file():
        return ""
    return read_transcript(root / resource.transcript).text


def suggest_for(root: Path, catalogue: Catalogue, resource: Resource) -> Suggestions:
    from dataclasses import replace

    from pipeline.speech.transcript import read_transcript
    from pipeline.workspace.question_suggestions import suggest_questions

    path = root / resource.transcript if resource.transcript else None
    lines = read_transcript(path).lines if path is not None and path.is_file() else []
    found = suggest_tags(" ".join(line.text for line in lines), catalogue, resource.id)
    asked = tuple(Suggestion("questions", q.text, q.reason, at=q.at) for q in suggest_questions(lines, resource))
    return replace(found, questions=asked)


def _check_change(catalogue: Catalogue, resource: Resource, change: TagChange) -> None:
    if change.level is not None and change.level not in LEVELS:
        raise CaptureError(f"level: expected beginner, intermediate or advanced, got {change.level!r}")
    if change.kind is not None and change.kind not in KINDS:
        raise CaptureError(f"kind: expected skill, theory or strategy, got {change.kind!r}")
    _check_questions(change.questions or [])
    declared = [r.id for r in catalogue.settings.roles]
    for role in change.roles or []:
        if role not in declared:
            raise CaptureError(
                f"role '{role}' is not declared in {catalogue.path.name} (declared: {', '.join(declared) or 'none'}); "
                "add it under 'roles:' first"
            )
    for need in change.prerequisites or []:
        if need == resource.id:
            raise CaptureError(f"'{resource.id}' cannot be its own prerequisite")
        if catalogue.find(need) is None:
            raise CaptureError(f"prerequisite '{need}' is not a resource id; see `capture list`")
    if change.prerequisites is not None:
        trial = [
            r if r.id != resource.id else _with_prerequisites(r, change.prerequisites) for r in catalogue.resources
        ]
        cycle = find_cycle(trial)
        if cycle:
            raise CaptureError(f"these prerequisites make a cycle {' → '.join(cycle)}; leave one of them out")


def _check_questions(questions: list[AnsweredQuestion]) -> None:
    for question in questions:
        problem = question_problem(question.text)
        if problem is not None:
            raise CaptureError(f"question: {problem}")


def _with_prerequisites(resource: Resource, prerequisites: list[str]) -> Resource:
    from dataclasses import replace

    return replace(resource, prerequisites=list(prerequisites))


def apply_tags(catalogue: Catalogue, resource_id: str, change: TagChange) -> Resource:
    """Set the tags in ``change`` on one entry and record in ``tagged`` who chose each.

    Raises CaptureError (and changes nothing) for a value that cannot be used.
    The caller saves the catalogue (``editing_catalogue`` does).
    """
    from dataclasses import replace

    resource = catalogue.get(resource_id)
    _check_change(catalogue, resource, change)
    updated = replace(
        resource,
        tagged=dict(resource.tagged),
        roles=list(resource.roles),
        topics=list(resource.topics),
        prerequisites=list(resource.prerequisites),
        questions=list(resource.questions),
    )
    for tag in change.changed():
        value = getattr(change, tag)
        setattr(updated, tag, list(dict.fromkeys(value)) if isinstance(value, list) else value)
        if value in ("", []):
            updated.tagged.pop(tag, None)
        else:
            updated.tagged[tag] = change.sources.get(tag, PERSON)
    catalogue.put(updated)
    return updated
