"""``capture serve``: preview the site on loopback and rebuild it when a source changes.

The server answers only what a static host would: the regular files under ``site/``,
with byte ranges (:mod:`pipeline.serve.ranges`). A path is resolved before it is served,
so a link in ``site/`` that leads out of it (to ``/etc/passwd``, say) is refused, and the
``Host`` must be the address it listens on (:mod:`pipeline.serve.hosts`), so a web page
that rebinds its own name to 127.0.0.1 reads nothing. A browser that cancels a video
request mid-reply (they do so while seeking) ends it quietly. The watcher that rebuilds
the site is :class:`pipeline.serve.watch.Watcher`.
"""

from __future__ import annotations

import contextlib
import http.server
import mimetypes
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from pipeline.errors import CaptureError
from pipeline.serve.hosts import allowed_hosts, check_host
from pipeline.serve.ranges import CLIENT_GONE, open_regular_file, send_file
from pipeline.serve.watch import Watcher

__all__ = ["PreviewServer", "SiteRequestHandler", "Watcher", "locate", "make_server"]


class Found(NamedTuple):
    """Where a request leads: a file to send (200), a folder's address with its slash (301), or an error."""

    status: int
    file: Path | None = None
    location: str = ""


def locate(site: Path, target: str) -> Found:
    """What the request target ``target`` (path and query) names under ``site`` (a resolved folder)."""
    parts = urlsplit(target)
    path = unquote(parts.path)
    if "\x00" in path:
        return Found(400)
    try:
        file = (site / path.lstrip("/")).resolve()
        if file.is_relative_to(site) and file.is_dir():
            if not parts.path.endswith("/"):
                return Found(301, location=parts.path + "/" + (f"?{parts.query}" if parts.query else ""))
            file = (file / "index.html").resolve()
        elif parts.path.endswith("/"):  # a file asked for as a folder
            return Found(404)
    except (OSError, RuntimeError, ValueError):  # a link loop, a name too long
        return Found(404)
    return Found(200, file) if file.is_relative_to(site) else Found(404)


class PreviewServer(http.server.ThreadingHTTPServer):
    """A threaded server of the regular files under ``site``; ``on_error`` hears of a request that failed."""

    daemon_threads = True

    def __init__(
        self,
        site: Path,
        address: tuple[str, int],
        *,
        on_request: Callable[[str, int], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.site = site.resolve()
        self.on_request = on_request
        self.on_error = on_error
        super().__init__(address, SiteRequestHandler)
        self.host, self.port = address[0], int(self.server_address[1])
        self.allowed = allowed_hosts(self.host, self.port)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, CLIENT_GONE):
            return  # the browser went away (it cancels video requests while seeking)
        if self.on_error is None:
            super().handle_error(request, client_address)
        else:
            self.on_error(f"a request failed: {type(error).__name__}: {error}")


class SiteRequestHandler(http.server.BaseHTTPRequestHandler):
    """GET and HEAD of the site's regular files, with byte ranges; requests go to ``on_request``."""

    server: PreviewServer

    def do_GET(self) -> None:
        if not check_host(self, self.server.allowed, command="capture serve"):
            return
        found = locate(self.server.site, self.path)
        if found.status == 301:
            self.send_response(301)
            self.send_header("Location", found.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if found.status == 400:
            self.send_error(400, "Bad request path")
            return
        handle = open_regular_file(found.file) if found.file is not None else None
        if found.file is None or handle is None:
            self.send_error(404, "File not found")
            return
        content_type = mimetypes.guess_type(found.file.name)[0] or "application/octet-stream"
        send_file(self, handle, content_type=content_type, headers={"Cache-Control": "no-cache"})

    def do_HEAD(self) -> None:
        self.do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        on_request = self.server.on_request
        if on_request is not None:
            status = args[1] if len(args) > 1 else 0
            with contextlib.suppress(ValueError, TypeError):
                on_request(getattr(self, "path", ""), int(status))


def make_server(
    site: Path,
    port: int = 8000,
    *,
    host: str = "127.0.0.1",
    on_request: Callable[[str, int], None] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> PreviewServer:
    """A threaded server for ``site`` on loopback (``port`` 0 picks a free one)."""
    try:
        return PreviewServer(site, (host, port), on_request=on_request, on_error=on_error)
    except OSError as exc:
        raise CaptureError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another port with --port"
        ) from exc
