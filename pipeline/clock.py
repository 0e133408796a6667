"""Today's date, from one place that tests and trials can set.

The site shows what is "new this week", so a build's output depends on the day. Every
part of capture that needs the day asks :func:`today`; ``CAPTURE_TODAY=2026-11-20``
in the environment pins it (for a test that runs ``capture`` in a subprocess, or to
rebuild a site as it was on a given day).
"""

from __future__ import annotations

import datetime as dt
import os

from pipeline.errors import CaptureError

TODAY_VARIABLE = "CAPTURE_TODAY"


def today() -> dt.date:
    """The local date, or the one ``CAPTURE_TODAY`` names (``YYYY-MM-DD``)."""
    pinned = os.environ.get(TODAY_VARIABLE, "").strip()
    if not pinned:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(pinned)
    except ValueError:
        raise CaptureError(
            f"{TODAY_VARIABLE}: expected a date as YYYY-MM-DD, got {pinned!r}; fix it or unset it"
        ) from None
