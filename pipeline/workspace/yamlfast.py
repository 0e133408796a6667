"""A strict, small parser for one ``resources:`` entry, exactly as PyYAML would read it.

The site build parses every new entry of ``resources.yaml``; through libyaml that
costs about 0.35 ms an entry (event and node objects made in Cython), 3.5 s for a
10,000-entry catalogue. Entries are written by capture (ruamel, width 100) or by a
person in the same plain block style, so this module reads just that subset, line
by line with string methods (about 0.025 ms an entry), and answers ``None`` for
anything else: the caller then parses that one chunk with PyYAML as before.

The subset: a ``- key: value`` first line and ``key: value`` lines under it;
nested block mappings and block sequences of scalars; flow sequences of simple
scalars; plain, single-quoted and (backslash-free) double-quoted scalars, folded
over deeper-indented continuation lines. Plain scalars are resolved by PyYAML's own
resolver and ``SafeConstructor``, so YAML 1.1 quirks (``yes``, ``0x1f``, dates,
``.inf``) come out identical. Comments after a value, anchors, aliases, tags, block
scalars, flow mappings, tabs, duplicate keys, blank lines inside a scalar, and any
line it cannot place give ``None``: a wrong value would silently change the site,
a fallback only costs time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import yaml

_KEY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_PLAIN_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@` ")
# A plain scalar cannot start with an indicator (``-`` only before a non-space).
_PLAIN_START = re.compile(r"[^-?:,\[\]{}#&*!|>'\"%@` ]|-[^ ]")
# Inside a plain scalar, ": " or a final ":" would start a mapping and " #" a comment.
_PLAIN_STOP = re.compile(r": |:$| #")
_SINGLE_WHOLE = re.compile(r"'((?:[^']|'')*)'[ ]*$")  # 'text' and nothing after
_SINGLE_OPEN = re.compile(r"'((?:[^']|'')*)$")  # 'text ... continued on the next line
_SINGLE_CONTINUED = re.compile(r"((?:[^']|'')*)$")
_SINGLE_CLOSE = re.compile(r"((?:[^']|'')*)'[ ]*$")
_DOUBLE_WHOLE = re.compile(r'"([^"\\]*)"[ ]*$')
_DOUBLE_OPEN = re.compile(r'"([^"\\]*)$')
_DOUBLE_CONTINUED = re.compile(r'([^"\\]*)$')
_DOUBLE_CLOSE = re.compile(r'([^"\\]*)"[ ]*$')
# One flow-sequence item and the "," or "]" after it; plain items are kept simple.
_FLOW_ITEM = re.compile(
    r"[ ]*(?:'((?:[^']|'')*)'|\"([^\"\\]*)\"|([^ ,\[\]{}:#'\"&*!|>%@`?-][^,\[\]{}:#'\"]*))[ ]*([,\]])"
)
_FLOW_EMPTY = re.compile(r"\[[ ]*\][ ]*$")
# Characters that make a flow sequence more than plain words between commas.
_FLOW_SPECIAL = re.compile(r"[\[\]{}:#'\"]")

_STR = "tag:yaml.org,2002:str"
_CONSTRUCTED = {f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "null", "timestamp")}


class _Outside(Exception):
    """The chunk uses YAML this parser does not read; PyYAML must parse it."""


def parse_entry(chunk: str) -> list[dict[str, Any]] | None:
    """``yaml.load(chunk, Loader=CSafeLoader)`` for a chunk in the subset; None otherwise.

    ``chunk`` is one item of a block sequence, as ``site_catalogue.split_entries``
    cuts it: ``"  - id: ...\\n    title: ...\\n"``. The answer is what PyYAML gives
    for that text alone: a list holding the entry's mapping.
    """
    # Python's printable characters are all printable to PyYAML too, and leave out what
    # PyYAML treats specially or refuses: tabs, CR, NEL, U+2028/U+2029, BOM, controls.
    if not chunk.replace("\n", "").isprintable():
        return None
    try:
        return [_Entry(chunk).read()]
    except _Outside:
        return None


class _Entry:
    """One pass over a chunk's lines, kept as two lists: each line's indentation and its text."""

    def __init__(self, chunk: str) -> None:
        lines = chunk.split("\n")
        lines.append("")  # a blank line at the end: the line after any line can be looked at
        # The chunk has no whitespace but spaces and line breaks (see parse_entry), so a plain
        # lstrip() strips spaces: the indentation.
        self.texts = list(map(str.lstrip, lines))
        self.columns = list(map(int.__sub__, map(len, lines), map(len, self.texts)))
        first = self.texts[0]
        if first[:2] != "- " or first[2:3] in ("", " "):
            raise _Outside
        # The mapping that is the item starts after "- ": read its first key as a line of its own.
        self.columns[0] += 2
        self.texts[0] = first[2:]
        self.at = 0

    def read(self) -> dict[str, Any]:
        entry = self.mapping(self.columns[0])
        if self.skip_gaps() < len(self.texts):
            raise _Outside  # something left over at a column the entry cannot own
        return entry

    def skip_gaps(self) -> int:
        """Move past blank lines and whole-line comments; the index of the next content line."""
        at, texts = self.at, self.texts
        while at < len(texts) and (not texts[at] or texts[at][0] == "#"):
            at += 1
        self.at = at
        return at

    def mapping(self, column: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        columns, texts = self.columns, self.texts
        count, at = len(texts), self.at
        known_keys = _STRING_KEYS
        while at < count:
            text = texts[at]
            # A key checked before (it has no ":"), so text is "key: value".
            key, colon, rest = text.partition(": ")
            if not (colon and key in known_keys and columns[at] == column):
                # Not a known key and a value: a gap, the end of this mapping, a new key, "key:" or no key.
                if not text or text[0] == "#":
                    at += 1
                    continue
                if columns[at] < column:
                    break
                colon_at = text.find(":")
                if columns[at] > column or not _is_string_key(text, colon_at):
                    raise _Outside
                key, rest = text[:colon_at], text[colon_at + 1 :]
                if rest and rest[0] != " ":
                    raise _Outside  # "key:value" is a plain scalar, not a key
            if key in result:
                raise _Outside  # ruamel refuses duplicate keys; PyYAML would keep the last
            if rest and rest[0] == " ":
                rest = rest.lstrip(" ")
            at += 1
            # The common line, a one-line plain or single-quoted value, is read here without more calls.
            if rest and (columns[at] <= column or not texts[at]):
                first = rest[0]
                if first == "'":
                    single = _SINGLE_WHOLE.match(rest)
                    if single:
                        result[key] = single.group(1).replace("''", "'")
                        continue
                elif first not in _PLAIN_INDICATORS and ": " not in rest and " #" not in rest and rest[-1] not in ": ":
                    result[key] = _resolve_typed(rest) if first in _TYPED_FIRST else rest
                    continue
                elif first == "[" and rest[-1] == "]" and not _FLOW_SPECIAL.search(rest, 1, len(rest) - 1):
                    # [a, b, c] of plain words: split on the commas.
                    words = [word.strip(" ") for word in rest[1:-1].split(",")]
                    if all(words) and not any(word[0] in _PLAIN_INDICATORS for word in words):
                        result[key] = [_resolve_typed(word) if word[0] in _TYPED_FIRST else word for word in words]
                        continue
                    if words == [""]:
                        result[key] = []
                        continue
            self.at = at
            result[key] = self.value(rest, column)
            at = self.at
        self.at = at
        return result

    def value(self, text: str, column: int) -> Any:
        """The value after ``key:`` whose key sits at ``column``."""
        if not text:
            at = self.skip_gaps()
            if at == len(self.texts) or self.columns[at] <= column:
                return None
            inner, first = self.columns[at], self.texts[at]
            if first == "-" or first.startswith("- "):
                return self.sequence(inner)
            return self.mapping(inner)
        if text[0] == "[":
            return self.flow_sequence(text, column)
        return self.scalar(text, column)

    def sequence(self, column: int) -> list[Any]:
        items: list[Any] = []
        while self.skip_gaps() < len(self.texts):
            at, text = self.columns[self.at], self.texts[self.at]
            if at < column:
                break
            if at > column or not text.startswith("- ") or text[2:3] in ("", " ", "["):
                raise _Outside
            self.at += 1
            items.append(self.scalar(text[2:], column))
        return items

    def continuation(self, column: int) -> str | None:
        """The next line's text if it continues a scalar (indented deeper than ``column``)."""
        if self.at < len(self.texts):
            at, text = self.columns[self.at], self.texts[self.at]
            if at > column and text:
                self.at += 1
                return text
        return None

    def scalar(self, text: str, column: int) -> Any:
        if text[0] == "'":
            return self.quoted(
                text,
                column,
                _SINGLE_WHOLE,
                _SINGLE_OPEN,
                _SINGLE_CONTINUED,
                _SINGLE_CLOSE,
                lambda part: part.replace("''", "'"),
            )
        if text[0] == '"':
            return self.quoted(
                text, column, _DOUBLE_WHOLE, _DOUBLE_OPEN, _DOUBLE_CONTINUED, _DOUBLE_CLOSE, lambda part: part
            )
        if not _PLAIN_START.match(text):
            raise _Outside
        parts = [text.rstrip(" ")]
        while (more := self.continuation(column)) is not None:
            parts.append(more.rstrip(" "))
        for part in parts:
            if part[0] == "#" or _PLAIN_STOP.search(part):
                raise _Outside
        # Folding: each line break between non-empty lines becomes one space.
        return resolve_plain(" ".join(parts))

    def quoted(
        self,
        text: str,
        column: int,
        whole: re.Pattern[str],
        opened: re.Pattern[str],
        continued: re.Pattern[str],
        closed: re.Pattern[str],
        unescape: Callable[[str], str],
    ) -> str:
        match = whole.match(text)
        if match:
            return unescape(match.group(1))
        match = opened.match(text)
        if match is None:
            raise _Outside
        # Spaces around a line break are dropped and the break becomes one space.
        parts = [unescape(match.group(1).rstrip(" "))]
        while (more := self.continuation(column)) is not None:
            match = closed.match(more)
            if match:
                parts.append(unescape(match.group(1)))
                return " ".join(parts)
            match = continued.match(more)
            if match is None:
                raise _Outside
            parts.append(unescape(match.group(1).rstrip(" ")))
        raise _Outside  # a blank line, or a line too shallow, before the closing quote

    def flow_sequence(self, text: str, column: int) -> list[Any]:
        # In a flow sequence a line break is a space, so deeper continuation lines join with one.
        parts = [text.rstrip(" ")]
        while not parts[-1].endswith("]") and (more := self.continuation(column)) is not None:
            parts.append(more.rstrip(" "))
        text = " ".join(parts)
        if _FLOW_EMPTY.match(text):
            return []
        items: list[Any] = []
        at = 1
        while True:
            match = _FLOW_ITEM.match(text, at)
            if match is None:
                raise _Outside
            single, double, plain, end = match.groups()
            if single is not None:
                items.append(single.replace("''", "'"))
            elif double is not None:
                items.append(double)
            else:
                items.append(resolve_plain(plain.rstrip(" ")))
            at = match.end()
            if end == "]":
                break
        if text[at:].strip(" "):
            raise _Outside  # a comment or anything else after the "]"
        return items


_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
# The first characters of every implicit type (int, float, bool, null, timestamp, ...):
# a plain scalar starting with any other character is a string.
_TYPED_FIRST = frozenset(yaml.resolver.Resolver.yaml_implicit_resolvers)
_STRING_KEYS: set[str] = set()


def resolve_plain(text: str) -> Any:
    """A plain scalar's value as PyYAML's SafeLoader builds it: str, int, float, bool, None or a date."""
    return _resolve_typed(text) if text[:1] in _TYPED_FIRST else text


def _is_string_key(text: str, colon: int) -> bool:
    """Whether ``text[:colon]`` is a simple key that PyYAML reads as that string (not true, null, ...)."""
    key = text[:colon]
    # libyaml refuses a key of 1,024 characters or more; keys this parser takes stay well short.
    if not 0 < colon <= 128 or not _KEY_NAME.fullmatch(key) or type(resolve_plain(key)) is not str:
        return False
    _STRING_KEYS.add(key)  # the same few keys start most lines: check each once
    return True


@lru_cache(maxsize=4096)
def _resolve_typed(text: str) -> Any:
    # Cached: the values are immutable (numbers, dates, None, bools), and ids and levels repeat.
    tag = _RESOLVER.resolve(yaml.nodes.ScalarNode, text, (True, False))
    if tag == _STR:
        return text
    if tag not in _CONSTRUCTED:
        raise _Outside  # "=" or "<<": PyYAML has no safe constructor for these
    return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.nodes.ScalarNode(tag, text))
