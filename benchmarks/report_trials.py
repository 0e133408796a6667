"""Trials of `capture report`'s input and of terminal output (issue 19, items 13 to 15), run as a user would.

    python benchmarks/report_trials.py                        # this tree
    python benchmarks/report_trials.py --tree /path/to/other  # another checkout of capture, for before/after

Every trial runs `python -m capture` in a fresh process on a copy of the demo workspace (the
code from ``--tree``), and prints a markdown table row: feedback exports as spreadsheet programs
and form tools write them, input without newlines (peak memory is the process's maximum resident
size, from /usr/bin/time), and commands printing a title, a transcript and a log that carry
terminal escapes (count of characters a terminal would act on in stdout and stderr).
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import pty
import re
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import copy_demo  # noqa: E402

ROWS = [
    "Zeitstempel;Resource;Rating;Comment",
    "09.11.2026 10:00;shift-handover-basics;4,5;Klar, kurz, nützlich",
    '09.11.2026 11:00;shift-handover-basics;5;"Gut; danke"',
]
EXCEL = "\r\n".join(ROWS) + "\r\n"
LOG_LINE = '10.0.0.1 - - [09/Nov/2026:10:15:00 +0100] "GET /r/shift-handover-basics/ HTTP/1.1" 200 512 "-" "M"\n'
HOSTILE = "\x1b]0;PWNED\x07\x1b[2J\x9b31m\r\u202eevil [red]markup[/]"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FEEDBACK = {
    "Excel CSV UTF-8 (BOM, `;`, CRLF, `4,5`)": EXCEL.encode("utf-8-sig"),
    "the same without the BOM": EXCEL.encode("utf-8"),
    "UTF-16 LE with BOM": codecs.BOM_UTF16_LE + EXCEL.encode("utf-16-le"),
    "UTF-16 BE with BOM": codecs.BOM_UTF16_BE + EXCEL.encode("utf-16-be"),
    "UTF-16 LE without BOM": EXCEL.encode("utf-16-le"),
    "Windows-1252, `;`": EXCEL.encode("cp1252"),
    "a 200,000-character comment": (
        "resource,rating,comment\nshift-handover-basics,4," + "x" * 200_000 + "\n"
    ).encode(),
    "a 3 MB line among rows": b"resource,rating\nshift-handover-basics,4\n" + b"x" * 3_000_000 + b"\n",
}


def run(tree: str, cwd: Path, *args: str, limit_s: float = 120, memory_bytes: int = 0) -> tuple[int, bytes, bytes, int]:
    """Exit code, stdout, stderr and peak resident KiB of ``python -m capture ARGS``."""

    def limits() -> None:
        if memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    env = dict(os.environ, PYTHONPATH=tree, COLUMNS="200")
    command = ["/usr/bin/time", "-f", "%M", "timeout", str(limit_s), sys.executable, "-m", "capture", *args]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, preexec_fn=limits, check=False)
    lines = done.stderr.rstrip().split(b"\n")
    peak = lines.pop() if lines and lines[-1].isdigit() else b"0"
    err = b"\n".join(line for line in lines if not line.startswith((b"Command exited", b"Command terminated")))
    return done.returncode, done.stdout, err, int(peak)


def outcome(code: int, out: bytes, err: bytes) -> str:
    if code == 0:
        data = json.loads(out)
        warnings = "; ".join(data["warnings"]) or "no warning"
        return f"read: {data['feedback_rows']} responses ({warnings})"
    last = (err.decode("utf-8", "replace").strip().splitlines() or ["(nothing)"])[-1]
    return f"exit {code}: {last[:150]}"


def feedback_trials(tree: str, folder: Path) -> list[str]:
    rows = ["| feedback export | result |", "|---|---|"]
    for name, data in FEEDBACK.items():
        (folder / "feedback.csv").write_bytes(data)
        code, out, err, _ = run(tree, folder, "report", "-l", "access.log", "--feedback", "feedback.csv", "--json")
        rows.append(f"| {name} | {outcome(code, out, err)} |")
    code, out, err, peak = run(
        tree,
        folder,
        "report",
        "-l",
        "access.log",
        "--feedback",
        "/dev/zero",
        "--json",
        limit_s=60,
        memory_bytes=3 << 30,
    )
    rows.append(f"| `/dev/zero` (3 GiB address-space limit) | {outcome(code, out, err)}; peak {peak / 1024:.0f} MiB |")
    return rows


def memory_trials(tree: str, folder: Path) -> list[str]:
    rows = ["| access log | lines | result | peak memory |", "|---|---|---|---|"]
    small = folder / "small.log"
    small.write_text(LOG_LINE * 3)
    big = folder / "line.log"
    with open(big, "wb") as handle:
        handle.write(LOG_LINE.encode())
        for _ in range(50):
            handle.write(b"A" * (1 << 20))
        handle.write(b"\n" + LOG_LINE.encode())
    for name, path in (("3 log lines", small), ("50 MiB line without a newline between 2 log lines", big)):
        code, out, err, peak = run(tree, folder, "report", "-l", str(path), "--json")
        data = json.loads(out) if code == 0 else {}
        result = f"{data.get('page_views')} views, {data.get('malformed')} skipped" if code == 0 else f"exit {code}"
        rows.append(f"| {name} | {data.get('lines', '-')} | {result} | {peak / 1024:.0f} MiB |")
    code, out, err, peak = run(tree, folder, "report", "-l", "/dev/zero", "--json", limit_s=20, memory_bytes=3 << 30)
    result = "still reading after 20 s (stopped by timeout)" if code == 124 else outcome(code, out, err)
    rows.append(f"| `/dev/zero` (3 GiB address-space limit, 20 s) | - | {result} | {peak / 1024:.0f} MiB |")
    return rows


def hostile_workspace(folder: Path) -> Path:
    (folder / "hostile").mkdir()
    root = copy_demo(folder / "hostile")
    catalogue = root / "resources.yaml"
    text = catalogue.read_text(encoding="utf-8")
    catalogue.write_text(text.replace("title: Shift handover basics", f"title: {json.dumps(HOSTILE)}", 1))
    transcript = root / "transcripts" / "shift-handover-basics.md"
    text = transcript.read_text(encoding="utf-8")
    text = re.sub(r"model: .*", lambda _: "model: tiny" + HOSTILE.replace("\r", ""), text, count=1)
    transcript.write_text(text.replace("[00:00.0] ", "[00:00.0] \x1b[2J\u202e", 1))
    (root / "access.log").write_text(
        LOG_LINE + '10.0.0.1 - - [09/Nov/2026:10:16:00 +0100] "GET /search.gif?q=%1b%5d0%3bX%07%c2%9b&n=0 '
        'HTTP/1.1" 200 43 "-" "M"\n'
    )
    return root


def duplicate_key_workspace(folder: Path) -> Path:
    """A catalogue whose YAML error quotes a value with escapes (a duplicate key)."""
    (folder / "duplicate").mkdir()
    root = copy_demo(folder / "duplicate")
    catalogue = root / "resources.yaml"
    text = catalogue.read_text(encoding="utf-8")
    level = '    level: "expert\\e]0;PWNED\\a\\e[2J"'
    catalogue.write_text(text.replace("    title: Shift handover basics", "    title: Shift handover basics\n" + level))
    return root


# What rich itself writes to a terminal: styles, and the progress bar's cursor and line controls.
RICH_CONTROLS = re.compile("\x1b\\[(?:[0-9;]*m|\\?25[lh]|2K|[0-9]*A)|\r")


def on_terminal(tree: str, cwd: Path, *args: str) -> str:
    """What a terminal receives from ``python -m capture ARGS`` (stdout and stderr on a pseudo-terminal),
    less rich's own styles and progress controls."""
    leader, follower = pty.openpty()
    env = dict(os.environ, PYTHONPATH=tree, COLUMNS="200", TERM="xterm-256color")
    command = [sys.executable, "-m", "capture", *args]
    subprocess.run(command, cwd=cwd, env=env, stdout=follower, stderr=follower, timeout=120, check=False)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return RICH_CONTROLS.sub("", shown.decode("utf-8", "replace"))


def _count(text: str) -> str:
    found = UNSAFE.findall(text)
    kinds = ", ".join(sorted({f"U+{ord(c):04X}" for c in found}))
    return f"{len(found)}{f' ({kinds})' if kinds else ''}"


def terminal_trials(tree: str, folder: Path) -> list[str]:
    root = hostile_workspace(folder)
    rows = ["| command | piped: stdout + stderr | on a terminal |", "|---|---|---|"]
    commands = [
        ("list",),
        ("list", "--json"),
        ("status",),
        ("status", "--json"),
        ("check",),
        ("journey", "show", "handover-for-operators"),
        ("report", "-l", "access.log"),
        ("report", "-l", "access.log", "--json"),
        ("captions", "shift-handover-basics"),
    ]
    cases = [(root, args) for args in commands] + [(duplicate_key_workspace(folder), ("check",))]
    for where, args in cases:
        _, out, err, _ = run(tree, where, *args)
        piped = _count((out + err).decode("utf-8", "replace"))
        label = " ".join(args) + (" (a YAML error quoting the value)" if where != root else "")
        rows.append(f"| `capture {label}` | {piped} | {_count(on_terminal(tree, where, *args))} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", default=str(ROOT), help="the checkout of capture to run (default: this one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="capture-trials-", dir="/tmp") as tmp:
        (Path(tmp) / "ws").mkdir()
        folder = copy_demo(Path(tmp) / "ws")
        (folder / "access.log").write_text(LOG_LINE)
        for rows in (
            feedback_trials(args.tree, folder),
            memory_trials(args.tree, folder),
            terminal_trials(args.tree, folder),
        ):
            print("\n".join(rows) + "\n", flush=True)


if __name__ == "__main__":
    main()
