"""What reading "Did this help?" answers costs `capture report`: CPU seconds over a generated log.

    python benchmarks/report_answers.py              # 1,000,000 lines, a fifth of them answers
    python benchmarks/report_answers.py --lines 200000

Two logs of the same number of lines are generated in a temp folder: one where a fifth of the
lines are ``feedback.gif`` answers (valid ones over 200 resources and versions, and 1 in 20
junk), and one where those lines are requests for a stylesheet instead. Each is read by the real
``build_report`` in this process; the figure is CPU time (user + system), which a loaded machine
changes less than wall-clock time, and the best of three runs.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.report.model import build_report  # noqa: E402
from pipeline.workspace.paths import Workspace  # noqa: E402

RESOURCES = [f"clip-{n:03d}" for n in range(200)]
ANSWERS = ("helped", "helped", "helped", "not-needed", "wrong")
JUNK = ("a=%3Cscript%3E", "r=..%2F&v=1&a=helped", "v=0", "r=clip-001&v=1&a=HELPED")


def _line(rng: random.Random, *, answers: bool) -> str:
    ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
    roll = rng.random()
    if roll < 0.2:
        if answers:
            rid = rng.choice(RESOURCES)
            query = (
                rng.choice(JUNK) if rng.random() < 0.05 else f"r={rid}&v={rng.randint(1, 3)}&a={rng.choice(ANSWERS)}"
            )
            path = f"/learning/feedback.gif?{query}"
        else:
            path = "/learning/static/style.css"
    elif roll < 0.6:
        path = f"/learning/r/{rng.choice(RESOURCES)}/"
    else:
        path = f"/learning/static/site.js?{rng.randrange(9)}"
    day = rng.randint(1, 28)
    return f'{ip} - - [{day:02d}/Nov/2026:10:15:00 +0100] "GET {path} HTTP/1.1" 200 43 "-" "Mozilla/5.0 (Android 14)"\n'


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measure(workspace: Workspace, log: Path) -> float:
    best = float("inf")
    for _ in range(3):
        start = _cpu()
        build_report(workspace, [log], salt="bench")
        best = min(best, _cpu() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        entries = "".join(f"  - id: {rid}\n    title: Clip {rid}\n" for rid in RESOURCES)
        (root / "resources.yaml").write_text(f"title: Bench\nresources:\n{entries}", encoding="utf-8")
        workspace = Workspace(root)
        figures = {}
        for answers in (False, True):
            rng = random.Random(7)
            log = root / f"access-{answers}.log"
            with open(log, "w", encoding="utf-8") as handle:
                handle.writelines(_line(rng, answers=answers) for _ in range(args.lines))
            figures[answers] = _measure(workspace, log)
        report = build_report(workspace, [root / "access-True.log"], salt="bench")
        counted = sum(r.answers.helped + r.answers.not_needed + r.answers.wrong for r in report.resources if r.answers)
    print(f"{args.lines:,} lines: {figures[False]:.2f} s CPU without answers, {figures[True]:.2f} s with")
    print(f"answers counted: {counted:,}; junk: {report.answer_junk:,}; queue items: {len(report.queue)}")


if __name__ == "__main__":
    main()
