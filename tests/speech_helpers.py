"""Shared by the transcript tests: the committed sample clips, their scripts, generated sounds."""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
from pathlib import Path

import imageio_ffmpeg
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
DATA = Path(__file__).resolve().parent / "data"
SAMPLE_RATE = 16000


def scripts() -> dict:
    return YAML(typ="safe").load((SAMPLES / "scripts.yaml").read_text(encoding="utf-8"))


def script_of(file_name: str) -> str:
    return next(c["text"] for c in scripts()["clips"] if c["file"] == file_name)


def words_of(text: str) -> list[str]:
    """Lower-case words without punctuation; "handover" and "hand over" count the same."""
    return re.findall(r"[a-z0-9']+", text.lower().replace("hand over", "handover"))


def matched_fraction(expected: str, heard: str) -> float:
    """Share of the expected words that the heard text has, in order."""
    want, got = words_of(expected), words_of(heard)
    blocks = difflib.SequenceMatcher(a=want, b=got, autojunk=False).get_matching_blocks()
    return sum(block.size for block in blocks) / max(len(want), 1)


def generated_audio(source: str, seconds: float = 4.0):  # type: ignore[no-untyped-def]
    """16 kHz mono float32 samples from an ffmpeg lavfi source (silence, tones, noise)."""
    import numpy as np

    raw = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            source,
            "-t",
            str(seconds),
            "-f",
            "f32le",
            "-ac",
            "1",
            "-ar",
            str(SAMPLE_RATE),
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.float32)


def generated_clip(path: Path, source: str, seconds: float = 4.0) -> Path:
    """A small MP4 with a test picture and the given lavfi audio."""
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=s=320x240:r=15:d={seconds}",
            "-f",
            "lavfi",
            "-i",
            source,
            "-t",
            str(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-ac",
            "1",
            str(path),
        ],
        check=True,
    )
    return path


def copy_workspace(template: Path, target: Path) -> Path:
    shutil.copytree(template, target, symlinks=True)
    return target
