"""Shared helpers for tests: run the CLI, make tiny real media with the bundled ffmpeg."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEMO_FILES = ("resources.yaml", "journeys", "transcripts", "samples")


# Debian's chromium, as the probe of this machine kind starts it: headless, no background traffic.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def launch_chromium(playwright: Any, *extra: str) -> Any:
    """Debian's chromium through Playwright (never ``playwright install``); missing, the test fails."""
    executable = shutil.which("chromium")
    assert executable, "chromium is not installed; `make test` installs it (scripts/system-deps.sh)"
    return playwright.chromium.launch(executable_path=executable, args=[*CHROMIUM_ARGS, *extra])


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_capture(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``python -m capture`` in a subprocess, as a user would."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""), COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "capture", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


# Runs capture in this wrapper process and reports, on stderr's last line, what the command cost:
# its peak memory and the bytes it read. These are counts, not speeds: they hold on a loaded machine.
_MEASURED = """
import sys
sys.argv = ["capture", *sys.argv[1:]]
from capture.cli import main
try:
    main()
    code = 0
except SystemExit as exit:
    code = exit.code if isinstance(exit.code, int) else 1
sys.stdout.flush()
rchar = next(int(line.split()[1]) for line in open("/proc/self/io") if line.startswith("rchar:"))
# VmHWM, not ru_maxrss: Linux carries the forking parent's high-water mark across exec into ru_maxrss
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
sys.stderr.write(f"\\nMEASURED {peak} {rchar}\\n")
sys.exit(code)
"""


def run_capture_measured(
    *args: str, cwd: Path, timeout: float = 300
) -> tuple[subprocess.CompletedProcess[str], int, int]:
    """``run_capture``, plus the command's peak memory (KiB) and bytes read (``rchar``); stderr as the user sees it."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""), COLUMNS="200")
    result = subprocess.run(
        [sys.executable, "-c", _MEASURED, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    stderr, _, measured = result.stderr.rpartition("\nMEASURED ")
    peak, read = measured.split()
    result.stderr = stderr
    return result, int(peak), int(read)


def make_speech(text: str, path: Path, voice: str = "en-us+m3") -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(path), text], check=True)
    return path


def make_clip(
    path: Path,
    seconds: float = 2.0,
    size: str = "320x240",
    speech: Path | None = None,
    audio: bool = True,
    extra: tuple[str, ...] = (),
) -> Path:
    """A small H.264/AAC clip: test pattern, with speech, a tone, or no audio."""
    command = [ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}"]
    if speech is not None:
        command += ["-i", str(speech), "-shortest"]
    elif audio:
        command += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *extra]
    if speech is not None or audio:
        command += ["-c:a", "aac", "-b:a", "64k"]
    command.append(str(path))
    subprocess.run(command, check=True)
    return path


def copy_demo(target: Path) -> Path:
    """The repository's demo workspace (catalogue, journeys, transcripts, sample clips) in ``target``."""
    for name in DEMO_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    return target


def paged_library(path: Path, monkeypatch: object) -> Path:
    """40 synthetic resources, all by one expert, built with pages of 3 cards and 2 of each level on a
    role's page: every long list runs over several pages. Not built yet."""
    import re

    from benchmarks.site import make_library
    from pipeline.site import plan as site

    monkeypatch.setattr(site, "PAGE_SIZE", 3)  # type: ignore[attr-defined]
    monkeypatch.setattr(site, "ROLE_PREVIEW", 2)  # type: ignore[attr-defined]
    root = make_library(path, 40, lines=2)
    catalogue = root / "resources.yaml"
    catalogue.write_text(re.sub(r"name: Expert \d\d", "name: Expert 00", catalogue.read_text()))
    return root
