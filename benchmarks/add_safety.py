"""Trials for issue 19, item 1: what `capture add` does to media no entry names.

    python benchmarks/add_safety.py                        # this tree, 10 trials of each kind
    python benchmarks/add_safety.py --code /tmp/old --trials 5   # another checkout, for a before/after

The demo workspace is made once as `make demo` makes it (`capture add samples/`, three clips
with transcripts), then each trial runs in a fresh copy of it:

- ``git-checkout``: one entry (chosen by the seed) removed from resources.yaml, as a checkout
  of an older version or a merge leaves it, then `capture add` of a new clip;
- ``empty``: ``: > resources.yaml``, then `capture add`;
- ``half-saved``: resources.yaml cut at a byte chosen by the seed, as an editor's half-finished
  save leaves it, then `capture add`.

For each it counts the media folders that were there before, how many are still intact (byte
for byte, in ``media/`` or moved aside to ``media/.orphaned/``), how many were deleted, and
whether `capture status --json` lists the unnamed ones. It prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KINDS = ("git-checkout", "empty", "half-saved")


def capture(code: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(code))
    return subprocess.run(
        [sys.executable, "-m", "capture", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def media_snapshots(workspace: Path) -> dict[str, dict[str, bytes]]:
    """Each media folder's files, keyed by the id it was made for (wherever it now lies)."""
    found: dict[str, dict[str, bytes]] = {}
    media = workspace / "media"
    for folder in sorted(media.glob("*")) + sorted(media.glob(".orphaned/*")):
        if folder.is_dir() and not folder.name.startswith(".staging") and folder.name != ".orphaned":
            name = folder.name if folder.parent == media else re.sub(r"-\d{8}T\d{6}Z(-\d+)?$", "", folder.name)
            files = {k: v for k, v in snapshot(folder).items() if k != "owner.json"}
            found.setdefault(name, files)
    return found


def make_demo(code: Path, work: Path) -> Path:
    workspace = work / "demo"
    if (workspace / "media").is_dir():
        return workspace
    assert capture(code, work, "init", "demo").returncode == 0
    shutil.copytree(REPO / "samples", workspace / "samples")
    result = capture(code, workspace, "add", "samples/", "--yes")
    assert result.returncode == 0, result.stderr
    return workspace


def damage(catalogue: Path, kind: str, rng: random.Random) -> None:
    text = catalogue.read_text(encoding="utf-8")
    if kind == "empty":
        catalogue.write_text("", encoding="utf-8")
    elif kind == "half-saved":
        cut = rng.randrange(len(text.encode("utf-8")))
        catalogue.write_bytes(text.encode("utf-8")[:cut])
    else:
        first = text.index("\nresources:")
        starts = [i for i in range(first, len(text)) if text.startswith("  - id: ", i)]
        pick = rng.randrange(len(starts))
        end = starts[pick + 1] if pick + 1 < len(starts) else len(text)
        catalogue.write_text(text[: starts[pick]] + text[end:], encoding="utf-8")


def trial(code: Path, demo: Path, work: Path, *, kind: str, seed: int) -> dict[str, object]:
    workspace = work / f"{kind}-{seed}"
    shutil.rmtree(workspace, ignore_errors=True)
    shutil.copytree(demo, workspace, symlinks=True)
    before = media_snapshots(workspace)
    damage(workspace / "resources.yaml", kind, random.Random(seed))
    clip = workspace / "new.mp4"
    shutil.copy(work / "new.mp4", clip)
    add = capture(code, workspace, "add", "new.mp4", "--yes")
    after = media_snapshots(workspace)
    intact = sum(1 for name, files in before.items() if after.get(name) == files)
    status = capture(code, workspace, "status", "--json")
    try:
        listed = sum(1 for row in json.loads(status.stdout) if row.get("review") == "orphaned")
    except ValueError:
        listed = -1  # status refused the catalogue
    return {
        "kind": kind,
        "add_rc": add.returncode,
        "before": len(before),
        "intact": intact,
        "deleted": len(before) - intact,
        "listed": listed,
        "note": add.stderr.strip().splitlines()[0][:90] if add.stderr.strip() else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=REPO, help="the checkout whose capture runs")
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "capture-add-safety")
    args = parser.parse_args()
    work = args.work / args.code.resolve().name
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [shutil.which("ffmpeg") or _ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=160x120:d=1",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(work / "new.mp4")],
        check=True,
    )  # fmt: skip
    demo = make_demo(args.code, work)
    rows = [trial(args.code, demo, work, kind=kind, seed=seed) for kind in KINDS for seed in range(args.trials)]
    print("| trial | runs | add exit 0 | media folders before | intact after | deleted | listed by status |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind in KINDS:
        mine = [r for r in rows if r["kind"] == kind]
        total = sum(int(str(r["before"])) for r in mine)
        print(
            f"| {kind} | {len(mine)} | {sum(r['add_rc'] == 0 for r in mine)} | {total} | "
            f"{sum(int(str(r['intact'])) for r in mine)} | {sum(int(str(r['deleted'])) for r in mine)} | "
            f"{sum(max(0, int(str(r['listed']))) for r in mine)} |"
        )
    notes = sorted({str(r["note"]) for r in rows if r["note"]})
    for note in notes[:6]:
        print(f"- {note}")


def _ffmpeg() -> str:
    import imageio_ffmpeg  # type: ignore[import-untyped]

    return str(imageio_ffmpeg.get_ffmpeg_exe())


if __name__ == "__main__":
    main()
