"""Posters: the best frame of a video (not black, blank or blurred), or a title card for audio."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import MediaError
from pipeline.fsutil import partial_path
from pipeline.media.probe import container_duration, ffmpeg_exe

if TYPE_CHECKING:
    from numpy.typing import NDArray


def score_frame(luma: NDArray[Any]) -> float:
    """How good a grey frame is as a poster: detail times exposure, near zero for black, blank or blur."""
    import numpy as np

    luma = luma.astype(np.float32)
    mean, spread = float(luma.mean()), float(luma.std())
    lap = luma[1:-1, 1:-1] * 4 - luma[:-2, 1:-1] - luma[2:, 1:-1] - luma[1:-1, :-2] - luma[1:-1, 2:]
    sharpness = float(np.abs(lap).mean()) if lap.size else 0.0
    exposure = 1.0 - abs(mean - 128.0) / 128.0
    score = (spread + 4.0 * sharpness) * exposure
    if mean < 16 or mean > 240 or spread < 4:
        score *= 0.01
    return score


def choose_poster(video: Path, poster: Path, candidates: int = 6) -> float:
    """Write the best of a few frames (not black, not blank, sharp) as ``poster``; return its time.

    Candidates are the key frames at or before evenly spaced moments: a key frame
    decodes on its own (no run of frames to decode up to a moment) and is the
    encoder's best-quality picture.
    """
    import av

    best: tuple[float, float] = (-1.0, 0.0)
    seen: set[float] = set()
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        duration = container_duration(container, stream)
        times = [duration * (i + 1) / (candidates + 1) for i in range(candidates)] if duration > 0 else [0.0]
        for moment in times:
            container.seek(int(moment * 1_000_000), any_frame=False, backward=True)
            frame = next(container.decode(stream), None)
            if frame is None or frame.time in seen:
                continue
            seen.add(frame.time)
            small = frame.reformat(
                width=160, height=max(2, int(160 * frame.height / max(frame.width, 1))), format="gray"
            )
            score = score_frame(small.to_ndarray())
            if score > best[0]:
                best = (score, frame.time if frame.time is not None else moment)
    moment = best[1]
    part = partial_path(poster)
    command = [
        ffmpeg_exe(),
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-ss",
        f"{moment:.3f}",
        "-i",
        str(video),
        "-frames:v",
        "1",
        "-q:v",
        "3",
        "-f",
        "image2",
        "-c:v",
        "mjpeg",
        str(part),
    ]
    result = subprocess.run(command, capture_output=True)
    if result.returncode != 0 or not part.exists():
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        raise MediaError(
            f"{video.name}: could not write a poster frame ({result.stderr.decode(errors='replace').strip()})"
        )
    os.replace(part, poster)
    return moment


def make_card_poster(poster: Path, title: str) -> None:
    """A plain title card for audio-only resources."""
    safe = re.sub(r"[^A-Za-z0-9 ._-]", " ", title)[:40].strip() or "Audio"
    part = partial_path(poster)
    command = [
        ffmpeg_exe(),
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "color=c=0x1d4e89:s=1280x720:d=1",
        "-vf",
        f"drawtext=text='{safe}':fontcolor=white:fontsize=64:x=(w-text_w)/2:y=(h-text_h)/2",
        "-frames:v",
        "1",
        "-q:v",
        "3",
        "-f",
        "image2",
        "-c:v",
        "mjpeg",
        str(part),
    ]
    result = subprocess.run(command, capture_output=True)
    if result.returncode != 0:
        # No fonts on this machine: a plain card still beats no poster.
        at = command.index("-vf")
        result = subprocess.run(command[:at] + command[at + 2 :], capture_output=True)
    if result.returncode != 0 or not part.exists():
        raise MediaError(f"could not make a poster card: {result.stderr.decode(errors='replace').strip()}")
    os.replace(part, poster)
