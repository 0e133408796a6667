"""``capture serve``: what its server refuses, what it never prints, and the watcher that rebuilds.

Requests go over real loopback HTTP to 127.0.0.1; the workspace is a small synthetic library
(``benchmarks.site.make_library``), so no media needs to be made.
"""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from benchmarks.site import make_library, resource_id
from pipeline.errors import BuildError
from pipeline.serve.preview import PreviewServer, Watcher, make_server
from pipeline.site.build import BuildResult, build_site
from pipeline.workspace.paths import Workspace
from tests.support import REPO

COUNT = 12


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = make_library(tmp_path / "lib", COUNT, lines=3)
    build_site(Workspace(root))
    return root


@pytest.fixture
def server(library: Path) -> Iterator[PreviewServer]:
    errors: list[str] = []
    srv = make_server(library / "site", 0, on_error=errors.append)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()
    assert errors == []


def get(srv: PreviewServer, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    connection.putrequest("GET", path, skip_host="Host" in (headers or {}), skip_accept_encoding=True)
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def raw_request(port: int, request: bytes) -> bytes:
    """Send ``request`` as it is and return the whole answer (the server closes the connection)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


# -- what the server refuses ----------------------------------------------------------------------
def test_links_out_of_the_site_are_refused(server: PreviewServer, library: Path, tmp_path: Path) -> None:
    site = library / "site"
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the web\n")
    (site / "passwd-link").symlink_to("/etc/passwd")
    (site / "secret-link.txt").symlink_to(secret)
    (site / "outside").symlink_to(tmp_path, target_is_directory=True)
    (site / "inside-link.html").symlink_to(site / "index.html")
    for path in ("/passwd-link", "/secret-link.txt", "/outside/secret.txt", "/../resources.yaml"):
        status, _, body = get(server, path)
        assert status == 404, path
        assert b"not for the web" not in body and b"root:" not in body
    for path in ("/..%2fresources.yaml", "/%2e%2e/%2e%2e/secret.txt", "//etc/passwd", "/index.html/", "/" + "a" * 5000):
        assert get(server, path)[0] == 404, path
    # A link that stays inside the site is served like the file it names.
    assert get(server, "/inside-link.html")[2] == (site / "index.html").read_bytes()


def test_only_regular_files_are_served(server: PreviewServer, library: Path) -> None:
    site = library / "site"
    os.mkfifo(site / "pipe.html")
    assert get(server, "/pipe.html")[0] == 404  # answered at once: the FIFO is never opened for a read that blocks
    (site / "empty").mkdir()
    assert get(server, "/empty/")[0] == 404  # no folder listings
    status, headers, _ = get(server, f"/r/{resource_id(1)}")
    assert (status, headers["location"]) == (301, f"/r/{resource_id(1)}/")
    status, _, body = get(server, f"/r/{resource_id(1)}/")
    assert status == 200 and body == (site / "r" / resource_id(1) / "index.html").read_bytes()


def test_a_foreign_host_is_refused(server: PreviewServer) -> None:
    for host in ("evil.example", f"evil.example:{server.port}", "127.0.0.1", f"127.0.0.1:{server.port + 1}"):
        status, headers, body = get(server, "/index.html", {"Host": host})
        assert (status, body) == (421, b"wrong host: open the address capture serve printed"), host
        assert headers["cache-control"] == "no-store"
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}"):
        assert get(server, "/index.html", {"Host": host})[0] == 200
    # HTTP/1.0 without a Host header is refused too.
    assert raw_request(server.port, b"GET /index.html HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.0 421 ")


def test_a_nul_in_the_path_is_a_bad_request(server: PreviewServer) -> None:
    assert get(server, "/index.html%00")[0] == 400
    assert get(server, "/index.html%00.png")[0] == 400
    assert get(server, "/index.html")[0] == 200


def test_head_and_ranges_through_the_preview(server: PreviewServer, library: Path) -> None:
    video = (library / "site" / "media" / resource_id(0) / "video.mp4").read_bytes()
    status, headers, body = get(server, f"/media/{resource_id(0)}/video.mp4", {"Range": "bytes=-4"})
    assert (status, body, headers["content-range"]) == (
        206,
        video[-4:],
        f"bytes {len(video) - 4}-{len(video) - 1}/{len(video)}",
    )
    status, headers, body = get(server, f"/media/{resource_id(0)}/video.mp4", {"Range": f"bytes={len(video)}-"})
    assert (status, body, headers["content-range"]) == (416, b"", f"bytes */{len(video)}")
    head = raw_request(server.port, f"HEAD /index.html HTTP/1.0\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
    size = (library / "site" / "index.html").stat().st_size
    assert head.startswith(b"HTTP/1.0 200 ") and f"Content-Length: {size}\r\n".encode() in head
    assert head.endswith(b"\r\n\r\n")  # no body


# -- capture serve prints no tracebacks -----------------------------------------------------------
class Serving:
    """``capture serve`` in a subprocess, its output read by threads, so no wait can hang the test."""

    def __init__(self, root: Path, *flags: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "capture", "serve", "--port", "0", *flags],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: dict[str, queue.Queue[str]] = {"out": queue.Queue(), "err": queue.Queue()}
        self.seen: dict[str, list[str]] = {"out": [], "err": []}
        for name, stream in (("out", self.process.stdout), ("err", self.process.stderr)):
            threading.Thread(target=self._read, args=(name, stream), daemon=True).start()
        first = self.next_line("out", lambda line: True)
        match = re.search(r"at http://127\.0\.0\.1:(\d+)/ \(loopback only\)", first)
        assert match, first + "".join(self.seen["err"])
        self.port = int(match.group(1))

    def _read(self, name: str, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.seen[name].append(line)
            self.lines[name].put(line)

    def next_line(self, name: str, wanted: Callable[[str], bool], timeout: float = 60) -> str:
        """The next line of stdout or stderr that ``wanted`` accepts."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines[name].get(timeout=left)
            except queue.Empty:
                break
            if wanted(line):
                return line
        raise AssertionError(f"no such line on std{name} in {timeout} s: {self.seen}")

    def stop(self) -> tuple[str, str]:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)
        time.sleep(0.2)  # the readers take the last lines
        assert self.process.returncode == 0, self.seen["err"]
        return "".join(self.seen["out"]), "".join(self.seen["err"])


def abort_download(port: int, path: str, range_header: str = "") -> None:
    """Ask for a big file, read a little of it, and drop the connection with a reset, as a seeking browser does."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    extra = f"Range: {range_header}\r\n" if range_header else ""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}\r\n".encode())
    sock.recv(4096)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_capture_serve_is_quiet_about_cancelled_downloads_and_odd_paths(library: Path) -> None:
    serving = Serving(library, "--no-watch")
    port = serving.port
    try:
        (library / "site" / "big.mp4").write_bytes(os.urandom(1 << 20) * 24)  # bigger than any socket buffer
        for number in range(6):
            abort_download(port, "/big.mp4", f"bytes={number * 1000}-" if number % 2 else "")
        time.sleep(0.5)  # let the server's threads meet the closed connections
        answer = raw_request(port, f"GET /index.html%00 HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        assert answer.startswith(b"HTTP/1.0 400 ")
        answer = raw_request(port, f"GET /index.html HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        assert answer.startswith(b"HTTP/1.0 200 ")
    finally:
        out, err = serving.stop()
    assert err == ""
    assert out.rstrip().endswith("Stopped.")


# -- the watcher ----------------------------------------------------------------------------------
class Builds:
    """What the watcher reported, in order, with a way to wait for the next report."""

    def __init__(self) -> None:
        self.reports: list[tuple[BuildResult | None, Exception | None]] = []
        self.arrived = threading.Condition()

    def __call__(self, result: BuildResult | None, error: Exception | None) -> None:
        with self.arrived:
            self.reports.append((result, error))
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 30) -> None:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.reports) >= count, timeout), self.reports


@pytest.fixture
def watching(library: Path) -> Iterator[tuple[Watcher[BuildResult], Builds]]:
    builds = Builds()
    ws = Workspace(library)
    watcher: Watcher[BuildResult] = Watcher(ws, lambda: build_site(ws), builds, settle=1.0)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    yield watcher, builds
    watcher.stop()
    thread.join(timeout=10)
    assert not thread.is_alive()


def transcript(library: Path, index: int) -> Path:
    return library / "transcripts" / f"{resource_id(index)}.md"


def page(library: Path, index: int) -> str:
    return (library / "site" / "r" / resource_id(index) / "index.html").read_text(encoding="utf-8")


def test_the_watcher_rebuilds_on_an_edit(watching: tuple[Watcher[BuildResult], Builds], library: Path) -> None:
    _, builds = watching
    path = transcript(library, 2)
    path.write_text(path.read_text() + "[00:40.0] Count the cartons twice.\n")
    builds.wait_for(1)
    result, error = builds.reports[0]
    assert error is None and result is not None and result.written > 0
    assert "Count the cartons twice." in page(library, 2)


def test_the_watcher_waits_for_a_file_to_settle(watching: tuple[Watcher[BuildResult], Builds], library: Path) -> None:
    _, builds = watching
    catalogue = library / "resources.yaml"
    whole = catalogue.read_text()
    cut = whole.index("  - id: ", len(whole) // 2)
    with catalogue.open("w") as handle:  # an editor that writes the file in two goes
        handle.write(whole[:cut])
        handle.flush()
        time.sleep(0.2)
        handle.write(whole[cut:].replace("Benchmark know-how", "Settled know-how", 1))
    builds.wait_for(1)
    time.sleep(1.5)  # no second build follows
    assert len(builds.reports) == 1
    result, error = builds.reports[0]
    assert error is None and result is not None and result.resources == COUNT


def test_temp_files_locks_and_media_do_not_rebuild(library: Path) -> None:
    builds = Builds()
    watcher: Watcher[BuildResult] = Watcher(Workspace(library), lambda: build_site(Workspace(library)), builds)
    try:
        (library / "resources.yaml.tmp").write_text("half")
        (library / ".resources.yaml.lock").write_text("")
        (library / "media" / resource_id(0) / "video.mp4").write_bytes(b"new")
        (library / "transcripts" / "notes.txt").write_text("a note")
        assert watcher.check(timeout=1.5) is False
        (library / "media" / resource_id(0) / "meta.json").write_text('{"key": "fake:changed"}')
        assert watcher.check(timeout=10) is True
    finally:
        watcher.stop()
    assert len(builds.reports) == 1


def test_an_idle_watcher_reads_no_files(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    watcher: Watcher[BuildResult] = Watcher(Workspace(library), lambda: build_site(Workspace(library)), Builds())
    calls: list[object] = []

    def counted(real: Callable[..., object]) -> Callable[..., object]:
        def call(*args: object, **kwargs: object) -> object:
            calls.append(args)
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(os, "stat", counted(os.stat))
    monkeypatch.setattr(os, "scandir", counted(os.scandir))
    try:
        assert watcher.check(timeout=1.5) is False
    finally:
        monkeypatch.undo()
        watcher.stop()
    assert calls == []


def test_the_watcher_survives_any_build_error_and_keeps_the_last_good_site(library: Path, tmp_path: Path) -> None:
    ws = Workspace(library)
    failures = iter([ValueError("cannot convert float NaN to integer"), BuildError("refused: lost 11 of 12")])
    builds = Builds()

    def rebuild() -> BuildResult:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return build_site(ws)

    watcher: Watcher[BuildResult] = Watcher(ws, rebuild, builds, settle=0.3)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    good = page(library, 2)
    path = transcript(library, 2)
    try:
        for number in range(3):
            path.write_text(path.read_text() + f"[00:{50 + number}.0] Edit number {number}.\n")
            builds.wait_for(number + 1)
            if number < 2:
                assert page(library, 2) == good
    finally:
        watcher.stop()
        thread.join(timeout=10)
    errors = [error for _, error in builds.reports]
    assert [type(error) for error in errors] == [ValueError, BuildError, type(None)]
    assert "Edit number 2." in page(library, 2)


def test_capture_serve_reports_a_half_saved_catalogue_and_keeps_serving(library: Path) -> None:
    serving = Serving(library)
    catalogue = library / "resources.yaml"
    whole = catalogue.read_text()
    try:
        # Cut inside a quoted date: YAML that cannot be read.
        catalogue.write_text(whole[: whole.index("captured: '", len(whole) // 2) + 14])
        line = serving.next_line("err", lambda line: line.startswith("Error: "))
        assert line.rstrip().endswith("(still serving the last good build)"), line
        target = f"GET /r/{resource_id(COUNT - 1)}/index.html HTTP/1.0\r\nHost: localhost:{serving.port}\r\n\r\n"
        assert raw_request(serving.port, target.encode()).startswith(b"HTTP/1.0 200 ")
        catalogue.write_text(whole.replace("Benchmark know-how", "Whole again", 1))
        rebuilt = serving.next_line("out", lambda line: line.startswith("Rebuilt: "))
        assert re.fullmatch(r"Rebuilt: \d+ files? written, \d+ removed in \d+\.\d\d s\n", rebuilt), rebuilt
        assert "Whole again" in (library / "site" / "index.html").read_text(encoding="utf-8")
    finally:
        serving.stop()


def test_a_source_folder_made_later_is_watched_too(library: Path) -> None:
    import shutil

    journeys = library / "journeys"
    saved = {path.name: path.read_text() for path in journeys.glob("*.yaml")}
    shutil.rmtree(journeys)
    build_site(Workspace(library))
    builds = Builds()
    watcher: Watcher[BuildResult] = Watcher(Workspace(library), lambda: build_site(Workspace(library)), builds)
    try:
        journeys.mkdir()
        for name, text in saved.items():
            (journeys / name).write_text(text)
        assert watcher.check(timeout=10) is True
        first = sorted(saved)[0]
        (journeys / first).write_text(saved[first].replace("title: ", "title: Renamed ", 1))
        assert watcher.check(timeout=10) is True  # a change inside the new folder is seen
    finally:
        watcher.stop()
    assert [error for _, error in builds.reports] == [None, None]


def test_what_serve_prints_for_each_rebuild(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from capture.commands.serve import report_rebuild
    from pipeline.errors import CatalogueError

    def result(written: int) -> BuildResult:
        return BuildResult(site=tmp_path, resources=1, pages=1, written=written, unchanged=0, removed=0, seconds=0.25)

    report_rebuild(result(1), None)
    report_rebuild(result(2), None)
    report_rebuild(None, BuildError("resources.yaml lost 11 of its 12 resources; ..."))
    report_rebuild(None, CatalogueError("resources.yaml has 1 problem", ["resources.yaml:3: title: missing"]))
    report_rebuild(None, ValueError("cannot convert float NaN to integer"))
    out, err = capsys.readouterr()
    assert out == "Rebuilt: 1 file written, 0 removed in 0.25 s\nRebuilt: 2 files written, 0 removed in 0.25 s\n"
    assert err.splitlines() == [
        "Error: resources.yaml lost 11 of its 12 resources; ... (still serving the last good build)",
        "Error: resources.yaml has 1 problem (still serving the last good build)",
        "  resources.yaml:3: title: missing",
        "Error: the rebuild failed (ValueError: cannot convert float NaN to integer); still serving the last good "
        "build. Run `capture --debug build` to see where, and report it.",
    ]


def test_a_source_folder_replaced_is_still_watched(library: Path) -> None:
    import shutil

    transcripts = library / "transcripts"
    builds = Builds()
    watcher: Watcher[BuildResult] = Watcher(Workspace(library), lambda: build_site(Workspace(library)), builds)
    try:
        # A new folder in the old one's place, as a tool that rewrites a folder whole does.
        shutil.copytree(transcripts, library / "fresh")
        shutil.rmtree(transcripts)
        (library / "fresh").rename(transcripts)
        assert watcher.check(timeout=10) is True
        path = transcript(library, 4)
        path.write_text(path.read_text() + "[00:45.0] Seen after the swap.\n")
        assert watcher.check(timeout=10) is True
    finally:
        watcher.stop()
    assert "Seen after the swap." in page(library, 4)


def test_a_save_that_pauses_half_way_is_not_built(watching: tuple[Watcher[BuildResult], Builds], library: Path) -> None:
    _, builds = watching
    catalogue = library / "resources.yaml"
    whole = catalogue.read_text()
    cut = whole.index("  - id: ", len(whole) // 2)  # whole entries: the half file is valid YAML
    with catalogue.open("w") as handle:  # a writer that stalls for 2.5 s with the file open
        handle.write(whole[:cut])
        handle.flush()
        time.sleep(2.5)
        assert builds.reports == []
        handle.write(whole[cut:])
    builds.wait_for(1)
    time.sleep(1.5)
    assert len(builds.reports) == 1
    result, error = builds.reports[0]
    assert error is None and result is not None and result.resources == COUNT and result.removed == 0


def test_open_for_writing_sees_a_writer_and_not_a_reader(tmp_path: Path) -> None:
    from pipeline.serve.watch import open_for_writing

    path = tmp_path / "resources.yaml"
    path.write_text("resources: []\n")
    assert open_for_writing([path]) is False
    with path.open("r"):
        assert open_for_writing([path]) is False
    with path.open("a"):
        assert open_for_writing([path]) is True
    with path.open("r+"):
        assert open_for_writing([path]) is True
    assert open_for_writing([path]) is False
    assert open_for_writing([]) is False
