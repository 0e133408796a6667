"""The Host check of both local servers: a defence against DNS rebinding.

A web page elsewhere can point a name it controls at 127.0.0.1 and then read what a
local server answers, as if it came from its own site. The browser still sends that
name in ``Host``, so a server that answers only the names it was opened under
(its address and, on loopback, ``localhost``) gives such a page nothing.
"""

from __future__ import annotations

import ipaddress
from http.server import BaseHTTPRequestHandler


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The ``Host`` values a browser sends to a server listening on ``host``:``port``."""
    address = f"[{host}]" if ":" in host else host
    names = {f"{address}:{port}"}
    try:
        if ipaddress.ip_address(host).is_loopback:
            names.add(f"localhost:{port}")
    except ValueError:  # a name, not an address
        pass
    return frozenset(names)


def check_host(handler: BaseHTTPRequestHandler, allowed: frozenset[str], *, command: str) -> bool:
    """True if the request's ``Host`` is one of ``allowed``; otherwise answer 421 and return False."""
    if handler.headers.get("Host", "") in allowed:
        return True
    body = f"wrong host: open the address {command} printed".encode()
    handler.send_response(421)
    handler.send_header("Content-Type", "text/plain; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Cache-Control", "no-store")
    handler.send_header("X-Content-Type-Options", "nosniff")
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)
    return False
