"""The search index's files, each with its key: rows, buckets, facets, the listing and ``search-index.js``.

The buckets' keys are hashes of their text, so the plan makes the postings of every resource
and a bucket is written again only when what it holds has changed: a one-line edit rewrites
the buckets of the words on that line. What each resource says (its stems and their lines) is
kept in ``.capture/site/search-terms.pickle`` by the resource's search key, so a rebuild after
one edit parses and folds one transcript, not all of them; a row's key is its resource's search
key and number, and a row is rendered (its transcript read) only when that changes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import pickle
from collections.abc import Sequence
from pathlib import Path

from pipeline.fsutil import atomic_write_bytes
from pipeline.site.output import Output
from pipeline.site.search import SearchEntry, index_script, row_script
from pipeline.site.terms import bucket_scripts, entry_said, facets_script, file_name, postings, terms_script, text_key
from pipeline.site.views import ResourceView, content_key
from pipeline.workspace.catalogue import KINDS, LEVELS

Terms = dict[str, str]  # stem -> its lines as postings (see terms.entry_said)
TERMS_CACHE_VERSION = 2


def search_entry(view: ResourceView, *, lines: bool = True) -> SearchEntry:
    """A resource as the index holds it: its card's facts and, where published, its transcript lines."""
    r = view.resource
    return SearchEntry(
        id=r.id,
        title=r.title,
        summary=r.summary,
        level=r.level or "",
        duration=r.duration,
        has_poster=view.poster is not None,
        reviewed=view.reviewed,
        lines=view.lines if lines else (),
        roles=r.roles,
        kind=r.kind or "",
    )


def _encoded(text: str) -> bytes:
    return text.encode("utf-8")


def _row(number: int, entry: SearchEntry) -> bytes:
    return row_script(number, entry).encode("utf-8")


def _view_row(number: int, view: ResourceView) -> bytes:
    return _row(number, search_entry(view))


def _file(rel: str, text: str) -> Output:
    key = hashlib.sha1(text.encode("utf-8")).hexdigest()  # noqa: S324 - a change key
    return Output(rel, key, render=functools.partial(_encoded, text))


def _load_terms(path: Path | None, code: str) -> dict[str, Terms]:
    """The cached stems of each resource by search key; anything unreadable or of other code is no cache."""
    if path is None:
        return {}
    try:
        with path.open("rb") as handle:
            version, cached_code, table = pickle.load(handle)  # noqa: S301 - capture's own cache file
    except Exception:  # a cache that does not read back is rebuilt, whatever broke it
        return {}
    return table if (version, cached_code) == (TERMS_CACHE_VERSION, code) and isinstance(table, dict) else {}


def _save_terms(path: Path, code: str, table: dict[str, Terms]) -> None:
    with contextlib.suppress(OSError):  # a cache that cannot be written costs the next build time, nothing else
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, pickle.dumps((TERMS_CACHE_VERSION, code, table), protocol=pickle.HIGHEST_PROTOCOL))


def search_outputs(
    views: Sequence[ResourceView], *, roles: Sequence[str], code: str, cache: Path | None = None
) -> list[Output]:
    """Every file of the search index for the site's resources (numbered in the catalogue's order)."""
    keys = [content_key(code, number, view.search_key) for number, view in enumerate(views)]
    rows = [
        Output(f"search/r/{number}.js", key, render=functools.partial(_view_row, number, view))
        for number, (view, key) in enumerate(zip(views, keys, strict=True))
    ]
    known = _load_terms(cache, code)
    table = {view.search_key: known.get(view.search_key) or entry_said(search_entry(view)) for view in views}
    if cache is not None and table.keys() != known.keys():
        _save_terms(cache, code, table)
    said = [table[view.search_key] for view in views]
    return rows + _index_parts([search_entry(v, lines=False) for v in views], said=said, rows=keys, roles=roles)


def index_files(entries: Sequence[SearchEntry], *, row_keys: Sequence[str], roles: Sequence[str]) -> list[Output]:
    """The index's files for ``entries``, each row keyed by ``row_keys``: rows and buckets before the listing."""
    outputs = [
        Output(f"search/r/{number}.js", key, render=functools.partial(_row, number, entry))
        for number, (entry, key) in enumerate(zip(entries, row_keys, strict=True))
    ]
    said = [entry_said(entry) for entry in entries]
    return outputs + _index_parts(entries, said=said, rows=row_keys, roles=roles)


def _index_parts(
    entries: Sequence[SearchEntry], *, said: Sequence[Terms], rows: Sequence[str], roles: Sequence[str]
) -> list[Output]:
    """Buckets, facets, the listing and ``search-index.js``, from what each resource says and its facts."""
    outputs = []
    buckets: dict[str, str] = {}
    for prefix, text in bucket_scripts(postings(said)).items():
        buckets[prefix] = text_key(text)
        outputs.append(_file(f"search/b/{file_name(prefix)}-{buckets[prefix]}.js", text))
    facets = facets_script(entries, roles=roles, levels=LEVELS, kinds=KINDS)
    facets_rel = f"search/facets-{text_key(facets)}.js"
    outputs.append(_file(facets_rel, facets))
    version = text_key(content_key(*rows))
    listing = terms_script(resources=len(entries), buckets=buckets, facets=facets_rel, rows=version)
    listing_rel = f"search/terms-{text_key(listing)}.js"
    outputs.append(_file(listing_rel, listing))
    outputs.append(_file("search-index.js", index_script(listing_rel, len(entries))))
    return outputs
