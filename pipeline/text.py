"""Text that is safe to print to a terminal.

Titles, transcripts, file names and log fields come from people and from the network. Printed raw,
``"\\x1b]0;PWNED\\x07\\x1b[2J"`` retitles a real terminal window and clears its screen, a CSI
(``\\x9b``) or carriage return can overwrite what was printed before, and a right-to-left override
(U+202E) makes text read differently from what it is. :func:`printable` writes each such character
as a visible escape (``\\x1b``, ``\\u202e``) instead, so a person sees that it is there and the
terminal never acts on it.
"""

from __future__ import annotations

import re

# Bidirectional embeddings, overrides and isolates (the "Trojan Source" set, CVE-2021-42574).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# C0 controls but tab and newline, DEL, C1 controls (CSI \x9b, OSC \x9d...), bidi controls, and lone
# surrogates (they cannot be written as UTF-8 at all: printing one would fail).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + BIDI_CONTROLS + "\ud800-\udfff]")
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f" + BIDI_CONTROLS + "\ud800-\udfff]")


_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}


def _escape(code: int) -> str:
    return _NAMED.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


_CODES = [*range(0x00, 0x20), *range(0x7F, 0xA0), *map(ord, BIDI_CONTROLS), *range(0xD800, 0xE000)]
_LINE_TABLE = {code: _escape(code) for code in _CODES}
_TABLE = {code: text for code, text in _LINE_TABLE.items() if code not in (0x09, 0x0A)}


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` with every character a terminal would act on written as a visible escape.

    Tab and newline are kept (a transcript or a message may mean them) unless ``one_line`` is set,
    for a value that must stay on its line (a title in a table, an id). Text without such
    characters comes back as it is.
    """
    if (_UNSAFE_LINE if one_line else _UNSAFE).search(text) is None:
        return text
    return text.translate(_LINE_TABLE if one_line else _TABLE)


# What json.dumps(..., ensure_ascii=False) leaves raw: it escapes C0 controls, not DEL, C1 or bidi.
_UNSAFE_JSON = re.compile("[\x7f-\x9f" + BIDI_CONTROLS + "\ud800-\udfff]")


def printable_json(text: str) -> str:
    """JSON text (from ``json.dumps``) with every character a terminal would act on written as a
    ``\\uXXXX`` escape: the same JSON to any reader, safe to print."""
    return _UNSAFE_JSON.sub(lambda found: f"\\u{ord(found[0]):04x}", text)


def plural(count: int, noun: str, many: str = "") -> str:
    """``count`` and ``noun``, the noun in the plural (``many``, else ``noun`` + "s") unless the count is 1."""
    return f"{count} {noun}" if count == 1 else f"{count} {many or noun + 's'}"
