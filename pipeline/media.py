"""Media: probe a clip, plan its processing, run the plan with ffmpeg.

``probe_media`` reads a clip with PyAV into :class:`MediaInfo`; ``plan_media`` is a
pure function from that and the settings to a :class:`MediaPlan`; ``run_plan``
runs one ffmpeg process that writes the web MP4 and, at the same time, pipes the
16 kHz mono audio that transcription needs, so the clip is decoded once.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .catalogue import MediaSettings
from .errors import MediaError
from .fsutil import partial_path

SAMPLE_RATE = 16000
# Bump when the media stage's output changes, so cached outputs are rebuilt.
MEDIA_STAGE_VERSION = "1"

ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class AudioStream:
    codec: str
    channels: int
    sample_rate: int


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    container: str
    duration: float
    video_codec: str | None = None
    width: int = 0
    height: int = 0
    rotation: int = 0
    pixel_format: str | None = None
    bit_depth: int = 8
    color_transfer: str | None = None
    color_primaries: str | None = None
    frame_rate: float = 0.0
    variable_frame_rate: bool = False
    audio: tuple[AudioStream, ...] = ()

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None

    @property
    def has_audio(self) -> bool:
        return bool(self.audio)

    @property
    def is_hdr(self) -> bool:
        return self.color_transfer in ("arib-std-b67", "smpte2084")

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height as a viewer sees them, after the display rotation."""
        if self.rotation % 180:
            return self.height, self.width
        return self.width, self.height


@dataclass(frozen=True)
class MediaPlan:
    """What to do with one clip. ``mode`` is ``transcode``, ``remux`` or ``audio``."""

    mode: str
    reasons: tuple[str, ...]
    output_size: tuple[int, int] | None
    frame_rate: float | None
    tone_map: bool
    settings: MediaSettings
    extract_audio: bool

    def describe(self) -> str:
        return f"{self.mode}: " + "; ".join(self.reasons)


@dataclass
class MediaOutputs:
    video: Path | None
    poster: Path | None
    audio: object | None = None  # numpy float32 array at 16 kHz mono, or None
    duration: float = 0.0
    plan: MediaPlan | None = None
    extra: dict[str, str] = field(default_factory=dict)


def ffmpeg_exe() -> str:
    """The ffmpeg binary: ``CAPTURE_FFMPEG`` if set, else the one imageio-ffmpeg ships."""
    chosen = os.environ.get("CAPTURE_FFMPEG")
    if chosen:
        return chosen
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _bad_media_message(name: str, detail: str) -> str:
    lowered = detail.lower()
    if "no space left on device" in lowered:
        return f"{name}: the disk is full while writing the web video; free some space and run the command again"
    if "read-only file system" in lowered or "permission denied" in lowered:
        return f"{name}: cannot write the web video: the folder is read-only or not yours; check its permissions"
    if "moov atom not found" in lowered or "end of file" in lowered or "truncated" in lowered:
        return (f"{name}: the file is truncated or damaged ({detail.strip()}); "
                "copy it from the phone again and re-run `capture add`")
    return (f"{name}: not a video or audio file capture can read ({detail.strip()}); "
            "check that it is the clip you meant and that it copied completely")


def probe_media(path: Path) -> MediaInfo:
    """Read container and stream facts with PyAV; raise MediaError with advice when unreadable."""
    import av

    name = path.name
    if not path.exists():
        raise MediaError(f"{path}: no such file; check the path and try again")
    if not path.is_file():
        raise MediaError(f"{path}: not a file; give a video file or a folder of clips")
    if path.stat().st_size == 0:
        raise MediaError(f"{name}: the file is empty (0 bytes); copy the clip from the phone again")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError as exc:  # type: ignore[attr-defined]
        raise MediaError(_bad_media_message(name, getattr(exc, "strerror", None) or str(exc))) from exc
    except (OSError, ValueError) as exc:
        raise MediaError(_bad_media_message(name, str(exc))) from exc
    with container:
        video = next((s for s in container.streams.video if not _is_cover_art(s)), None)
        audio_streams = tuple(
            AudioStream(codec=s.codec_context.name, channels=s.codec_context.channels or 0,
                        sample_rate=s.codec_context.sample_rate or 0)
            for s in container.streams.audio
        )
        if video is None and not audio_streams:
            raise MediaError(_bad_media_message(name, "no video or audio stream"))
        duration = _duration(container, video)
        info = dict(path=path, container=container.format.name, duration=duration, audio=audio_streams)
        if video is not None:
            cc = video.codec_context
            pix = cc.pix_fmt or (video.format.name if video.format else None)
            rate = video.average_rate or video.guessed_rate or Fraction(0)
            info.update(
                video_codec=cc.name,
                width=cc.width or 0,
                height=cc.height or 0,
                rotation=_rotation(container, video),
                pixel_format=pix,
                bit_depth=_bit_depth(pix),
                color_transfer=_color_name(cc, "color_trc"),
                color_primaries=_color_name(cc, "color_primaries"),
                frame_rate=float(rate) if rate else 0.0,
                variable_frame_rate=_is_variable_rate(video),
            )
    return MediaInfo(**info)  # type: ignore[arg-type]


def _is_cover_art(stream) -> bool:  # type: ignore[no-untyped-def]
    return bool(stream.disposition & getattr(stream.disposition, "attached_pic", 0)) if hasattr(stream, "disposition") else False


def _duration(container, video) -> float:  # type: ignore[no-untyped-def]
    if container.duration:
        return container.duration / 1_000_000
    if video is not None and video.duration and video.time_base:
        return float(video.duration * video.time_base)
    return 0.0


def _rotation(container, stream) -> int:  # type: ignore[no-untyped-def]
    """Display rotation in degrees clockwise, from the display matrix (or the old ``rotate`` tag).

    PyAV exposes the display matrix on decoded frames, so the first frame is decoded;
    that also proves the video stream is readable at all.
    """
    tag = (stream.metadata or {}).get("rotate", "").strip()
    if re.fullmatch(r"-?\d+", tag):
        return int(tag) % 360
    import av

    try:
        for frame in container.decode(stream):
            return int(round(-float(getattr(frame, "rotation", 0) or 0))) % 360
    except av.error.FFmpegError:  # type: ignore[attr-defined]
        return 0
    return 0


def _bit_depth(pix_fmt: str | None) -> int:
    if not pix_fmt:
        return 8
    match = re.search(r"p(\d{2})(le|be)?$", pix_fmt)
    if match:
        return int(match.group(1))
    return 8


def _color_name(cc, attribute: str) -> str | None:  # type: ignore[no-untyped-def]
    value = getattr(cc, attribute, None)
    if value is None:
        return None
    names = {
        "color_trc": {1: "bt709", 14: "bt2020-10", 16: "smpte2084", 18: "arib-std-b67", 13: "iec61966-2-1"},
        "color_primaries": {1: "bt709", 9: "bt2020", 12: "smpte432"},
    }[attribute]
    if isinstance(value, int):
        return names.get(value)
    return str(value).lower() or None


def _is_variable_rate(stream) -> bool:  # type: ignore[no-untyped-def]
    avg = stream.average_rate
    base = stream.base_rate or stream.guessed_rate
    if not avg or not base:
        return False
    return abs(float(avg) - float(base)) / float(base) > 0.02


def plan_media(info: MediaInfo, settings: MediaSettings) -> MediaPlan:
    """Decide how to make ``info`` web-ready. Pure: no files touched."""
    if info.duration > settings.max_duration:
        raise MediaError(
            f"{info.path.name}: the clip is {info.duration / 60:.0f} minutes long, more than the "
            f"{settings.max_duration / 60:.0f} allowed by media.max_duration; trim it or raise the limit"
        )
    if not info.has_video:
        return MediaPlan(mode="audio", reasons=("audio only: published as audio with a generated poster",),
                         output_size=None, frame_rate=None, tone_map=False, settings=settings,
                         extract_audio=True)
    reasons: list[str] = []
    width, height = info.display_size
    short_side = min(width, height)
    if info.video_codec != "h264":
        reasons.append(f"video is {info.video_codec}, browsers need H.264")
    if info.pixel_format not in ("yuv420p", "yuvj420p"):
        reasons.append(f"pixel format {info.pixel_format} is not 8-bit 4:2:0")
    if short_side > settings.target_height:
        reasons.append(f"{width}x{height} is above {settings.target_height}p")
    if info.rotation:
        reasons.append(f"display rotation {info.rotation}° is applied so it plays upright everywhere")
    if info.is_hdr:
        reasons.append(f"HDR ({info.color_transfer}) is tone-mapped to SDR BT.709")
    if info.variable_frame_rate:
        reasons.append("variable frame rate is made constant")
    if info.container.split(",")[0] not in ("mov", "mp4", "m4a", "3gp", "3g2", "mj2"):
        reasons.append(f"container {info.container} is not MP4")
    if any(a.codec != "aac" for a in info.audio[:1]):
        reasons.append(f"audio is {info.audio[0].codec}, browsers need AAC")
    scale = min(1.0, settings.target_height / short_side) if short_side else 1.0
    out_w = max(2, int(round(width * scale / 2)) * 2)
    out_h = max(2, int(round(height * scale / 2)) * 2)
    rate = info.frame_rate if 1 <= info.frame_rate <= 60 else 30.0
    if reasons:
        return MediaPlan(mode="transcode", reasons=tuple(reasons), output_size=(out_w, out_h),
                         frame_rate=round(rate, 3), tone_map=info.is_hdr, settings=settings,
                         extract_audio=info.has_audio)
    return MediaPlan(mode="remux", reasons=("already web-ready: copied into MP4 with +faststart",),
                     output_size=(width, height), frame_rate=None, tone_map=False, settings=settings,
                     extract_audio=info.has_audio)


def build_command(info: MediaInfo, plan: MediaPlan, video_out: Path) -> list[str]:
    """The ffmpeg command line for ``plan`` (ffmpeg-python builds the filter graph)."""
    import ffmpeg

    source = ffmpeg.input(str(info.path))
    outputs = []
    common = dict(movflags="+faststart", f="mp4")
    audio_args: dict[str, object] = {}
    audio = None
    if info.has_audio:
        audio = source["a:0"].filter(
            "loudnorm", I=plan.settings.loudness, TP=-1.5, LRA=11
        )
        audio_args = dict(acodec="aac", audio_bitrate="128k", ar=48000, ac=2 if info.audio[0].channels > 1 else 1)
    if plan.mode == "audio":
        outputs.append(ffmpeg.output(audio, str(video_out), **audio_args, **common))
    elif plan.mode == "remux":
        video = source["v:0"]
        streams = [video] + ([audio] if audio is not None else [])
        outputs.append(ffmpeg.output(*streams, str(video_out), vcodec="copy", **audio_args, **common))
    else:
        video = source["v:0"]
        if plan.tone_map:
            video = (
                video.filter("zscale", t="linear", npl=100)
                .filter("format", "gbrpf32le")
                .filter("zscale", p="bt709")
                .filter("tonemap", tonemap="hable", desat=0)
                .filter("zscale", t="bt709", m="bt709", r="tv")
            )
        assert plan.output_size is not None
        video = video.filter("scale", plan.output_size[0], plan.output_size[1], flags="bicubic")
        video = video.filter("format", "yuv420p")
        streams = [video] + ([audio] if audio is not None else [])
        outputs.append(
            ffmpeg.output(
                *streams, str(video_out), vcodec="libx264", profile="high", pix_fmt="yuv420p",
                crf=plan.settings.crf, preset=plan.settings.preset, r=plan.frame_rate, fps_mode="cfr",
                color_primaries="bt709", color_trc="bt709", colorspace="bt709",
                **audio_args, **common,
            )
        )
    if plan.extract_audio:
        outputs.append(ffmpeg.output(source["a:0"], "pipe:1", f="f32le", acodec="pcm_f32le", ac=1, ar=SAMPLE_RATE))
    merged = ffmpeg.merge_outputs(*outputs) if len(outputs) > 1 else outputs[0]
    args = merged.global_args("-nostdin", "-hide_banner", "-v", "error", "-progress", "pipe:2", "-nostats")
    return args.compile(cmd=ffmpeg_exe(), overwrite_output=True)


def run_ffmpeg(command: list[str], duration: float, name: str,
               progress: ProgressCallback | None = None) -> bytes:
    """Run ffmpeg, feeding ``progress`` (0..1) from ``-progress``; return what it wrote to stdout."""
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    chunks: list[bytes] = []

    def read_stdout() -> None:
        assert process.stdout is not None
        while block := process.stdout.read(1 << 16):
            chunks.append(block)

    reader = threading.Thread(target=read_stdout, daemon=True)
    reader.start()
    errors: list[str] = []
    try:
        assert process.stderr is not None
        for raw in process.stderr:
            line = raw.decode("utf-8", "replace").strip()
            key, sep, value = line.partition("=")
            if sep and key in ("out_time_us", "out_time_ms"):
                if progress and duration > 0 and value.strip().lstrip("-").isdigit():
                    progress(min(1.0, int(value) / 1_000_000 / duration))
            elif sep and re.fullmatch(r"[a-z_0-9.]+", key):
                continue
            elif line:
                errors.append(line)
        process.wait()
        reader.join()
    except BaseException:
        process.kill()
        process.wait()
        raise
    if process.returncode != 0:
        detail = errors[-1] if errors else f"ffmpeg exited with code {process.returncode}"
        raise MediaError(_bad_media_message(name, detail))
    if progress:
        progress(1.0)
    return b"".join(chunks)


def process_media(info: MediaInfo, plan: MediaPlan, folder: Path,
                  progress: ProgressCallback | None = None) -> MediaOutputs:
    """Run ``plan``: write ``video.mp4`` (or ``audio.m4a``) and ``poster.jpg`` into ``folder``."""
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    final = folder / ("audio.m4a" if plan.mode == "audio" else "video.mp4")
    part = partial_path(final)
    command = build_command(info, plan, part)
    try:
        pcm = run_ffmpeg(command, info.duration, info.path.name, progress)
        if not part.exists() or part.stat().st_size == 0:
            raise MediaError(_bad_media_message(info.path.name, "ffmpeg produced no output"))
        os.replace(part, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
    audio = np.frombuffer(pcm, dtype=np.float32) if plan.extract_audio else None
    poster = folder / "poster.jpg"
    if plan.mode == "audio":
        make_card_poster(poster, info.path.stem)
    else:
        choose_poster(final, poster)
    return MediaOutputs(video=final, poster=poster, audio=audio, duration=info.duration, plan=plan)


def choose_poster(video: Path, poster: Path, candidates: int = 6) -> float:
    """Write the best of a few frames (not black, not blank, sharp) as ``poster``; return its time."""
    import av
    import numpy as np

    best: tuple[float, float] = (-1.0, 0.0)
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        duration = _duration(container, stream)
        times = [duration * (i + 1) / (candidates + 1) for i in range(candidates)] if duration > 0 else [0.0]
        for moment in times:
            container.seek(int(moment * 1_000_000), any_frame=False, backward=True)
            frame = next(container.decode(stream), None)
            if frame is None:
                continue
            small = frame.reformat(width=160, height=max(2, int(160 * frame.height / max(frame.width, 1))), format="gray")
            luma = small.to_ndarray().astype(np.float32)
            mean, spread = float(luma.mean()), float(luma.std())
            lap = luma[1:-1, 1:-1] * 4 - luma[:-2, 1:-1] - luma[2:, 1:-1] - luma[1:-1, :-2] - luma[1:-1, 2:]
            sharpness = float(lap.var()) if lap.size else 0.0
            exposure = 1.0 - abs(mean - 128.0) / 128.0
            score = spread * exposure + 0.05 * min(sharpness, 2000.0)
            if mean < 16 or mean > 240 or spread < 4:
                score *= 0.01
            if score > best[0]:
                best = (score, frame.time if frame.time is not None else moment)
    moment = best[1]
    part = partial_path(poster)
    command = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-ss", f"{moment:.3f}", "-i", str(video),
               "-frames:v", "1", "-q:v", "3", "-f", "image2", "-c:v", "mjpeg", str(part)]
    result = subprocess.run(command, capture_output=True)
    if result.returncode != 0 or not part.exists():
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        raise MediaError(f"{video.name}: could not write a poster frame ({result.stderr.decode(errors='replace').strip()})")
    os.replace(part, poster)
    return moment


def make_card_poster(poster: Path, title: str) -> None:
    """A plain title card for audio-only resources."""
    safe = re.sub(r"[^A-Za-z0-9 ._-]", " ", title)[:40] or "Audio"
    part = partial_path(poster)
    command = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x1d4e89:s=1280x720:d=1",
               "-vf", f"drawtext=text='{safe}':fontcolor=white:fontsize=64:x=(w-text_w)/2:y=(h-text_h)/2",
               "-frames:v", "1", "-q:v", "3", "-f", "image2", "-c:v", "mjpeg", str(part)]
    result = subprocess.run(command, capture_output=True)
    if result.returncode != 0:
        # No fonts on this machine: a plain card still beats no poster.
        at = command.index("-vf")
        result = subprocess.run(command[:at] + command[at + 2:], capture_output=True)
    if result.returncode != 0 or not part.exists():
        raise MediaError(f"could not make a poster card: {result.stderr.decode(errors='replace').strip()}")
    os.replace(part, poster)
