"""The review page's web server: loopback only, standard library only.

It serves one resource's video, captions and transcript, and takes two kinds of
POST, save and approve. A POST must carry the page's secret token in
``X-Capture-Token`` and, where the browser sends one, an ``Origin`` of this
server; the ``Host`` must be the address it listens on, so a web page elsewhere
cannot drive it (cross-site requests, DNS rebinding). By default that address is
loopback; with a :class:`~pipeline.serve.access.LanSession` (``capture review --lan``)
it is a local-network address, and then every request needs the session's token
and the session ends at a fixed time.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import mimetypes
import secrets
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.errors import CaptureError, EditConflictError
from pipeline.serve.access import LanSession, bind_address, cookie_token, query_token
from pipeline.serve.hosts import allowed_hosts, check_host
from pipeline.serve.ranges import CLIENT_GONE, open_regular_file, send_file
from pipeline.speech.captions import MAX_CPS, format_vtt
from pipeline.speech.marks import gaps_json, readable_date, unsure_by_line
from pipeline.speech.review import (
    approve_transcript,
    load_for_review,
    resource_cues,
    resource_words,
    save_lines,
    save_rows,
)
from pipeline.speech.transcribe import read_unheard
from pipeline.speech.transcript import BodyRow, Line, Transcript, body_row
from pipeline.workspace.glossary import add_glossary_word
from pipeline.workspace.paths import Workspace

HOST = "127.0.0.1"
MAX_BODY = 2 * 1024 * 1024
STATIC = {"review.js": "text/javascript; charset=utf-8", "review.css": "text/css; charset=utf-8"}


def review_assets() -> Path:
    from pipeline.site.build import theme_dir

    return theme_dir() / "review"


def extras_json(transcript: Transcript) -> dict[str, Any]:
    """The chapters (each with the index of the line it comes before, None after the last) and notes."""
    starts = [line.start for line in transcript.lines]
    chapters = []
    for chapter in transcript.chapters:
        before = next((i for i, start in enumerate(starts) if round(start * 10) >= round(chapter.start * 10)), None)
        chapters.append({"title": chapter.title, "suggested": chapter.suggested, "before": before})
    return {"chapters": chapters, "notes": [{"start": note.start, "text": note.text} for note in transcript.notes]}


def _row(item: dict[str, Any]) -> BodyRow:
    """One row the page sends: ``{"kind": "line"|"note"|"chapter", "start": seconds, "text": ...}``."""
    kind = str(item.get("kind", "line"))
    start = None if kind == "chapter" else float(item["start"])
    return body_row(kind, str(item["text"]), start, suggested=bool(item.get("suggested", False)))


class ReviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        workspace: Workspace,
        resource_id: str,
        port: int = 0,
        *,
        host: str = HOST,
        session: LanSession | None = None,
    ) -> None:
        self.workspace = workspace
        self.resource_id = resource_id
        self.session = session
        self.host = bind_address(host)
        if session is None and not ipaddress.ip_address(self.host).is_loopback:
            raise CaptureError(f"{host} is not a loopback address; serving beyond this computer needs --lan")
        self.token = session.token if session is not None else secrets.token_urlsafe(24)
        load_for_review(workspace, resource_id)  # fail before listening when there is nothing to review
        if ":" in self.host:
            self.address_family = socket.AF_INET6
        try:
            super().__init__((self.host, port), ReviewHandler)
        except OSError as exc:
            where = "--host or --port" if session is not None else "--port"
            raise CaptureError(f"cannot listen on {self.host}:{port} ({exc.strerror}); choose another {where}") from exc

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], CLIENT_GONE):  # a browser that went away is no error
            super().handle_error(request, client_address)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        """The address to open: on the local network, with the session's token in it."""
        address = f"[{self.host}]" if ":" in self.host else self.host
        query = f"?t={self.token}" if self.session is not None else ""
        return f"http://{address}:{self.port}/{query}"

    def allowed_hosts(self) -> frozenset[str]:
        """The ``Host`` a request may name: on the local network only the printed address."""
        if self.session is not None:
            return frozenset({urlsplit(self.url).netloc})
        return allowed_hosts(self.host, self.port)

    def start_in_thread(self) -> threading.Thread:
        """Serve in a background thread (tests and callers that do other work meanwhile)."""
        thread = threading.Thread(target=self.serve_forever, name="capture-review", daemon=True)
        thread.start()
        return thread


class ReviewHandler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    # -- GET -----------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        if not self._host_ok() or not self._session_ok():
            return
        path = urlsplit(self.path).path
        try:
            if path in ("/", "/index.html"):
                self._send(200, self._page().encode("utf-8"), "text/html; charset=utf-8")
            elif path.lstrip("/") in STATIC:
                name = path.lstrip("/")
                self._send(200, (review_assets() / name).read_bytes(), STATIC[name])
            elif path == "/api/transcript":
                self._json(200, self._transcript_json())
            elif path == "/captions.vtt":
                resource, transcript, _ = load_for_review(self.server.workspace, self.server.resource_id)
                vtt = format_vtt(resource_cues(self.server.workspace, resource, transcript))
                self._send(200, vtt.encode("utf-8"), "text/vtt; charset=utf-8")
            elif path in ("/media/video", "/media/poster"):
                self._media(path.rsplit("/", 1)[1])
            else:
                self._send(404, b"not found", "text/plain; charset=utf-8")
        except CaptureError as exc:
            self._json(500, {"error": str(exc)})

    def do_HEAD(self) -> None:
        self.do_GET()

    def _page(self) -> str:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

        resource, _, _ = load_for_review(self.server.workspace, self.server.resource_id)
        env = Environment(
            loader=FileSystemLoader(str(review_assets())),
            undefined=StrictUndefined,
            autoescape=select_autoescape(["html"], default=True),
        )
        return env.get_template("page.html").render(
            resource=resource,
            token=self.server.token,
            expert=resource.expert.name,
            has_poster=bool(resource.poster and (self.server.workspace.root / resource.poster).is_file()),
        )

    def _transcript_json(self) -> dict[str, Any]:
        workspace = self.server.workspace
        resource, transcript, version = load_for_review(workspace, self.server.resource_id)
        marks = unsure_by_line(transcript.lines, resource_words(workspace, resource.id))
        return {
            "id": resource.id,
            "title": resource.title,
            "status": transcript.status,
            "model": transcript.model,
            "approved_by": transcript.approved_by,
            "approved_at": transcript.approved_at,
            "approved_on": readable_date(transcript.approved_at) if transcript.approved_at else "",
            "version": version,
            "duration": resource.duration,
            "max_cps": MAX_CPS,
            "lines": [
                {"start": line.start, "text": line.text, "unsure": list(mark.unsure)}
                for line, mark in zip(transcript.lines, marks, strict=True)
            ],
            "no_text": gaps_json(read_unheard(workspace.words_path(resource.id))),
            **extras_json(transcript),
        }

    def _media(self, kind: str) -> None:
        resource, _, _ = load_for_review(self.server.workspace, self.server.resource_id)
        rel = resource.video if kind == "video" else resource.poster
        file = self.server.workspace.root / rel if rel else None
        handle = open_regular_file(file) if file is not None else None
        if file is None or handle is None:
            self._send(404, b"media missing: run capture add on the clip again", "text/plain; charset=utf-8")
            return
        kind_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        send_file(self, handle, content_type=kind_type, headers={"Cache-Control": "no-store"})

    # -- POST ----------------------------------------------------------------------------------------
    def do_POST(self) -> None:
        if not self._host_ok() or not self._session_ok() or not self._caller_ok():
            return
        body = self._body()
        if body is None:
            return
        path = urlsplit(self.path).path
        server = self.server
        try:
            if path == "/api/save" and "rows" in body:  # lines, notes and chapter headings, in order
                rows = [_row(item) for item in body["rows"]]
                _, version = save_rows(server.workspace, server.resource_id, rows, version=str(body.get("version", "")))
                self._json(200, {**self._transcript_json(), "saved": True, "version": version})
            elif path == "/api/save":
                lines = [Line(float(item["start"]), str(item["text"])) for item in body.get("lines", [])]
                _, version = save_lines(
                    server.workspace, server.resource_id, lines, version=str(body.get("version", ""))
                )
                self._json(200, {**self._transcript_json(), "saved": True, "version": version})
            elif path == "/api/glossary":
                word, added = add_glossary_word(server.workspace.catalogue_path, str(body.get("word", "")))
                self._json(200, {"word": word, "added": added})
            elif path == "/api/approve":
                approve_transcript(
                    server.workspace,
                    server.resource_id,
                    str(body.get("by", "")),
                    version=str(body["version"]) if body.get("version") else None,
                )
                self._json(200, self._transcript_json())
            else:
                self._json(404, {"error": "not found"})
        except EditConflictError as exc:
            self._json(409, {"error": str(exc)})
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            self._json(400, {"error": "the request is not what the review page sends; reload the page"})
        except CaptureError as exc:
            self._json(400, {"error": str(exc)})

    def _body(self) -> dict[str, Any] | None:
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            self._json(415, {"error": "send JSON"})
            return None
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._json(413, {"error": "request too large"})
            return None
        try:
            data = json.loads(self.rfile.read(length) or b"{}")
        except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
            self._json(400, {"error": "not JSON"})
            return None
        if not isinstance(data, dict):
            self._json(400, {"error": "expected a JSON object"})
            return None
        return data

    # -- checks --------------------------------------------------------------------------------------
    def _host_ok(self) -> bool:
        return check_host(self, self.server.allowed_hosts(), command="capture review")

    def _session_ok(self) -> bool:
        """On the local network: the session is still open and the request carries its token.

        The printed link's ``?t=`` is swapped for a cookie at once, so the token leaves the
        address bar and the history, and the video and captions requests carry it too.
        """
        session = self.server.session
        if session is None:
            return True
        if session.expired:
            self._send(
                410, b"this review link has expired; run capture review --lan again", "text/plain; charset=utf-8"
            )
            return False
        from_query = query_token(self.path)
        if session.matches(from_query) and self.command == "GET":
            self.send_response(303)
            self.send_header("Location", urlsplit(self.path).path or "/")
            self.send_header("Set-Cookie", session.cookie())
            self.send_header("Content-Length", "0")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            return False
        if session.matches(cookie_token(self.headers.get("Cookie"))):
            return True
        self._send(
            403, b"open the link capture review printed (it has the session's token)", "text/plain; charset=utf-8"
        )
        return False

    def _caller_ok(self) -> bool:
        origin = self.headers.get("Origin")
        if origin is not None and origin not in {f"http://{h}" for h in self.server.allowed_hosts()}:
            self._json(403, {"error": "requests from other sites are refused"})
            return False
        token = self.headers.get("X-Capture-Token", "")
        if not hmac.compare_digest(token.encode("utf-8"), self.server.token.encode("utf-8")):
            self._json(403, {"error": "missing or wrong token; reload the review page"})
            return False
        return True

    # -- replies -------------------------------------------------------------------------------------
    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        if content_type.startswith("text/html"):
            self.send_header("Content-Security-Policy", "default-src 'self'; media-src 'self'; img-src 'self'")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        self._send(status, json.dumps(payload).encode("utf-8"), "application/json")


def start_review(
    workspace: Workspace,
    resource_id: str,
    port: int = 0,
    *,
    host: str = HOST,
    session: LanSession | None = None,
) -> ReviewServer:
    """A review server for one resource (``port`` 0: any free one): on loopback, or with ``session``
    on a local-network ``host``."""
    return ReviewServer(workspace, resource_id, port, host=host, session=session)
