"""Speech-to-Text v1 (long-running recognition) and Text-to-Speech v1 against loopback fakes.

Wire format: https://cloud.google.com/speech-to-text/docs/reference/rest/v1/speech/longrunningrecognize,
https://cloud.google.com/speech-to-text/docs/reference/rest/v1/operations/get,
https://cloud.google.com/speech-to-text/docs/reference/rest/v1/speech/recognize#SpeechRecognitionResult,
https://cloud.google.com/text-to-speech/docs/reference/rest/v1/text/synthesize and
https://cloud.google.com/text-to-speech/docs/reference/rest/v1/voices/list.
"""

from __future__ import annotations

import base64
import io
import wave
from typing import Any

import pytest

from tests.providers.cloud.google_fixtures import API_KEY, assert_output, ctx_for, google_error, offer, run
from tests.providers.cloud.harness import FakeVendor, serve
from unigate.catalog import get_subfeature
from unigate.providers.base import Launched, LoadedFile, Pending, ProviderResult
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderInvalidInput,
    ProviderRateLimited,
    UnsupportedFormat,
    UnsupportedLanguage,
)
from unigate.providers.google import tts
from unigate.providers.google.audioformat import audio_format

OP = "4389532901235"
SOURCE = "https://cloud.google.com/speech-to-text/docs/reference/rest/v1/operations/get"


def wav(seconds: float = 0.5, rate: int = 16000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * int(rate * seconds))
    return buf.getvalue()


# An ID3v2 tag (10-byte header, 5 bytes of body) then an MPEG-1 Layer III frame header at 44.1 kHz.
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x05" + b"\x00" * 5 + b"\xff\xfb\x90\x64" + b"\x00" * 400
AUDIO = {"wav": LoadedFile(wav(), "audio/wav", "talk.wav"), "mp3": LoadedFile(MP3, "audio/mpeg", "talk.mp3")}


def validated(subfeature: str, data: dict[str, Any]) -> Any:
    feature, name = subfeature.split("/")
    sub = get_subfeature(feature, name)
    assert sub is not None
    return sub.input_model.model_validate(data)


def operation(done: bool, **extra: Any) -> dict[str, Any]:
    meta = {
        "@type": "type.googleapis.com/google.cloud.speech.v1.LongRunningRecognizeMetadata",
        "progressPercent": 100 if done else 40,
        "startTime": "2026-11-22T10:00:00.000Z",
        "lastUpdateTime": "2026-11-22T10:00:04.000Z",
    }
    return {"name": OP, "metadata": meta, **({"done": True} if done else {}), **extra}


def word(text: str, start: str, end: str, confidence: float, speaker: int | None = None) -> dict[str, Any]:
    w: dict[str, Any] = {"startTime": start, "endTime": end, "word": text, "confidence": confidence}
    if speaker is not None:
        w["speakerTag"] = speaker
    return w


RESULT = {
    "@type": "type.googleapis.com/google.cloud.speech.v1.LongRunningRecognizeResponse",
    "results": [
        {
            "alternatives": [
                {
                    "transcript": "Hello there.",
                    "confidence": 0.94,
                    "words": [word("Hello", "0s", "0.400s", 0.98), word("there.", "0.400s", "0.900s", 0.9)],
                }
            ],
            "resultEndTime": "0.900s",
            "languageCode": "en-us",
        },
        {
            "alternatives": [
                {"transcript": " Hi!", "confidence": 0.91, "words": [word("Hi!", "1.100s", "1.500s", 0.91)]}
            ],
            "resultEndTime": "1.500s",
            "languageCode": "en-us",
        },
        # With diarization the last result repeats every word with its speaker tag.
        {
            "alternatives": [
                {
                    "words": [
                        word("Hello", "0s", "0.400s", 0.98, 1),
                        word("there.", "0.400s", "0.900s", 0.9, 1),
                        word("Hi!", "1.100s", "1.500s", 0.91, 2),
                    ]
                }
            ],
            "resultEndTime": "1.500s",
            "languageCode": "en-us",
        },
    ],
    "totalBilledTime": "15s",
    "requestId": "8913451234567890123",
}


async def test_launch_pending_done_with_state_kept() -> None:
    o = offer("audio/speech_to_text_async")
    assert o.launch is not None and o.poll is not None
    data = {
        "file": "wav",
        "language": "en",
        "speakers": 2,
        "vocabulary": ["unigate"],
        "profanity_filter": True,
    }
    fake = FakeVendor()
    fake.on(
        "POST",
        "/v1/speech:longrunningrecognize",
        (200, {"name": OP}),
        source="https://cloud.google.com/speech-to-text/docs/reference/rest/v1/speech/longrunningrecognize",
    )
    fake.on(
        "GET",
        f"/v1/operations/{OP}",
        (200, operation(False)),
        (200, operation(True, response=RESULT)),
        source=SOURCE,
    )
    async with serve(fake):
        async with ctx_for(fake, model="default", files=AUDIO) as ctx:
            launched = await o.launch(validated("audio/speech_to_text_async", data), ctx)
        assert isinstance(launched, Launched)
        assert launched.provider_job_id == OP and launched.state == {"api": "v1"}
        # Each poll is a new call with the persisted state (as after a restart).
        async with ctx_for(fake, model="default", job_state=dict(launched.state)) as ctx:
            pending = await o.poll(OP, ctx)
        assert isinstance(pending, Pending) and pending.state == {"api": "v1", "progress": 40}
        assert pending.state is not None
        async with ctx_for(fake, model="default", job_state=pending.state) as ctx:
            done = await o.poll(OP, ctx)
    rec = fake.calls("POST", "/v1/speech:longrunningrecognize")[0]
    assert rec.headers["x-goog-api-key"] == API_KEY
    body = rec.json()
    assert base64.b64decode(body["audio"]["content"]) == AUDIO["wav"].data
    assert body["config"] == {
        "languageCode": "en-US",
        "model": "default",
        "enableWordTimeOffsets": True,
        "enableWordConfidence": True,
        "enableAutomaticPunctuation": True,
        "profanityFilter": True,
        "speechContexts": [{"phrases": ["unigate"]}],
        "diarizationConfig": {"enableSpeakerDiarization": True, "minSpeakerCount": 2, "maxSpeakerCount": 2},
    }  # WAV: no encoding or sample rate, the API reads the header
    assert len(fake.calls("GET", f"/v1/operations/{OP}")) == 2
    assert isinstance(done, ProviderResult)
    out = assert_output(done.output, "audio/speech_to_text_async")
    assert out["text"] == "Hello there. Hi!"
    assert out["diarization"]["total_speakers"] == 2
    assert out["diarization"]["entries"][2] == {
        "segment": "Hi!",
        "start_time": "1.1",
        "end_time": "1.5",
        "speaker": 2,
        "confidence": 0.91,
    }
    assert out["diarization"]["entries"][0]["start_time"] == "0.0"
    assert done.usage == {"second": 15.0}


async def test_mp3_goes_through_v1p1beta1_and_polls_there() -> None:
    o = offer("audio/speech_to_text_async")
    assert o.launch is not None and o.poll is not None
    no_diarization = {"results": RESULT["results"][:2]}  # type: ignore[index]
    fake = FakeVendor()
    fake.on("POST", "/v1p1beta1/speech:longrunningrecognize", (200, {"name": OP}))
    fake.on(
        "GET", f"/v1p1beta1/operations/{OP}", (200, operation(True, response=no_diarization)), source=SOURCE
    )
    async with serve(fake):
        async with ctx_for(fake, model="latest_long", files=AUDIO) as ctx:
            launched = await o.launch(validated("audio/speech_to_text_async", {"file": "mp3"}), ctx)
        async with ctx_for(fake, model="latest_long", job_state=launched.state) as ctx:
            done = await o.poll(launched.provider_job_id, ctx)
    config = fake.calls("POST", "/v1p1beta1/speech:longrunningrecognize")[0].json()["config"]
    assert (config["encoding"], config["sampleRateHertz"], config["model"]) == ("MP3", 44100, "latest_long")
    assert "diarizationConfig" not in config and config["languageCode"] == "en-US"
    assert isinstance(done, ProviderResult)
    out = assert_output(done.output, "audio/speech_to_text_async")
    assert [e["segment"] for e in out["diarization"]["entries"]] == ["Hello", "there.", "Hi!"]
    assert out["diarization"]["total_speakers"] == 1 and out["diarization"]["entries"][0]["speaker"] is None
    assert done.usage == {"second": 1.5}  # no totalBilledTime: the end of the last result


def test_audio_format_sniffing() -> None:
    opus = b"OggS" + b"\x00" * 24 + b"OpusHead\x01\x01\x38\x01" + (16000).to_bytes(4, "little") + b"\x00" * 8
    assert audio_format(opus, "audio/ogg").config == {"encoding": "OGG_OPUS", "sampleRateHertz": 16000}
    webm = b"\x1a\x45\xdf\xa3" + b"\x00" * 40
    assert audio_format(webm, "audio/webm").config == {"encoding": "WEBM_OPUS", "sampleRateHertz": 48000}
    assert audio_format(b"fLaC" + b"\x00" * 40, "audio/flac").api == "v1"
    with pytest.raises(UnsupportedFormat):
        audio_format(b"not audio at all", "audio/ogg")


async def test_failed_operation_and_http_errors() -> None:
    o = offer("audio/speech_to_text_async")
    assert o.launch is not None and o.poll is not None
    failed = operation(True, error={"code": 3, "message": "Invalid recognition 'config': bad encoding.."})
    fake = FakeVendor()
    fake.on("GET", f"/v1/operations/{OP}", (200, failed))
    quota = google_error(429, "Quota exceeded for quota metric 'Operation requests'.", "RESOURCE_EXHAUSTED")
    fake.on("POST", "/v1/speech:longrunningrecognize", (429, quota, {"Retry-After": "12"}))
    async with serve(fake):
        async with ctx_for(fake, job_state={"api": "v1"}) as ctx:
            with pytest.raises(UnsupportedFormat):
                await o.poll(OP, ctx)
        async with ctx_for(fake, model="default", files=AUDIO) as ctx:
            with pytest.raises(ProviderRateLimited) as info:
                await o.launch(validated("audio/speech_to_text_async", {"file": "wav"}), ctx)
    assert info.value.retry_after == 12.0


async def test_unreadable_audio_is_refused_before_any_call() -> None:
    o = offer("audio/speech_to_text_async")
    assert o.launch is not None
    fake = FakeVendor()
    files = {"x": LoadedFile(b"\x00" * 100, "audio/ogg", "x.ogg")}
    async with serve(fake), ctx_for(fake, files=files) as ctx:
        with pytest.raises(UnsupportedFormat):
            await o.launch(validated("audio/speech_to_text_async", {"file": "x"}), ctx)
    assert fake.requests == []


# --- Text-to-Speech -------------------------------------------------------------------------------

VOICES = {
    "voices": [
        {
            "languageCodes": ["en-GB"],
            "name": "en-GB-Neural2-A",
            "ssmlGender": "FEMALE",
            "naturalSampleRateHertz": 24000,
        },
        {
            "languageCodes": ["en-US"],
            "name": "en-US-Neural2-D",
            "ssmlGender": "MALE",
            "naturalSampleRateHertz": 24000,
        },
        {
            "languageCodes": ["en-US"],
            "name": "en-US-Neural2-C",
            "ssmlGender": "FEMALE",
            "naturalSampleRateHertz": 24000,
        },
        {
            "languageCodes": ["en-US"],
            "name": "en-US-Standard-C",
            "ssmlGender": "FEMALE",
            "naturalSampleRateHertz": 24000,
        },
    ]
}
AUDIO_B64 = base64.b64encode(b"ID3\x04fake mp3 bytes").decode()
SYNTH = "https://cloud.google.com/text-to-speech/docs/reference/rest/v1/text/synthesize"


async def test_text_to_speech_picks_a_voice_of_the_family() -> None:
    tts._VOICES.clear()
    fake = FakeVendor()
    fake.on(
        "GET",
        "/v1/voices",
        (200, VOICES),
        source="https://cloud.google.com/text-to-speech/docs/reference/rest/v1/voices/list",
    )
    fake.on("POST", "/v1/text:synthesize", (200, {"audioContent": AUDIO_B64}), source=SYNTH)
    data = {
        "text": "Hello world",
        "language": "en",
        "option": "FEMALE",
        "speaking_rate": 20,
        "speaking_pitch": -10,
        "speaking_volume": 10,
        "sampling_rate": 24000,
    }
    async with serve(fake):
        result = await run("audio/text_to_speech", data, fake, model="neural2")
    listing = fake.calls("GET", "/v1/voices")[0]
    assert listing.query == {"languageCode": "en"} and listing.headers["x-goog-api-key"] == API_KEY
    synth = fake.calls("POST", "/v1/text:synthesize")[0]
    assert synth.headers["x-goog-api-key"] == API_KEY
    body = synth.json()
    assert body == {
        "input": {"text": "Hello world"},
        "voice": {"languageCode": "en-US", "name": "en-US-Neural2-C"},
        "audioConfig": {
            "audioEncoding": "MP3",
            "speakingRate": 1.2,
            "pitch": -2.0,
            "volumeGainDb": 1.6,
            "sampleRateHertz": 24000,
        },
    }
    out = assert_output(result.output, "audio/text_to_speech")
    assert out == {"audio": AUDIO_B64, "voice_type": 0, "audio_resource_url": None}
    assert result.usage == {"char": 11}


async def test_tts_with_a_named_voice() -> None:
    fake = FakeVendor()
    fake.on("POST", "/v1/text:synthesize", (200, {"audioContent": AUDIO_B64}), source=SYNTH)
    data = {"text": "Bonjour", "voice": "fr-FR-Wavenet-D", "audio_format": "wav", "speed": 1.5}
    async with serve(fake):
        result = await run("audio/tts", data, fake, model="wavenet")
    synth = fake.calls("POST", "/v1/text:synthesize")[0]
    assert synth.headers["x-goog-api-key"] == API_KEY
    body = synth.json()
    assert body["voice"] == {"languageCode": "fr-FR", "name": "fr-FR-Wavenet-D"}
    assert body["audioConfig"] == {"audioEncoding": "LINEAR16", "speakingRate": 1.5}
    assert fake.calls("GET", "/v1/voices") == []
    out = assert_output(result.output, "audio/text_to_speech")
    assert out["voice_type"] is None and result.usage == {"char": 7}


async def test_tts_refuses_a_voice_of_another_family_and_unknown_formats() -> None:
    fake = FakeVendor()
    async with serve(fake):
        with pytest.raises(ProviderInvalidInput, match="use model neural2"):
            await run("audio/tts", {"text": "Hi", "voice": "en-US-Neural2-F"}, fake, model="standard")
        with pytest.raises(UnsupportedFormat):
            await run("audio/tts", {"text": "Hi", "voice": "en-US-Standard-F", "audio_format": "flac"}, fake)
    assert fake.requests == []


async def test_tts_errors() -> None:
    fake = FakeVendor()
    fake.on(
        "POST",
        "/v1/text:synthesize",
        (400, google_error(400, "Requested language code 'xx-XX' is not supported.", "INVALID_ARGUMENT")),
        (
            403,
            google_error(
                403,
                "Cloud Text-to-Speech API has not been used in project 7.",
                "PERMISSION_DENIED",
                "SERVICE_DISABLED",
            ),
        ),
    )
    async with serve(fake):
        with pytest.raises(UnsupportedLanguage):
            await run("audio/tts", {"text": "Hi", "voice": "xx-XX-Standard-A"}, fake)
        with pytest.raises(ProviderAuthError):
            await run("audio/tts", {"text": "Hi", "voice": "xx-XX-Standard-A"}, fake)
