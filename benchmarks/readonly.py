"""The read-only commands at 10,000 resources: CPU time of ``list --json``, ``check``, ``status``, ``journey show``.

Run ``python benchmarks/readonly.py [--count 10000] [--rounds 3] [--before COMMIT] [--no-write]``. It
generates the workspace ``benchmarks/site.py`` builds (entries, transcripts, fake media, 5 journeys),
then runs each command as a user would (``python -m capture ...`` in the workspace) and takes the CPU
time of the child process (user + system, from ``getrusage``), the median of ``--rounds`` runs.
``--before COMMIT`` also runs each command once with the code of that commit (``git archive``): the
round-trip loader they used took tens of seconds each, so it is one run, not a median. The target:
under 3 s of CPU each.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.docsection import write_section  # noqa: E402
from benchmarks.site import make_library  # noqa: E402

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("list", "--json"),
    ("check",),
    ("status",),
    ("status", "--json"),
    ("journey", "show", "journey-0"),
)
TARGET_CPU = 3.0


def child_cpu(code: Path, workspace: Path, args: tuple[str, ...]) -> tuple[float, float, int]:
    """CPU seconds and wall seconds of ``python -m capture ARGS`` run with the code in ``code``; its exit code."""
    env = dict(os.environ, PYTHONPATH=str(code), COLUMNS="200")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "capture", *args], cwd=workspace, env=env, capture_output=True, check=False
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.returncode


def old_code(commit: str, folder: Path) -> Path:
    """The tree of ``commit``, unpacked in ``folder``."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", commit], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def measure(code: Path, workspace: Path, rounds: int) -> dict[str, tuple[float, float, int]]:
    """Per command: the median CPU seconds, the median wall seconds and the last exit code."""
    figures: dict[str, tuple[float, float, int]] = {}
    for args in COMMANDS:
        runs = [child_cpu(code, workspace, args) for _ in range(rounds)]
        figures[" ".join(args)] = (
            statistics.median(cpu for cpu, _, _ in runs),
            statistics.median(wall for _, wall, _ in runs),
            runs[-1][2],
        )
    return figures


def table(
    after: dict[str, tuple[float, float, int]], before: dict[str, tuple[float, float, int]] | None, rounds: int
) -> str:
    lines = [
        "| command | before: CPU (wall) | after: CPU (wall), median of " + str(rounds) + " | under 3 s CPU |",
        "|---|---:|---:|---|",
    ]
    for name, (cpu, wall, code) in after.items():
        old = before.get(name) if before else None
        shown = f"{old[0]:.1f} s ({old[1]:.1f} s)" if old else "not run"
        lines.append(
            f"| `capture {name}` (exit {code}) | {shown} | {cpu:.2f} s ({wall:.2f} s) | "
            f"{'yes' if cpu < TARGET_CPU else 'no'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", metavar="COMMIT", help="also run each command once with this commit's code")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="capture-readonly-") as folder:
        workspace = make_library(Path(folder) / "lib", args.count)
        after = measure(REPO, workspace, args.rounds)
        before = measure(old_code(args.before, Path(folder) / "old"), workspace, 1) if args.before else None
    size = (args.count, platform.machine(), os.cpu_count())
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    command = "python benchmarks/readonly.py" + (f" --before {args.before}" if args.before else "")
    markdown = (
        f"## Read-only commands at {size[0]:,} resources (`{command}`)\n\n"
        f"The workspace of `benchmarks/site.py` ({size[0]:,} entries, 7 MB of `resources.yaml`, a transcript "
        "each, 5 journeys). CPU seconds of the `python -m capture` process (user + system), start-up "
        f"included; {size[2]} CPUs, {size[1]}, shared with other jobs (load average {load}). *Before*: "
        f"the code of {args.before or 'the parent commit'}, where every command read the catalogue with the "
        "round-trip loader; *after*: the read-only commands read it with libyaml (`yamlio.read_yaml`).\n\n"
        + table(after, before, args.rounds)
        + "\n\n`capture status` reads the catalogue once for its transcripts and its orphaned media, and over "
        "200 transcripts prints plain aligned rows (rich took about 3.5 s to draw a 10,000-row table). "
        "`check` exits 1 here because the synthetic transcripts run a few seconds past their clips' length, "
        "which `check` reports.\n"
    )
    print(markdown)
    if not args.no_write:
        write_section("readonly", markdown)


if __name__ == "__main__":
    main()
