"""Issue 17: no speech without text. Real espeak-ng speech, real ffmpeg, the real bundled model."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capture.cli import app
from pipeline.speech.coverage import Stretch, clock, describe, speech_without_text
from pipeline.speech.transcribe import (
    cover_speech,
    decode_audio,
    load_model,
    read_unheard,
    transcribe_audio,
    whisper_options,
)
from pipeline.workspace.catalogue import TranscriptionSettings
from pipeline.workspace.paths import init_workspace
from tests.speech_helpers import words_of
from tests.support import ffmpeg, make_clip, make_speech

ENGLISH = TranscriptionSettings(language="en")
# The clip of the issue: a greeting, an instruction after a short pause, the safety rule after a long one.
SENTENCES = (
    "Hi, I'm Alex from the wrapping station.",
    "Clear the jammed carton from the left guide.",
    "Never restart the line until the shift lead has signed.",
)
PAUSES = (1.0, 2.0, 0.3)  # seconds of silence after each sentence
# Key words of each sentence, matched as word beginnings ("restarting" has "restart"); three of four
# must be heard in each sentence, so a lost sentence fails whatever the CPU makes of one word.
KEYS = (
    ("alex", "from", "wrapping", "station"),
    ("clear", "jammed", "carton", "left"),
    ("restart", "line", "until", "shift"),
)


def sentences_missing(heard: str) -> list[str]:
    """The sentences of the clip fewer than three of whose key words ``heard`` has."""
    said = words_of(heard)
    found = [sum(any(w.startswith(key) for w in said) for key in keys) for keys in KEYS]
    return [sentence for sentence, count in zip(SENTENCES, found, strict=True) if count < 3]


@pytest.fixture(scope="module")
def paused_speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 13.5 s of 16 kHz speech: three sentences with a pause in the middle and one before the last."""
    folder = tmp_path_factory.mktemp("paused")
    inputs: list[str] = []
    chains: list[str] = []
    for index, (sentence, pause) in enumerate(zip(SENTENCES, PAUSES, strict=True)):
        inputs += ["-i", str(make_speech(sentence, folder / f"{index}.wav"))]
        chains.append(f"[{index}:a]aresample=16000,apad=pad_dur={pause}[s{index}]")
    joined = "".join(f"[s{i}]" for i in range(len(SENTENCES)))
    graph = ";".join(chains) + f";{joined}concat=n={len(SENTENCES)}:v=0:a=1[out]"
    target = folder / "paused.wav"
    subprocess.run(
        [ffmpeg(), "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", "[out]", "-ac", "1", str(target)],
        check=True,
    )
    return target


def test_every_sentence_after_a_pause_comes_out(paused_speech: Path) -> None:
    result = transcribe_audio(decode_audio(paused_speech), ENGLISH, ("handover", "lockout"))
    heard = " ".join(s.text for s in result.segments)
    assert sentences_missing(heard) == [], heard
    assert result.unheard == ()


def test_speech_batched_decoding_left_out_is_decoded_again(paused_speech: Path) -> None:
    # What the batched path returned in the issue: the lines up to 8.5 s, the last sentence gone.
    audio = decode_audio(paused_speech)
    model, _ = load_model(ENGLISH)
    whole = transcribe_audio(audio, ENGLISH)
    cut = [s for s in whole.segments if s.end <= 8.5]
    assert sentences_missing(" ".join(s.text for s in cut)) == [SENTENCES[2]]
    covered = cover_speech(model, audio, cut, options=whisper_options(ENGLISH, ()))
    heard = " ".join(s.text for s in covered.segments)
    assert sentences_missing(heard) == [], heard
    assert covered.redecoded == 1
    assert covered.unheard == ()
    starts = [s.start for s in covered.segments]
    assert starts == sorted(starts)
    assert len(covered.segments) == len(whole.segments)  # nothing said twice


def test_capture_add_keeps_the_last_sentence(
    paused_speech: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init_workspace(tmp_path / "ws", title="Test").root
    monkeypatch.chdir(root)
    make_clip(root / "wrapping.mp4", seconds=14, speech=paused_speech)
    result = CliRunner().invoke(app, ["add", "wrapping.mp4"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert "speech with no text" not in result.stdout
    transcript = (root / "transcripts" / "wrapping.md").read_text(encoding="utf-8")
    assert sentences_missing(transcript) == [], transcript
    assert read_unheard(root / ".capture" / "words" / "wrapping.json") == ()


# -- pure logic ----------------------------------------------------------------------------------------
def test_speech_without_text_is_what_no_word_covers() -> None:
    speech = [Stretch(0.0, 8.9), Stretch(9.6, 13.2)]
    heard = [Stretch(0.4, 3.0), Stretch(3.05, 8.5)]
    assert speech_without_text(speech, heard) == [Stretch(9.6, 13.2)]
    # The VAD's padding either side of the words, and a gap under a second, are not lost speech.
    assert speech_without_text(speech, [*heard, Stretch(10.0, 12.5)]) == []
    assert speech_without_text([Stretch(0.0, 0.9)], []) == []
    # A gap inside one stretch counts too.
    assert speech_without_text([Stretch(0.0, 10.0)], [Stretch(0.0, 3.0), Stretch(6.0, 10.0)]) == [Stretch(3.0, 6.0)]


def test_speech_with_no_text_reads_as_minutes_and_seconds() -> None:
    assert describe(Stretch(8.54, 13.2)) == "speech with no text at 00:08-00:14"
    assert describe(Stretch(61.0, 62.0)) == "speech with no text at 01:01-01:02"
    assert clock(3725.0) == "1:02:05"


def test_capture_add_names_speech_with_no_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import ingest

    root = init_workspace(tmp_path / "ws", title="Test").root
    monkeypatch.chdir(root)
    made = ingest._Made(staging=root, duration=80.0, plan="remux", unheard=(Stretch(8.5, 13.2), Stretch(70.0, 72.5)))
    assert ingest._no_text(made) == ("speech with no text at 00:08-00:14", "speech with no text at 01:10-01:13")
    # What the command prints for such a result (the result itself is pure data here).
    result = ingest.AddResult(
        root / "clip.mp4", "restored", "its media was rebuilt", "clip", 1.0, no_text=ingest._no_text(made)
    )
    monkeypatch.setattr(ingest, "add_clips", lambda *args, **kwargs: [result])
    make_clip(root / "clip.mp4", seconds=1, audio=False)
    printed = CliRunner().invoke(app, ["add", "clip.mp4", "--yes"])
    assert printed.exit_code == 0, printed.output
    assert (
        "  speech with no text at 00:08-00:14: listen to it in `capture review clip`\n"
        "  speech with no text at 01:10-01:13: listen to it in `capture review clip`\n"
    ) in printed.output


# -- capture status ------------------------------------------------------------------------------------
def test_status_counts_unsure_words_and_speech_with_no_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from pipeline.speech.review import review_status
    from pipeline.workspace.paths import Workspace

    root = init_workspace(tmp_path / "ws", title="Test").root
    monkeypatch.chdir(root)
    make_clip(root / "tone.mp4", seconds=2)
    runner = CliRunner()
    assert runner.invoke(app, ["add", "tone.mp4"]).exit_code == 0
    workspace = Workspace(root)
    sidecar = workspace.words_path("tone")
    words = [[0.0, 0.4, " Clear", 0.92], [0.4, 0.8, " the", 0.31], [0.8, 1.2, " jam", 0.12]]
    document = {"id": "tone", "segments": [{"start": 0, "end": 1.2, "text": "Clear the jam", "words": words}]}
    sidecar.write_text(json.dumps({**document, "unheard": [[8.54, 13.2]]}), encoding="utf-8")
    [row] = review_status(workspace)
    assert (row.unsure_words, row.no_text) == (2, ("00:08-00:14",))
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "unsure" in result.output and "no text" in result.output
    assert "tone: speech with no text at 00:08-00:14" in result.output
    data = json.loads(runner.invoke(app, ["status", "--json"]).output)
    assert (data[0]["unsure_words"], data[0]["no_text"]) == (2, ["00:08-00:14"])


def test_capture_transcribe_names_speech_with_no_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What the command prints for a result (the result itself is pure data here).
    from pipeline.speech import review

    root = init_workspace(tmp_path / "ws", title="Test").root
    monkeypatch.chdir(root)
    monkeypatch.setattr(review, "prepare_transcription", lambda *args, **kwargs: None)
    result = review.TranscribeResult("wrap", 3, 0, "tiny.en", "en", ("speech with no text at 00:08-00:14",))
    monkeypatch.setattr(review, "transcribe_resource", lambda *args, **kwargs: result)
    printed = CliRunner().invoke(app, ["transcribe", "wrap"])
    assert printed.exit_code == 0, printed.output
    assert "wrap: speech with no text at 00:08-00:14; listen to it and add its line in the review" in printed.output


@pytest.mark.parametrize(
    "source",
    [
        "aevalsrc=0.3*sin(2*PI*261*t)+0.3*sin(2*PI*392*t*(1+0.26*gt(mod(t\\,1)\\,0.5))):s=16000",
        "anoisesrc=color=pink:amplitude=0.3:sample_rate=16000",
    ],
    ids=["music", "noise"],
)
def test_music_and_noise_raise_no_false_alarm(source: str) -> None:
    from tests.speech_helpers import generated_audio

    result = transcribe_audio(generated_audio(source, 6.0), ENGLISH)
    assert (result.segments, result.unheard) == ((), ())


# -- stage times (issue 17: where the time of capture add goes) -----------------------------------------
def test_capture_add_writes_its_stage_times(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    root = init_workspace(tmp_path / "ws", title="Test").root
    monkeypatch.chdir(root)
    make_clip(root / "short.mp4", seconds=2)
    timings = tmp_path / "timings.jsonl"
    monkeypatch.setenv("CAPTURE_TIMINGS", str(timings))
    for name in ("short.mp4", "short.mp4"):  # the second is skipped as a duplicate: no stage ran, no line
        result = CliRunner().invoke(app, ["add", name, "--yes"])
        assert result.exit_code == 0, result.output
    (line,) = timings.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["clip"] == "short.mp4"
    stages = record["stages"]
    assert list(stages) == ["catalogue", "hash", "probe", "audio", "media", "poster", "transcribe", "save"]
    assert all(seconds >= 0 for seconds in stages.values())
    monkeypatch.delenv("CAPTURE_TIMINGS")
    make_clip(root / "other.mp4", seconds=2, audio=False)
    assert CliRunner().invoke(app, ["add", "other.mp4", "--yes"]).exit_code == 0
    assert len(timings.read_text(encoding="utf-8").splitlines()) == 1  # unset: nothing written
