"""Streaming reader for web server access logs (nginx / Apache "combined" and "common" formats).

A log is read as bytes in 1 MiB chunks split into lines here, and each line is matched once by a
compiled regular expression; only the few lines that touch the site's own pages (resource,
journey, video, search, answer) are looked at further by the caller. Nothing here keeps a line, and a
line over MAX_LINE_BYTES is never held whole, so memory grows neither with the size of the log
nor with the length of a line (a file without a newline, ``/dev/zero``). Gzipped files (rotated
logs such as ``access.log.2.gz``) are recognised by their magic bytes, not by their name.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from pipeline.errors import LogError

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
    rb"/(?:([rj])/([a-z0-9][a-z0-9-]*)/(?:index\.html)?|media/([a-z0-9][a-z0-9-]*)/video\.mp4|(search\.gif)|(feedback\.gif))$"
)

# In extra quoted fields after the user agent: a Content-Range the server sent, or the Range asked for.
CONTENT_RANGE_PATTERN = re.compile(rb"bytes (\d+)-(\d+)/(\d+|\*)")
RANGE_PATTERN = re.compile(rb"bytes=(\d+)-(\d*)")

MONTHS = {
    m.encode(): i
    for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)
}

ProgressCallback = Callable[[int, int], None]

CHUNK_BYTES = 1 << 20
# Longer than any real log line (nginx and Apache refuse request lines and headers over 8 KiB).
MAX_LINE_BYTES = 64 * 1024
# Stands in for a line over MAX_LINE_BYTES; no line split at newlines can equal it.
OVERLONG_LINE = b"\0\n\0"


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
    overlong: int = 0  # lines over MAX_LINE_BYTES, skipped (and counted as malformed)
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


def split_lines(chunks: Iterable[bytes], *, limit: int = MAX_LINE_BYTES) -> Iterator[list[bytes]]:
    """The lines (without their newline) of a byte stream given in chunks, a list per chunk.

    A line over ``limit`` bytes is never held whole: the part seen is dropped, the rest skipped as it
    arrives, and OVERLONG_LINE stands in its place (a line that is not a log line, at its own line
    number). Memory holds one chunk and at most ``limit`` bytes of a partial line, whatever the input.
    """
    tail = b""
    skipping = False  # inside a line already over the limit: drop bytes up to its newline
    for chunk in chunks:
        if skipping:
            end = chunk.find(b"\n")
            if end < 0:
                continue
            chunk = chunk[end + 1 :]
            skipping = False
            yield [OVERLONG_LINE]
        lines = chunk.split(b"\n")
        lines[0] = tail + lines[0]
        tail = lines.pop()
        if len(tail) > limit:
            tail, skipping = b"", True
        if lines:
            if max(map(len, lines)) > limit:
                lines = [OVERLONG_LINE if len(line) > limit else line for line in lines]
            yield lines
    if skipping:
        yield [OVERLONG_LINE]
    elif tail:
        yield [tail]


def _chunks(source: io.BufferedIOBase, raw: BinaryIO, on_bytes: Callable[[int], None] | None) -> Iterator[bytes]:
    # read1: a damaged gzip stream still gives every byte decompressed before the damage.
    while chunk := source.read1(CHUNK_BYTES):
        yield chunk
        if on_bytes is not None:
            on_bytes(raw.tell())


def read_blocks(
    path: Path, stats: LogFileStats, on_bytes: Callable[[int], None] | None = None
) -> Iterator[list[bytes]]:
    """Yield the lines of ``path`` (plain or gzip, without their newline) in lists of about CHUNK_BYTES.

    Blocks keep the per-line cost down (no generator step or progress check per line) while memory
    stays at one block, however long a line is (see :func:`split_lines`). ``on_bytes`` hears the
    bytes of the file on disk read so far (compressed bytes for a .gz), so a bar over the sum of file
    sizes moves evenly. A truncated or corrupt gzip stops that file with ``stats.problem`` set,
    keeping the lines read before the damage.
    """
    try:
        raw = open(path, "rb")  # noqa: SIM115  (closed below; the gzip wrapper reads through it)
    except OSError as exc:
        raise LogError(f"cannot read {path}: {exc.strerror or exc}; check the file's permissions") from exc
    with raw:
        gz = raw.peek(2)[:2] == b"\x1f\x8b"
        source: io.BufferedIOBase = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
        count = 0
        try:
            for block in split_lines(_chunks(source, raw, on_bytes)):
                count += len(block)
                yield block
        except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
            stats.problem = f"{path.name}: stopped after line {count}: {exc}; the file looks truncated or damaged"
        if on_bytes is not None:
            on_bytes(raw.tell())
