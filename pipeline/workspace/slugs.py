"""Slugs: resource ids and expert page names, made with python-slugify.

python-slugify transliterates any script (``Анна Петрова`` -> ``anna-petrova``, ``王伟`` ->
``wang-wei``) where a hand-written ASCII filter dropped every non-Latin letter, so two experts
with Cyrillic names shared one page.
"""

from __future__ import annotations

import hashlib
import re

from slugify import slugify

from pipeline.workspace.paths import windows_reserved

RESOURCE_SLUG_LENGTH = 60
PERSON_SLUG_LENGTH = 80
_SEPARATORS = re.compile(r"[-._\s]+")


def resource_slug(text: str, *, fallback: str = "clip") -> str:
    """A resource id from a title: lower-case letters, digits and single hyphens, at most 60 characters.

    Matches ``ID_PATTERN``; a name Windows reserves gets ``-clip`` after it (``con-clip``).
    """
    slug = slugify(text, max_length=RESOURCE_SLUG_LENGTH) or fallback
    if windows_reserved(slug):
        slug = f"{slug}-clip"
    return slug


def person_slug(name: str) -> str:
    """An expert's page name: readable where any letter transliterates, else a short stable hash.

    ``José Müller`` -> ``jose-muller``; a name of emoji or symbols alone -> ``expert-1a2b3c4d``,
    the same for the same name on every build.
    """
    slug = slugify(name, max_length=PERSON_SLUG_LENGTH)
    if not slug:
        digest = hashlib.sha256(_SEPARATORS.sub(" ", name.strip()).encode("utf-8")).hexdigest()[:8]
        slug = f"expert-{digest}"
    if windows_reserved(slug):
        slug = f"{slug}-expert"
    return slug
