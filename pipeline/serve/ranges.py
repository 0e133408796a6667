"""Sending a file over HTTP with byte ranges: the one Range handler of both local servers.

Browsers seek in a video by asking for a range (``Range: bytes=...``); without an
answer in kind, ``currentTime`` snaps back and a click on a transcript line plays
from the start. Browsers also cancel such requests all the time while seeking, so a
connection closed under a reply is the normal end of one, not an error.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import BinaryIO, Protocol

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
BLOCK = 1 << 16

# What a reader that went away looks like to the writer (browsers cancel video requests while seeking).
CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


def requested_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The bytes ``(start, end)``, end included, that a ``Range: bytes=…`` header asks of ``size`` bytes.

    None where there is no range this server answers (no header, another unit, several ranges):
    send the whole file. A span with ``start >= size`` or ``start > end`` cannot be satisfied (416).
    """
    match = _RANGE.match(header.strip()) if header else None
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":
        return max(size - int(last), 0), size - 1
    return int(first), min(int(last), size - 1) if last else size - 1


@dataclass(frozen=True)
class Reply:
    """What to answer for a file of ``size`` bytes: the status, and the bytes ``start`` to ``end`` (included)."""

    status: int  # 200 (whole file), 206 (a range) or 416 (a range the file cannot satisfy)
    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        return 0 if self.status == 416 else self.end - self.start + 1

    def headers(self) -> dict[str, str]:
        """Accept-Ranges, Content-Length and, for a range, Content-Range."""
        found = {"Accept-Ranges": "bytes", "Content-Length": str(self.length)}
        if self.status == 206:
            found["Content-Range"] = f"bytes {self.start}-{self.end}/{self.size}"
        elif self.status == 416:
            found["Content-Range"] = f"bytes */{self.size}"
        return found


def plan_reply(header: str | None, size: int) -> Reply:
    """The reply to a request with this ``Range`` header (or none) for a file of ``size`` bytes."""
    span = requested_range(header, size)
    if span is None:
        return Reply(200, 0, size - 1, size)
    start, end = span
    if start >= size or start > end:
        return Reply(416, 0, -1, size)
    return Reply(206, start, end, size)


class Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


def copy_bytes(source: BinaryIO, target: Writable, count: int) -> None:
    """Copy ``count`` bytes (fewer where ``source`` ends first) in 64 KiB blocks."""
    while count > 0:
        block = source.read(min(count, BLOCK))
        if not block:
            break
        target.write(block)
        count -= len(block)


def open_regular_file(path: Path) -> BinaryIO | None:
    """``path`` opened for reading if it is a regular file, else None (a folder, a FIFO, a device, missing).

    The last component is not followed if it is a link, and a FIFO does not block the open.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return os.fdopen(fd, "rb")


def send_file(
    handler: BaseHTTPRequestHandler, handle: BinaryIO, *, content_type: str, headers: Mapping[str, str]
) -> int:
    """Answer ``handler``'s GET or HEAD with the open file ``handle`` (closed here), honouring its Range.

    ``headers`` are sent too (caching, for instance). A reader that goes away mid-reply ends
    the reply quietly. Returns the status sent.
    """
    with handle:
        reply = plan_reply(handler.headers.get("Range"), os.fstat(handle.fileno()).st_size)
        handler.send_response(reply.status)
        if reply.status != 416:
            handler.send_header("Content-Type", content_type)
        for name, value in {**reply.headers(), **headers}.items():
            handler.send_header(name, value)
        handler.end_headers()
        if handler.command == "HEAD" or reply.length == 0:
            return reply.status
        handle.seek(reply.start)
        try:
            copy_bytes(handle, handler.wfile, reply.length)
        except CLIENT_GONE:
            handler.close_connection = True
    return reply.status
