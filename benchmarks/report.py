"""Benchmark `capture report`'s log reader: lines per second and peak memory on a generated 1 GB log.

    python benchmarks/report.py                # 1 GB log in /tmp, figures into docs/benchmarks.md
    python benchmarks/report.py --gb 0.1 --no-write

The log is generated (never committed) in a temp folder: a pool of realistic lines (assets,
resource and journey pages, video byte ranges, searches, crawlers, 404s and a few malformed
lines) shuffled and written again until the file reaches the size asked for. Each measurement
runs the real `build_report` in a fresh process, so its peak resident memory (ru_maxrss) is the
reader's alone; it is measured on a tenth of the log and on the whole to show memory does not
grow with the log.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.docsection import write_section  # noqa: E402

RESOURCES = [f"resource-{i:02d}" for i in range(40)]
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36",
)
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
VIDEO_SIZE = 24_000_000


def make_workspace(folder: Path) -> None:
    entries = "\n".join(f"  - id: {rid}\n    title: Resource {rid[-2:]}" for rid in RESOURCES)
    (folder / "resources.yaml").write_text(f"title: Bench\nresources:\n{entries}\n", encoding="utf-8")
    (folder / "journeys").mkdir(exist_ok=True)
    for j in range(4):
        ids = RESOURCES[j * 9 : (j + 1) * 9]
        (folder / "journeys" / f"journey-{j}.yaml").write_text(
            f"title: Journey {j}\nstages:\n  beginner: {ids[:3]}\n  intermediate: {ids[3:6]}\n  advanced: {ids[6:]}\n",
            encoding="utf-8",
        )


def make_pool(count: int, rng: random.Random) -> list[bytes]:
    visitors = [
        (f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}", rng.choice(AGENTS))
        for _ in range(5000)
    ]
    first = date(2026, 5, 1)
    pool: list[bytes] = []
    for _ in range(count):
        ip, agent = rng.choice(visitors)
        day = first + timedelta(days=rng.randrange(180))
        clock = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
        stamp = f"{day.day:02d}/{MONTHS[day.month - 1]}/{day.year}:{clock} +0000"
        rid = rng.choice(RESOURCES)
        pick = rng.random()
        status, size, extra = 200, rng.randrange(2000, 40000), ""
        referer = f"https://intranet.example.com/learning/r/{rid}/"
        if pick < 0.40:
            path = rng.choice(
                (
                    "/learning/static/site.css",
                    "/learning/static/site.js",
                    f"/learning/media/{rid}/poster.jpg",
                    f"/learning/media/{rid}/captions.vtt",
                    "/learning/favicon.ico",
                )
            )
        elif pick < 0.65:
            path = f"/learning/r/{rid}/" if rng.random() < 0.7 else f"/learning/r/{rid}/index.html"
            referer = "https://intranet.example.com/learning/"
        elif pick < 0.70:
            path = f"/learning/j/journey-{rng.randrange(4)}/"
        elif pick < 0.90:
            path = f"/learning/media/{rid}/video.mp4"
            start = rng.randrange(0, VIDEO_SIZE, 65536)
            size = min(VIDEO_SIZE - start, rng.randrange(65536, 4_000_000))
            status = 206
            extra = f' "bytes={start}-" "bytes {start}-{VIDEO_SIZE - 1}/{VIDEO_SIZE}"'
        elif pick < 0.95:
            term = rng.choice(("forklift", "one to one", "pallet jack", "rota", "fire drill", "handover", "ppe"))
            path = f"/learning/search.gif?q={term.replace(' ', '+')}&n={rng.choice((0, 1, 3, 7))}"
            size = 43
        elif pick < 0.97:
            path = f"/learning/r/{rid}/"
            agent = BOT
        elif pick < 0.999:
            path, status, size = "/learning/wp-login.php", 404, 153
        else:
            pool.append(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage that is not a log line\n")
            continue
        line = f'{ip} - - [{stamp}] "GET {path} HTTP/1.1" {status} {size} "{referer}" "{agent}"{extra}\n'
        pool.append(line.encode())
    return pool


def generate(path: Path, target_bytes: int, seed: int = 8) -> int:
    rng = random.Random(seed)
    pool = make_pool(200_000, rng)
    written = lines = 0
    with open(path, "wb") as handle:
        while written < target_bytes:
            rng.shuffle(pool)
            block = b"".join(pool)
            handle.write(block)
            written += len(block)
            lines += len(pool)
    return lines


MEASURE = """
import json, resource, sys, time
from pathlib import Path
from pipeline.workspace.paths import Workspace
from pipeline.report.model import build_report
start, cpu = time.perf_counter(), time.process_time()
report = build_report(Workspace(Path(sys.argv[1])), [Path(sys.argv[2])], salt="bench")
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "lines": report.lines, "malformed": report.malformed,
                  "page_views": report.page_views, "visitors": report.visitors,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(workspace: Path, log: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(workspace), str(log)], capture_output=True, text=True, env=env, check=True
    )
    result = json.loads(done.stdout)
    result["bytes"] = log.stat().st_size
    return result


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def section(small: dict[str, float], full: dict[str, float], *, command: str, machine: str) -> str:
    def row(name: str, r: dict[str, float]) -> str:
        return (
            f"| {name} | {r['bytes'] / 1e9:.2f} GB | {r['lines']:,} | {r['seconds']:.1f} s | "
            f"{r['cpu_seconds']:.1f} s | "
            f"{r['lines'] / r['seconds']:,.0f} | {r['lines'] / r['cpu_seconds']:,.0f} | "
            f"{r['bytes'] / r['seconds'] / 1e6:.1f} MB/s | {r['peak_rss_mib']:.0f} MiB |"
        )

    return "\n".join(
        [
            "## `capture report`: reading access logs",
            "",
            f"Measured {date.today().isoformat()} with `{command}` on {machine}, "
            f"Python {platform.python_version()}. The log is generated "
            "(combined format with Range and Content-Range fields; 40 % assets, 25 % resource pages, 20 % video "
            "ranges, 5 % searches, crawlers, 404s and 0.1 % malformed lines; 5,000 visitors over 180 days). "
            "Each run is `build_report` (catalogue, journeys, the whole log, the summary) in a fresh process, "
            "single-threaded; peak memory is that process's maximum resident size. On a machine shared with "
            f"other work (load average {os.getloadavg()[0]:.1f} as this run ended) wall time is longer than CPU time; "
            "CPU time is the steadier figure.",
            "",
            "| log | size | lines | wall time | CPU time | lines/s (wall) | lines/s (CPU) | throughput (wall) "
            "| peak memory |",
            "|---|---|---|---|---|---|---|---|---|",
            row("a tenth", small),
            row("whole", full),
            "",
            "Memory grows with the number of distinct visitors, pages, days and search terms, not with the "
            "number of lines: ten times the log, about the same peak.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gb", type=float, default=1.0, help="size of the generated log in GB (default 1)")
    parser.add_argument("--no-write", action="store_true", help="print the figures, leave docs/benchmarks.md alone")
    parser.add_argument("--machine", default="", help="how to describe the machine (default: its CPU model and cores)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="capture-bench-", dir="/tmp") as tmp:
        folder = Path(tmp)
        make_workspace(folder)
        small_log, full_log = folder / "small.log", folder / "access.log"
        t0 = time.perf_counter()
        generate(small_log, int(args.gb * 1e8))
        generate(full_log, int(args.gb * 1e9))
        print(f"generated {full_log.stat().st_size / 1e9:.2f} GB in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        small = measure(folder, small_log)
        print(json.dumps(small), file=sys.stderr)
        full = measure(folder, full_log)
        print(json.dumps(full), file=sys.stderr)
    command = "python benchmarks/report.py" + (f" --gb {args.gb:g}" if args.gb != 1.0 else "")
    machine = args.machine or f"{cpu_model()} ({os.cpu_count()} cores)"
    text = section(small, full, command=command, machine=machine)
    print(text)
    if not args.no_write:
        write_section("report", text, ROOT / "docs" / "benchmarks.md")


if __name__ == "__main__":
    main()
