"""Kill trials for `capture add NEW --replaces ID` (issue 15): the figures in docs/reliability.md.

    python benchmarks/replace_safety.py                 # every commit step, before and after, and 10 random kills
    python benchmarks/replace_safety.py --random 20

It runs what `tests/trials/test_kill_takes.py` runs and counts the outcomes: for each crash, which
version the catalogue named (1: the old take whole, 2: the new one whole), whether any check of a
mix failed, and whether the next run settled it with nothing left over. It prints a Markdown table.
"""

from __future__ import annotations

import argparse
import functools
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.trials.test_kill import _kill_after  # noqa: E402
from tests.trials.test_kill_takes import (  # noqa: E402
    MAX_STEPS,
    REPLACE,
    assert_old_or_new,
    assert_settled,
    crash_at,
    make_seed,
    old_files,
    rerun,
)


def trial(seed: Path, work: Path, crash: Callable[[Path], int]) -> tuple[int | None, str]:
    """Copy the seed, crash it as ``crash`` says, check old-or-new, rerun, check settled."""
    subprocess.run(["cp", "-a", str(seed), str(work)], check=True)
    code = crash(work)
    try:
        version = assert_old_or_new(work, old_files(seed))
        rerun(work, version)
        assert_settled(work)
    except AssertionError as exc:
        return None, f"failed: {exc}"
    return version, "completed" if code == 0 else "killed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=10, help="random SIGKILL trials")
    args = parser.parse_args()
    rows: list[tuple[str, Counter[str]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        seed = make_seed(root)
        full_run = float((root / "full-run-seconds").read_text())
        for when in ("before", "after"):
            counts: Counter[str] = Counter()
            for step in range(1, MAX_STEPS + 1):
                crash = functools.partial(crash_at, step=step, when=when)
                version, outcome = trial(seed, root / f"{when}-{step}", crash)
                counts[f"v{version}" if version else "mix"] += 1
                counts[outcome.split(":")[0]] += 1
                if outcome == "completed":
                    break
            rows.append((f"dies just {when} the N-th rename of the commit, N = 1, 2, …", counts))
        counts = Counter()
        for number in range(args.random):
            delay = random.Random(number).uniform(0.05, full_run * 1.1)
            version, outcome = trial(
                seed, root / f"random-{number}", lambda w, d=delay: _kill_after(list(REPLACE), w, d)
            )
            counts[f"v{version}" if version else "mix"] += 1
            counts[outcome.split(":")[0]] += 1
        rows.append((f"SIGKILL at a random moment (0.05 s to 1.1 × {full_run:.1f} s)", counts))
    command = f"python benchmarks/replace_safety.py --random {args.random}"
    print(f"Measured {time.strftime('%Y-%m-%d %H:%M')} with `{command}`.\n")
    print("| crash | trials | old version whole | new version whole | a mix | settled by the next run |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, c in rows:
        trials = c["v1"] + c["v2"] + c["mix"]
        print(f"| {name} | {trials} | {c['v1']} | {c['v2']} | {c['mix']} | {trials - c['failed']} |")


if __name__ == "__main__":
    main()
