"""Make the demo's sample clips: real speech (espeak-ng) over a simple picture, phone-style.

Run from the repository root: ``python samples/make_samples.py``. The clips are small
(a few hundred kB each) and committed; this script documents exactly how they were made.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import imageio_ffmpeg
from ruamel.yaml import YAML

HERE = Path(__file__).resolve().parent


def make_clip(ffmpeg: str, clip: dict, work: Path) -> None:
    speech = work / "speech.wav"
    subprocess.run(["espeak-ng", "-v", clip["voice"], "-s", "140", "-w", str(speech), clip["text"]], check=True)
    portrait = clip["orientation"] == "portrait"
    # Phones record the sensor's landscape frame and add a display rotation for portrait.
    size = "640x360"
    title = clip["title"].replace("'", "")
    picture = (
        f"gradients=s={size}:c0=0x20406a:c1=0x3f7f5f:speed=0.02:r=30,"
        f"drawtext=text='{title}':fontcolor=white:fontsize=28:x=(w-text_w)/2:y=h/2-20,"
        "drawtext=text='%{pts\\:hms}':fontcolor=white@0.8:fontsize=18:x=(w-text_w)/2:y=h/2+30,"
        # A white band along the top edge: tests use it to tell upright from upside down.
        "drawbox=x=0:y=0:w=iw:h=24:color=white:t=fill"
    )
    if portrait:
        # Draw upright text on a portrait canvas, then store it sideways like a phone sensor does.
        picture = picture.replace(size, "360x640") + ",transpose=1"
    raw = work / "raw.mp4"
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            picture,
            "-i",
            str(speech),
            "-af",
            "volume=0.35,apad=pad_dur=0.8",
            "-shortest",
            "-c:v",
            "libx264",
            "-preset",
            "veryslow",
            "-crf",
            "30",
            "-pix_fmt",
            "yuv420p",
            "-g",
            "60",
            "-c:a",
            "aac",
            "-b:a",
            "48k",
            "-ac",
            "1",
            str(raw),
        ],
        check=True,
    )
    out = HERE / clip["file"]
    # The display matrix turns the stored frame 90° counter-clockwise, undoing transpose=1.
    rotation = ["-display_rotation:v:0", "90"] if portrait else []
    subprocess.run([ffmpeg, "-v", "error", "-y", *rotation, "-i", str(raw), "-c", "copy", str(out)], check=True)
    print(f"made {out.name} ({out.stat().st_size // 1024} kB)")


def make_audio_clip(ffmpeg: str, clip: dict, work: Path) -> None:
    speech = work / "speech.wav"
    subprocess.run(["espeak-ng", "-v", clip["voice"], "-s", "140", "-w", str(speech), clip["text"]], check=True)
    out = (HERE / clip["file"]).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-i",
            str(speech),
            "-af",
            "volume=0.35,apad=pad_dur=0.8",
            "-c:a",
            "aac",
            "-b:a",
            "48k",
            "-ac",
            "1",
            str(out),
        ],
        check=True,
    )
    print(f"made {out.name} ({out.stat().st_size // 1024} kB)")


def main() -> int:
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    scripts = YAML(typ="safe").load((HERE / "scripts.yaml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as folder:
        for clip in scripts["clips"]:
            make_clip(ffmpeg, clip, Path(folder))
        for clip in scripts.get("test_clips", []):
            make_audio_clip(ffmpeg, clip, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
