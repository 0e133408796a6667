"""Streaming reader for web server access logs (nginx / Apache "combined" and "common" formats).

A log is read as bytes, one line at a time, and each line is matched once by a compiled regular
expression; only the few lines that touch the site's own pages (resource, journey, video, search)
are looked at further by the caller. Nothing here keeps a line, so memory does not grow with the
size of the log. Gzipped files (rotated logs such as ``access.log.2.gz``) are recognised by their
magic bytes, not by their name.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.errors import CaptureError

# host ident user [day/Mon/year:time zone] "METHOD target PROTOCOL" status bytes rest
# Only what every line needs is matched here; the rest ("referer" "agent" and any extra fields) is
# matched by REST_PATTERN for the few lines that touch the site's pages, which halves the cost.
LINE_PATTERN = re.compile(
    rb'([^ ]+) [^ ]+ [^ ]+ \[(\d\d/[A-Za-z]{3}/\d{4}):[^\]]*\] "([A-Z]+) ([^ "]+)[^"]*" (\d{3}) (\d+|-)(.*)'
)
# Quoted fields use the unrolled loop [^"\\]*(?:\\.[^"\\]*)* so escaped quotes (Apache's \" and
# nginx's \x22) are allowed and matching stays linear.
_QUOTED = rb'[^"\\]*(?:\\.[^"\\]*)*'
REST_PATTERN = re.compile(rb' "' + _QUOTED + rb'" "(' + _QUOTED + rb')"(.*)')
# The same without escapes, three times faster; used when the rest of the line has no backslash.
PLAIN_REST_PATTERN = re.compile(rb' "[^"]*" "([^"]*)"(.*)')

# The site's own paths, matched on their suffix so the site may live under any sub-path.
PATH_PATTERN = re.compile(
    rb"/(?:([rj])/([a-z0-9][a-z0-9-]*)/(?:index\.html)?|media/([a-z0-9][a-z0-9-]*)/video\.mp4|(search\.gif))$"
)

# In extra quoted fields after the user agent: a Content-Range the server sent, or the Range asked for.
CONTENT_RANGE_PATTERN = re.compile(rb"bytes (\d+)-(\d+)/(\d+|\*)")
RANGE_PATTERN = re.compile(rb"bytes=(\d+)-(\d*)")

MONTHS = {
    m.encode(): i
    for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)
}

ProgressCallback = Callable[[int, int], None]


class LogError(CaptureError):
    """An access log that cannot be opened or read."""


def parse_log_date(text: bytes) -> date | None:
    """``10/Oct/2026`` → a date; None when the text is not a real date."""
    try:
        day, month, year = text.split(b"/")
        return date(int(year), MONTHS[month], int(day))
    except (ValueError, KeyError):
        return None


@dataclass
class LogFileStats:
    """What reading one file gave: its lines, the ones that were not a log line, and any problem."""

    path: str
    bytes: int
    lines: int = 0
    malformed: int = 0
    first_malformed_lines: tuple[int, ...] = ()
    problem: str = ""


def check_log_files(paths: list[Path]) -> list[Path]:
    """The distinct, readable log files among ``paths``, in the order given; every missing one reported."""
    seen: set[Path] = set()
    missing: list[str] = []
    unique: list[Path] = []
    for path in paths:
        if not path.exists():
            missing.append(str(path))
            continue
        if path.is_dir():
            raise LogError(f"{path} is a folder; pass the log files in it, e.g. {path}/access.log*")
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        unique.append(path)
    if missing:
        raise LogError(
            f"access log not found: {', '.join(missing)}; check the path "
            "(rotated logs are often /var/log/nginx/access.log* or /var/log/apache2/access.log*)"
        )
    if not unique:
        raise LogError("no access log given; pass --access-log FILE (several files and .gz are fine)")
    return unique


def read_blocks(
    path: Path,
    stats: LogFileStats,
    on_bytes: Callable[[int], None] | None = None,
    block_bytes: int = 1 << 20,
) -> Iterator[list[bytes]]:
    """Yield the raw lines of ``path`` (plain or gzip) in lists of about ``block_bytes``.

    Blocks keep the per-line cost down (no generator step or progress check per line) while memory
    stays at one block. ``on_bytes`` hears the bytes of the file on disk read so far (compressed
    bytes for a .gz), so a bar over the sum of file sizes moves evenly. A truncated or corrupt gzip
    stops that file with ``stats.problem`` set, keeping the lines read before the damage.
    """
    try:
        raw = open(path, "rb")  # noqa: SIM115  (closed below; the gzip wrapper reads through it)
    except OSError as exc:
        raise LogError(f"cannot read {path}: {exc.strerror or exc}; check the file's permissions") from exc
    with raw:
        gz = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        source: io.BufferedIOBase = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw  # type: ignore[assignment]
        count = 0
        block: list[bytes] = []
        try:
            if gz:
                # Line by line, so a damaged stream keeps every line decompressed before the damage.
                for line in source:
                    block.append(line)
                    if len(block) == 8192:
                        count += len(block)
                        yield block
                        block = []
                        if on_bytes is not None:
                            on_bytes(raw.tell())
            else:
                while block := source.readlines(block_bytes):
                    count += len(block)
                    yield block
                    if on_bytes is not None:
                        on_bytes(raw.tell())
                block = []
        except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
            stats.problem = (
                f"{path.name}: stopped after line {count + len(block)}: {exc}; the file looks truncated or damaged"
            )
        if block:
            yield block
        if on_bytes is not None:
            on_bytes(raw.tell())
