"""Phone-like clips for the ingest tests, made with the bundled ffmpeg from lavfi sources.

Each maker writes a small file (1-3 s, at most 320x180) and returns its path. They
reproduce what phones really write: HEVC 10-bit HLG with a display-matrix rotation
(iPhone HDR portrait), variable frame rate, quiet speech, and broken copies.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.support import ffmpeg, make_speech

SPEECH = "Today I show you how to change the label roll on the packing line."


def run(*args: str) -> None:
    subprocess.run([ffmpeg(), "-nostdin", "-v", "error", "-y", *args], check=True)


def speech(folder: Path) -> Path:
    """Quiet speech (about -30 LUFS, like a phone held at arm's length), 3 s, mono 22 kHz."""
    target = folder / "speech.wav"
    if not target.exists():
        loud = make_speech(SPEECH, folder / "speech-loud.wav")
        run("-i", str(loud), "-af", "volume=-14dB", "-t", "3", str(target))
    return target


def hlg_portrait(folder: Path, name: str = "hdr portrait.mov") -> Path:
    """HEVC Main 10, HLG/BT.2020 tags, stored landscape with a -90° display matrix: shown portrait."""
    raw = folder / "hlg-raw.mp4"
    run(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x180:r=30:d=3",
        "-i",
        str(speech(folder)),
        "-vf",
        "setparams=color_trc=arib-std-b67:color_primaries=bt2020:colorspace=bt2020nc,format=yuv420p10le",
        "-c:v",
        "libx265",
        "-preset",
        "ultrafast",
        "-x265-params",
        "log-level=error",
        "-color_trc",
        "arib-std-b67",
        "-color_primaries",
        "bt2020",
        "-colorspace",
        "bt2020nc",
        "-c:a",
        "aac",
        "-b:a",
        "64k",
        "-shortest",
        str(raw),
    )
    target = folder / name
    run("-display_rotation:v:0", "-90", "-i", str(raw), "-c", "copy", str(target))
    return target


def variable_rate(folder: Path, name: str = "vfr.mp4") -> Path:
    """H.264 whose frame intervals jitter by up to 12 ms, as phones write in low light."""
    target = folder / name
    run(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x180:r=30:d=2",
        "-f",
        "lavfi",
        "-i",
        "sine=f=300:d=2",
        "-vf",
        "settb=1/1000,setpts='PTS+floor(random(0)*12)'",
        "-fps_mode",
        "vfr",
        "-enc_time_base",
        "filter",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
        str(target),
    )
    return target


def web_ready(folder: Path, name: str = "web ready.mp4", faststart: bool = True) -> Path:
    """H.264 High 8-bit 4:2:0 + AAC at constant 30 fps, 320x180: nothing to fix."""
    target = folder / name
    flags = ["-movflags", "+faststart"] if faststart else []
    run(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x180:r=30:d=3",
        "-i",
        str(speech(folder)),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "64k",
        "-shortest",
        *flags,
        str(target),
    )
    return target


def no_audio(folder: Path, name: str = "no audio.mp4") -> Path:
    target = folder / name
    run(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x180:r=30:d=2",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        str(target),
    )
    return target


def audio_only(folder: Path, name: str = "voice memo.m4a") -> Path:
    target = folder / name
    run("-i", str(speech(folder)), "-c:a", "aac", "-b:a", "64k", str(target))
    return target


def silence(folder: Path, name: str = "silence.mp4") -> Path:
    """Video with a perfectly silent stereo track."""
    target = folder / name
    run(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x180:r=30:d=2",
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=48000:cl=stereo",
        "-t",
        "2",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        str(target),
    )
    return target


def black_blur_sharp(folder: Path, name: str = "poster.mp4") -> Path:
    """2 s black, 2 s heavily blurred, 2 s sharp: the poster must come from the last part."""
    target = folder / name
    run(
        "-f",
        "lavfi",
        "-i",
        "color=c=black:s=320x180:r=30:d=2",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x180:r=30:d=2",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x180:r=30:d=2",
        "-filter_complex",
        "[1:v]boxblur=20:5[blurred];[0:v][blurred][2:v]concat=n=3:v=1:a=0",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-g",
        "15",
        str(target),
    )
    return target


def cut_in_half(source: Path, target: Path) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    return target


def loudness(path: Path) -> float:
    """Integrated loudness (LUFS) of ``path``'s audio, measured by ffmpeg's ebur128."""
    result = subprocess.run(
        [
            ffmpeg(),
            "-nostdin",
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-vn",
            "-af",
            "ebur128=framelog=quiet",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
    )
    summary = result.stderr[result.stderr.rfind("Summary:") :]
    match = re.search(r"I:\s*(-?[\d.]+) LUFS", summary)
    assert match, result.stderr
    return float(match.group(1))


def top_level_boxes(path: Path) -> list[str]:
    """The order of an MP4's top-level boxes (``moov`` before ``mdat`` means +faststart)."""
    import struct

    boxes, offset, size = [], 0, path.stat().st_size
    with open(path, "rb") as handle:
        while offset + 8 <= size:
            handle.seek(offset)
            length, kind = struct.unpack(">I4s", handle.read(8))
            if length == 1:
                length = struct.unpack(">Q", handle.read(8))[0]
            boxes.append(kind.decode("latin-1"))
            if length < 8:
                break
            offset += length
    return boxes
