"""Words for counts in what the commands print: "1 file", "2 files"."""

from __future__ import annotations


def plural(count: int, noun: str, many: str = "") -> str:
    """``count`` and ``noun``, the noun in the plural (``many``, else ``noun`` + "s") unless the count is 1."""
    return f"{count} {noun}" if count == 1 else f"{count} {many or noun + 's'}"
