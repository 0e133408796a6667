"""``capture review --lan``: the review page on the local network, for the expert's own phone.

127.0.0.2 stands in for the machine's LAN address: it is a loopback address other than the
default one, so every request in these tests stays on this machine.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.errors import CaptureError
from pipeline.serve.access import COOKIE, LanSession, cookie_token, query_token
from pipeline.serve.review import ReviewServer, start_review
from pipeline.speech.transcript import read_transcript
from pipeline.workspace.paths import Workspace
from tests.speech_helpers import REPO
from tests.support import launch_chromium
from tests.test_review import RID, cli

LAN = "127.0.0.2"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def lan_server(review_ws: Workspace, clock: Clock) -> Iterator[ReviewServer]:
    srv = start_review(review_ws, RID, host=LAN, session=LanSession.lasting(30, clock=clock))
    srv.start_in_thread()
    yield srv
    srv.shutdown()
    srv.server_close()


def ask(
    srv: ReviewServer, method: str, path: str, *, headers: dict[str, str] | None = None, body: object = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(LAN, srv.port, timeout=10)
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Content-Type": "application/json"} if data is not None else {}
    connection.request(method, path, body=data, headers={**sent, **(headers or {})})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, payload


def signed_in(srv: ReviewServer) -> dict[str, str]:
    """The cookie the printed link's first load sets."""
    status, headers, _ = ask(srv, "GET", f"/?t={srv.token}")
    assert status == 303 and headers["location"] == "/", (status, headers)
    cookie = headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=1801" in cookie
    return {"Cookie": cookie.split(";", 1)[0]}


def test_the_link_has_a_long_token_and_the_lan_address(lan_server: ReviewServer) -> None:
    assert lan_server.server_address[0] == LAN
    assert lan_server.url == f"http://{LAN}:{lan_server.port}/?t={lan_server.token}"
    assert len(lan_server.token) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", lan_server.token)


def test_every_request_needs_the_token(lan_server: ReviewServer) -> None:
    refused = b"open the link capture review printed (it has the session's token)"
    for path in ("/", "/api/transcript", "/captions.vtt", "/media/video", "/review.js"):
        assert ask(lan_server, "GET", path)[::2] == (403, refused), path
    wrong = lan_server.token[:-1] + ("A" if lan_server.token[-1] != "A" else "B")
    assert ask(lan_server, "GET", f"/?t={wrong}")[::2] == (403, refused)
    assert ask(lan_server, "GET", "/", headers={"Cookie": f"{COOKIE}={wrong}"})[::2] == (403, refused)
    assert ask(lan_server, "GET", f"/?t={lan_server.token}&t={lan_server.token}")[0] == 403  # given twice: refused
    # With the cookie from the link, the page and everything it loads answer.
    cookie = signed_in(lan_server)
    status, headers, page = ask(lan_server, "GET", "/", headers=cookie)
    assert status == 200 and lan_server.token.encode() in page and headers["referrer-policy"] == "no-referrer"
    assert ask(lan_server, "GET", "/captions.vtt", headers=cookie)[2].startswith(b"WEBVTT")
    assert ask(lan_server, "GET", "/media/video", headers={**cookie, "Range": "bytes=0-99"})[0] == 206


def test_another_host_name_is_refused(lan_server: ReviewServer) -> None:
    cookie = signed_in(lan_server)
    for host in ("localhost", f"localhost:{lan_server.port}", f"127.0.0.1:{lan_server.port}", "evil.example:80"):
        status, _, body = ask(lan_server, "GET", "/", headers={**cookie, "Host": host})
        assert (status, body) == (421, b"wrong host: open the address capture review printed"), host


def test_a_save_needs_the_token_the_cookie_and_this_origin(lan_server: ReviewServer, review_ws: Workspace) -> None:
    cookie = signed_in(lan_server)
    version = json.loads(ask(lan_server, "GET", "/api/transcript", headers=cookie)[2])["version"]
    body = {"version": version, "lines": [{"start": 0, "text": "Edited on the phone."}]}
    token = {"X-Capture-Token": lan_server.token}
    assert ask(lan_server, "POST", "/api/save", headers=token, body=body)[0] == 403  # no cookie
    assert ask(lan_server, "POST", "/api/save", headers=cookie, body=body)[0] == 403  # no page token
    other = {**cookie, **token, "Origin": "http://127.0.0.1:8080"}
    assert ask(lan_server, "POST", "/api/save", headers=other, body=body)[0] == 403
    origin = {**cookie, **token, "Origin": f"http://{LAN}:{lan_server.port}"}
    status, _, data = ask(lan_server, "POST", "/api/save", headers=origin, body=body)
    assert status == 200, data
    assert read_transcript(review_ws.transcript_path(RID)).lines[0].text == "Edited on the phone."


def test_the_link_expires(lan_server: ReviewServer, clock: Clock) -> None:
    cookie = signed_in(lan_server)
    clock.now += 30 * 60 - 1
    assert ask(lan_server, "GET", "/api/transcript", headers=cookie)[0] == 200
    clock.now += 1
    gone = (410, b"this review link has expired; run capture review --lan again")
    assert ask(lan_server, "GET", "/api/transcript", headers=cookie)[::2] == gone
    assert ask(lan_server, "GET", f"/?t={lan_server.token}")[::2] == gone
    assert ask(lan_server, "POST", "/api/save", headers=cookie, body={})[::2] == gone


def test_beyond_loopback_only_with_a_session(review_ws: Workspace) -> None:
    with pytest.raises(CaptureError) as caught:
        start_review(review_ws, RID, host=LAN.replace("127.0.0.2", "192.0.2.7"))
    assert str(caught.value) == "192.0.2.7 is not a loopback address; serving beyond this computer needs --lan"
    with pytest.raises(CaptureError) as caught:
        start_review(review_ws, RID, host="phone.local", session=LanSession.lasting(5))
    assert str(caught.value) == (
        "--host 'phone.local' is not an IP address; give one of this machine's addresses, such as 192.168.1.20"
    )
    with pytest.raises(CaptureError, match="--expires must be a number of minutes above 0"):
        LanSession.lasting(0)


def test_cli_host_without_lan_is_refused(review_ws: Workspace) -> None:
    result = cli(review_ws, "review", RID, "--host", LAN, "--no-open")
    assert result.exit_code == 1
    assert result.output == "Error: --host is for --lan: without it the review page stays on this computer\n"


def test_token_parsing_is_strict() -> None:
    assert query_token("/?t=abc") == "abc" and query_token("/?t=a&t=b") == "" and query_token("/x") == ""
    assert cookie_token(f"a=1; {COOKIE}=tok") == "tok" and cookie_token('bad"cookie') == "" and cookie_token(None) == ""


def test_capture_review_lan_prints_link_qr_and_expiry(review_ws: Workspace) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "capture", "review", RID, "--lan", "--host", LAN, "--expires", "5", "--no-open"],
        cwd=review_ws.root,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline() if process.stdout else ""
        match = re.search(rf"at (http://{re.escape(LAN)}:(\d+)/\?t=([A-Za-z0-9_-]{{43,}}))$", first.rstrip())
        assert match, first
        connection = http.client.HTTPConnection(LAN, int(match.group(2)), timeout=10)
        connection.request("GET", f"/?t={match.group(3)}")
        assert connection.getresponse().status == 303
        connection.close()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    lines = out.splitlines()
    qr = [line for line in lines if set(line) <= set(" █▀▄")]
    assert len(qr) >= 12, out  # a QR code drawn with half blocks
    assert re.search(r"The link works until \d\d:\d\d; anyone on this network who has it can edit", out), out
    assert out.rstrip().endswith("Stopped.")


def test_review_on_the_phone_in_chromium(lan_server: ReviewServer, review_ws: Workspace, tmp_path: Path) -> None:
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(lan_server.url)
            page.wait_for_selector("body[data-ready=true]")
            assert page.url == f"http://{LAN}:{lan_server.port}/"  # the token left the address bar
            page.wait_for_function("document.getElementById('video').readyState >= 1")
            box = page.locator("#lines li").nth(0).locator("textarea")
            box.fill("Saved from the expert's phone.")
            page.click("#save")
            page.wait_for_selector("#message:has-text('Saved.')")
            page.screenshot(path=str(REPO / "test-artifacts" / "review-lan-390.png"))
            assert read_transcript(review_ws.transcript_path(RID)).lines[0].text == "Saved from the expert's phone."
        finally:
            browser.close()
