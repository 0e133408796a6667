"""Who may open the review page when it is served on the local network (``capture review --lan``).

On loopback only this computer can reach the page, so the page alone carries the token its
POSTs need. On the local network anyone on the same Wi-Fi can reach the port, so every
request must carry the session's token: the printed link has it in its query (``?t=``), the
first page load swaps it for a cookie (``HttpOnly``, ``SameSite=Strict``) and drops it from
the address bar, and the video, captions and API requests then carry the cookie. The
session ends at a fixed time; after that every request is refused with 410.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs, urlsplit

from pipeline.errors import CaptureError

COOKIE = "capture_review"
TOKEN_BYTES = 32  # 43 characters of URL-safe base64: far beyond guessing, even at thousands of tries a second


@dataclass(frozen=True)
class LanSession:
    """One review session on the local network: its token and the time (``time.time()``) it ends."""

    expires_at: float
    token: str = field(default_factory=lambda: secrets.token_urlsafe(TOKEN_BYTES))
    clock: Callable[[], float] = time.time

    @classmethod
    def lasting(cls, minutes: float, *, clock: Callable[[], float] = time.time) -> LanSession:
        if not minutes > 0:
            raise CaptureError("--expires must be a number of minutes above 0")
        return cls(expires_at=clock() + minutes * 60, clock=clock)

    @property
    def expired(self) -> bool:
        return self.clock() >= self.expires_at

    def seconds_left(self) -> float:
        return max(0.0, self.expires_at - self.clock())

    def matches(self, token: str) -> bool:
        return bool(token) and hmac.compare_digest(token.encode("utf-8"), self.token.encode("utf-8"))

    def cookie(self) -> str:
        """The ``Set-Cookie`` value that carries the token for the rest of the session."""
        return f"{COOKIE}={self.token}; Path=/; Max-Age={int(self.seconds_left()) + 1}; HttpOnly; SameSite=Strict"


def query_token(path: str) -> str:
    """The ``t`` of a request's query string ('' when absent or given twice)."""
    values = parse_qs(urlsplit(path).query).get("t", [])
    return values[0] if len(values) == 1 else ""


def cookie_token(header: str | None) -> str:
    """The session cookie's value in a ``Cookie`` header ('' when absent or malformed)."""
    if not header:
        return ""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return ""
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else ""


def bind_address(host: str) -> str:
    """``--host`` checked: an IP address (not a name, which could resolve anywhere)."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        raise CaptureError(
            f"--host {host!r} is not an IP address; give one of this machine's addresses, such as 192.168.1.20"
        ) from None


def lan_address() -> str:
    """This machine's address on its local network: the one its default route leaves from.

    Connecting a UDP socket sends nothing; it only asks the kernel which address it would use.
    """
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere, and nothing is sent
        address = str(probe.getsockname()[0])
    except OSError:
        address = ""
    finally:
        probe.close()
    if not address or ipaddress.ip_address(address).is_loopback or address == "0.0.0.0":  # noqa: S104
        raise CaptureError(
            "this computer has no local network address (is Wi-Fi on?); "
            "connect to the network or give one with --host ADDR"
        )
    return address
