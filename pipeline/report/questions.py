"""Searches that found nothing, as candidate questions: near duplicates merged, with their counts.

People search for the same thing in different words ("clear jam", "film jammed", "jam line 3").
Each search is reduced to its stems (common words aside, ``answered.content_stems``); each stem
weighs as many no-result searches as contain it; a search joins the group of its heaviest stem,
the word most people who found nothing used. So "jam line 3" goes with the jams, not with
"line 3 speed", because more searches said jam than line. No model, and the same log always
gives the same groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pipeline.workspace.answered import MAX_QUESTION, content_stems

QUESTION_WORDS = ("how", "what", "why", "when", "where", "who", "which", "can", "do", "does", "is", "should")


class NoResult(Protocol):
    """What a search term's row in the report holds (``pipeline.report.model.SearchStats``)."""

    @property
    def term(self) -> str: ...

    @property
    def no_result(self) -> int: ...


@dataclass(frozen=True)
class CandidateQuestion:
    """One group of searches that found nothing: the question to film, and each search with its count."""

    text: str
    terms: dict[str, int]

    @property
    def count(self) -> int:
        return sum(self.terms.values())


def _anchor(stems: tuple[str, ...], weight: dict[str, int]) -> str:
    """The stem most no-result searches share (words before numbers; a tie goes to the first alphabetically)."""
    words = [s for s in stems if not s.isdigit()] or list(stems)
    return min(words, key=lambda s: (-weight[s], s))


def _as_question(term: str) -> str:
    text = " ".join("I" if word == "i" else word for word in term.split())[:MAX_QUESTION]
    text = text[:1].upper() + text[1:]
    if text.split(" ", 1)[0].lower() in QUESTION_WORDS and not text.endswith("?"):
        return text + "?"
    return text


def candidate_questions(searches: Sequence[NoResult]) -> list[CandidateQuestion]:
    """Groups of near-duplicate searches that found nothing, most searched first."""
    stems = {s.term: content_stems(s.term) for s in searches if s.no_result}
    counts = {s.term: s.no_result for s in searches if s.no_result and stems[s.term]}
    weight: dict[str, int] = {}
    for term, count in counts.items():
        for stem in set(stems[term]):
            weight[stem] = weight.get(stem, 0) + count
    groups: dict[str, dict[str, int]] = {}
    for term, count in counts.items():
        groups.setdefault(_anchor(stems[term], weight), {})[term] = count
    found = []
    for terms in groups.values():
        ordered = dict(sorted(terms.items(), key=lambda item: (-item[1], len(item[0]), item[0])))
        found.append(CandidateQuestion(_as_question(next(iter(ordered))), ordered))
    return sorted(found, key=lambda c: (-c.count, c.text))
