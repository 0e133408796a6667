"""Each benchmark writes its figures into ``docs/benchmarks.md`` between its own markers."""

from __future__ import annotations

import os
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADING = "# Benchmarks\n\nFigures measured by the scripts in `benchmarks/`.\n"


def write_section(name: str, body: str, path: Path = DOC) -> None:
    """Put ``body`` between ``<!-- name:begin -->`` and ``<!-- name:end -->``, keeping every other section."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{body}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else HEADING
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_text(text, encoding="utf-8")
    os.replace(part, path)
