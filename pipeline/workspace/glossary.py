"""The workspace glossary: the organisation's own words, passed to the speech model so it spells them right.

It lives in ``resources.yaml`` under ``glossary:``. An expert adds a word from the review page
(a name the model misheard, a part number); the file keeps its comments and order, and the
change is made under the catalogue's lock, like every other write.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import CatalogueError
from pipeline.text import printable
from pipeline.workspace.catalogue import editing_catalogue

MAX_WORD = 60


def glossary_word(word: str) -> str:
    """``word`` as the glossary keeps it: trimmed, one line, printable, at most 60 characters."""
    cleaned = " ".join(word.split())
    if not cleaned:
        raise CatalogueError("the glossary word is empty; select or type the word to add")
    if len(cleaned) > MAX_WORD:
        raise CatalogueError(f"a glossary word has at most {MAX_WORD} characters; add one word or name at a time")
    if printable(cleaned, one_line=True) != cleaned:
        raise CatalogueError("the glossary word has control characters; type it again")
    return cleaned


def add_glossary_word(catalogue_path: Path, word: str) -> tuple[str, bool]:
    """Add ``word`` to the glossary; the word as kept, and False where it (in any case) was there already."""
    cleaned = glossary_word(word)
    with editing_catalogue(catalogue_path) as catalogue:
        doc = catalogue.doc
        words = doc.get("glossary")
        if words is None:
            doc["glossary"] = words = []
        elif not isinstance(words, list):
            raise CatalogueError(f"{catalogue_path.name}: glossary: must be a list of words; fix it by hand first")
        if any(str(existing).casefold() == cleaned.casefold() for existing in words):
            return cleaned, False
        words.append(cleaned)
        catalogue.settings.glossary.append(cleaned)
    return cleaned, True
