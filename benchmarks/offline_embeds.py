"""CPU of a full build and of one-resource rebuilds with embeds and offline manifests (issue 18).

    python benchmarks/offline_embeds.py .                      # this checkout
    python benchmarks/offline_embeds.py /path/to/another/checkout

1,000 synthetic resources (``benchmarks/site.py``'s library, five journeys of nine steps), built in
memory; then three rounds of editing one resource that is in a journey (its journey's offline
manifest renders its pages again to count their bytes) and one that is in none.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path


def main() -> None:
    repo = str(Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve())
    sys.path.insert(0, repo)
    from benchmarks.site import edit_one, make_library, timed_build

    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as folder:
        root = make_library(Path(folder) / "lib", 1000)
        _, full = timed_build(root)
        rows: dict[str, list[tuple[float, int]]] = {"in a journey": [], "in no journey": []}
        for round_ in range(1, 4):
            for label, index in (("in a journey", 0), ("in no journey", 500)):
                edit_one(root, index, round_)
                _, one = timed_build(root)
                rows[label].append((one.cpu, one.written))
    print(f"{repo}: full build {full.cpu:.2f} s CPU, {full.pages} pages, {full.written} files")
    for label, got in rows.items():
        cpu = statistics.median(c for c, _ in got)
        print(f"  one resource {label}: median {cpu:.3f} s CPU, files written {[w for _, w in got]}")


if __name__ == "__main__":
    main()
