"""Speech to text with faster-whisper: the bundled tiny.en model by default, offline.

The model is chosen by :class:`TranscriptionSettings` (``transcription:`` in
``resources.yaml``, or flags): ``bundled``, a faster-whisper name such as
``small.en`` (downloaded where a network allows), or a CTranslate2 model folder.
Text whisper likely invented (silence, music, runaway repetition) is dropped, so
a clip without speech gives an empty transcript rather than "Thank you."
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import TranscriptionError
from pipeline.speech import whisper
from pipeline.speech.coverage import Stretch, speech_without_text
from pipeline.speech.whisper import SpeechModel, WhisperInfo, WhisperSegment, bundled_model_path
from pipeline.workspace.catalogue import BUNDLED_MODEL, TranscriptionSettings

if TYPE_CHECKING:
    from pipeline.speech.whisper import Audio

__all__ = ["bundled_model_path"]  # with the names below; kept here for callers that import it from this module

SAMPLE_RATE = 16000
# Bump when transcription output changes for the same audio and settings.
TRANSCRIBE_STAGE_VERSION = "4"
# Speech regions decoded together. A GPU gains from more. On the CPU, 8 at a time held about
# 75 MB more at its peak than 2 (78 s of speech: 3.4 s and 447 MB against 4.8 s and 371 MB;
# bare sequential faster-whisper: 392 MB), so the CPU decodes two at a time and stays within
# the memory of the bare tool; see docs/benchmarks.md for the ingest figures.
BATCH_SIZE = 8
CPU_BATCH_SIZE = 2
BUNDLED_LABEL = "tiny.en"
# Whisper's own thresholds for "this window was silence" (openai/whisper transcribe.py).
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
MAX_COMPRESSION = 2.4
# Mean word probability under which a likely-silent window's words are a guess.
DOUBTED_WORD = 0.3
# A word or short phrase said this many times in a row is a decoding loop, not speech.
MAX_REPEATS = 4
# What whisper writes for sounds that are not words.
NON_SPEECH = re.compile(r"^[\s\W]*(?:\[[^\]]*\]|\([^)]*\)|[♪♫]+)?[\s\W]*$")
# Under this probability a word is marked for the reviewer: the model was unsure of it.
UNSURE_WORD = 0.5
# Audio kept either side of a stretch decoded again, so its first and last words are whole.
REDECODE_MARGIN = 0.2


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    probability: float = 1.0  # whisper's confidence in the word; low means a reviewer should listen


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
    dropped: int = 0  # segments left out as likely invented
    unheard: tuple[Stretch, ...] = ()  # speech (by VAD) that has no text even after decoding it again
    redecoded: int = 0  # stretches decoded again one by one because batched decoding left them out


@dataclass(frozen=True)
class ModelChoice:
    """What ``WhisperModel`` loads (a folder or a faster-whisper name) and the label recorded for it."""

    source: str
    label: str
    english_only: bool


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or (os.sep in name and Path(name).expanduser().exists())


def resolve_model(name: str) -> ModelChoice:
    """Turn the ``model`` setting into something loadable, or say what to give instead."""
    available_models = whisper.available_models
    if name in ("", BUNDLED_MODEL, "tiny.en-bundled"):
        return ModelChoice(str(bundled_model_path()), BUNDLED_LABEL, True)
    if _looks_like_path(name):
        folder = Path(name).expanduser()
        if not folder.is_dir():
            raise TranscriptionError(
                f"model folder {name} does not exist; give a CTranslate2 Whisper model folder, "
                "or use the bundled model (--model bundled)"
            )
        if not (folder / "model.bin").is_file():
            raise TranscriptionError(
                f"{name} has no model.bin, so it is not a CTranslate2 Whisper model folder; "
                "convert the model with ct2-transformers-converter, or use the bundled model (--model bundled)"
            )
        folder = folder.resolve()
        label = folder.name
        if folder == bundled_model_path().resolve():
            label = BUNDLED_LABEL
        return ModelChoice(str(folder), label, _folder_is_english_only(folder))
    if "/" in name:  # a Hugging Face repository id, e.g. Systran/faster-whisper-small
        return ModelChoice(name, name.rsplit("/", 1)[-1], name.endswith(".en"))
    if name not in available_models():
        raise TranscriptionError(
            f"unknown speech model '{name}'; use bundled, a faster-whisper name "
            f"({', '.join(available_models()[:8])}, ...) or a path to a CTranslate2 model folder"
        )
    return ModelChoice(name, name, name.endswith(".en"))


def _folder_is_english_only(folder: Path) -> bool:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    # Multilingual Whisper vocabularies have 51865 or more tokens; English-only ones 51864.
    vocabulary = config.get("vocab_size") or 0
    if not vocabulary:
        try:
            vocabulary = len(json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"])
        except (OSError, ValueError, KeyError, TypeError):
            return folder.name.endswith(".en")
    return int(vocabulary) < 51865


def choose_device(device: str, compute_type: str) -> tuple[str, str]:
    """``auto`` means CUDA where a GPU is visible, else the CPU; ``default`` the usual fast type for it."""
    if device not in ("auto", "cpu", "cuda"):
        raise TranscriptionError(f"device: expected auto, cpu or cuda, got {device!r}")
    gpus = whisper.cuda_device_count()
    if device == "cuda" and gpus == 0:
        raise TranscriptionError("--device cuda: no CUDA GPU is visible on this machine; use --device cpu or auto")
    if device == "auto":
        device = "cuda" if gpus > 0 else "cpu"
    if compute_type == "default":
        return device, "int8" if device == "cpu" else "float16"
    supported = sorted(whisper.supported_compute_types(device))
    if compute_type not in supported and compute_type != "auto":
        raise TranscriptionError(
            f"compute type '{compute_type}' is not supported on {device}; use one of default, {', '.join(supported)}"
        )
    return device, compute_type


def _fetch(choice: ModelChoice, requested: str) -> str:
    """A folder holding the model; a faster-whisper name is taken from the cache or downloaded."""
    if os.path.isdir(choice.source):
        return choice.source
    try:
        return whisper.download_model(choice.source)
    except Exception as exc:  # huggingface_hub raises many kinds; all mean "cannot have it here"
        offline = os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0")
        how = "downloads are switched off (HF_HUB_OFFLINE)" if offline else "it cannot be downloaded from here"
        raise TranscriptionError(
            f"the speech model '{requested}' is not on this machine and {how}; use the bundled model "
            "(--model bundled, or transcription.model: bundled in resources.yaml) "
            "or a path to a CTranslate2 model folder"
        ) from exc


@lru_cache(maxsize=2)
def _load(folder: str, device: str, compute_type: str) -> SpeechModel:
    return whisper.load_whisper(folder, device=device, compute_type=compute_type)


def check_settings(settings: TranscriptionSettings) -> tuple[ModelChoice, str, str]:
    """Everything about the settings that can be wrong, found before any slow work starts."""
    choice = resolve_model(settings.model)
    device, compute_type = choose_device(settings.device, settings.compute_type)
    if settings.language not in (None, "", "en", "auto") and choice.english_only:
        raise TranscriptionError(
            f"the model '{choice.label}' knows only English, but language is '{settings.language}'; "
            "use a multilingual model (e.g. --model small) or --language en"
        )
    return choice, device, compute_type


@lru_cache(maxsize=2)
def _batched(model: SpeechModel) -> SpeechModel:
    return whisper.batched(model)


def load_model(settings: TranscriptionSettings) -> tuple[SpeechModel, ModelChoice]:
    """Build the expensive model once per process; explain what to do when it cannot be had."""
    choice, device, compute_type = check_settings(settings)
    folder = _fetch(choice, settings.model)
    try:
        return _load(folder, device, compute_type), choice
    except Exception as exc:  # ctranslate2 raises RuntimeError/ValueError with a one-line reason
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        if device == "cuda" and settings.device == "auto":
            # A GPU is visible but its libraries are not: the CPU still works.
            return _load(folder, "cpu", "int8"), choice
        if device == "cuda":
            raise TranscriptionError(f"cannot run the speech model on the GPU ({reason}); use --device cpu") from exc
        raise TranscriptionError(f"cannot load the speech model at {folder} ({reason}); use --model bundled") from exc


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
        if (
            (token.endswith((".", "?", "!")) and length >= 12)
            or (following.start - word.end >= pause and length >= 12)
            or (length >= max_chars and token.endswith((",", ";", ":")))
            or length >= max_chars + 30
        ):
            close()
    close()
    return lines


def _key(text: str) -> str:
    return re.sub(r"[^\w']+", "", text.lower())


def drop_repetition(words: list[Word], limit: int = MAX_REPEATS) -> list[Word]:
    """Remove runs where one word or phrase (up to 4 words) comes ``limit`` or more times in a row."""
    keys = [_key(w.text) for w in words]
    kept: list[Word] = []
    index = 0
    while index < len(words):
        cut = 0
        for size in range(1, 5):
            phrase = keys[index : index + size]
            if len(phrase) < size or not all(phrase):
                break
            repeats = 1
            while keys[index + repeats * size : index + (repeats + 1) * size] == phrase:
                repeats += 1
            if repeats >= limit:
                cut = repeats * size
                break
        if cut:
            index += cut
        else:
            kept.append(words[index])
            index += 1
    return kept


def _repeats_in_text(text: str, limit: int = MAX_REPEATS) -> bool:
    words = [Word(0.0, 0.0, w) for w in text.split()]
    return len(drop_repetition(words, limit)) < len(words)


def is_invented(piece: WhisperSegment) -> bool:
    """Whisper's tell-tales of text that was not said: likely silence, a decoding loop, or a sound label."""
    if piece.no_speech_prob > NO_SPEECH_PROB:
        if piece.avg_logprob < LOW_LOGPROB:
            return True
        # Whisper's stock guesses for silence ("You", "Thank you.") come with words it doubts.
        words = piece.words or ()
        if words and sum(w.probability for w in words) / len(words) < DOUBTED_WORD:
            return True
    if piece.compression_ratio > MAX_COMPRESSION:
        return True
    return bool(NON_SPEECH.match(piece.text))


def clean_segment(piece: WhisperSegment) -> Segment | None:
    """A faster-whisper segment as ours, with runaway repetition cut out; None if nothing real is left."""
    if is_invented(piece):
        return None
    words = [Word(float(w.start), float(w.end), w.word, float(w.probability)) for w in (piece.words or ())]
    if words:
        kept = drop_repetition(words)
        text = "".join(w.text for w in kept).strip()
        if not kept or NON_SPEECH.match(text):
            return None
        return Segment(kept[0].start, kept[-1].end, text, tuple(kept))
    text = piece.text.strip()
    if _repeats_in_text(text):
        return None
    return Segment(float(piece.start), float(piece.end), text)


def whisper_options(settings: TranscriptionSettings, glossary: Iterable[str]) -> dict[str, Any]:
    """The keyword arguments for ``WhisperModel.transcribe`` that capture uses."""
    options: dict[str, Any] = {
        "beam_size": settings.beam_size,
        "vad_filter": settings.vad,
        "word_timestamps": settings.word_timestamps,
        "language": settings.language if settings.language not in ("", "auto") else None,
        # Conditioning on earlier text is what lets one hallucination feed the next.
        "condition_on_previous_text": False,
        "no_speech_threshold": NO_SPEECH_PROB,
        "log_prob_threshold": LOW_LOGPROB,
        "compression_ratio_threshold": MAX_COMPRESSION,
    }
    words = [w.strip() for w in glossary if w.strip()]
    if words:
        # Hotwords go into each window's prompt, so the decoder favours these spellings.
        options["hotwords"] = glossary_prompt(words)
    return options


def glossary_prompt(words: Sequence[str]) -> str:
    """The glossary as the decoder's prompt: a plain sentence, each word spelt as the glossary has it.

    Chosen by measurement on real speech (benchmarks/transcribe.py): a bare lower-case list
    ("handover, lockout") made the batched decoder write lower case without stops and mishear
    words (a LibriVox passage: 7.0 % WER, 1.4 % without a glossary); "Glossary: handover,
    lockout." wrote Title Case and heard "clubs" as "Clopes" (card calls: 19 % against 0 %).
    This sentence measured 1.4 % and 0 % there, and still gives "Kanban" where none hears "cannon".
    """
    if len(words) == 1:
        return f"The word {words[0]} may come up."
    return f"The words {', '.join(words[:-1])} and {words[-1]} may come up."


def transcribe_audio(
    audio: Audio | None,
    settings: TranscriptionSettings,
    glossary: tuple[str, ...] = (),
    *,
    progress: Callable[[float], None] | None = None,
) -> Transcription:
    """Transcribe 16 kHz mono float32 ``audio``; segments whisper likely invented are dropped."""
    model, choice = load_model(settings)
    if audio is None or len(audio) / SAMPLE_RATE < 0.1:
        return Transcription(segments=(), language=settings.language or "en", model=choice.label)
    options = whisper_options(settings, glossary)
    try:
        pieces, info = _decode(model, audio, settings=settings, options=options)
        segments, dropped = _collect(pieces, len(audio) / SAMPLE_RATE, progress)
        coverage = cover_speech(model, audio, segments, options=options) if settings.vad else Coverage(tuple(segments))
    except RuntimeError as exc:
        raise TranscriptionError(f"transcription failed: {exc}; try --device cpu") from exc
    if progress:
        progress(1.0)
    return Transcription(
        segments=coverage.segments,
        language=info.language,
        model=choice.label,
        dropped=dropped,
        unheard=coverage.unheard,
        redecoded=coverage.redecoded,
    )


@dataclass(frozen=True)
class Coverage:
    segments: tuple[Segment, ...]
    unheard: tuple[Stretch, ...] = ()
    redecoded: int = 0


def cover_speech(model: SpeechModel, audio: Audio, segments: Sequence[Segment], *, options: dict[str, Any]) -> Coverage:
    """``segments`` with text for every stretch of speech they left out, decoded again one by one;
    what still has no text is named. Only the stretches that need it are decoded again."""
    speech = [Stretch(start, end) for start, end in whisper.speech_stretches(audio, SAMPLE_RATE)]  # VAD once
    gaps = _speech_gaps(speech, segments)
    filled = _decode_again(model, audio, gaps, options=options)
    if not filled:
        return Coverage(tuple(segments), tuple(gaps), len(gaps))
    merged = tuple(sorted([*segments, *filled], key=lambda s: s.start))
    return Coverage(merged, tuple(_speech_gaps(speech, merged)), len(gaps))


def _speech_gaps(speech: list[Stretch], segments: Iterable[Segment]) -> list[Stretch]:
    """The stretches of ``speech`` (VAD's), a second or longer, that no line's words cover."""
    heard = [Stretch(w.start, w.end) for s in segments for w in (s.words or (Word(s.start, s.end, s.text),))]
    return speech_without_text(speech, heard)


def _decode_again(model: SpeechModel, audio: Audio, gaps: list[Stretch], *, options: dict[str, Any]) -> list[Segment]:
    """Decode each gap on its own with the sequential decoder, which reads a window to its end rather
    than stopping after a pause; only words inside the gap are kept, so no line comes twice."""
    lines: list[Segment] = []
    sequential = {**options, "vad_filter": False}
    for gap in gaps:
        offset = max(0.0, gap.start - REDECODE_MARGIN)
        piece = audio[int(offset * SAMPLE_RATE) : int((gap.end + REDECODE_MARGIN) * SAMPLE_RATE)]
        found, _ = model.transcribe(piece, **sequential)
        for part in found:
            segment = clean_segment(part)
            if segment is not None:
                lines.extend(split_lines(_within(_shifted(segment, offset), gap)))
    return [line for line in lines if line.text]


def _shifted(segment: Segment, offset: float) -> Segment:
    words = tuple(replace(w, start=w.start + offset, end=w.end + offset) for w in segment.words)
    return Segment(segment.start + offset, segment.end + offset, segment.text, words)


def _within(segment: Segment, gap: Stretch) -> Segment:
    """``segment`` cut to the words whose middle lies in ``gap`` (all of it when it has no words)."""
    if not segment.words:
        return segment
    kept = tuple(w for w in segment.words if gap.start <= (w.start + w.end) / 2 <= gap.end + REDECODE_MARGIN)
    if not kept:
        return Segment(segment.start, segment.start, "")
    return Segment(kept[0].start, kept[-1].end, "".join(w.text for w in kept).strip(), kept)


def _decode(
    model: SpeechModel, audio: Audio, *, settings: TranscriptionSettings, options: dict[str, Any]
) -> tuple[Iterable[WhisperSegment], WhisperInfo]:
    """Whisper's lazy segments: speech regions found by VAD decoded in batches where word timings are on.

    Batched, each region is decoded once; the sequential decoder would also decode again the
    sliver of audio after each window's last word.
    """
    if settings.vad and settings.word_timestamps:
        batch = BATCH_SIZE if whisper.device_of(model) == "cuda" else CPU_BATCH_SIZE
        return _batched(model).transcribe(audio, batch_size=batch, **options)
    return model.transcribe(audio, **options)


def _collect(
    pieces: Iterable[WhisperSegment], duration: float, progress: Callable[[float], None] | None
) -> tuple[list[Segment], int]:
    """Our transcript lines from whisper's segments, and how many segments were dropped as invented."""
    segments: list[Segment] = []
    dropped = 0
    for piece in pieces:
        if progress:
            progress(min(1.0, piece.end / duration))
        segment = clean_segment(piece)
        if segment is None:
            dropped += 1
        else:
            segments.extend(split_lines(segment))
    return segments, dropped


def decode_audio(path: Path) -> Audio:
    """16 kHz mono float32 samples of ``path``'s first audio track (PyAV, no ffmpeg process)."""
    try:
        return whisper.decode_audio(path, SAMPLE_RATE)
    except Exception as exc:  # PyAV raises its own error kinds
        raise TranscriptionError(
            f"{path.name}: cannot read its audio ({exc}); run `capture add` on the clip again to rebuild its media"
        ) from exc


def settings_with(base: TranscriptionSettings, **overrides: Any) -> TranscriptionSettings:
    """``base`` with the flags a person gave (``None`` means not given)."""
    given = {key: value for key, value in overrides.items() if value is not None}
    if "beam_size" in given and not 1 <= int(given["beam_size"]) <= 20:
        raise TranscriptionError(f"--beam-size: expected a whole number from 1 to 20, got {given['beam_size']}")
    return replace(base, **given)


def words_document(resource_id: str, segments: Iterable[Segment], *, unheard: Iterable[Stretch] = ()) -> dict[str, Any]:
    """The ``.capture/words/<id>.json`` sidecar: whisper's word timings (for caption line breaks) with
    each word's probability, and the stretches of speech that have no text (for the review)."""
    return {
        "id": resource_id,
        "segments": [
            {
                "start": round(s.start, 3),
                "end": round(s.end, 3),
                "text": s.text,
                "words": [[round(w.start, 3), round(w.end, 3), w.text, round(w.probability, 3)] for w in s.words],
            }
            for s in segments
        ],
        "unheard": [[round(g.start, 2), round(g.end, 2)] for g in unheard],
    }


def read_words(path: Path) -> tuple[Word, ...]:
    """Every timed word in a sidecar, in order; an unreadable sidecar is no sidecar (it is a cache)."""
    try:
        return parse_words(path.read_bytes())
    except OSError:
        return ()


def parse_words(data: bytes | str) -> tuple[Word, ...]:
    """Every timed word in a sidecar's text, in order; none where it is not one."""
    try:
        document = json.loads(data)
        words = [
            Word(float(w[0]), float(w[1]), str(w[2]), float(w[3]) if len(w) > 3 else 1.0)
            for segment in document["segments"]
            for w in segment.get("words", [])
        ]
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return ()
    if not all(math.isfinite(w.start) and math.isfinite(w.end) for w in words):
        return ()
    return tuple(sorted(words, key=lambda w: w.start))


def read_unheard(path: Path) -> tuple[Stretch, ...]:
    """The stretches of speech with no text a sidecar records; none where it is unreadable or older."""
    try:
        document = json.loads(path.read_bytes())
        gaps = tuple(Stretch(float(g[0]), float(g[1])) for g in document.get("unheard", []))
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return ()
    return tuple(g for g in gaps if math.isfinite(g.start) and math.isfinite(g.end))


def unsure_words(words: Iterable[Word]) -> list[Word]:
    """The words whisper was unsure of (probability under ``UNSURE_WORD``), in order."""
    return [w for w in words if w.probability < UNSURE_WORD]
