"""The search index split by term: what a first search downloads is the part for its words.

Every word of a resource's title (line 0), summary (line 1) and transcript (line 2 on) is
folded and stemmed (:mod:`pipeline.site.search`); each stem lists its *postings*, the
resources and lines it is said in. Stems are grouped into *buckets* by their first two
letters, one script each, ``search/b/<bucket>-<key>.js``; a bucket that grows too big is split
by one more letter (:func:`group_terms`). A query word needs only the buckets of its own prefix
(:func:`buckets_for`: one, unless the word is shorter than the buckets), since every stem its
own stem starts with shares it. So a query of two words loads about two buckets, whatever the
size of the library.

Postings are a string, not a JSON list: numbers as base-32 varints written with 64 safe
characters (``_DIGITS``; the first 32 end a number, the last 32 carry on to the next digit).
For each resource that says the stem: the gap from the last resource's number, then the gaps
between its lines (the first from -1), then ``0``. Resources are numbered in the catalogue's
order, so a clip added at the end (as ``capture add`` adds it) renumbers nobody.

Beside the buckets: ``search/facets-<key>.js`` (each resource's level, kind and roles, loaded
only when a filter is chosen), the rows (``search/r/<number>.js``, loaded for the hits shown)
and the listing ``search/terms-<key>.js`` that names them all; ``search-index.js``, which the
home page loads, names only the listing, so a visit that does not search loads a few bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence

from pipeline.site.search import INDEX_VERSION, MIN_WORD, SearchEntry, fold_lines, script_text, stem

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
_BASE = 32
_PLAIN_NAME = re.compile(r"[a-z0-9]+")
SPLIT_CHARS = 48_000  # a bucket of more (stems and postings) is split by one more letter
TITLE_LINE, SUMMARY_LINE, FIRST_LINE = 0, 1, 2
KEY_CHARS = 10


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def varint(value: int) -> str:
    """``value`` (0 or more) as base-32 digits, most significant first; the last digit ends it."""
    text = _DIGITS[value % _BASE]
    value //= _BASE
    while value:
        text = _DIGITS[_BASE + value % _BASE] + text
        value //= _BASE
    return text


def read_varints(text: str) -> list[int]:
    """The numbers in a postings string (the inverse of :func:`varint`, for tests and tools)."""
    numbers, value = [], 0
    for char in text:
        digit = _DIGITS.index(char)
        if digit >= _BASE:
            value = value * _BASE + digit - _BASE
        else:
            numbers.append(value * _BASE + digit)
            value = 0
    return numbers


def decode_postings(text: str) -> dict[int, list[int]]:
    """A postings string back to ``{resource number: lines}`` (what ``static/search.js`` reads)."""
    found: dict[int, list[int]] = {}
    resource, lines, line = -1, None, -1
    for value in read_varints(text):
        if lines is None:
            resource += value
            lines, line = found.setdefault(resource, []), -1
        elif value == 0:
            lines = None
        else:
            line += value
            lines.append(line)
    return found


def file_name(prefix: str) -> str:
    """A bucket's prefix as a file-name-safe name: itself in plain letters and digits, else its code points."""
    if _PLAIN_NAME.fullmatch(prefix):
        return prefix
    return "u" + "-".join(f"{ord(char):x}" for char in prefix)


def group_terms(table: dict[str, str]) -> dict[str, dict[str, str]]:
    """Stems grouped by prefix: their first two letters, and a bucket over ``SPLIT_CHARS`` split by one more.

    A split bucket keeps only the stem that is its prefix ("th" itself); the longer ones go to
    the buckets of one letter more ("the", "thi"), split again while still too big. So a bucket
    holds every stem that starts with its prefix and is not in a longer bucket, and a word that
    English says in every line ("the") does not weigh on the query for "think".
    """
    groups: dict[str, dict[str, str]] = {}
    pending: dict[str, dict[str, str]] = {}
    for term in sorted(table):
        pending.setdefault(term[:2], {})[term] = table[term]
    stack = list(pending.items())
    while stack:
        prefix, terms = stack.pop()
        longer = [term for term in terms if len(term) > len(prefix)]
        if sum(len(term) + len(text) for term, text in terms.items()) <= SPLIT_CHARS or not longer:
            groups[prefix] = terms
            continue
        if prefix in terms:
            groups[prefix] = {prefix: terms[prefix]}
        children: dict[str, dict[str, str]] = {}
        for term in longer:
            children.setdefault(term[: len(prefix) + 1], {})[term] = terms[term]
        stack.extend(children.items())
    return dict(sorted(groups.items()))


def buckets_for(token: str, prefixes: Iterable[str]) -> list[str]:
    """The buckets that may hold a stem starting with ``token`` (``bucketsFor`` in ``static/search.js``).

    The longest prefix of the token that is a bucket, and every bucket whose prefix the token starts.
    """
    names = set(prefixes)
    ancestors = [token[:n] for n in range(len(token), 1, -1) if token[:n] in names]
    return ancestors[:1] + sorted(name for name in names if len(name) > len(token) and name.startswith(token))


_LINE_BREAKS = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")  # what str.splitlines() breaks at


def entry_terms(entry: SearchEntry) -> dict[str, list[int]]:
    """Each stem of one resource with the lines it is said in (0 the title, 1 the summary, 2 on the transcript).

    The texts are folded together, one line each (so one pass of the regular expressions for a
    resource, not one a line): :func:`fold` keeps no line break, so the words are those of each text.
    """
    texts = [entry.title, entry.summary, *(line.text for line in entry.lines)]
    joined = "\n".join(_LINE_BREAKS.sub(" ", text) for text in texts)
    found: dict[str, list[int]] = {}
    if len(_STEMS) > 500_000:
        _STEMS.clear()
    stems = _STEMS
    for number, folded in enumerate(fold_lines(joined)):
        for word in set(folded.split()):
            cut = stems.get(word)
            if cut is None:  # a library says the same few thousand words again and again
                cut = stems[word] = stem(word) if len(word) >= MIN_WORD else ""
            if cut:
                lines = found.setdefault(cut, [])
                if lines[-1:] != [number]:
                    lines.append(number)
    return found


_STEMS: dict[str, str] = {}  # folded word -> stem ("" for a word too short to index)


_SMALL = [varint(value) for value in range(1024)]


def _digits(values: list[int]) -> str:
    return "".join([_SMALL[v] if v < 1024 else varint(v) for v in values])


def entry_said(entry: SearchEntry) -> dict[str, str]:
    """Each stem of one resource with its lines already written as postings (gaps, then ``0``).

    What the build caches by resource, so merging a library's postings is one string a stem
    and resource, not a loop over every line again.
    """
    said = {}
    for term, lines in entry_terms(entry).items():
        previous, values = -1, []
        for line in lines:
            values.append(line - previous)
            previous = line
        said[term] = _digits(values) + "0"
    return said


def postings(said: Sequence[dict[str, str]]) -> dict[str, str]:
    """Every stem with its postings string, from what each resource says (:func:`entry_said`), in order."""
    parts: dict[str, list[str]] = {}
    last: dict[str, int] = {}
    small = _SMALL
    for number, terms in enumerate(said):
        for term, lines in terms.items():
            gap = number - last.get(term, -1)
            found = parts.get(term)
            if found is None:
                found = parts[term] = []
            found.append((small[gap] if gap < 1024 else varint(gap)) + lines)
            last[term] = number
    return {term: "".join(found) for term, found in parts.items()}


def bucket_scripts(table: dict[str, str]) -> dict[str, str]:
    """Each bucket's file text by its prefix, stems sorted, from the postings of every stem."""
    return {
        prefix: script_text(
            f"(window.CAPTURE_INDEX_PARTS=window.CAPTURE_INDEX_PARTS||{{}})[{_json(prefix)}]={_json(terms)};\n"
        )
        for prefix, terms in group_terms(table).items()
    }


def facets_script(
    entries: Sequence[SearchEntry], *, roles: Sequence[str], levels: Sequence[str], kinds: Sequence[str]
) -> str:
    """Each resource's level, kind and roles, a few characters each, in the resources' order.

    One digit for level and kind together (``level_index * (len(kinds) + 1) + kind_index``, 0 for
    none), then the roles as a bit mask, six a digit; the browser reads them only to filter.
    """
    level_of = {level: n + 1 for n, level in enumerate(levels)}
    kind_of = {kind: n + 1 for n, kind in enumerate(kinds)}
    bit_of = {role: n for n, role in enumerate(roles)}
    width = -(-len(roles) // 6)
    cells = []
    for entry in entries:
        cell = _DIGITS[level_of.get(entry.level, 0) * (len(kinds) + 1) + kind_of.get(entry.kind, 0)]
        mask = sum(1 << bit_of[role] for role in set(entry.roles) if role in bit_of)
        cells.append(cell + "".join(_DIGITS[(mask >> (6 * n)) & 63] for n in range(width)))
    listing = {"levels": list(levels), "kinds": list(kinds), "roles": list(roles), "f": "".join(cells)}
    return script_text(f"window.CAPTURE_INDEX_FACETS={_json(listing)};\n")


def text_key(text: str) -> str:
    """A short change key for a file name (a browser never keeps a stale copy of a renamed file)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:KEY_CHARS]  # noqa: S324 - a change key


def terms_script(*, resources: int, buckets: dict[str, str], facets: str, rows: str) -> str:
    """The listing, ``search/terms-<key>.js``: each bucket's key, the facets file, the rows' version."""
    listing = {"v": INDEX_VERSION, "n": resources, "b": buckets, "facets": facets, "rows": rows}
    return script_text(f"window.CAPTURE_INDEX_TERMS={_json(listing)};\n")
