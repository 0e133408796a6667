"""The catalogue as the site build reads it: parsed once per entry, cached by content.

A big ``resources.yaml`` (10,000 entries) takes about a second to parse even with libyaml,
which would weigh on every rebuild. The build only reads the file, so it splits the text
into the settings block and one chunk per entry of the top-level ``resources:`` list, keys
each chunk by its sha256, and parses only the chunks it has not seen, with the read-only
commands' loader (:func:`pipeline.workspace.yamlio.parse_plain`: the same size cap, YAML 1.2
scalars, duplicate keys and aliases refused) and the same ``parse_catalogue`` validation.
Anything unusual (aliases, a layout it cannot split, any problem) falls back to reading the
whole file with :func:`read_catalogue`, so errors carry their exact file:line.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import CaptureError
from pipeline.workspace.catalogue import (
    Catalogue,
    Expert,
    Resource,
    Settings,
    SourceClip,
    parse_catalogue,
    read_catalogue,
)
from pipeline.workspace.yamlio import alias_hint, needs_round_trip, parse_plain, paused_gc, read_text

CACHE_VERSION = 4  # 3: entries read by the YAML 1.2 loader of the read-only commands; 4: takes and review dates
_alias_hint = alias_hint  # the tests compare it with its regular expression


@dataclass
class CatalogueCache:
    """Resources parsed from entry chunks, keyed by the chunk's sha256; disposable."""

    version: int = CACHE_VERSION
    header_key: str = ""
    settings: Settings | None = None
    entries: dict[str, Resource] = field(default_factory=dict)


def _flatten(resource: Resource) -> dict[str, Any]:
    """A resource as plain values: unpickling 10,000 of these is several times faster than dataclasses."""
    fields = dict(resource.__dict__)
    fields["expert"] = (resource.expert.name, resource.expert.job_title)
    fields["source"] = (resource.source.file, resource.source.size, resource.source.sha256) if resource.source else None
    return fields


def _restore(fields: dict[str, Any]) -> Resource:
    resource = object.__new__(Resource)
    values = dict(fields)
    values["expert"] = Expert(*values["expert"])
    values["source"] = SourceClip(*values["source"]) if values["source"] else None
    resource.__dict__.update(values)
    return resource


def load_cache(path: Path) -> CatalogueCache:
    """The cache capture wrote in ``.capture/site/``; an empty one if it is missing, old or unreadable."""
    try:
        with open(path, "rb") as handle:
            version, header_key, settings, flat = pickle.load(handle)  # noqa: S301 - capture's own file
        if version == CACHE_VERSION:
            return CatalogueCache(version, header_key, settings, {k: _restore(v) for k, v in flat.items()})
    except Exception:  # an unreadable cache only means parsing again
        return CatalogueCache()
    return CatalogueCache()


def split_entries(text: str) -> tuple[str, list[str]] | None:
    """``(header, [entry chunk, ...])`` where header holds everything but the resources list.

    None when the file does not have the simple layout ``capture`` writes: a top-level
    ``resources:`` key followed by a block list, and nothing at column 0 after it.
    (String searches, not multi-line regular expressions: 5 MB of YAML in milliseconds.)
    """
    if not text.endswith("\n"):
        text += "\n"
    text = "\n" + text
    at = text.find("\nresources:")
    if at < 0:
        return None
    line_end = text.index("\n", at + 1)
    rest = text[at + len("\nresources:") : line_end].strip()
    if rest and not rest.startswith("#"):
        return None  # resources: [] or a flow list
    header, body = text[1 : at + 1], text[line_end + 1 :]
    start = 0  # where the first line that is neither blank nor a comment starts: the first item
    while True:
        end = body.find("\n", start)
        item = body[start:] if end < 0 else body[start:end]
        if item.strip() and not item.lstrip().startswith("#"):
            break
        if end < 0:
            return header, []
        start = end + 1
    indent = item[: len(item) - len(item.lstrip(" "))]
    if not item.startswith(indent + "- "):
        return None
    # Nothing but items may start at the items' column (a top-level key after the list, say).
    marker = "\n" + indent + "- "
    if indent:
        if re.search(r"\n[^\s#]", "\n" + body):
            return None
    elif re.search(r"\n(?!- )[^\s#]", "\n" + body):
        return None
    listed = "\n" + body[start:]
    chunks = listed.split(marker)
    return header, [indent + "- " + chunk.lstrip("\n") + ("" if chunk.endswith("\n") else "\n") for chunk in chunks[1:]]


def _parse_new(path: Path, header: str, chunks: list[str]) -> Any:
    """The document ``header`` + ``resources:`` + ``chunks``, each chunk parsed on its own by libyaml.

    Per chunk, so that an odd entry costs only its own parse, and by the read-only commands' loader
    (:func:`pipeline.workspace.yamlio.parse_plain`, the file screened once by ``needs_round_trip``),
    so the build reads every entry by the same rules.
    """
    doc = parse_plain(header + "resources:\n", path.name)
    if not isinstance(doc, dict):
        return doc  # parse_catalogue words the problem
    resources: list[Any] = []
    with paused_gc():
        for chunk in chunks:
            entry = parse_plain(chunk, path.name)
            if not isinstance(entry, list) or len(entry) != 1:
                raise ValueError("an entry chunk is not one list item")  # the caller reads the whole file
            resources.extend(entry)
    doc["resources"] = resources if chunks else doc.get("resources")
    return doc


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_catalogue_cached(path: Path, cache_path: Path) -> Catalogue:
    """The catalogue, parsing only entries whose text changed since the last build."""
    try:
        text = read_text(path, path.name)
    except CaptureError:
        return read_catalogue(path)  # it raises the message written for a person
    split = split_entries(text)
    try:
        if split is None or needs_round_trip(text, path.name):
            return read_catalogue(path)  # an anchor or a tab: the whole file by the round-trip loader
    except CaptureError:
        return read_catalogue(path)  # an alias or a tag: it raises the same message
    header, chunks = split
    cache = load_cache(cache_path)
    keys = [_digest(chunk) for chunk in chunks]
    settings = _parse_missing(path, header, list(zip(keys, chunks, strict=True)), cache=cache, cache_path=cache_path)
    resources = [cache.entries.get(key) for key in keys]
    if settings is None or None in resources:
        return read_catalogue(path)  # a problem somewhere: the whole file, read again, names it with its line
    found = [r for r in resources if r is not None]
    if len({r.id for r in found}) != len(found):
        return read_catalogue(path)  # duplicate ids: let the full check report them with lines
    return Catalogue(path=path, settings=settings, resources=found, doc=None)


def _parse_missing(
    path: Path, header: str, keyed: list[tuple[str, str]], *, cache: CatalogueCache, cache_path: Path
) -> Settings | None:
    """Parse the chunks the cache lacks into it (and save it when that is worth it); the settings, None on a problem."""
    header_key = _digest(header)
    missing = [(key, chunk) for key, chunk in keyed if key not in cache.entries]
    settings = cache.settings if cache.header_key == header_key else None
    if missing or settings is None:
        try:
            partial = parse_catalogue(path, _parse_new(path, header, [chunk for _, chunk in missing]))
        except (CaptureError, ValueError):  # the full read words the problem with its line
            return None
        if len(partial.resources) != len(missing):
            return None
        settings = partial.settings
        for (key, _), resource in zip(missing, partial.resources, strict=True):
            resource.line = None
            cache.entries[key] = resource
    live = {key for key, _ in keyed}
    stale = len(cache.entries) - len(live)
    # A few new entries are cheaper to parse again next time than to rewrite a 10,000-entry cache now.
    if len(missing) > 16 or stale > 64 or cache.header_key != header_key or not cache_path.exists():
        cache.entries = {key: value for key, value in cache.entries.items() if key in live}
        cache.header_key, cache.settings = header_key, settings
        _save_cache(cache_path, cache)
    return settings


def _save_cache(path: Path, cache: CatalogueCache) -> None:
    from pipeline.fsutil import atomic_write_bytes

    try:
        flat = {key: _flatten(resource) for key, resource in cache.entries.items()}
        atomic_write_bytes(
            path,
            pickle.dumps((cache.version, cache.header_key, cache.settings, flat), protocol=pickle.HIGHEST_PROTOCOL),
        )
    except CaptureError:
        pass  # a cache we cannot write only costs time next build
