"""Media: probe a clip, plan its processing, run the plan with ffmpeg.

``probe_media`` (in :mod:`pipeline.media.probe`) reads a clip with PyAV into :class:`MediaInfo`.
``plan_media`` is a pure function from that and the settings to a :class:`MediaPlan`.
``process_media`` runs the plan in two ffmpeg processes:

1. an audio-only pass that measures loudness (EBU R128) and, from the same decode,
   pipes the 16 kHz mono audio that transcription needs;
2. the main pass that writes the web MP4: a stream copy (remux) where the clip is
   already web-ready, else a transcode. Its audio gets the gain ``plan_audio`` chose
   from the measurement (a linear gain with a true-peak limiter only where needed),
   or is copied when it is already at the target loudness.

Measuring first costs one cheap audio decode and buys an exact gain; ffmpeg's
one-pass ``loudnorm`` is slower than the AAC encoder itself and misses short clips'
target by a few LU. Posters are chosen in :mod:`pipeline.media.poster`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pipeline.errors import MediaError
from pipeline.fsutil import disk_is_full, explain_os_error, partial_path
from pipeline.media.ffmpeg import Input, Stream, compile_command
from pipeline.media.poster import choose_poster, make_card_poster, score_frame
from pipeline.media.probe import (
    AudioStream,
    MediaInfo,
    check_mp4_boxes,
    cut_short,
    disk_full,
    ffmpeg_exe,
    frame_rate_from_stamps,
    probe_media,
    source_path,
    unreadable,
)
from pipeline.workspace.catalogue import MediaSettings

if TYPE_CHECKING:
    from pipeline.speech.whisper import Audio

__all__ = [  # probe and poster are re-exported: ``pipeline.media.process`` is the stage's one entry point
    "AudioPlan",
    "AudioStream",
    "Loudness",
    "MediaInfo",
    "MediaOutputs",
    "MediaPlan",
    "analyse_audio",
    "build_command",
    "check_mp4_boxes",
    "choose_poster",
    "constant_rate",
    "ffmpeg_exe",
    "frame_rate_from_stamps",
    "make_card_poster",
    "plan_audio",
    "plan_media",
    "probe_media",
    "process_media",
    "run_ffmpeg",
    "score_frame",
    "write_media",
]

SAMPLE_RATE = 16000
# Bump when the media stage's output changes, so cached outputs are rebuilt.
MEDIA_STAGE_VERSION = "2"
WEB_CONTAINERS = ("mov", "mp4", "m4a", "3gp", "3g2", "mj2")
COMMON_RATES = (23.976, 24.0, 25.0, 29.97, 30.0, 48.0, 50.0, 59.94, 60.0)
# Audio within this many LU of the target, and not clipping, is left as it is.
LOUDNESS_TOLERANCE = 1.0
TRUE_PEAK_CEILING = -1.5
SILENCE_LUFS = -60.0
# What ffmpeg logs (and still exits 0) when the input ends in the middle of its data.
TRUNCATION_MARKS = ("partial file", "File ended prematurely")

StageProgress = Callable[[str, float], None]


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


@dataclass(frozen=True)
class Loudness:
    """EBU R128 measurement of a clip's first audio stream."""

    integrated: float  # LUFS; -70 or below means silence
    true_peak: float  # dBTP


@dataclass(frozen=True)
class AudioPlan:
    """``copy`` keeps the audio as it is; otherwise it is encoded to AAC with ``gain`` dB."""

    copy: bool
    gain: float
    limit: bool
    reason: str


@dataclass
class MediaOutputs:
    video: Path | None
    poster: Path | None
    audio: Audio | None = None  # 16 kHz mono float32 samples for the speech model, or None
    duration: float = 0.0
    plan: MediaPlan | None = None
    loudness: Loudness | None = None
    audio_plan: AudioPlan | None = None
    original: Path | None = None


# ---------------------------------------------------------------------------------------------
# Plan


def _clock(seconds: float) -> str:
    """h:mm:ss, or m:ss under an hour."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def plan_media(info: MediaInfo, settings: MediaSettings) -> MediaPlan:
    """Decide how to make ``info`` web-ready. Pure: no files touched."""
    if info.duration > settings.max_duration:
        raise MediaError(
            f"{info.path.name}: the clip is {_clock(info.duration)} long, more than the "
            f"{_clock(settings.max_duration)} allowed by media.max_duration; trim it or raise the limit"
        )
    if not info.has_video:
        return MediaPlan(
            mode="audio",
            reasons=("audio only: published as audio with a generated poster",),
            output_size=None,
            frame_rate=None,
            tone_map=False,
            settings=settings,
            extract_audio=True,
        )
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
        reasons.append(f"variable frame rate (about {info.frame_rate:.1f} fps) is made constant")
    if info.container.split(",")[0] not in WEB_CONTAINERS:
        reasons.append(f"container {info.container} is not MP4")
    if any(a.codec != "aac" for a in info.audio[:1]):
        reasons.append(f"audio is {info.audio[0].codec}, browsers need AAC")
    if not reasons:
        return MediaPlan(
            mode="remux",
            reasons=("already web-ready: copied into MP4 with +faststart",),
            output_size=(width, height),
            frame_rate=None,
            tone_map=False,
            settings=settings,
            extract_audio=info.has_audio,
        )
    scale = min(1.0, settings.target_height / short_side) if short_side else 1.0
    out_w = max(2, round(width * scale / 2) * 2)
    out_h = max(2, round(height * scale / 2) * 2)
    return MediaPlan(
        mode="transcode",
        reasons=tuple(reasons),
        output_size=(out_w, out_h),
        frame_rate=constant_rate(info.frame_rate),
        tone_map=info.is_hdr,
        settings=settings,
        extract_audio=info.has_audio,
    )


def constant_rate(average: float) -> float:
    """The constant rate for a clip: the common rate within 5 % of its average, else the average (max 60)."""
    if not 1 <= average <= 240:
        return 30.0
    nearest = min(COMMON_RATES, key=lambda rate: abs(rate - average))
    if abs(nearest - average) / nearest <= 0.05:
        return nearest
    return round(min(average, 60.0), 3)


def plan_audio(loudness: Loudness | None, settings: MediaSettings, *, can_copy: bool) -> AudioPlan:
    """Gain to the loudness target (pure). ``can_copy``: the source audio is AAC in an MP4-ready form."""
    if loudness is None or loudness.integrated <= SILENCE_LUFS:
        return AudioPlan(copy=can_copy, gain=0.0, limit=False, reason="no speech level to measure: left as it is")
    gain = round(settings.loudness - loudness.integrated, 2)
    peak_after = loudness.true_peak + gain
    if can_copy and abs(gain) <= LOUDNESS_TOLERANCE and loudness.true_peak <= 0.0:
        return AudioPlan(
            copy=True,
            gain=0.0,
            limit=False,
            reason=f"loudness {loudness.integrated:.1f} LUFS is on target: audio copied",
        )
    return AudioPlan(
        copy=False,
        gain=gain,
        limit=peak_after > TRUE_PEAK_CEILING,
        reason=f"loudness {loudness.integrated:.1f} LUFS → {settings.loudness:.0f} LUFS ({gain:+.1f} dB)",
    )


# ---------------------------------------------------------------------------------------------
# Commands


def _base(*extra: str) -> list[str]:
    return [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", *extra]


def analysis_command(info: MediaInfo, max_duration: float | None = None) -> list[str]:
    """Decode the first audio stream once: loudness summary on stderr, 16 kHz mono f32 on stdout.

    ``max_duration`` bounds the decode, so a stream that claims to be short but never ends stops.
    """
    limit = ["-t", f"{max_duration:.3f}"] if max_duration else []
    graph = (
        "[0:a:0]asplit=2[measure][speech];"
        "[measure]ebur128=peak=true:framelog=quiet,anullsink;"
        f"[speech]aresample={SAMPLE_RATE},aformat=sample_fmts=flt:channel_layouts=mono[pcm]"
    )
    return _base(
        "-loglevel",
        "level+info",
        "-progress",
        "pipe:2",
        "-vn",
        "-sn",
        "-dn",
        "-i",
        source_path(info.path),
        "-filter_complex",
        graph,
        "-map",
        "[pcm]",
        *limit,
        "-c:a",
        "pcm_f32le",
        "-f",
        "f32le",
        "pipe:1",
    )


def build_command(info: MediaInfo, plan: MediaPlan, video_out: Path, *, audio: AudioPlan | None = None) -> list[str]:
    """The ffmpeg command line that writes ``video_out`` for ``plan`` (ffmpeg-python builds the graph)."""
    audio = audio or AudioPlan(copy=False, gain=0.0, limit=False, reason="")
    source = Input(source_path(info.path))
    streams: list[Stream] = []
    # t= bounds the output even where the input's header claims a shorter duration than it streams.
    options: dict[str, object] = {
        "movflags": "+faststart",
        "f": "mp4",
        "map_metadata": -1,
        "t": plan.settings.max_duration,
    }
    if plan.mode != "audio":
        video = source.stream("v:0")
        if plan.mode == "transcode":
            video = _video_filters(video, info, plan)
        streams.append(video)
        options.update(_video_options(plan))
    if info.has_audio:
        sound = source.stream("a:0")
        if audio.copy and plan.mode == "remux":
            options.update(acodec="copy")
        else:
            sound = _audio_filters(sound, audio)
            options.update(_audio_options(info.audio[0]))
        streams.append(sound)
    return compile_command(
        streams,
        str(video_out),
        options=options,
        global_args=("-nostdin", "-hide_banner", "-nostats", "-loglevel", "level+error", "-progress", "pipe:2"),
        executable=ffmpeg_exe(),
    )


def _video_options(plan: MediaPlan) -> dict[str, object]:
    if plan.mode != "transcode":
        return {"vcodec": "copy"}
    return {
        "vcodec": "libx264",
        "profile": "high",
        "pix_fmt": "yuv420p",
        "crf": plan.settings.crf,
        "preset": plan.settings.preset,
        "r": plan.frame_rate,
        "fps_mode": "cfr",
        "color_primaries": "bt709",
        "color_trc": "bt709",
        "colorspace": "bt709",
        "color_range": "tv",
    }


def _audio_filters(sound: Stream, audio: AudioPlan) -> Stream:
    if audio.gain:
        sound = sound.filter("volume", f"{audio.gain}dB")
    if audio.limit:
        ceiling = 10 ** (TRUE_PEAK_CEILING / 20)
        sound = sound.filter("alimiter", limit=f"{ceiling:.4f}", level="disabled", attack=5, release=50)
    return sound


def _audio_options(stream: AudioStream) -> dict[str, object]:
    rate = stream.sample_rate
    return {
        "acodec": "aac",
        "audio_bitrate": "128k",
        "ac": 2 if stream.channels > 1 else 1,
        "ar": rate if rate in (44100, 48000) else 48000,
    }


def _video_filters(video: Stream, info: MediaInfo, plan: MediaPlan) -> Stream:
    """Scale (and tone-map HDR) to ``plan.output_size``. ffmpeg has already applied the rotation.

    Tone-mapping works at the output size: scaling in the first zscale keeps the
    32-bit float stages four times smaller for a 1080p source going to 720p.
    """
    if plan.output_size is None:
        raise ValueError("a transcode plan has an output size")
    width, height = plan.output_size
    if plan.tone_map:
        video = (
            video.filter("zscale", w=width, h=height, f="bicubic", t="linear", npl=100)
            .filter("format", "gbrpf32le")
            .filter("zscale", p="bt709")
            .filter("tonemap", tonemap="hable", desat=0)
            .filter("zscale", t="bt709", m="bt709", r="tv")
        )
    else:
        # Untagged phone video is BT.709; convert other matrices so the BT.709 tags below are true.
        matrix = {"bt470bg": "bt601", "smpte170m": "bt601", "bt2020nc": "bt2020"}.get(info.color_space or "", "bt709")
        video = video.filter(
            "scale", width, height, flags="bicubic", in_color_matrix=matrix, out_color_matrix="bt709", out_range="tv"
        )
    video = video.filter("format", "yuv420p").filter("setsar", "1")
    return video.filter("setparams", color_primaries="bt709", color_trc="bt709", colorspace="bt709", range="tv")


# ---------------------------------------------------------------------------------------------
# Run


def _die_with_parent() -> None:
    """In the ffmpeg child, before exec: on Linux, be killed when capture dies (even by SIGKILL),
    so no ffmpeg runs on after an interrupted ``capture add``."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@dataclass
class FfmpegRun:
    stdout: bytearray
    log: list[str]
    out_time: float  # seconds of output written, from ``-progress``


@dataclass
class _Log:
    """ffmpeg's stderr read line by line: ``-progress`` keys, other log lines, and the errors among them.

    Commands log with ``level+...`` so errors are told apart from information by their prefix.
    """

    duration: float
    progress: Callable[[float], None] | None
    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    out_time: float = 0.0

    def read(self, raw: bytes) -> None:
        line = raw.decode("utf-8", "replace").rstrip()
        key, sep, value = line.partition("=")
        if sep and key == "out_time_us":
            self._advance(value)
        elif sep and re.fullmatch(r"[a-z_0-9.]+", key):
            return
        elif line:
            self.lines.append(line)
            if "[error]" in line or "[fatal]" in line or any(m in line for m in TRUNCATION_MARKS):
                self.errors.append(re.sub(r"^(\[[^\]]*\] )+", "", line).strip())

    def _advance(self, value: str) -> None:
        if not value.strip().lstrip("-").isdigit():
            return
        self.out_time = max(self.out_time, int(value) / 1_000_000)
        if self.progress and self.duration > 0:
            self.progress(max(0.0, min(1.0, self.out_time / self.duration)))

    def failure(self, name: str, returncode: int) -> MediaError | None:
        if any(mark in e for e in self.errors for mark in TRUNCATION_MARKS):
            return MediaError(cut_short(name, "ffmpeg reached the end of the file in the middle of the data"))
        if returncode != 0:
            detail = self.errors[-1] if self.errors else f"ffmpeg exited with code {returncode}"
            return MediaError(unreadable(name, detail))
        return None


def _drain(stream: IO[bytes] | None, into: bytearray) -> None:
    if stream is not None:
        while block := stream.read(1 << 16):
            into.extend(block)


def _lines(stream: IO[bytes] | None) -> Iterator[bytes]:
    if stream is not None:
        yield from stream


def run_ffmpeg(
    command: list[str], *, duration: float, name: str, progress: Callable[[float], None] | None = None
) -> FfmpegRun:
    """Run ffmpeg, feeding ``progress`` (0..1) from ``-progress``; return its stdout and log lines."""
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_die_with_parent
    )
    out = bytearray()
    reader = threading.Thread(target=_drain, args=(process.stdout, out), daemon=True)
    reader.start()
    log = _Log(duration, progress)
    try:
        for raw in _lines(process.stderr):
            log.read(raw)
        process.wait()
        reader.join()
    except BaseException:
        process.kill()
        process.wait()
        raise
    failure = log.failure(name, process.returncode)
    if failure is not None:
        raise failure
    if progress:
        progress(1.0)
    return FfmpegRun(stdout=out, log=log.lines, out_time=log.out_time)


def parse_loudness(log: list[str]) -> Loudness | None:
    """The integrated loudness and true peak from ebur128's summary in ffmpeg's log."""
    text = "\n".join(log)
    summary = text[text.rfind("Summary:") :] if "Summary:" in text else ""
    integrated = re.search(r"Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf)\s*LUFS", summary)
    peak = re.search(r"True peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf)\s*dBFS", summary)
    if not integrated:
        return None
    value = float(integrated.group(1)) if integrated.group(1) != "-inf" else -70.0
    top = float(peak.group(1)) if peak and peak.group(1) != "-inf" else -70.0
    return Loudness(integrated=value, true_peak=top)


def analyse_audio(
    info: MediaInfo, progress: Callable[[float], None] | None = None, max_duration: float | None = None
) -> tuple[Audio, Loudness | None]:
    """One decode of the audio: 16 kHz mono float32 samples (numpy) and the loudness."""
    import numpy as np

    command = analysis_command(info, max_duration)
    run = run_ffmpeg(command, duration=info.duration, name=info.path.name, progress=progress)
    return np.frombuffer(run.stdout, dtype=np.float32), parse_loudness(run.log)


def process_media(
    info: MediaInfo, plan: MediaPlan, folder: Path, *, progress: StageProgress | None = None
) -> MediaOutputs:
    """Run ``plan`` into ``folder``: :func:`analyse_audio`, then :func:`write_media`."""
    report = progress or (lambda stage, fraction: None)
    samples, loudness = None, None
    if info.has_audio:
        samples, loudness = analyse_audio(info, lambda f: report("audio", f), plan.settings.max_duration)
    outputs = write_media(info, plan, folder, loudness=loudness, progress=report)
    outputs.audio = samples if plan.extract_audio else None
    return outputs


def write_media(
    info: MediaInfo,
    plan: MediaPlan,
    folder: Path,
    *,
    loudness: Loudness | None,
    progress: StageProgress | None = None,
) -> MediaOutputs:
    """Write ``video.mp4`` (or ``audio.m4a``) and ``poster.jpg`` into ``folder``, and with
    ``settings.keep_original`` a copy of the clip as ``original<ext>``.

    A step that fails with the disk (nearly) full says so, whatever ffmpeg said.
    """
    report = progress or (lambda stage, fraction: None)
    folder.mkdir(parents=True, exist_ok=True)
    can_copy = plan.mode == "remux" and info.has_audio and info.audio[0].codec == "aac"
    audio_plan = plan_audio(loudness, plan.settings, can_copy=can_copy) if info.has_audio else None
    final = folder / ("audio.m4a" if plan.mode == "audio" else "video.mp4")
    _write_video(info, plan, final, audio_plan=audio_plan, report=report)
    poster = folder / "poster.jpg"
    report("poster", 0.0)
    with _blaming_a_full_disk(folder, info.path.name, "the poster"):
        if plan.mode == "audio":
            make_card_poster(poster, info.path.stem)
        else:
            choose_poster(final, poster)
    report("poster", 1.0)
    original = _keep_original(info, folder) if plan.settings.keep_original else None
    return MediaOutputs(
        video=final,
        poster=poster,
        audio=None,
        duration=info.duration,
        plan=plan,
        loudness=loudness,
        audio_plan=audio_plan,
        original=original,
    )


@contextlib.contextmanager
def _blaming_a_full_disk(folder: Path, name: str, what: str) -> Iterator[None]:
    """ffmpeg on a full disk says "no packets" or "could not write", which reads as a broken clip."""
    try:
        yield
    except MediaError as exc:
        if disk_is_full(folder):
            raise MediaError(disk_full(name, what)) from exc
        raise


def _write_video(
    info: MediaInfo, plan: MediaPlan, final: Path, *, audio_plan: AudioPlan | None, report: StageProgress
) -> None:
    part = partial_path(final)
    try:
        with _blaming_a_full_disk(final.parent, info.path.name, "the web video"):
            command = build_command(info, plan, part, audio=audio_plan)
            run = run_ffmpeg(
                command, duration=info.duration, name=info.path.name, progress=lambda f: report("media", f)
            )
            if not part.exists() or part.stat().st_size == 0:
                raise MediaError(unreadable(info.path.name, "ffmpeg produced no output"))
        if info.duration > 1 and run.out_time < 0.9 * info.duration - 0.5:
            detail = f"it holds {run.out_time:.1f} s of the {info.duration:.1f} s it says it lasts"
            raise MediaError(cut_short(info.path.name, detail))
        os.replace(part, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()


def _keep_original(info: MediaInfo, folder: Path) -> Path:
    original = folder / f"original{info.path.suffix.lower() or '.bin'}"
    keep = partial_path(original)
    try:
        shutil.copyfile(info.path, keep)
        os.replace(keep, original)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            keep.unlink()
        raise MediaError(str(explain_os_error(original, exc))) from exc
    return original
