"""``capture serve``: preview the site on loopback and rebuild it when a source changes.

The server answers byte ranges (``Range: bytes=...``), as every real static host does,
because browsers seek in a video by asking for a range; without it a click on a
transcript line would play from the start. The watcher polls the sources' sizes and
modification times once a second only to *notice* an edit; what the rebuild then
writes is still decided by content (see :mod:`pipeline.site.output`). A failed
rebuild leaves the last good site in place and is reported, and serving goes on.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pipeline.errors import CaptureError
from pipeline.workspace.paths import Workspace

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def requested_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The bytes ``(start, end)``, end included, that a ``Range: bytes=…`` header asks of ``size`` bytes.

    None where there is no range this server answers (no header, another unit, several ranges):
    send the whole file. A span with ``start >= size`` or ``start > end`` cannot be satisfied (416).
    Browsers seek in a video with range requests; without them ``currentTime`` snaps back.
    """
    match = _RANGE.match(header.strip()) if header else None
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":
        return max(size - int(last), 0), size - 1
    return int(first), min(int(last), size - 1) if last else size - 1


def copy_bytes(source: BinaryIO, target: Any, count: int) -> None:
    """Copy ``count`` bytes (fewer where ``source`` ends first) in 64 KiB blocks."""
    while count > 0:
        block = source.read(min(count, 1 << 16))
        if not block:
            break
        target.write(block)
        count -= len(block)


class SiteRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with byte ranges; requests go to ``on_request`` instead of stderr."""

    on_request: Callable[[str, int], None] | None = None
    _range_left: int | None = None

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def send_head(self) -> Any:
        self._range_left = None
        wanted = self.headers.get("Range")
        path = self.translate_path(self.path)
        if requested_range(wanted, 0) is None or os.path.isdir(path):
            return super().send_head()
        try:
            handle: BinaryIO = open(path, "rb")  # noqa: SIM115 - returned to the base class, which closes it
        except OSError:
            self.send_error(404, "File not found")
            return None
        size = os.fstat(handle.fileno()).st_size
        start, end = requested_range(wanted, size)  # type: ignore[misc] - not None: checked above
        if start >= size or start > end:
            handle.close()
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.end_headers()
            return None
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        handle.seek(start)
        self._range_left = end - start + 1
        return handle

    def copyfile(self, source: Any, outputfile: Any) -> None:
        if self._range_left is None:
            super().copyfile(source, outputfile)
        else:
            copy_bytes(source, outputfile, self._range_left)

    def log_message(self, format: str, *args: Any) -> None:
        if self.on_request is not None:
            status = args[1] if len(args) > 1 else 0
            with contextlib.suppress(ValueError, TypeError):
                self.on_request(self.path, int(status))


def make_server(
    site: Path, port: int = 8000, host: str = "127.0.0.1", on_request: Callable[[str, int], None] | None = None
) -> http.server.ThreadingHTTPServer:
    """A threaded server for ``site`` on loopback (``port`` 0 picks a free one)."""
    handler = type("Handler", (SiteRequestHandler,), {"on_request": staticmethod(on_request) if on_request else None})

    def factory(*args: Any, **kwargs: Any) -> SiteRequestHandler:
        return handler(*args, directory=str(site), **kwargs)

    try:
        return http.server.ThreadingHTTPServer((host, port), factory)
    except OSError as exc:
        raise CaptureError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another port with --port"
        ) from exc


def source_files(workspace: Workspace) -> Iterator[Path]:
    """What a site is built from: the catalogue, journeys, transcripts, media records and the theme."""
    from pipeline.site.build import theme_dir

    yield workspace.catalogue_path
    for folder, pattern in (
        (workspace.journeys_dir, "*.yaml"),
        (workspace.transcripts_dir, "*.md"),
        (workspace.media_dir, "*/meta.json"),
        (theme_dir(), "**/*"),
    ):
        if folder.is_dir():
            yield from sorted(folder.glob(pattern))


def sources_signature(workspace: Workspace) -> tuple[tuple[str, int, int], ...]:
    found = []
    for path in source_files(workspace):
        with contextlib.suppress(OSError):
            stat = path.stat()
            found.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(found)


@dataclass
class Watcher:
    """Rebuilds when the sources change; ``on_build`` gets each result or error."""

    workspace: Workspace
    rebuild: Callable[[], object]
    on_build: Callable[[object | None, CaptureError | None], None]
    interval: float = 1.0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._signature = sources_signature(self.workspace)

    def check(self) -> bool:
        """Rebuild once if anything changed since the last check; True when it did."""
        signature = sources_signature(self.workspace)
        if signature == self._signature:
            return False
        self._signature = signature
        try:
            self.on_build(self.rebuild(), None)
        except CaptureError as exc:
            self.on_build(None, exc)
        return True

    def run(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()

    def stop(self) -> None:
        self._stop.set()
