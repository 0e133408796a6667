"""Word error rate and time: capture's transcription against bare faster-whisper, same audio, one run.

    python benchmarks/transcribe.py [--runs 3] [--device cpu] [--compute-type default] [--no-write]

The audio is the committed sample clips (samples/scripts.yaml has their exact words), the
glossary test clip, a longer clip made here with espeak-ng from all those scripts, and two
clips with no speech (silence, music). Both sides use the same bundled tiny.en model, loaded
once before timing, with the same beam size and device. "Bare" is what a first script would
do: ``WhisperModel(...).transcribe(audio, beam_size=5)`` with faster-whisper's defaults.
Times are medians over ``--runs``. The result goes into docs/benchmarks.md between
``<!-- NAME:begin -->`` and ``<!-- NAME:end -->`` (NAME is ``--section``, default transcribe).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.docsection import write_section  # noqa: E402
from pipeline.speech.transcribe import (  # noqa: E402
    SAMPLE_RATE,
    bundled_model_path,
    choose_device,
    decode_audio,
    load_model,
    transcribe_audio,
)
from pipeline.workspace.catalogue import TranscriptionSettings, load_catalogue  # noqa: E402


@dataclass
class Clip:
    name: str
    audio: object  # float32 samples, 16 kHz mono
    reference: str
    glossary: tuple[str, ...]

    @property
    def seconds(self) -> float:
        return len(self.audio) / SAMPLE_RATE  # type: ignore[arg-type]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, start=1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp in enumerate(hypothesis, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp))
        previous = current
    return previous[-1]


def load_clips(work: Path) -> list[Clip]:
    import numpy as np
    from ruamel.yaml import YAML

    scripts = YAML(typ="safe").load((ROOT / "samples" / "scripts.yaml").read_text(encoding="utf-8"))
    glossary = tuple(load_catalogue(ROOT / "resources.yaml").settings.glossary)
    clips = [Clip(c["file"], decode_audio(ROOT / "samples" / c["file"]), c["text"], glossary) for c in scripts["clips"]]
    for c in scripts.get("test_clips", []):
        clips.append(
            Clip(
                Path(c["file"]).name,
                decode_audio((ROOT / "samples" / c["file"]).resolve()),
                c["text"],
                tuple(c.get("glossary", glossary)),
            )
        )
    # A longer clip: every script spoken in turn, with pauses, by two voices.
    pieces, texts = [], []
    for index, c in enumerate(scripts["clips"] * 2):
        wav = work / f"long-{index}.wav"
        voice = "en-us+m3" if index % 2 == 0 else "en-gb-x-rp"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), c["text"]], check=True)
        pieces += [decode_audio(wav) * 0.5, np.zeros(int(1.5 * SAMPLE_RATE), dtype=np.float32)]
        texts.append(c["text"])
    clips.append(Clip("long (generated, 2 voices)", np.concatenate(pieces), " ".join(texts), glossary))
    for name, source in (
        ("silence", "anullsrc=r=16000:cl=mono"),
        ("music", "aevalsrc=0.3*sin(2*PI*261*t)+0.3*sin(2*PI*392*t*(1+0.26*gt(mod(t\\,1)\\,0.5))):s=16000"),
    ):
        import imageio_ffmpeg

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
                "20",
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
        clips.append(Clip(f"{name} (20 s, no speech)", np.frombuffer(raw, dtype=np.float32), "", glossary))
    return clips


def save_clips(path: Path, clips: list[Clip]) -> None:
    """Decoded clips as 16-bit samples (half the size), to run the benchmark where PyAV is missing."""
    import numpy as np

    arrays = {f"audio{i}": (np.clip(c.audio, -1, 1) * 32767).astype(np.int16) for i, c in enumerate(clips)}  # type: ignore[call-overload]
    meta = [{"name": c.name, "reference": c.reference, "glossary": list(c.glossary)} for c in clips]
    np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)


def read_clips(path: Path) -> list[Clip]:
    import numpy as np

    data = np.load(path)
    meta = json.loads(str(data["meta"]))
    return [
        Clip(m["name"], data[f"audio{i}"].astype(np.float32) / 32767, m["reference"], tuple(m["glossary"]))
        for i, m in enumerate(meta)
    ]


def run_capture(clip: Clip, settings: TranscriptionSettings) -> str:
    result = transcribe_audio(clip.audio, settings, clip.glossary)
    return " ".join(s.text for s in result.segments)


def run_bare(model, clip: Clip, beam_size: int) -> str:  # type: ignore[no-untyped-def]
    segments, _ = model.transcribe(clip.audio, beam_size=beam_size)
    return " ".join(s.text.strip() for s in segments)


def measure(functions, runs: int) -> list[tuple[str, float]]:  # type: ignore[no-untyped-def]
    """Median wall time of each function, run in turn (interleaved, so a busy moment hits both alike)."""
    times: list[list[float]] = [[] for _ in functions]
    texts = [""] * len(functions)
    for _ in range(runs):
        for index, function in enumerate(functions):
            started = time.perf_counter()
            texts[index] = function()
            times[index].append(time.perf_counter() - started)
    return [(text, statistics.median(spent)) for text, spent in zip(texts, times, strict=False)]


def render(rows: list[dict], settings: TranscriptionSettings, device: str, compute: str, runs: int) -> str:
    def rate(errors: int, total: int) -> str:
        return f"{100 * errors / total:.1f} %" if total else "-"

    where = "the CPU" if device == "cpu" else "a GPU (CUDA)"
    lines = [
        f"## `capture` transcription on {where}: against bare faster-whisper",
        "",
        f"Bundled tiny.en, {device} ({compute}), beam {settings.beam_size}, median of {runs} interleaved runs; "
        f"{dt.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} CPUs.",
        "Measured with `python benchmarks/transcribe.py" + (f" --device {device}" if device != "cpu" else "") + "`.",
        "",
        "| audio | length | WER capture | WER bare | words invented (capture / bare) | time capture | time bare |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        invented = f"{row['inv_c']} / {row['inv_b']}" if not row["ref"] else "-"
        lines.append(
            f"| {row['name']} | {row['seconds']:.1f} s "
            f"| {rate(row['err_c'], row['ref'])} | {rate(row['err_b'], row['ref'])} "
            f"| {invented} | {row['t_c']:.2f} s | {row['t_b']:.2f} s |"
        )
    ref = sum(r["ref"] for r in rows)
    lines.append(
        f"| **all** | {sum(r['seconds'] for r in rows):.1f} s | **{rate(sum(r['err_c'] for r in rows), ref)}** "
        f"| **{rate(sum(r['err_b'] for r in rows), ref)}** "
        f"| {sum(r['inv_c'] for r in rows)} / {sum(r['inv_b'] for r in rows)} "
        f"| {sum(r['t_c'] for r in rows):.2f} s | {sum(r['t_b'] for r in rows):.2f} s |"
    )
    lines += [
        "",
        "WER: word errors (substitutions, insertions, deletions) per reference word, lower-case words without "
        "punctuation. Capture uses resources.yaml's settings: VAD (speech regions decoded in batches), word "
        "timestamps, the glossary as hotwords, and drops text whisper likely invented. Bare uses faster-whisper's "
        "defaults (no VAD, no hotwords, sequential decoding). Times exclude loading the model; the machine was "
        "shared with other work, so small differences are noise.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--compute-type", default="default")
    parser.add_argument("--section", default="transcribe")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--export-audio", type=Path, help="Save the decoded clips to this .npz and stop.")
    parser.add_argument("--audio", type=Path, help="Use clips saved with --export-audio (no decoding, no espeak-ng).")
    args = parser.parse_args()

    # With --audio the clips come from elsewhere: use resources.yaml's defaults without reading it.
    base = (
        TranscriptionSettings(language="en")
        if args.audio
        else load_catalogue(ROOT / "resources.yaml").settings.transcription
    )
    settings = TranscriptionSettings(
        model="bundled",
        device=args.device,
        compute_type=args.compute_type,
        language=base.language,
        beam_size=base.beam_size,
        vad=base.vad,
        word_timestamps=base.word_timestamps,
    )
    device, compute = choose_device(args.device, args.compute_type)
    from faster_whisper import WhisperModel

    bare = WhisperModel(str(bundled_model_path()), device=device, compute_type=compute)
    load_model(settings)
    if args.audio:
        clips = read_clips(args.audio)
    else:
        with tempfile.TemporaryDirectory() as folder:
            clips = load_clips(Path(folder))
    if args.export_audio:
        save_clips(args.export_audio, clips)
        return 0
    run_capture(clips[0], settings)  # warm both up: the first call of a model is slower
    run_bare(bare, clips[0], settings.beam_size)
    rows = []
    for clip in clips:
        (ours, t_c), (theirs, t_b) = measure(
            [
                lambda clip=clip: run_capture(clip, settings),
                lambda clip=clip: run_bare(bare, clip, settings.beam_size),
            ],
            args.runs,
        )
        reference = words(clip.reference)
        rows.append(
            {
                "name": clip.name,
                "seconds": clip.seconds,
                "ref": len(reference),
                "err_c": edit_distance(reference, words(ours)),
                "err_b": edit_distance(reference, words(theirs)),
                "inv_c": 0 if reference else len(words(ours)),
                "inv_b": 0 if reference else len(words(theirs)),
                "t_c": t_c,
                "t_b": t_b,
            }
        )
        print(f"{clip.name}: capture {t_c:.2f} s | {ours[:90]}", file=sys.stderr)
        print(f"{'':{len(clip.name)}}  bare    {t_b:.2f} s | {theirs[:90]}", file=sys.stderr)
    table = render(rows, settings, device, compute, args.runs)
    print(table)
    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        write_section(args.section, table, args.output)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
