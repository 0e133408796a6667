"""What the chapters and descriptions tracks cost a build that plans 10,000 resources.

    python benchmarks/tracks.py                # 10,000 synthetic transcripts of 24 lines
    python benchmarks/tracks.py --count 1000

A build plans ``chapters.vtt`` and ``descriptions.vtt`` from a look at each published
transcript's bytes (``pipeline.speech.chapters.may_have_chapters`` and ``may_have_notes``),
never parsing it. This prints the time of that look over every transcript, best of five, and
how many tracks it would plan (the synthetic transcripts have none).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.site import write_transcript  # noqa: E402 - after the path is set
from pipeline.speech.chapters import may_have_chapters, may_have_notes  # noqa: E402


def measure(count: int) -> tuple[float, int, int]:
    """Seconds for the look over ``count`` transcripts (best of five), their bytes, tracks planned."""
    with tempfile.TemporaryDirectory() as folder:
        rng = random.Random(7)
        for index in range(count):
            write_transcript(Path(folder) / f"{index}.md", f"r{index}", rng, 24)
        data = [path.read_bytes() for path in Path(folder).glob("*.md")]
    best = float("inf")
    planned = 0
    for _ in range(5):
        started = time.perf_counter()
        planned = sum(may_have_chapters(d) + may_have_notes(d) for d in data)
        best = min(best, time.perf_counter() - started)
    return best, sum(map(len, data)), planned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    count = parser.parse_args().count
    seconds, size, planned = measure(count)
    print(f"{count} transcripts ({size / 1e6:.1f} MB): {seconds * 1000:.0f} ms, best of 5; {planned} tracks planned")


if __name__ == "__main__":
    main()
