"""Word error rate and time: capture's transcription against bare faster-whisper, same audio, one run.

    python benchmarks/transcribe.py [--runs 3] [--device cpu] [--compute-type default] [--no-write]
    python benchmarks/transcribe.py --only real --runs 1     # the real recordings alone

Two sets of audio. **Real**: recordings of people (public-domain LibriVox readings and CMU
Sphinx's test utterances, from Debian's pocketsphinx-testdata; benchmarks/realspeech.py fetches
them once and checks their sha256), each alone and joined into longer clips with pauses, one of
them ending on a sentence after a 5 s pause. **Generated**: the committed sample clips
(samples/scripts.yaml has their exact words), the glossary test clip, a longer clip made here with
espeak-ng from those scripts, and two clips with no speech (silence, music). Both sides use the
same bundled tiny.en model, loaded once before timing, with the same beam size and device. "Bare"
is what a first script would do: ``WhisperModel(...).transcribe(audio, beam_size=5)`` with
faster-whisper's defaults. Both texts go through Whisper's own English normaliser
(whisper-normalizer: "Mr." is "mister", "ten" is "10") before words are counted; a sentence is
lost when more than half its words are missing from the transcript. Times are medians over
``--runs``. The result goes into docs/benchmarks.md between ``<!-- NAME:begin -->`` and
``<!-- NAME:end -->`` (NAME is ``--section``, default transcribe).
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
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import realspeech  # noqa: E402
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
    kind: str = "generated"  # or real
    sentences: tuple[str, ...] = ()  # the reference sentence by sentence, to count sentences lost

    @property
    def seconds(self) -> float:
        return len(self.audio) / SAMPLE_RATE  # type: ignore[arg-type]

    @property
    def parts(self) -> tuple[str, ...]:
        return self.sentences or tuple(s for s in re.split(r"(?<=[.?!])\s+", self.reference) if words(s))


@lru_cache(maxsize=1)
def _normaliser():  # type: ignore[no-untyped-def]
    try:
        from whisper_normalizer.english import EnglishTextNormalizer
    except ImportError as exc:
        raise SystemExit("pip install whisper-normalizer (the bench extra: pip install -e '.[bench]')") from exc
    normaliser = EnglishTextNormalizer()
    # Its number rules join neighbouring numbers ("five five eight" is 558), which moves words across
    # sentences; numbers are spelt out by ``words`` instead, the same way for both texts.
    normaliser.standardize_numbers = lambda text: text
    return normaliser


ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _spelt(match: re.Match[str]) -> str:
    number = int(match[0])
    if number < 20:
        return ONES[number]
    return TENS[number // 10] + ("" if number % 10 == 0 else " " + ONES[number % 10])


def words(text: str) -> list[str]:
    """Whisper's English normalisation, so "Mr." and "mister", "colour" and "color" count as the same
    word; numbers under 100 are spelt out, so "10" and "ten", "5-5" and "five five" count alike."""
    spelt = re.sub(r"(?<![\d.,])\d{1,2}(?![\d.,]\d)", _spelt, text)
    return [w for w in _normaliser()(spelt).split() if re.search(r"\w", w)]


def _table(reference: list[str], hypothesis: list[str]) -> list[list[int]]:
    table = [list(range(len(hypothesis) + 1))]
    for i, ref in enumerate(reference, start=1):
        row = [i] + [0] * len(hypothesis)
        for j, hyp in enumerate(hypothesis, start=1):
            row[j] = min(table[-1][j] + 1, row[j - 1] + 1, table[-1][j - 1] + (ref != hyp))
        table.append(row)
    return table


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    return _table(reference, hypothesis)[-1][-1]


def deleted(reference: list[str], hypothesis: list[str]) -> list[bool]:
    """For each reference word, whether the best alignment leaves it out of the hypothesis."""
    table = _table(reference, hypothesis)
    marks = [False] * len(reference)
    i, j = len(reference), len(hypothesis)
    while i > 0:
        if j > 0 and table[i][j] == table[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1]):
            i, j = i - 1, j - 1
        elif table[i][j] == table[i - 1][j] + 1:
            marks[i - 1] = True
            i -= 1
        else:
            j -= 1
    return marks


def sentences_lost(clip: Clip, text: str) -> int:
    """Sentences of the reference more than half of whose words the transcript leaves out."""
    parts = [words(s) for s in clip.parts]
    marks = deleted([w for part in parts for w in part], words(text))
    lost, at = 0, 0
    for part in parts:
        lost += sum(marks[at : at + len(part)]) * 2 > len(part)
        at += len(part)
    return lost


def real_clips(glossary: tuple[str, ...]) -> list[Clip]:
    """Each recording alone, then joined: a passage, and sentences after long pauses (the last one after 5 s)."""
    found = realspeech.recordings()
    clips = [Clip(r.name.rsplit("/", 1)[-1], r.audio, r.text, glossary, "real") for r in found]
    libri = [r for r in found if r.source == "librivox"]
    cards = [r for r in found if r.name.startswith("cards/")]
    for name, parts, pauses in (
        ("librivox passage (5 sentences, 1 s pauses)", libri, [1.0, 1.0, 1.0, 1.0, 0.5]),
        ("librivox, pauses of 3 s and 5 s, a sentence last", libri, [0.7, 3.0, 0.7, 5.0, 0.5]),
        ("cards, 5 calls (1.5 s pauses)", cards, [1.5] * 4 + [0.5]),
    ):
        audio, spans = realspeech.joined(parts, pauses)
        text = tuple(t for _, _, t in spans)
        clips.append(Clip(name, audio, " ".join(text), glossary, "real", text))
    return clips


def load_clips(work: Path, *, only: str = "all") -> list[Clip]:
    glossary = tuple(load_catalogue(ROOT / "resources.yaml").settings.glossary)
    clips = real_clips(glossary) if only in ("all", "real") else []
    if only in ("all", "generated"):
        clips += generated_clips(work, glossary)
    return clips


def generated_clips(work: Path, glossary: tuple[str, ...]) -> list[Clip]:
    import numpy as np
    from ruamel.yaml import YAML

    scripts = YAML(typ="safe").load((ROOT / "samples" / "scripts.yaml").read_text(encoding="utf-8"))
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
    meta = [
        {
            "name": c.name,
            "reference": c.reference,
            "glossary": list(c.glossary),
            "kind": c.kind,
            "sentences": c.sentences,
        }
        for c in clips
    ]
    np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)


def read_clips(path: Path) -> list[Clip]:
    import numpy as np

    data = np.load(path)
    meta = json.loads(str(data["meta"]))
    return [
        Clip(
            m["name"],
            data[f"audio{i}"].astype(np.float32) / 32767,
            m["reference"],
            tuple(m["glossary"]),
            m.get("kind", "generated"),
            tuple(m.get("sentences", ())),
        )
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


def score(clip: Clip, *, ours: str, theirs: str, t_c: float, t_b: float) -> dict:  # type: ignore[type-arg]
    reference = words(clip.reference)
    return {
        "name": clip.name,
        "kind": clip.kind,
        "seconds": clip.seconds,
        "ref": len(reference),
        "sentences": len(clip.parts),
        "err_c": edit_distance(reference, words(ours)),
        "err_b": edit_distance(reference, words(theirs)),
        "lost_c": sentences_lost(clip, ours) if reference else 0,
        "lost_b": sentences_lost(clip, theirs) if reference else 0,
        "inv_c": 0 if reference else len(words(ours)),
        "inv_b": 0 if reference else len(words(theirs)),
        "t_c": t_c,
        "t_b": t_b,
    }


def _rate(errors: int, total: int) -> str:
    return f"{100 * errors / total:.1f} %" if total else "-"


def _row(name: str, rows: list[dict]) -> str:  # type: ignore[type-arg]
    ref = sum(r["ref"] for r in rows)
    invented = f"{sum(r['inv_c'] for r in rows)} / {sum(r['inv_b'] for r in rows)}" if not ref or len(rows) > 1 else "-"
    lost = f"{sum(r['lost_c'] for r in rows)} / {sum(r['lost_b'] for r in rows)} of {sum(r['sentences'] for r in rows)}"
    return (
        f"| {name} | {rows[0]['kind'] if len(rows) == 1 else ''} | {sum(r['seconds'] for r in rows):.1f} s "
        f"| {_rate(sum(r['err_c'] for r in rows), ref)} | {_rate(sum(r['err_b'] for r in rows), ref)} "
        f"| {lost if ref else '-'} | {invented} "
        f"| {sum(r['t_c'] for r in rows):.2f} s | {sum(r['t_b'] for r in rows):.2f} s |"
    )


def render(
    rows: list[dict], settings: TranscriptionSettings, *, device: str, compute: str, runs: int, only: str
) -> str:  # type: ignore[type-arg]
    where = "the CPU" if device == "cpu" else "a GPU (CUDA)"
    flags = (f" --device {device}" if device != "cpu" else "") + (f" --only {only}" if only != "all" else "")
    lines = [
        f"## `capture` transcription on {where}: against bare faster-whisper",
        "",
        f"Bundled tiny.en, {device} ({compute}), beam {settings.beam_size}, median of {runs} interleaved runs; "
        f"{dt.datetime.now().strftime('%Y-%m-%d %H:%M')}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at the end (shared).",
        f"Measured with `python benchmarks/transcribe.py{flags} --runs {runs}`.",
        "",
        "| audio | speech | length | WER capture | WER bare | sentences lost (capture / bare) "
        "| words invented (capture / bare) | time capture | time bare |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [_row(row["name"], [row]) for row in rows]
    for kind in ("real", "generated"):
        chosen = [r for r in rows if r["kind"] == kind]
        if chosen:
            lines.append(_row(f"**all {kind}**", chosen).replace(f"| {_rate(0, 0)} |", "| - |"))
    lines += [
        "",
        "Real: people recorded (LibriVox readings of *Sense and Sensibility*, public domain; CMU Sphinx's "
        "card calls and robot command, BSD-2; from Debian's pocketsphinx-testdata, see "
        "`benchmarks/data/real/README.md`); all of it read or prompted speech, since no spontaneous "
        "recording with a known transcript was found that may be redistributed. Generated: espeak-ng.",
        "WER: word errors (substitutions, insertions, deletions) per reference word, after Whisper's English "
        "normaliser (whisper-normalizer) on both texts. A sentence is lost when more than half its words are "
        "missing. Capture uses resources.yaml's settings: VAD (speech regions decoded in batches), word "
        "timestamps, the glossary as hotwords, stretches of speech left without text decoded again, and drops "
        "text whisper likely invented. Bare uses faster-whisper's defaults (no VAD, no hotwords, sequential "
        "decoding). Times exclude loading the model; the machine was shared with other work, so small "
        "differences are noise.",
    ]
    return "\n".join(lines)


def _settings(args: argparse.Namespace) -> TranscriptionSettings:
    # With --audio the clips come from elsewhere: use resources.yaml's defaults without reading it.
    base = (
        TranscriptionSettings(language="en")
        if args.audio
        else load_catalogue(ROOT / "resources.yaml").settings.transcription
    )
    return TranscriptionSettings(
        model="bundled",
        device=args.device,
        compute_type=args.compute_type,
        language=base.language,
        beam_size=base.beam_size,
        vad=base.vad,
        word_timestamps=base.word_timestamps,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--compute-type", default="default")
    parser.add_argument("--only", default="all", choices=["all", "real", "generated"])
    parser.add_argument("--section", default="transcribe")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--export-audio", type=Path, help="Save the decoded clips to this .npz and stop.")
    parser.add_argument("--audio", type=Path, help="Use clips saved with --export-audio (no decoding, no espeak-ng).")
    args = parser.parse_args()
    settings = _settings(args)
    device, compute = choose_device(args.device, args.compute_type)
    from faster_whisper import WhisperModel

    bare = WhisperModel(str(bundled_model_path()), device=device, compute_type=compute)
    load_model(settings)
    if args.audio:
        clips = read_clips(args.audio)
    else:
        with tempfile.TemporaryDirectory() as folder:
            clips = load_clips(Path(folder), only=args.only)
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
        rows.append(score(clip, ours=ours, theirs=theirs, t_c=t_c, t_b=t_b))
        print(f"{clip.name}: capture {t_c:.2f} s | {ours[:200]}", file=sys.stderr)
        print(f"{'':{len(clip.name)}}  bare    {t_b:.2f} s | {theirs[:200]}", file=sys.stderr, flush=True)
    table = render(rows, settings, device=device, compute=compute, runs=args.runs, only=args.only)
    print(table)
    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        write_section(args.section, table, args.output)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
