"""A resource's ``questions:``: the questions its clip answers, each with the moment the answer starts.

In ``resources.yaml`` a question is a line of text, or a mapping with ``text`` and ``at``::

    questions:
      - What goes in the handover log?
      - text: How do I walk the line with the next shift?
        at: '00:13'          # mm:ss or h:mm:ss; or a chapter's name, where transcripts have chapters
        code: K7QM2          # its short link s/K7QM2/ (given by `capture links`, pipeline.workspace.codes)

This module has no catalogue import, so the catalogue's schema can use it; the open questions
of ``questions.yaml`` (:mod:`pipeline.workspace.questions`) follow the same text rules.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

MAX_QUESTION = 300  # characters: a question a person asks fits in a line or two
_TIME = re.compile(r"^(?:(\d{1,2}):)?(\d{1,3}):(\d{2})(?:[.,](\d{1,3}))?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
QUESTION_KEYS = ("text", "at", "code")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_NOT_WORD = re.compile(r"[^\w]+")

Report = Callable[[int | None, str, str], None]  # (line, where, what): one problem, as the catalogue reports it


@dataclass(frozen=True)
class AnsweredQuestion:
    """One question a resource answers; ``at`` as written ("" for the clip's start), ``line`` in resources.yaml."""

    text: str
    at: str = ""
    line: int | None = None
    code: str = ""  # its short link, s/<code>/, where it has one of its own

    @property
    def seconds(self) -> float | None:
        """Where the answer starts when ``at`` is a time; None for the start or a chapter's name."""
        return parse_at(self.at)

    @property
    def chapter(self) -> str:
        """The chapter ``at`` names, when it is not a time."""
        return self.at if self.at and parse_at(self.at) is None else ""

    def to_yaml(self) -> Any:
        if not self.at and not self.code:
            return self.text
        return {"text": self.text, **({"at": self.at} if self.at else {}), **({"code": self.code} if self.code else {})}


def parse_at(at: str) -> float | None:
    """``mm:ss``, ``h:mm:ss`` or plain seconds as seconds; None for anything else (a chapter's name)."""
    text = at.strip()
    if re.fullmatch(r"\d{1,6}(?:\.\d{1,3})?", text):
        return float(text)
    found = _TIME.match(text)
    if found is None or int(found.group(3)) >= 60:
        return None
    hours, minutes, seconds, fraction = found.groups()
    if hours is not None and int(minutes) >= 60:
        return None
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return value + (float(f"0.{fraction}") if fraction else 0.0)


def question_problem(text: str) -> str | None:
    """What is wrong with a question's text, for a person; None when it can be used."""
    if not text.strip():
        return "the question is empty; write what people ask, like 'How do I clear a film jam?'"
    if len(text) > MAX_QUESTION:
        return (
            f"the question is {len(text):,} characters, more than the {MAX_QUESTION} allowed; "
            "ask one thing in a sentence or two"
        )
    if _CONTROL.search(text.replace("\n", " ").replace("\t", " ")):
        return "the question holds control characters; type it again as plain text"
    return None


def clean_question(text: str) -> str:
    """A question's text as it is kept: whitespace (newlines and tabs too) collapsed to single spaces."""
    return " ".join(text.split())


def question_key(text: str) -> str:
    """What makes two questions the same: their words, case, accents and punctuation aside."""
    folded = text.casefold()
    if not folded.isascii():
        folded = _COMBINING.sub("", unicodedata.normalize("NFKD", folded)).replace("\u2019", "")
    return " ".join(_NOT_WORD.sub(" ", folded.replace("'", "")).split())


def read_answered(
    node: Any, *, where: str, line_of: Callable[[Any, Any], int | None], error: Report
) -> list[AnsweredQuestion]:
    """``questions:`` of one resource; each problem reported with its line, the rest kept."""
    if node is None:
        return []
    if not isinstance(node, list):
        error(line_of(node, None), where, "expected a list of questions, each a line of text or text: and at:")
        return []
    found: list[AnsweredQuestion] = []
    for index, item in enumerate(node):
        line = line_of(node, index)
        question = _read_one(item, line=line, where=f"{where}[{index}]", line_of=line_of, error=error)
        if question is not None:
            found.append(question)
    return found


def _read_one(
    item: Any, *, line: int | None, where: str, line_of: Callable[[Any, Any], int | None], error: Report
) -> AnsweredQuestion | None:
    at: Any = ""
    code: Any = ""
    if isinstance(item, dict):
        unknown = [str(k) for k in item if k not in QUESTION_KEYS]
        if unknown:
            error(line, where, f"unknown key {unknown[0]!r} (a question has text: and at:)")
            return None
        text, at, code = item.get("text"), item.get("at", ""), item.get("code", "")
        line = line_of(item, "text") or line
    else:
        text = item
    if not isinstance(text, str):
        error(line, where, "expected a question as text, like 'How do I clear a film jam?'")
        return None
    problem = question_problem(text)
    if problem is not None:
        error(line, where, problem)
        return None
    if isinstance(at, bool) or not isinstance(at, (str, int, float)) or (not isinstance(at, str) and not 0 <= at < 1e6):
        error(line, f"{where}.at", "expected a time like '01:05' or a chapter's name")
        return None
    if not isinstance(code, str):  # its form is `capture check`'s to judge (pipeline.workspace.codes)
        error(line, f"{where}.code", "expected a short code like 'K7QM2'; remove it and run `capture links`")
        return None
    return AnsweredQuestion(clean_question(text), _at_text(at), line, code.strip())


def _at_text(at: str | float) -> str:
    if isinstance(at, str):
        return clean_question(at)
    seconds = float(at)
    return f"{int(seconds) // 60:02d}:{int(seconds) % 60:02d}"


def first_chapter_start(lines: Sequence[Any], chapter: str) -> float | None:
    """Where the chapter named ``chapter`` starts in a transcript's lines; None where lines have no chapters."""
    wanted = question_key(chapter)
    for line in lines:
        name = getattr(line, "chapter", None)
        if isinstance(name, str) and name and question_key(name) == wanted:
            return float(line.start)
    return None


def has_chapters(lines: Sequence[Any]) -> bool:
    """Whether any of a transcript's lines sits in a chapter (``## heading`` lines in the transcript file)."""
    return any(getattr(line, "chapter", "") for line in lines)


# Words that say little about what a question is about; the rest, stemmed, are compared.
STOPWORDS = frozenset(
    """a about after again all also am an and any are as at be because been before being but by can could
    did do does doing dont for from get gets getting got had has have how i if im in into is it its just me
    my myself no not of on once or our out own should so some than that the their them then there these
    they this those to too up us very was we were what whats when where which while who why will with
    would you your yours yourself""".split()  # noqa: SIM905 - a paragraph of words reads better than 96 quoted ones
)


@functools.cache
def _english_stemmer() -> Any:
    """snowballstemmer's English (Porter 2) stemmer; the library has no type hints, so it stays behind this."""
    import snowballstemmer  # type: ignore[import-untyped]

    return snowballstemmer.stemmer("english")


def content_words(text: str) -> list[tuple[str, str]]:
    """(word, stem) for the words of ``text`` that carry its meaning: "Film jammed" -> (film, film), (jammed, jam)."""
    return [(word, stem_word(word)) for word in question_key(text).split() if word not in STOPWORDS]


def word_stems(text: str) -> frozenset[str]:
    """The stems of every word of ``text`` that carries meaning, once each (for a whole transcript)."""
    return frozenset(stem_word(word) for word in set(question_key(text).split()) - STOPWORDS)


@functools.lru_cache(maxsize=1 << 17)
def stem_word(word: str) -> str:
    """One word's stem; kept, since a library's transcripts use a few thousand words over and over."""
    return str(_english_stemmer().stemWord(word))


def content_stems(text: str) -> tuple[str, ...]:
    """The words of ``text`` that carry its meaning, stemmed: "Film jammed on line 3" -> film, jam, line, 3."""
    return tuple(stem for _, stem in content_words(text))
