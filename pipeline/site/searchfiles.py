"""The search index's files, each with its key: rows, buckets, facets, the listing and ``search-index.js``.

The buckets' keys are hashes of their text, so the plan makes the postings of every resource
(a few hundred milliseconds for a thousand resources) and a bucket is written again only when
what it holds has changed: a one-line edit rewrites the buckets of the words on that line.
A row's key is its resource's search key and number, so a row is rendered only when it changes.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence

from pipeline.site.output import Output
from pipeline.site.search import SearchEntry, index_script, row_script
from pipeline.site.terms import bucket_scripts, facets_script, postings, terms_script, text_key
from pipeline.site.views import ResourceView, content_key
from pipeline.workspace.catalogue import KINDS, LEVELS


def search_entries(views: Sequence[ResourceView]) -> list[SearchEntry]:
    """One search-index entry per resource: its card's facts and, where published, its transcript lines."""
    entries = []
    for view in views:
        r = view.resource
        entry = SearchEntry(
            id=r.id,
            title=r.title,
            summary=r.summary,
            level=r.level or "",
            duration=r.duration,
            has_poster=view.poster is not None,
            reviewed=view.reviewed,
            lines=view.lines,
            roles=r.roles,
            kind=r.kind or "",
        )
        entries.append(entry)
    return entries


def _encoded(text: str) -> bytes:
    return text.encode("utf-8")


def _row(number: int, entry: SearchEntry) -> bytes:
    return row_script(number, entry).encode("utf-8")


def _file(rel: str, text: str) -> Output:
    key = hashlib.sha1(text.encode("utf-8")).hexdigest()  # noqa: S324 - a change key
    return Output(rel, key, render=functools.partial(_encoded, text))


def search_outputs(views: Sequence[ResourceView], *, roles: Sequence[str], code: str) -> list[Output]:
    """Every file of the search index for the site's resources (numbered in the catalogue's order)."""
    keys = [content_key(code, number, view.search_key) for number, view in enumerate(views)]
    return index_files(search_entries(views), row_keys=keys, roles=roles)


def index_files(entries: Sequence[SearchEntry], *, row_keys: Sequence[str], roles: Sequence[str]) -> list[Output]:
    """The index's files for ``entries``, each row keyed by ``row_keys``: rows and buckets before the listing."""
    outputs = [
        Output(f"search/r/{number}.js", key, render=functools.partial(_row, number, entry))
        for number, (entry, key) in enumerate(zip(entries, row_keys, strict=True))
    ]
    buckets: dict[str, str] = {}
    for name, text in bucket_scripts(postings(entries)).items():
        buckets[name] = text_key(text)
        outputs.append(_file(f"search/b/{name}-{buckets[name]}.js", text))
    facets = facets_script(entries, roles=roles, levels=LEVELS, kinds=KINDS)
    facets_rel = f"search/facets-{text_key(facets)}.js"
    outputs.append(_file(facets_rel, facets))
    rows = text_key(content_key(*row_keys))
    listing = terms_script(resources=len(entries), buckets=buckets, facets=facets_rel, rows=rows)
    listing_rel = f"search/terms-{text_key(listing)}.js"
    outputs.append(_file(listing_rel, listing))
    outputs.append(_file("search-index.js", index_script(listing_rel, len(entries))))
    return outputs
