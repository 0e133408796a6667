"""What the speech-coverage check costs: VAD's extra pass against the whole transcription.

    python benchmarks/speech_coverage.py [--repeat 3]

The audio is the three committed sample clips joined, three times over (about 157 s). The
bundled model is loaded before timing. Printed per run: the transcription's time, the time
of the one VAD pass that finds speech with no text, and how many stretches were decoded again.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    import numpy as np

    from pipeline.speech import transcribe, whisper
    from pipeline.workspace.catalogue import TranscriptionSettings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = TranscriptionSettings(language="en")
    clips = sorted((REPO / "samples").glob("*.mp4"))
    audio = np.concatenate([transcribe.decode_audio(clip) for clip in clips] * 3)
    transcribe.transcribe_audio(audio[: 5 * transcribe.SAMPLE_RATE], settings)  # load the model
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = transcribe.transcribe_audio(audio, settings)
        whole = time.perf_counter() - started
        started = time.perf_counter()
        whisper.speech_stretches(audio, transcribe.SAMPLE_RATE)
        vad = time.perf_counter() - started
        print(
            f"audio {len(audio) / transcribe.SAMPLE_RATE:.1f} s: transcription {whole:.2f} s, "
            f"its coverage VAD pass {vad:.2f} s ({100 * vad / whole:.1f}%), decoded again {result.redecoded}"
        )


if __name__ == "__main__":
    main()
