"""audio/speech_to_text_async: Whisper tiny.en on a short synthetic recording (see tests/data)."""

from __future__ import annotations

import asyncio
import io
import re
import wave
from typing import Any

import pytest

from unigate.providers.errors import ProviderTimeout, UnsupportedFormat, UnsupportedLanguage
from unigate.providers.local import speech

from ._support import DATA, SpeechInput, assert_shape, loaded, make_ctx

WAV = (DATA / "speech_fox.wav").read_bytes()
FOX = "the quick brown fox jumps over the lazy dog"


def words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def transcribe(data: bytes, mime: str, language: str | None = "en") -> Any:
    ctx = make_ctx({"a": loaded(data, mime)})
    return asyncio.run(speech.run(SpeechInput(file="a", language=language), ctx))


@pytest.fixture(scope="module")
def wav_result() -> Any:
    return transcribe(WAV, "audio/wav")


def test_transcript(wav_result: Any) -> None:
    out = wav_result.output
    assert_shape(out, "audio/speech_to_text_async")
    assert FOX in words(out["text"])
    assert "please call me tomorrow" in words(out["text"])


def test_word_entries_have_increasing_times(wav_result: Any) -> None:
    diarization = wav_result.output["diarization"]
    assert diarization["total_speakers"] == 1 and diarization["error_message"] is None
    entries = diarization["entries"]
    assert FOX in words(" ".join(e["segment"] for e in entries))
    starts = [float(e["start_time"]) for e in entries]
    ends = [float(e["end_time"]) for e in entries]
    assert starts == sorted(starts) and ends == sorted(ends)
    assert all(s <= e for s, e in zip(starts, ends, strict=True))
    assert all(e["speaker"] == 1 and 0 < e["confidence"] <= 1 for e in entries)
    with wave.open(io.BytesIO(WAV)) as w:
        duration = w.getnframes() / w.getframerate()
    assert ends[-1] <= duration + 0.5
    assert wav_result.usage["second"] == pytest.approx(duration, abs=0.05)


def _to_mp3(wav: bytes) -> bytes:
    import av
    import numpy as np

    with wave.open(io.BytesIO(wav)) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def test_mp3() -> None:
    out = transcribe(_to_mp3(WAV), "audio/mpeg", language=None).output
    assert FOX in words(out["text"])


def test_non_english_is_rejected() -> None:
    with pytest.raises(UnsupportedLanguage):
        transcribe(WAV, "audio/wav", language="fr")
    speech._check_language("en-US")


def test_undecodable_audio() -> None:
    with pytest.raises(UnsupportedFormat):
        transcribe(b"RIFF\x00\x00\x00\x00WAVEjunk" * 10, "audio/wav")


def test_deadline_stops_a_long_transcription() -> None:
    with pytest.raises(ProviderTimeout):
        speech.transcribe(WAV, None, deadline=0.0)
