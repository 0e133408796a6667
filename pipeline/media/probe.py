"""Probe: what a clip is, read with PyAV, and what to tell a person when it cannot be read.

``probe_media`` returns a :class:`MediaInfo`: container, codecs, size, display rotation
(the display matrix, read from the first decoded frame because PyAV 18 exposes it only
there), pixel format and bit depth, colour tags (HLG, PQ), constant or variable frame
rate (from the packets' timestamps), duration and audio streams. A cut-short MP4 is
found from its box headers before anything is decoded.
"""

from __future__ import annotations

import itertools
import os
import re
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import MediaError

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

HDR_TRANSFERS = ("arib-std-b67", "smpte2084")
# Timestamps of this many packets decide whether the frame rate is constant.
RATE_SAMPLE_PACKETS = 600


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
    color_space: str | None = None
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
        return self.color_transfer in HDR_TRANSFERS

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height as a viewer sees them, after the display rotation."""
        if self.rotation % 180:
            return self.height, self.width
        return self.width, self.height

    @property
    def orientation(self) -> str:
        width, height = self.display_size
        return "portrait" if height > width else "landscape" if width > height else "square"


def ffmpeg_exe() -> str:
    """The ffmpeg binary: ``CAPTURE_FFMPEG`` if set, else the one imageio-ffmpeg ships."""
    chosen = os.environ.get("CAPTURE_FFMPEG")
    if chosen:
        return chosen
    import imageio_ffmpeg  # type: ignore[import-untyped]

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def source_path(path: Path) -> str:
    """How ffmpeg and PyAV are told the clip: absolute, so a name like ``-clip.mp4`` or
    ``concat:x.mp4`` is a file name and never an option or a protocol."""
    return os.path.abspath(path)


def disk_full(name: str, what: str = "the web video") -> str:
    return f"{name}: the disk is full while writing {what}; free some space and run the command again"


def unreadable(name: str, detail: str) -> str:
    lowered = detail.lower()
    if "no space left on device" in lowered:
        return disk_full(name)
    if "read-only file system" in lowered or "permission denied" in lowered:
        return f"{name}: cannot write the web video: the folder is read-only or not yours; check its permissions"
    return (
        f"{name}: not a video or audio file capture can read ({detail.strip()}); "
        "check that it is the clip you meant and that it copied completely"
    )


def cut_short(name: str, detail: str) -> str:
    return (
        f"{name}: the file is cut short ({detail}); copy the whole clip from the phone again and re-run `capture add`"
    )


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
    damage = check_mp4_boxes(path)
    if damage:
        raise MediaError(cut_short(name, damage))
    try:
        container = av.open(source_path(path), metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise MediaError(unreadable(name, getattr(exc, "strerror", None) or str(exc))) from exc
    except (OSError, ValueError) as exc:
        raise MediaError(unreadable(name, str(exc))) from exc
    with container:
        video = next((s for s in container.streams.video if not _is_cover_art(s)), None)
        audio_streams = tuple(
            AudioStream(
                codec=s.codec_context.name,
                channels=s.codec_context.channels or 0,
                sample_rate=s.codec_context.sample_rate or 0,
            )
            for s in container.streams.audio
        )
        if video is None and not audio_streams:
            raise MediaError(unreadable(name, "no video or audio stream"))
        if video is not None and not audio_streams and is_still_image(container.format.name, video.frames):
            raise MediaError(
                f"{name}: is a still image ({video.codec_context.name}), not a video or audio clip; "
                "capture publishes recorded clips, so add the video itself"
            )
        info: dict[str, object] = {
            "path": path,
            "container": container.format.name,
            "duration": container_duration(container, video),
            "audio": audio_streams,
        }
        if video is not None:
            info.update(_probe_video(container, video, name))
    return MediaInfo(**info)  # type: ignore[arg-type]


def _probe_video(container: InputContainer, video: VideoStream, name: str) -> dict[str, object]:
    """Facts about the video stream from its packets' timestamps and its first decoded frame.

    PyAV 18 exposes the display matrix and the colour tags reliably only on decoded
    frames (the codec context says "unspecified" for tags set in the bitstream), so one
    frame is decoded; that also proves the stream decodes at all.
    """
    import av

    stamps: list[int] = []
    first = None
    try:
        for packet in container.demux(video):
            if packet.pts is not None and packet.size:
                stamps.append(packet.pts)
            if first is None:
                first = next(iter(packet.decode()), None)
            if first is not None and len(stamps) >= RATE_SAMPLE_PACKETS:
                break
    except av.error.FFmpegError as exc:
        if first is None:
            raise MediaError(unreadable(name, f"the video does not decode: {exc}")) from exc
    if first is None:
        raise MediaError(unreadable(name, "the video track has no frame that decodes"))
    cc = video.codec_context
    pix = first.format.name if first.format else cc.pix_fmt
    # Packets come in decoding order: the last few sorted stamps may skip frames still to come.
    average, variable = frame_rate_from_stamps(
        sorted(stamps)[:-16] if len(stamps) > 48 else sorted(stamps), video.time_base
    )
    rate = video.average_rate or video.guessed_rate
    if rate and (not variable or not average):
        average = float(rate)
    return {
        "video_codec": cc.name,
        "width": first.width or cc.width or 0,
        "height": first.height or cc.height or 0,
        "rotation": _rotation(video, first),
        "pixel_format": pix,
        "bit_depth": _bit_depth(first),
        "color_transfer": _color_name("trc", first.color_trc),
        "color_primaries": _color_name("primaries", first.color_primaries),
        "color_space": _color_name("space", first.colorspace),
        "frame_rate": round(average, 3),
        "variable_frame_rate": variable,
    }


def is_still_image(container_format: str, frames: int) -> bool:
    """A photo, whatever its name: ffmpeg reads PNG, JPEG, WebP, BMP and TIFF through its image
    demuxers (``image2``, ``*_pipe``), and presents them as a video of one frame (0.04 s)."""
    if container_format == "image2" or container_format.endswith("_pipe"):
        return True
    return container_format in ("gif", "apng") and frames <= 1


def frame_rate_from_stamps(stamps: list[int], time_base: Fraction | None) -> tuple[float, bool]:
    """Average rate and whether it varies, from sorted presentation timestamps.

    A frame interval more than 1.5 ticks and 2 % away from the median counts as
    irregular; a clip is variable-rate when over 5 % of its intervals are. Muxers
    round 30 fps into 1/1000 ticks as 33, 33, 34: that stays constant.
    """
    if len(stamps) < 3 or not time_base:
        return 0.0, False
    deltas = [b - a for a, b in itertools.pairwise(stamps) if b > a]
    if not deltas:
        return 0.0, False
    span = (stamps[-1] - stamps[0]) * float(time_base)
    average = (len(stamps) - 1) / span if span > 0 else 0.0
    median = sorted(deltas)[len(deltas) // 2]
    allowed = max(1.5, 0.02 * median)
    irregular = sum(1 for d in deltas if abs(d - median) > allowed)
    return average, irregular > 0.05 * len(deltas)


def check_mp4_boxes(path: Path) -> str | None:
    """For an MP4/MOV file, say what is missing when it is cut short; None when whole or not MP4.

    Walks the top-level boxes (headers only): a box that claims to run past the end of
    the file, or no ``moov`` index at all, means the copy or the recording stopped early.
    """
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(8)
        if len(head) < 8 or head[4:8] not in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
            return None
        offset, seen = 0, set()
        while offset + 8 <= size:
            handle.seek(offset)
            header = handle.read(16)
            box_size, kind = struct.unpack(">I4s", header[:8])
            if box_size == 1 and len(header) == 16:
                box_size = struct.unpack(">Q", header[8:16])[0]
            elif box_size == 0:
                box_size = size - offset
            if box_size < 8:
                return f"a damaged box at byte {offset}"
            seen.add(kind)
            if offset + box_size > size:
                return f"{size} bytes, but its '{kind.decode('latin-1')}' data runs to byte {offset + box_size}"
            offset += box_size
    if b"moov" not in seen:
        return "it has no index ('moov'), so the recording or the copy stopped before the end"
    return None


def _is_cover_art(stream: VideoStream) -> bool:
    disposition = getattr(stream, "disposition", None)
    flag = getattr(type(disposition), "attached_pic", None) if disposition is not None else None
    return bool(disposition is not None and flag is not None and disposition & flag)


def container_duration(container: InputContainer, video: VideoStream | None) -> float:
    if container.duration:
        return float(container.duration / 1_000_000)
    if video is not None and video.duration and video.time_base:
        return float(video.duration * video.time_base)
    return 0.0


def _rotation(stream: VideoStream, frame: VideoFrame) -> int:
    """Display rotation in degrees clockwise: the display matrix, else the old ``rotate`` tag."""
    matrix = getattr(frame, "rotation", 0) or 0
    if matrix:
        # PyAV gives the matrix's counter-clockwise angle; players turn the picture clockwise by its negation.
        return round(-float(matrix)) % 360
    tag = (stream.metadata or {}).get("rotate", "").strip()
    if re.fullmatch(r"-?\d+", tag):
        return int(tag) % 360
    return 0


def _bit_depth(frame: VideoFrame) -> int:
    components = getattr(frame.format, "components", ()) if frame.format else ()
    depths = [c.bits for c in components if getattr(c, "bits", 0)]
    return max(depths) if depths else 8


# PyAV's enum names turned into ffmpeg's option names where the two differ.
_COLOR_NAME_FIXES = {"bt1361_ecg": "bt1361e", "log": "log100", "log_sqrt": "log316", "ebu3213": "jedec-p22"}
# PyAV 18's Colorspace enum folds several matrices into one value, so the matrix uses ffmpeg's table.
_COLOR_SPACES = {
    0: "gbr",
    1: "bt709",
    4: "fcc",
    5: "bt470bg",
    6: "smpte170m",
    7: "smpte240m",
    8: "ycgco",
    9: "bt2020nc",
    10: "bt2020c",
    14: "ictcp",
}


def _color_name(kind: str, value: object) -> str | None:
    """An ffmpeg colour name (``arib-std-b67``, ``smpte2084``, ``bt709``), None when unspecified."""
    from av.video.reformatter import ColorPrimaries, ColorTrc

    if value is None:
        return None
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    if kind == "space":
        return _COLOR_SPACES.get(number)
    enum = ColorTrc if kind == "trc" else ColorPrimaries
    try:
        raw = enum(number).name.lower()
    except ValueError:
        return None
    if raw == "unspecified":
        return None
    return _COLOR_NAME_FIXES.get(raw, raw.replace("_", "-"))
