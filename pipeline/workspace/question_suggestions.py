"""Questions a clip answers, suggested from its transcript and its what / why / when, each with its reason.

Workers think in questions ("what do I do when the next shift lead does not arrive?"), experts
talk in answers ("if the next shift lead does not arrive, you stay until..."). These rules turn
the one into the other, with no model: the same transcript always gives the same suggestions,
and each names what in the clip led to it and where, for a person to accept or edit.

- a sentence that is a question: the question as asked;
- "how to X": "How do I X?";
- a sentence that starts "When / If / Before / After ..., " or says "what to do when/if ...":
  "What do I do when ...?" (you and your turned into I and my);
- "X because Y": "Why X?";
- the resource's what, why and when fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pipeline.speech.coverage import clock
from pipeline.speech.transcript import Line
from pipeline.workspace.answered import MAX_QUESTION, question_key
from pipeline.workspace.catalogue import Resource

MAX_SUGGESTIONS = 5
MIN_WORDS = 3
_SENTENCE = re.compile(r"[^.?!]+[.?!]*")
_CONDITION = re.compile(r"^(when|if|before|after|whenever)\s+(.{3,160}?),\s*\S", re.IGNORECASE)
_WHAT_TO_DO = re.compile(r"\bwhat to do (when|if)\s+([^,.;?!]{3,160})", re.IGNORECASE)
_HOW_TO = re.compile(r"\bhow to\s+([^,.;?!]{3,160})", re.IGNORECASE)
_BECAUSE = re.compile(r"^(.{6,160}?),?\s+because\b", re.IGNORECASE)
_PRONOUNS = {"you": "I", "your": "my", "yours": "mine", "yourself": "myself", "youre": "I am", "you're": "I am"}
_SUBJECTS = ("i ", "you ", "we ", "they ", "it ", "this ", "that ", "the ", "a ", "there ", "he ", "she ")
_WHEN_OPENERS = ("when ", "if ", "at ", "before ", "after ", "on ", "in ", "during ", "whenever ", "once ", "every ")
_QUESTION_WORDS = ("how", "what", "why", "when", "where", "who", "which")


@dataclass(frozen=True)
class QuestionSuggestion:
    text: str
    at: str  # mm:ss where the clip says it ("" for the resource's fields)
    reason: str


def _first_person(text: str) -> str:
    """ "you leave your line" -> "I leave my line"; "you are" -> "I am"."""
    words = text.split()
    out = []
    for index, word in enumerate(words):
        bare = word.lower().strip(",;:")
        if bare == "are" and index and words[index - 1].lower() == "you":
            out.append("am")
            continue
        out.append(_PRONOUNS.get(bare, word) if bare in _PRONOUNS else word)
    return " ".join(out)


def _sentences(lines: Sequence[Line]) -> Iterator[tuple[float, str]]:
    """(start of the line it starts in, sentence) across the transcript, a sentence may span lines."""
    start: float | None = None
    pending = ""
    for line in lines:
        for piece in _SENTENCE.findall(line.text):
            if not piece.strip():
                continue
            if start is None:
                start = line.start
            pending = f"{pending} {piece.strip()}".strip()
            if pending[-1] in ".?!":
                yield start, pending
                start, pending = None, ""
    if pending and start is not None:
        yield start, pending


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _from_sentence(sentence: str) -> tuple[str, str] | None:
    """(question, what the clip said that led to it) for one sentence, or None."""
    bare = sentence.rstrip(".!").strip()
    if sentence.endswith("?") and len(bare.split()) >= MIN_WORDS:
        return sentence, "the clip asks it"
    found = _WHAT_TO_DO.search(bare)
    if found:
        return f"What do I do {found.group(1).lower()} {_first_person(found.group(2))}?", "the clip says 'what to do'"
    found = _CONDITION.match(bare)
    if found and len(found.group(2).split()) >= 2:
        word = found.group(1).lower()
        return f"What do I do {word} {_first_person(found.group(2))}?", f"the clip says '{word} …,'"
    found = _HOW_TO.search(bare)
    if found:
        return f"How do I {_first_person(found.group(1))}?", "the clip says 'how to'"
    found = _BECAUSE.match(bare)
    if found:
        return _why(found.group(1)), "the clip says 'because'"
    return None


def _why(clause: str) -> str:
    """ "You stay" -> "Why do I stay?"; "Write the time" -> "Why write the time?"."""
    lowered = clause.lower()
    if lowered.startswith("you "):
        return f"Why do I {_first_person(clause[4:])}?"
    if lowered.startswith(_SUBJECTS):
        return f"Why does it matter that {_first_person(_lower_first(clause))}?"
    return f"Why {_first_person(_lower_first(clause))}?"


def _from_fields(resource: Resource) -> Iterator[QuestionSuggestion]:
    if resource.when:
        when = _first_person(_lower_first(resource.when.rstrip(".")))
        text = f"What do I do {when}?" if when.startswith(_WHEN_OPENERS) else f"What do I do when {when}?"
        yield QuestionSuggestion(text, "", f"the resource's when: '{resource.when}'")
    if resource.what:
        what = resource.what.rstrip(".")
        opens = what.split(" ", 1)[0].lower()
        text = f"{what}?" if opens in _QUESTION_WORDS else f"What should I know about {_lower_first(what)}?"
        yield QuestionSuggestion(text, "", f"the resource's what: '{resource.what}'")
    if resource.why:
        yield QuestionSuggestion(f"Why does '{resource.title}' matter?", "", f"the resource's why: '{resource.why}'")


def suggest_questions(lines: Sequence[Line], resource: Resource) -> list[QuestionSuggestion]:
    """At most five questions the clip answers, transcript first, none the resource lists already."""
    found: list[QuestionSuggestion] = []
    for start, sentence in _sentences(lines):
        made = _from_sentence(sentence)
        if made is not None:
            at = clock(round(start, 1))  # mm:ss, h:mm:ss past an hour
            found.append(QuestionSuggestion(made[0], at, f"{made[1]} at {at}: '{sentence}'"))
    found += _from_fields(resource)
    listed = {question_key(q.text) for q in resource.questions}
    unique: dict[str, QuestionSuggestion] = {}
    for suggestion in found:
        key = question_key(suggestion.text)
        if key and key not in listed and key not in unique and len(suggestion.text) <= MAX_QUESTION:
            unique[key] = suggestion
    return [_capitalised(s) for s in unique.values()][:MAX_SUGGESTIONS]


def _capitalised(suggestion: QuestionSuggestion) -> QuestionSuggestion:
    text = " ".join(suggestion.text.split())
    return QuestionSuggestion(text[:1].upper() + text[1:], suggestion.at, suggestion.reason)
