"""Probe, plan and process phone clips (issue 3): real ffmpeg on tiny clips the tests make."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from pipeline.errors import MediaError
from pipeline.media.process import (
    AudioStream,
    Loudness,
    MediaInfo,
    build_command,
    check_mp4_boxes,
    choose_poster,
    constant_rate,
    frame_rate_from_stamps,
    plan_audio,
    plan_media,
    probe_media,
    process_media,
)
from pipeline.workspace.catalogue import MediaSettings
from tests import phone_clips

SETTINGS = MediaSettings()


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


# --- probe -----------------------------------------------------------------------------------


def test_probe_hevc_hlg_portrait(clips: Path) -> None:
    info = probe_media(phone_clips.hlg_portrait(clips))
    assert (info.video_codec, info.pixel_format, info.bit_depth) == ("hevc", "yuv420p10le", 10)
    assert (info.color_transfer, info.color_primaries, info.color_space) == ("arib-std-b67", "bt2020", "bt2020nc")
    assert info.is_hdr
    assert (info.width, info.height, info.rotation) == (320, 180, 90)
    assert info.display_size == (180, 320) and info.orientation == "portrait"
    assert (info.frame_rate, info.variable_frame_rate) == (30.0, False)
    assert info.audio == (AudioStream(codec="aac", channels=1, sample_rate=22050),)
    assert info.duration == pytest.approx(3.0, abs=0.1)


def test_probe_variable_frame_rate_from_timestamps(clips: Path) -> None:
    info = probe_media(phone_clips.variable_rate(clips))
    assert info.variable_frame_rate
    assert info.frame_rate == pytest.approx(30, abs=1.5)


def test_probe_web_ready_and_audio_only(clips: Path) -> None:
    info = probe_media(phone_clips.web_ready(clips))
    assert (info.video_codec, info.pixel_format, info.bit_depth, info.rotation) == ("h264", "yuv420p", 8, 0)
    assert (info.color_transfer, info.variable_frame_rate, info.orientation) == (None, False, "landscape")
    voice = probe_media(phone_clips.audio_only(clips))
    assert (voice.has_video, voice.audio[0].codec, voice.audio[0].channels) == (False, "aac", 1)
    stereo = probe_media(phone_clips.silence(clips))
    assert stereo.audio[0].channels == 2


def test_probe_missing_empty_and_text(clips: Path) -> None:
    with pytest.raises(MediaError) as missing:
        probe_media(clips / "nothere.mp4")
    assert str(missing.value) == f"{clips / 'nothere.mp4'}: no such file; check the path and try again"
    (clips / "empty.mp4").write_bytes(b"")
    with pytest.raises(MediaError) as empty:
        probe_media(clips / "empty.mp4")
    assert str(empty.value) == "empty.mp4: the file is empty (0 bytes); copy the clip from the phone again"
    (clips / "notes.mp4").write_text("shopping list\n")
    with pytest.raises(MediaError) as text:
        probe_media(clips / "notes.mp4")
    assert str(text.value) == (
        "notes.mp4: not a video or audio file capture can read (Invalid data found when "
        "processing input); check that it is the clip you meant and that it copied completely"
    )


@pytest.mark.parametrize("faststart", [True, False], ids=["faststart", "moov-at-end"])
def test_probe_truncated(clips: Path, faststart: bool) -> None:
    whole = phone_clips.web_ready(clips, name=f"whole-{faststart}.mp4", faststart=faststart)
    cut = phone_clips.cut_in_half(whole, clips / f"cut-{faststart}.mp4")
    assert check_mp4_boxes(whole) is None
    with pytest.raises(MediaError) as error:
        probe_media(cut)
    size = cut.stat().st_size
    end = whole.stat().st_size if not faststart else None
    message = str(error.value)
    assert message.startswith(
        f"cut-{faststart}.mp4: the file is cut short ({size} bytes, but its 'mdat' data runs to byte "
    )
    assert message.endswith("); copy the whole clip from the phone again and re-run `capture add`")
    if end is not None:  # moov at the end: mdat runs to where moov began
        assert int(message.split("runs to byte ")[1].split(")")[0]) < end


def test_mp4_without_index_is_incomplete(tmp_path: Path) -> None:
    clip = tmp_path / "stopped.mp4"
    clip.write_bytes(b"\x00\x00\x00\x10ftypisom\x00\x00\x00\x00" + b"\x00\x00\x00\x10free" + bytes(8))
    assert check_mp4_boxes(clip) == "it has no index ('moov'), so the recording or the copy stopped before the end"


# --- plan (pure) -----------------------------------------------------------------------------


def _info(**changes: object) -> MediaInfo:
    base = MediaInfo(
        path=Path("clip.mp4"),
        container="mov,mp4,m4a,3gp,3g2,mj2",
        duration=10.0,
        video_codec="h264",
        width=1280,
        height=720,
        pixel_format="yuv420p",
        frame_rate=30.0,
        audio=(AudioStream("aac", 2, 48000),),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_plan_web_ready_is_a_remux() -> None:
    plan = plan_media(_info(), SETTINGS)
    assert (plan.mode, plan.output_size, plan.tone_map) == ("remux", (1280, 720), False)
    assert plan.describe() == "remux: already web-ready: copied into MP4 with +faststart"


def test_plan_iphone_hdr_portrait() -> None:
    info = _info(
        video_codec="hevc",
        width=1920,
        height=1080,
        rotation=90,
        pixel_format="yuv420p10le",
        bit_depth=10,
        color_transfer="arib-std-b67",
        color_primaries="bt2020",
        frame_rate=29.98,
        variable_frame_rate=True,
    )
    plan = plan_media(info, SETTINGS)
    assert (plan.mode, plan.output_size, plan.tone_map, plan.frame_rate) == ("transcode", (720, 1280), True, 29.97)
    assert plan.reasons == (
        "video is hevc, browsers need H.264",
        "pixel format yuv420p10le is not 8-bit 4:2:0",
        "1080x1920 is above 720p",
        "display rotation 90° is applied so it plays upright everywhere",
        "HDR (arib-std-b67) is tone-mapped to SDR BT.709",
        "variable frame rate (about 30.0 fps) is made constant",
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"rotation": 270}, "display rotation 270° is applied so it plays upright everywhere"),
        ({"variable_frame_rate": True}, "variable frame rate (about 30.0 fps) is made constant"),
        ({"height": 1080, "width": 1920}, "1920x1080 is above 720p"),
        ({"container": "matroska,webm"}, "container matroska,webm is not MP4"),
        ({"audio": (AudioStream("opus", 2, 48000),)}, "audio is opus, browsers need AAC"),
        ({"color_transfer": "smpte2084"}, "HDR (smpte2084) is tone-mapped to SDR BT.709"),
    ],
)
def test_plan_each_fault_means_transcode(change: dict[str, object], reason: str) -> None:
    plan = plan_media(_info(**change), SETTINGS)
    assert (plan.mode, plan.reasons) == ("transcode", (reason,))


def test_plan_target_height_setting_and_audio_only() -> None:
    plan = plan_media(_info(width=1920, height=1080), replace(SETTINGS, target_height=480))
    assert plan.output_size == (854, 480)
    voice = plan_media(_info(video_codec=None, width=0, height=0), SETTINGS)
    assert (voice.mode, voice.extract_audio) == ("audio", True)


def test_plan_refuses_a_clip_over_max_duration() -> None:
    with pytest.raises(MediaError) as error:
        plan_media(_info(duration=7200.0), replace(SETTINGS, max_duration=3600.0))
    assert str(error.value) == (
        "clip.mp4: the clip is 2:00:00 long, more than the 1:00:00 allowed by "
        "media.max_duration; trim it or raise the limit"
    )


def test_frame_rate_from_stamps() -> None:
    steady = [i * 512 for i in range(100)]
    assert frame_rate_from_stamps(steady, Fraction(1, 15360)) == (30.0, False)
    rounded = [round(i * 1000 / 30) for i in range(100)]  # 33, 33, 34 ticks: still constant
    assert frame_rate_from_stamps(rounded, Fraction(1, 1000))[1] is False
    jitter = [i * 33 + (i * 7919) % 13 for i in range(100)]
    assert frame_rate_from_stamps(jitter, Fraction(1, 1000))[1] is True
    assert frame_rate_from_stamps([0, 1], Fraction(1, 1000)) == (0.0, False)


def test_constant_rate_snaps_to_common_rates() -> None:
    assert [constant_rate(r) for r in (29.6, 24.3, 59.9, 15.0, 120.0, 0.0)] == [29.97, 24.0, 59.94, 15.0, 60.0, 30.0]


def test_plan_audio() -> None:
    on_target = plan_audio(Loudness(-16.4, -3.0), SETTINGS, can_copy=True)
    assert (on_target.copy, on_target.gain) == (True, 0.0)
    clipping = plan_audio(Loudness(-16.0, 0.4), SETTINGS, can_copy=True)  # on target but over 0 dBTP
    assert (clipping.copy, clipping.gain, clipping.limit) == (False, 0.0, True)
    quiet = plan_audio(Loudness(-30.0, -12.0), SETTINGS, can_copy=True)
    assert (quiet.copy, quiet.gain, quiet.limit) == (False, 14.0, True)
    assert quiet.reason == "loudness -30.0 LUFS → -16 LUFS (+14.0 dB)"
    gentle = plan_audio(Loudness(-20.0, -10.0), SETTINGS, can_copy=False)
    assert (gentle.copy, gentle.gain, gentle.limit) == (False, 4.0, False)
    silent = plan_audio(Loudness(-70.0, -70.0), SETTINGS, can_copy=False)
    assert (silent.copy, silent.gain) == (False, 0.0)


def test_command_names_the_clip_by_absolute_path(tmp_path: Path) -> None:
    info = _info(path=Path("-clip.mp4"))
    command = build_command(info, plan_media(info, SETTINGS), tmp_path / "out.mp4")
    assert command[command.index("-i") + 1] == str(Path.cwd() / "-clip.mp4")


# --- process ---------------------------------------------------------------------------------


def test_hdr_portrait_becomes_upright_sdr_h264(clips: Path, tmp_path: Path) -> None:
    info = probe_media(phone_clips.hlg_portrait(clips))
    plan = plan_media(info, SETTINGS)
    seen: list[tuple[str, float]] = []
    outputs = process_media(info, plan, tmp_path, progress=lambda stage, f: seen.append((stage, f)))
    assert outputs.video == tmp_path / "video.mp4"
    out = probe_media(outputs.video)
    assert (out.video_codec, out.pixel_format, out.bit_depth) == ("h264", "yuv420p", 8)
    assert (out.width, out.height, out.rotation, out.orientation) == (180, 320, 0, "portrait")
    assert (out.color_transfer, out.color_primaries, out.color_space) == ("bt709", "bt709", "bt709")
    assert (out.frame_rate, out.variable_frame_rate) == (30.0, False)
    assert phone_clips.top_level_boxes(outputs.video).index("moov") < phone_clips.top_level_boxes(outputs.video).index(
        "mdat"
    )
    assert phone_clips.loudness(outputs.video) == pytest.approx(SETTINGS.loudness, abs=2.0)
    assert outputs.loudness is not None and outputs.loudness.integrated < -25  # the source was quiet
    assert len(outputs.audio) == pytest.approx(3 * 16000, rel=0.02)  # type: ignore[arg-type]
    assert ("audio", 1.0) in seen and ("media", 1.0) in seen
    assert (tmp_path / "poster.jpg").stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["poster.jpg", "video.mp4"]


def test_variable_rate_becomes_constant(clips: Path, tmp_path: Path) -> None:
    info = probe_media(phone_clips.variable_rate(clips))
    plan = plan_media(info, SETTINGS)
    assert plan.frame_rate in (29.97, 30.0)  # the jittered average lands near 30
    outputs = process_media(info, plan, tmp_path)
    out = probe_media(outputs.video)  # type: ignore[arg-type]
    assert (out.variable_frame_rate, out.frame_rate, out.video_codec) == (False, plan.frame_rate, "h264")


def test_web_ready_is_remuxed_with_loudness_fixed(clips: Path, tmp_path: Path) -> None:
    source = phone_clips.web_ready(clips, faststart=False)
    info = probe_media(source)
    plan = plan_media(info, SETTINGS)
    assert plan.mode == "remux"
    outputs = process_media(info, plan, tmp_path)
    assert outputs.audio_plan is not None and not outputs.audio_plan.copy  # quiet speech: gain applied
    out = probe_media(outputs.video)  # type: ignore[arg-type]
    assert (out.video_codec, out.width, out.height, out.pixel_format) == ("h264", 320, 180, "yuv420p")
    assert phone_clips.top_level_boxes(source).index("moov") > phone_clips.top_level_boxes(source).index("mdat")
    assert phone_clips.top_level_boxes(outputs.video).index("moov") < phone_clips.top_level_boxes(outputs.video).index(
        "mdat"
    )  # type: ignore[arg-type]
    assert phone_clips.loudness(outputs.video) == pytest.approx(SETTINGS.loudness, abs=2.0)  # type: ignore[arg-type]


def test_audio_on_target_is_copied_untouched(clips: Path, tmp_path: Path) -> None:
    """A remux whose audio is already at the target keeps the phone's AAC bit for bit."""
    import av

    source = clips / "on target.mp4"
    phone_clips.run(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x180:r=30:d=3",
        "-i",
        str(phone_clips.speech(clips)),
        "-af",
        "volume=14dB,alimiter=limit=0.7:level=disabled",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
        str(source),
    )
    level = phone_clips.loudness(source)
    info = probe_media(source)
    settings = replace(SETTINGS, loudness=round(level))
    outputs = process_media(info, plan_media(info, settings), tmp_path)
    assert outputs.audio_plan is not None and outputs.audio_plan.copy

    def packets(path: Path) -> list[bytes]:
        with av.open(str(path)) as container:
            return [bytes(p) for p in container.demux(container.streams.audio[0]) if p.size]

    assert packets(outputs.video) == packets(source)  # type: ignore[arg-type]


def test_audio_only_gets_a_card_and_silence_stays_silent(clips: Path, tmp_path: Path) -> None:
    import av

    info = probe_media(phone_clips.audio_only(clips))
    outputs = process_media(info, plan_media(info, SETTINGS), tmp_path / "voice")
    assert outputs.video == tmp_path / "voice" / "audio.m4a"
    with av.open(str(tmp_path / "voice" / "poster.jpg")) as poster:
        frame = next(poster.decode(video=0))
        assert (frame.width, frame.height) == (1280, 720)
    quiet = probe_media(phone_clips.silence(clips))
    outputs = process_media(quiet, plan_media(quiet, SETTINGS), tmp_path / "quiet")
    assert outputs.loudness is not None and outputs.loudness.integrated <= -70
    assert outputs.audio_plan is not None and outputs.audio_plan.gain == 0.0
    assert float(abs(outputs.audio).max()) == 0.0  # type: ignore[attr-defined]


def test_no_audio_has_no_samples(clips: Path, tmp_path: Path) -> None:
    info = probe_media(phone_clips.no_audio(clips))
    outputs = process_media(info, plan_media(info, SETTINGS), tmp_path)
    assert (outputs.audio, outputs.loudness, plan_media(info, SETTINGS).mode) == (None, None, "remux")
    assert probe_media(outputs.video).audio == ()  # type: ignore[arg-type]


def test_poster_is_not_black_or_blurred(clips: Path, tmp_path: Path) -> None:
    moment = choose_poster(phone_clips.black_blur_sharp(clips), tmp_path / "poster.jpg")
    assert 4.0 <= moment < 6.0
    assert (tmp_path / "poster.jpg").read_bytes()[:2] == b"\xff\xd8"


def test_keep_original_and_target_height(clips: Path, tmp_path: Path) -> None:
    source = phone_clips.hlg_portrait(clips)
    info = probe_media(source)
    settings = replace(SETTINGS, keep_original=True, target_height=144)
    outputs = process_media(info, plan_media(info, settings), tmp_path)
    assert outputs.original == tmp_path / "original.mov"
    assert outputs.original.read_bytes() == source.read_bytes()
    out = probe_media(outputs.video)  # type: ignore[arg-type]
    assert (out.width, out.height) == (144, 256)


def test_truncated_during_transcode_is_reported(clips: Path, tmp_path: Path) -> None:
    """A cut Matroska file has no MP4 boxes to check: ffmpeg's 'partial file' tells instead."""
    whole = clips / "whole.mkv"
    phone_clips.run(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x180:r=30:d=3",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        str(whole),
    )
    cut = phone_clips.cut_in_half(whole, clips / "cut.mkv")
    info = probe_media(cut)
    with pytest.raises(MediaError) as error:
        process_media(info, plan_media(info, SETTINGS), tmp_path)
    assert str(error.value) == (
        "cut.mkv: the file is cut short (ffmpeg reached the end of the file in the middle "
        "of the data); copy the whole clip from the phone again and re-run `capture add`"
    )
    assert list(tmp_path.iterdir()) == []
