"""Time ``capture build`` on synthetic libraries: full build, no-op rebuild, one-resource rebuild.

    python benchmarks/site.py            # 1,000 and 10,000 resources; writes docs/benchmarks.md
    python benchmarks/site.py 200 --no-write

Each resource has a transcript (about two minutes of speech in 24 lines), a fake tiny
video and poster (the build links media, it never decodes it) and an entry in
``resources.yaml``; five journeys and four roles tie them together. The figures go
into ``docs/benchmarks.md`` between ``<!-- site:begin -->`` and ``<!-- site:end -->``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import platform
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

WORDS = (
    "line shift lead operator handover log fault code screen stop start guard sensor belt carton label "
    "printer seal film tray check clean safe lockout tag valve pressure speed count reject bin pallet "
    "wrap scanner batch date quality sample weigh metal detector alarm reset manager call team write "
    "walk show tell next first last before after every never always hand over running broken tried "
    "called time minute hour coffee glove knife blade spare part motor drive jam clear open close"
).split()
ROLES = ("line-operator", "shift-lead", "maintenance", "quality")
LEVELS = ("beginner", "intermediate", "advanced")
POSTER = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
          b"\xff\xc0\x00\x11\x08\x01\x68\x02\x80\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9")


def sentence(rng: random.Random, count: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(count))
    return text[0].upper() + text[1:] + "."


def resource_id(index: int) -> str:
    return f"clip-{index:05d}"


def write_transcript(path: Path, rid: str, rng: random.Random, lines: int, status: str = "draft") -> None:
    rows = [f"---\nid: {rid}\nstatus: {status}\nmodel: tiny.en\nlanguage: en\n---\n"]
    start = 0.0
    for _ in range(lines):
        minutes, tenths = divmod(int(round(start * 10)), 600)  # whole tenths: never a "60.0" second
        rows.append(f"[{minutes:02d}:{tenths // 10:02d}.{tenths % 10}] {sentence(rng, rng.randint(8, 14))}\n")
        start += rng.uniform(3.5, 6.5)
    path.write_text("".join(rows), encoding="utf-8")


def make_library(root: Path, count: int, lines: int = 24, seed: int = 7) -> Path:
    """A workspace of ``count`` synthetic resources under ``root``; returns ``root``."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "transcripts").mkdir(exist_ok=True)
    (root / "journeys").mkdir(exist_ok=True)
    head = ["title: Benchmark know-how\norganisation: Bench Ltd\nfeedback: mailto:learning@example.com\nroles:\n"]
    for role in ROLES:
        head.append(f"  - id: {role}\n    name: {role.replace('-', ' ').capitalize()}\n    description: People who work as {role}.\n")
    head.append("site:\n  publish_drafts: true\nresources:\n")
    entries = []
    today = dt.date(2026, 11, 22)
    for index in range(count):
        rid = resource_id(index)
        roles = sorted({ROLES[index % len(ROLES)], rng.choice(ROLES)})
        level = LEVELS[index % 3]
        prerequisites = f"[{resource_id(index - 4)}]" if index >= 4 and index % 2 else "[]"
        captured = (today - dt.timedelta(days=index % 90)).isoformat()
        entries.append(
            f"  - id: {rid}\n    title: {sentence(rng, 5)[:-1]}\n    summary: {sentence(rng, 16)}\n"
            f"    expert:\n      name: Expert {index % 60:02d}\n      job_title: Operator\n"
            f"    captured: '{captured}'\n    level: {level}\n    kind: skill\n    roles: [{', '.join(roles)}]\n"
            f"    what: {sentence(rng, 10)}\n    why: {sentence(rng, 10)}\n    when: {sentence(rng, 8)}\n"
            f"    prerequisites: {prerequisites}\n"
            f"    video: media/{rid}/video.mp4\n    poster: media/{rid}/poster.jpg\n"
            f"    transcript: transcripts/{rid}.md\n    review: draft\n    duration: {lines * 5.0:.1f}\n"
        )
        write_transcript(root / "transcripts" / f"{rid}.md", rid, rng, lines)
        media = root / "media" / rid
        media.mkdir(parents=True, exist_ok=True)
        (media / "video.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + rid.encode())
        (media / "poster.jpg").write_bytes(POSTER)
        (media / "meta.json").write_text(f'{{"key": "fake:{rid}"}}', encoding="utf-8")
    (root / "resources.yaml").write_text("".join(head + entries), encoding="utf-8")
    for number in range(5):
        steps = {level: [resource_id(i) for i in range(number * 9 + LEVELS.index(level), min(count, number * 9 + 9), 3)]
                 for level in LEVELS}
        body = "".join(f"  {level}: [{', '.join(ids)}]\n" for level, ids in steps.items())
        (root / "journeys" / f"journey-{number}.yaml").write_text(
            f"title: Journey {number}\nroles: [{ROLES[number % len(ROLES)]}]\ngoal: Get better at part {number}.\n"
            f"stages:\n{body}", encoding="utf-8")
    return root


def edit_one(root: Path, index: int, round_: int) -> None:
    """Change one resource: its title in resources.yaml and a line of its transcript."""
    rid = resource_id(index)
    catalogue = root / "resources.yaml"
    text = catalogue.read_text(encoding="utf-8")
    start = text.index(f"  - id: {rid}\n")
    title_at = text.index("    title: ", start)
    end = text.index("\n", title_at)
    catalogue.write_text(text[:title_at] + f"    title: Edited title {round_} for {rid}" + text[end:], encoding="utf-8")
    path = root / "transcripts" / f"{rid}.md"
    path.write_text(path.read_text(encoding="utf-8") + f"[59:00.0] An added line, round {round_}.\n", encoding="utf-8")


def cpu_seconds() -> float:
    """CPU time of this process and of the render workers it has waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed_build(root: Path):  # type: ignore[no-untyped-def]
    from pipeline.site import build_site
    from pipeline.workspace import Workspace

    started, cpu = time.perf_counter(), cpu_seconds()
    result = build_site(Workspace(root), today=dt.date(2026, 11, 22))
    result.cpu = cpu_seconds() - cpu
    return time.perf_counter() - started, result


def captions_ms(root: Path, sample: int = 300) -> float:
    """Milliseconds that ``pipeline.captions.make_cues`` takes for one resource, on a sample."""
    from pipeline.captions import make_cues
    from pipeline.transcript import read_transcript

    paths = sorted((root / "transcripts").glob("*.md"))[:sample]
    transcripts = [read_transcript(path) for path in paths]
    started = time.process_time()
    for transcript in transcripts:
        make_cues(transcript, transcript.lines[-1].start + 5.0)
    return 1000 * (time.process_time() - started) / max(len(transcripts), 1)


def search_index(site: Path) -> list[bytes]:
    """The files a browser that searches downloads: the listing and every shard."""
    listing = (site / "search-index.js").read_bytes()
    shards = re.findall(rb'"(search/[^"]+)"', listing)
    return [listing] + [(site / shard.decode()).read_bytes() for shard in shards]


def bench(count: int, folder: Path) -> dict[str, object]:
    root = make_library(folder / f"lib-{count}", count)
    full, result = timed_build(root)
    index = search_index(root / "site")
    noop, noop_result = timed_build(root)
    edit_one(root, count // 2, 1)
    one, one_result = timed_build(root)
    shutil.rmtree(root / "site")
    cold, _ = timed_build(root)  # the site folder gone, parse caches warm
    return dict(
        count=count, pages=result.pages, files=result.written, full=full, full_cpu=result.cpu,
        per_page_ms=1000 * full / result.pages,
        cold_cached=cold, noop=noop, noop_written=noop_result.written, one=one, one_written=one_result.written,
        index_bytes=sum(map(len, index)), index_gzip=sum(len(gzip.compress(data, 9)) for data in index),
        captions_ms=captions_ms(root),
    )


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| resources | pages | full build (CPU) | per page | rebuild, site deleted (caches warm) | no-op rebuild (files written) "
        "| one resource changed (files written) | search index (gzip) | captions, CPU per resource |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['count']:,} | {row['pages']:,} | {row['full']:.1f} s ({row['full_cpu']:.1f} s) "
            f"| {row['per_page_ms']:.2f} ms "
            f"| {row['cold_cached']:.1f} s | {row['noop']:.2f} s ({row['noop_written']}) "
            f"| {row['one']:.2f} s ({row['one_written']}) "
            f"| {row['index_bytes'] / 1e6:.1f} MB ({row['index_gzip'] / 1e6:.2f} MB) "
            f"| {row['captions_ms']:.1f} ms |"
        )
    return "\n".join(lines)


def verdicts(rows: list[dict[str, object]]) -> str:
    """Which targets each size met, in words, from the measured rows."""
    lines = []
    for row in rows:
        checks = [
            ("full build about 1 ms a page", float(row["per_page_ms"]) <= 1.5),  # type: ignore[arg-type]
            ("no-op under 1 s", float(row["noop"]) < 1.0 and row["noop_written"] == 0),  # type: ignore[arg-type]
            ("one resource under 2 s", float(row["one"]) < 2.0),  # type: ignore[arg-type]
        ]
        if row["count"] == 1000:
            checks.append(("search index under 1 MB gzipped", int(row["index_gzip"]) < 1_000_000))  # type: ignore[call-overload]
        met = [name for name, ok in checks if ok]
        missed = [name for name, ok in checks if not ok]
        lines.append(f"- {row['count']:,} resources: met {', '.join(met) or 'none'}"
                     + (f"; missed {', '.join(missed)}." if missed else "."))
    return "\n".join(lines)


def write_section(markdown: str, path: Path) -> None:
    begin, end = "<!-- site:begin -->", "<!-- site:end -->"
    section = f"{begin}\n{markdown}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        text = text[:text.index(begin)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="capture-bench-") as folder:
        for count in args.counts:
            rows.append(bench(count, Path(folder)))
            print(table(rows[-1:]), flush=True)
    cpu = f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}"
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    markdown = (
        "## Site build (`python benchmarks/site.py`)\n\n"
        f"Synthetic libraries: each resource has a 24-line transcript, fake tiny media and a "
        f"`resources.yaml` entry; 5 journeys, 4 roles, 60 experts. Measured on {cpu}, "
        f"{dt.date.today().isoformat()}. *Full build*: no site and no caches. *One resource changed*: its "
        "title in `resources.yaml` and one transcript line edited. Targets: about 1 ms a page for a full "
        "build, a no-op rebuild under 1 s, a one-resource rebuild under 2 s, a 1,000-clip search index "
        "under 1 MB gzipped. Wall-clock seconds; *CPU* counts the render workers too (a full build "
        "renders on every core). A full build writes a file or folder per page, caption and media "
        "link (40,000 for 10,000 resources), so on a slow or busy disk the file system, not the "
        "rendering, sets its pace. *Captions* is the time `pipeline.captions.make_cues` takes for one "
        "24-line transcript (every page with a transcript embeds its cues, and writes its `.vtt`): "
        "in a full build it is most of the CPU. The machine was shared with other jobs while this "
        "ran (load average " + load + ").\n\n" + table(rows) + "\n\n" + verdicts(rows)
    )
    print(markdown)
    if not args.no_write:
        write_section(markdown, REPO / "docs" / "benchmarks.md")


if __name__ == "__main__":
    main()
