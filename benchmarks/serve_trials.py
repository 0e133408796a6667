"""Trials of ``capture serve`` for docs/reliability.md: refusals, cancelled downloads, half-saved catalogues,
and the watcher's cost at 10,000 resources.

    .venv/bin/python benchmarks/serve_trials.py http            # over loopback HTTP, against this checkout
    .venv/bin/python benchmarks/serve_trials.py http --code DIR  # the same against another checkout (before/after)
    .venv/bin/python benchmarks/serve_trials.py watch            # the watcher at 10,000 resources (this checkout)

Every request goes to 127.0.0.1. Prints one line per trial.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import queue
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.site import make_library, resource_id  # noqa: E402


def ask(port: int, target: str, host: str | None = None, extra: str = "") -> tuple[int | None, bytes]:
    """Status and body of one HTTP/1.0 request (None: the connection closed with no answer)."""
    head = f"GET {target} HTTP/1.0\r\nHost: {f'127.0.0.1:{port}' if host is None else host}\r\n{extra}\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                answer += chunk
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return (int(match.group(1)) if match else None), answer.partition(b"\r\n\r\n")[2]


def abort(port: int, target: str, extra: str = "") -> None:
    """Ask for a big file, read 4 kB of it and reset the connection, as a browser does while seeking."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}\r\n".encode())
    sock.recv(4096)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@contextlib.contextmanager
def serving(root: Path, code: Path, *flags: str) -> Iterator[tuple[int, list[str], list[str]]]:
    """``capture serve`` of ``root`` with the code in ``code``; yields its port and its stdout and stderr lines."""
    process = subprocess.Popen(
        [sys.executable, "-m", "capture", "serve", "--port", "0", *flags],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(code), "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    match = re.search(r"127\.0\.0\.1:(\d+)/", first)
    if match is None:
        raise SystemExit(f"capture serve did not start: {first}{process.stderr.read()}")
    out: list[str] = []
    err: list[str] = []
    readers = [
        threading.Thread(target=lambda: out.extend(process.stdout), daemon=True),  # type: ignore[arg-type]
        threading.Thread(target=lambda: err.extend(process.stderr), daemon=True),  # type: ignore[arg-type]
    ]
    for reader in readers:
        reader.start()
    try:
        yield int(match.group(1)), out, err
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        for reader in readers:
            reader.join(timeout=5)


def tracebacks(lines: list[str]) -> int:
    return sum(line.startswith("Traceback") for line in lines)


def refusals(root: Path, code: Path, aborts: int) -> None:
    with serving(root, code, "--no-watch") as (port, _, err):
        site = root / "site"
        (site / "passwd-link").symlink_to("/etc/passwd")
        status, body = ask(port, "/passwd-link")
        print(f"symlink to /etc/passwd: {status}, passwd served: {b'root:' in body}")
        print(f"Host: evil.example: {ask(port, '/index.html', host='evil.example')[0]}")
        print(f"no Host (HTTP/1.0): {ask(port, '/index.html', host='')[0]}")
        print(
            f"/../resources.yaml and /..%2fresources.yaml: {ask(port, '/../resources.yaml')[0]}, "
            f"{ask(port, '/..%2fresources.yaml')[0]}"
        )
        before = tracebacks(err)
        print(f"/index.html%00: {ask(port, '/index.html%00')[0]}")
        time.sleep(0.3)
        print(f"  tracebacks for it: {tracebacks(err) - before}")
        (site / "big.mp4").write_bytes(os.urandom(1 << 20) * 24)
        before = tracebacks(err)
        for number in range(aborts):
            abort(port, "/big.mp4", f"Range: bytes={number * 4096}-\r\n" if number % 2 else "")
        time.sleep(1.0)
        print(f"aborted downloads: {aborts}, tracebacks: {tracebacks(err) - before}")


def pages(site: Path) -> int:
    return sum(1 for _ in (site / "r").glob("*/index.html"))


def watch_pages(site: Path, port: int, last: str, stop: threading.Event, seen: dict[str, int]) -> None:
    """Every 0.1 s: the fewest pages on disk, and how often the last resource's page answered 404."""
    while not stop.is_set():
        seen["fewest"] = min(seen.get("fewest", 10**9), pages(site))
        with contextlib.suppress(OSError):
            if ask(port, f"/r/{last}/index.html")[0] == 404:
                seen["404"] = seen.get("404", 0) + 1
        time.sleep(0.1)


def write_in_two(path: Path, part: str, whole: str, *, pause: float, held: bool) -> None:
    """Write ``part`` of ``whole``, wait ``pause`` seconds, then the rest, keeping the file open (``held``) or not."""
    if not held:
        path.write_text(part, encoding="utf-8")
        time.sleep(pause)
        path.write_text(whole, encoding="utf-8")
        return
    with path.open("w", encoding="utf-8") as handle:
        handle.write(part)
        handle.flush()
        time.sleep(pause)
        handle.write(whole[len(part) :])


def half_saved(root: Path, code: Path, count: int, rounds: int) -> None:
    catalogue = root / "resources.yaml"
    whole = catalogue.read_text(encoding="utf-8")
    at_entry = whole.index("  - id: ", len(whole) // 2)
    in_quote = whole.index("captured: '", len(whole) // 2) + 14
    cases = {  # what the file holds meanwhile, for how long, rounds, and whether the writer keeps it open
        "two writes 0.3 s apart": (whole[:at_entry], 0.3, rounds * 4, True),
        "half (whole entries) for 2.5 s": (whole[:at_entry], 2.5, rounds, True),
        "cut inside a quote for 2.5 s": (whole[:in_quote], 2.5, rounds, True),
        "empty for 2.5 s": ("", 2.5, rounds, True),
        "half (whole entries), closed, for 2.5 s": (whole[:at_entry], 2.5, rounds, False),
        "empty, closed, for 2.5 s": ("", 2.5, rounds, False),
    }
    with serving(root, code) as (port, out, err):
        site = root / "site"
        for name, (part, pause, tries, held) in cases.items():
            results = []
            for _ in range(tries):
                seen: dict[str, int] = {}
                stop = threading.Event()
                poller = threading.Thread(target=watch_pages, args=(site, port, resource_id(count - 1), stop, seen))
                poller.start()
                write_in_two(catalogue, part, whole, pause=pause, held=held)
                time.sleep(3.0)  # settle, rebuild, and be seen
                stop.set()
                poller.join()
                results.append((count - seen.get("fewest", count), seen.get("404", 0)))
            print(
                f"{name}: pages removed at worst {max(r[0] for r in results)} of {count}; rounds with pages "
                f"removed {sum(r[0] > 0 for r in results)}/{tries}, with a 404 {sum(r[1] > 0 for r in results)}/"
                f"{tries}; after: {pages(site)} pages"
            )
        print(
            f"  errors reported: {sum(line.startswith('Error:') for line in err)}, "
            f"rebuilds reported: {sum(line.startswith('Rebuilt') for line in out)}, tracebacks: {tracebacks(err)}"
        )


def old_poll_seconds(root: Path) -> float:
    """What the polling watcher did every second: stat every source file."""
    from pipeline.site.build import theme_dir
    from pipeline.workspace.paths import Workspace

    ws = Workspace(root)
    started = time.perf_counter()
    found = [ws.catalogue_path.stat()]
    for folder, pattern in (
        (ws.journeys_dir, "*.yaml"),
        (ws.transcripts_dir, "*.md"),
        (ws.media_dir, "*/meta.json"),
        (theme_dir(), "**/*"),
    ):
        found += [path.stat() for path in sorted(folder.glob(pattern))]
    return time.perf_counter() - started


def watcher_cost(count: int) -> None:
    from pipeline.serve.watch import Watcher
    from pipeline.workspace.paths import Workspace

    root = make_library(Path(tempfile.mkdtemp()) / "lib", count, lines=2)
    print(f"{count} resources; the old poll took {old_poll_seconds(root):.2f} s (each second)")
    arrived: queue.Queue[float] = queue.Queue()
    started = time.perf_counter()
    watcher = Watcher(Workspace(root), lambda: arrived.put(time.perf_counter()), lambda r, e: None, settle=0.0)
    print(f"watching starts in {time.perf_counter() - started:.2f} s")
    threading.Thread(target=watcher.run, daemon=True).start()
    cpu, wall = time.process_time(), time.perf_counter()
    time.sleep(10)
    print(f"idle for 10 s: {time.process_time() - cpu:.3f} s of CPU ({time.perf_counter() - wall:.1f} s wall)")
    delays = []
    for number in range(10):
        path = root / "transcripts" / f"{resource_id(number * 97)}.md"
        written = time.perf_counter()
        path.write_text(path.read_text(encoding="utf-8") + "[09:00.0] One more line.\n", encoding="utf-8")
        delays.append(arrived.get(timeout=30) - written)
        time.sleep(0.3)
    watcher.stop()
    print(
        f"a change noticed in {min(delays):.2f}-{max(delays):.2f} s (median {sorted(delays)[5]:.2f}; "
        "settle 0 here, 1 s in capture serve)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["http", "watch"])
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose capture serve is tried")
    parser.add_argument("--count", type=int, default=0, help="resources (http: 40, watch: 10,000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--aborts", type=int, default=50)
    args = parser.parse_args()
    if args.what == "watch":
        watcher_cost(args.count or 10_000)
        return
    count = args.count or 40
    root = make_library(Path(tempfile.mkdtemp()) / "lib", count, lines=3)
    subprocess.run(
        [sys.executable, "-m", "capture", "build"],
        cwd=root,
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(args.code)},
    )
    refusals(root, args.code.resolve(), args.aborts)
    (root / "site" / "passwd-link").unlink()
    half_saved(root, args.code.resolve(), count, args.rounds)


if __name__ == "__main__":
    main()
