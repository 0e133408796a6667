"""Words for counts in what the commands print: "1 file", "2 files" (one rule, in :mod:`pipeline.text`)."""

from __future__ import annotations

from pipeline.text import plural

__all__ = ["plural"]
