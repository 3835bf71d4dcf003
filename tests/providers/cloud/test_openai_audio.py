"""audio/text_to_speech, audio/tts (https://platform.openai.com/docs/api-reference/audio/createSpeech)
and audio/speech_to_text_async (https://platform.openai.com/docs/api-reference/audio/createTranscription,
/audio/verbose-json-object, /audio/json-object) against fakes speaking OpenAI's wire format."""

from __future__ import annotations

import base64
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import pytest

from tests.providers.cloud.harness import FakeVendor, Recorded, context, serve
from tests.providers.cloud.openai_fixtures import wire
from tests.providers.cloud.openai_fixtures.support import API_KEY, assert_output, creds, inp, offer
from unigate.providers.base import LoadedFile
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
    UnsupportedFormat,
    UnsupportedLanguage,
)

SPEECH = "/v1/audio/speech"
TRANSCRIBE = "/v1/audio/transcriptions"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64
MP3_HEADERS = {"Content-Type": "audio/mpeg"}
VERBOSE_DOC = "https://platform.openai.com/docs/api-reference/audio/verbose-json-object"

VERBOSE = {
    "task": "transcribe",
    "language": "english",
    "duration": 8.470000267028809,
    "text": "The beach was a popular spot on a hot summer day.",
    "words": [
        {"word": "The", "start": 0.0, "end": 0.23999999463558197},
        {"word": "beach", "start": 0.23999999463558197, "end": 0.6000000238418579},
        {"word": "was", "start": 0.6000000238418579, "end": 0.8799999952316284},
    ],
    "usage": {"type": "duration", "seconds": 9},
}
TOKENS_JSON = {
    "text": "Imagine the wildest idea that you've ever had.",
    "usage": {
        "type": "tokens",
        "input_tokens": 14,
        "input_token_details": {"text_tokens": 3, "audio_tokens": 11},
        "output_tokens": 45,
        "total_tokens": 59,
    },
}


def form(req: Recorded) -> dict[str, list[tuple[str | None, bytes]]]:
    """The multipart/form-data fields of a recorded request: name -> [(filename, value)]."""
    head = f"Content-Type: {req.headers['Content-Type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + req.body)
    fields: dict[str, list[tuple[str | None, bytes]]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(name, str) and isinstance(payload, bytes)
        fields.setdefault(name, []).append((part.get_filename(), payload))
    return fields


async def call(subfeature: str, model: str, data: dict[str, Any], vendor: FakeVendor, **kw: Any) -> Any:
    o = offer(subfeature)
    assert o.run is not None
    files = {"talk": LoadedFile(MP3, kw.pop("mime", "audio/mpeg"), "talk.mp3")}
    async with context(creds(vendor.base_url), model=model, provider="openai", files=files, **kw) as ctx:
        return await o.run(inp(subfeature, data), ctx)


# ---------------------------------------------------------------------- text to speech


async def test_text_to_speech() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on(
            "POST",
            SPEECH,
            (200, MP3, MP3_HEADERS),
            source="https://platform.openai.com/docs/api-reference/audio/createSpeech",
        )
        data = {"text": "Hello world", "language": "en", "option": "FEMALE", "speaking_rate": 50}
        result = await call("audio/text_to_speech", "tts-1-hd", {**data, "audio_format": "ogg"}, vendor)
    [req] = vendor.calls("POST", SPEECH)
    assert req.headers["Authorization"] == f"Bearer {API_KEY}"
    assert req.json() == {
        "model": "tts-1-hd", "input": "Hello world", "voice": "nova", "response_format": "opus", "speed": 1.5
    }  # fmt: skip
    out = assert_output(result, "audio/text_to_speech")
    assert base64.b64decode(out["audio"]) == MP3
    assert out["voice_type"] == 1 and out["audio_resource_url"] is None
    assert result.usage == {"char": 11}


async def test_tts_named_voice_and_speed() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", SPEECH, (200, MP3, MP3_HEADERS))
        result = await call("audio/tts", "tts-1", {"text": "Hi", "voice": "Onyx", "speed": 0.5}, vendor)
        default = await call("audio/tts", "tts-1", {"text": "Hi"}, vendor)
    first, second = (r.json() for r in vendor.calls("POST", SPEECH))
    assert first == {"model": "tts-1", "input": "Hi", "voice": "onyx", "response_format": "mp3", "speed": 0.5}
    assert second["voice"] == "alloy" and "speed" not in second
    assert assert_output(result, "audio/tts", "audio/text_to_speech")["voice_type"] == 0
    assert assert_output(default, "audio/tts", "audio/text_to_speech")["voice_type"] is None


async def test_speech_checks_and_errors() -> None:
    async with serve(FakeVendor()) as vendor:
        with pytest.raises(ProviderInvalidInput, match="voice"):
            await call("audio/tts", "tts-1", {"text": "Hi", "voice": "robot"}, vendor)
        with pytest.raises(UnsupportedFormat):
            await call("audio/tts", "tts-1", {"text": "Hi", "audio_format": "wma"}, vendor)
        with pytest.raises(ProviderInvalidInput, match="speed"):
            await call("audio/tts", "tts-1", {"text": "Hi", "speed": 0.1}, vendor)
    assert vendor.requests == []
    assert offer("audio/tts").constraints.max_text_chars == 4096


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ((401, wire.INVALID_KEY), ProviderAuthError),
        ((429, wire.RATE_LIMIT, {"Retry-After": "2"}), ProviderRateLimited),
        ((400, wire.error("[{'type': 'string_too_long'}]", "invalid_request_error", None, "input")),
         ProviderInvalidInput),
        ((500, wire.SERVER), ProviderServerError),
        ((200, wire.completion()), ProviderBadResponse),  # JSON where audio was expected
    ],
)  # fmt: skip
async def test_speech_errors(reply: Any, error: type[Exception]) -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", SPEECH, reply, source=wire.ERRORS_DOC)
        with pytest.raises(error):
            await call("audio/tts", "tts-1", {"text": "Hi"}, vendor)


# ---------------------------------------------------------------------- speech to text

BAD_FORMAT = wire.error(
    "Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', "
    "'wav', 'webm']",
    "invalid_request_error",
)
BAD_LANGUAGE = wire.error(
    "Invalid language 'xx'. Language parameter must be specified in ISO-639-1 format.",
    "invalid_request_error",
    "invalid_language_format",
    "language",
)


async def test_whisper_transcription() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", TRANSCRIBE, (200, VERBOSE), source=VERBOSE_DOC)
        result = await call(
            "audio/speech_to_text_async", "whisper-1",
            {"file": "talk", "language": "en-US", "vocabulary": ["Eden", "unigate"], "speakers": 2},
            vendor,
        )  # fmt: skip
    [req] = vendor.calls("POST", TRANSCRIBE)
    assert req.headers["Authorization"] == f"Bearer {API_KEY}"
    assert req.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    fields = form(req)
    assert fields["file"] == [("audio.mp3", MP3)]
    assert fields["model"] == [(None, b"whisper-1")]
    assert fields["response_format"] == [(None, b"verbose_json")]
    assert fields["timestamp_granularities[]"] == [(None, b"word")]
    assert fields["language"] == [(None, b"en")]
    assert fields["prompt"] == [(None, b"Eden, unigate")]
    out = assert_output(result, "audio/speech_to_text_async")
    assert out["text"] == VERBOSE["text"]
    assert out["diarization"]["total_speakers"] == 1
    assert out["diarization"]["entries"][1] == {
        "segment": "beach", "start_time": "0.24", "end_time": "0.6", "speaker": 1, "confidence": None
    }  # fmt: skip
    assert result.usage == {"second": 8.470000267028809}


async def test_gpt4o_transcription_is_billed_by_tokens() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on(
            "POST",
            TRANSCRIBE,
            (200, TOKENS_JSON),
            source="https://platform.openai.com/docs/api-reference/audio/json-object",
        )
        result = await call(
            "audio/speech_to_text_async", "gpt-4o-transcribe", {"file": "talk"}, vendor, mime="audio/wav"
        )
    fields = form(vendor.calls("POST", TRANSCRIBE)[0])
    assert fields["file"][0][0] == "audio.wav"
    assert fields["response_format"] == [(None, b"json")]
    assert "timestamp_granularities[]" not in fields and "language" not in fields
    out = assert_output(result, "audio/speech_to_text_async")
    assert out["diarization"] == {"total_speakers": None, "entries": [], "error_message": None}
    assert result.usage == {"token_in:text": 3, "token_in:audio": 11, "token_out": 45}


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ((400, BAD_FORMAT), UnsupportedFormat),
        ((400, BAD_LANGUAGE), UnsupportedLanguage),
        ((401, wire.INVALID_KEY), ProviderAuthError),
        ((429, wire.RATE_LIMIT, {"Retry-After": "4"}), ProviderRateLimited),
        ((503, wire.OVERLOADED), ProviderServerError),
        ((200, "Plain text transcript"), ProviderBadResponse),
        ((200, {"task": "transcribe", "duration": 1.0}), ProviderBadResponse),
        ((200, {**VERBOSE, "words": [{"word": "x"}]}), ProviderBadResponse),
    ],
)  # fmt: skip
async def test_transcription_errors(reply: Any, error: type[Exception]) -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", TRANSCRIBE, reply, source=wire.ERRORS_DOC)
        with pytest.raises(error):
            await call("audio/speech_to_text_async", "whisper-1", {"file": "talk"}, vendor)


async def test_transcription_refuses_what_it_cannot_send_and_times_out() -> None:
    import asyncio

    async def slow(_: Recorded) -> tuple[int, Any]:
        await asyncio.sleep(0.5)
        return 200, VERBOSE

    async with serve(FakeVendor()) as vendor:
        with pytest.raises(UnsupportedFormat):
            await call("audio/speech_to_text_async", "whisper-1", {"file": "talk"}, vendor, mime="image/png")
        assert vendor.requests == []
        vendor.on("POST", TRANSCRIBE, slow)
        with pytest.raises(ProviderTimeout):
            await call("audio/speech_to_text_async", "whisper-1", {"file": "talk"}, vendor, timeout_s=0.1)
    constraints = offer("audio/speech_to_text_async").constraints
    assert (
        constraints.languages is not None
        and "fr" in constraints.languages
        and "xx" not in constraints.languages
    )
    assert constraints.max_file_bytes == 25 * 1024 * 1024
