"""Azure AI Speech (text to speech REST, batch transcription v3.2) against loopback fakes.

Wire format sources:
- https://learn.microsoft.com/en-us/azure/ai-services/speech-service/rest-text-to-speech
  (POST /cognitiveservices/v1, SSML body, X-Microsoft-OutputFormat, audio bytes back)
- https://learn.microsoft.com/en-us/rest/api/speechtotext/transcriptions/create?view=rest-speechtotext-v3.2
  (201 + Transcription {self, links.files, status}; GET self; GET files {values[], @nextLink})
- https://learn.microsoft.com/en-us/azure/ai-services/speech-service/batch-transcription-get
  (result JSON: durationInTicks, combinedRecognizedPhrases, recognizedPhrases[].nBest[].words/displayWords)
- Speech REST errors are not wrapped: {"code", "message", "innerError": {"code", "message"}}
"""

from __future__ import annotations

import asyncio
import base64
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.providers.cloud.harness import FakeVendor, Recorded
from tests.providers.cloud.microsoft_fixtures import (
    assert_canonical,
    call_context,
    offer,
    run,
    validated,
    vendor,
)
from unigate.providers.base import Pending, ProviderResult
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
    UnsupportedLanguage,
)
from unigate.providers.microsoft.languages import locale_of
from unigate.providers.microsoft.tts import output_format

SAMPLES = Path(__file__).parents[3] / "spec" / "outputs"
KEY = "speech-key-0123456789"
TTS = "/cognitiveservices/v1"
STT = "/speechtotext/v3.2/transcriptions"
TID = "ba8b7e2c-e2b8-4b5e-8f62-8d0bd2b33a4d"
SSML_NS = "{http://www.w3.org/2001/10/synthesis}"


def creds(base: str) -> dict[str, str]:
    return {
        "AZURE_SPEECH_KEY": KEY,
        "AZURE_SPEECH_REGION": "westeurope",
        "AZURE_SPEECH_ENDPOINT": base,
        "AZURE_SPEECH_TTS_ENDPOINT": base,
    }


# --- text to speech ---------------------------------------------------------------------------

AUDIO = b"ID3\x04\x00fake-mp3-frames"


async def test_text_to_speech_picks_a_voice_and_builds_ssml() -> None:
    async with vendor() as fake:
        fake.on("POST", TTS, (200, AUDIO, {"Content-Type": "audio/mpeg"}))
        inp = {"text": "Bonjour & bienvenue <ici>", "language": "fr", "option": "MALE", "speaking_rate": 10,
               "speaking_pitch": -5}  # fmt: skip
        async with call_context(creds(fake.base_url)) as ctx:
            result = await run("audio/text_to_speech", inp, ctx)
        call = fake.calls("POST", TTS)[0]
    assert call.headers["Ocp-Apim-Subscription-Key"] == KEY
    assert call.headers["Content-Type"] == "application/ssml+xml"
    assert call.headers["X-Microsoft-OutputFormat"] == "audio-24khz-48kbitrate-mono-mp3"
    speak = ET.fromstring(call.body)
    assert (
        speak.tag == f"{SSML_NS}speak" and speak.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr-FR"
    )
    voice = speak.find(f"{SSML_NS}voice")
    assert voice is not None and voice.get("name") == "fr-FR-HenriNeural"
    prosody = voice.find(f"{SSML_NS}prosody")
    assert prosody is not None and prosody.get("rate") == "+10%" and prosody.get("pitch") == "-5%"
    assert prosody.get("volume") is None and prosody.text == "Bonjour & bienvenue <ici>"
    out = assert_canonical(SAMPLES, "audio/text_to_speech", result.output)
    assert base64.b64decode(out["audio"]) == AUDIO
    assert out["voice_type"] == 1 and out["audio_resource_url"] is None  # the engine fills it
    assert result.artifacts["audio_resource_url"].data == AUDIO
    assert result.artifacts["audio_resource_url"].mime == "audio/mpeg"
    assert result.usage == {"char": 25}


async def test_text_to_speech_voice_id_format_and_multilingual() -> None:
    async with vendor() as fake:
        fake.on("POST", TTS, (200, b"RIFF....WAVEfmt "))
        async with call_context(creds(fake.base_url)) as ctx:
            inp = {
                "text": "Hi",
                "voice_id": "en-GB-LibbyNeural",
                "audio_format": "wav",
                "sampling_rate": 16000,
            }
            await run("audio/text_to_speech", inp, ctx)
            await run("audio/text_to_speech", {"text": "Hyvää päivää", "language": "fi"}, ctx)
        first, second = fake.calls("POST", TTS)
    assert first.headers["X-Microsoft-OutputFormat"] == "riff-16khz-16bit-mono-pcm"
    voice = ET.fromstring(first.body).find(f"{SSML_NS}voice")
    assert voice is not None and voice.get("name") == "en-GB-LibbyNeural"
    voice = ET.fromstring(second.body).find(f"{SSML_NS}voice")
    assert voice is not None and voice.get("name") == "en-US-AvaMultilingualNeural"
    lang = voice.find(f"{SSML_NS}lang")
    assert lang is not None and lang.get("{http://www.w3.org/XML/1998/namespace}lang") == "fi-FI"


def test_output_formats_and_locales() -> None:
    assert output_format("ogg", 44100) == ("ogg-48khz-16bit-mono-opus", "ogg")
    assert output_format(None, None) == ("audio-24khz-48kbitrate-mono-mp3", "mp3")
    with pytest.raises(ProviderInvalidInput):
        output_format("flac", None)
    assert (locale_of("en"), locale_of("pt_br"), locale_of("zh-Hans-CN"), locale_of(None)) == (
        "en-US",
        "pt-BR",
        "zh-Hans-CN",
        None,
    )


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ((400, b""), ProviderInvalidInput),  # bad SSML: an empty body
        ((401, {"error": {"code": "401", "message": "Access denied."}}), ProviderAuthError),
        ((429, b"", {"Retry-After": "4"}), ProviderRateLimited),
        ((502, b"Bad Gateway"), ProviderServerError),
        ((200, b""), ProviderBadResponse),
    ],
)  # fmt: skip
async def test_text_to_speech_errors(reply: Any, expected: type[Exception]) -> None:
    async with vendor() as fake:
        fake.on("POST", TTS, reply)
        async with call_context(creds(fake.base_url)) as ctx:
            with pytest.raises(expected) as caught:
                await run("audio/text_to_speech", {"text": "Hi"}, ctx)
    assert type(caught.value) is expected and KEY not in str(caught.value)


async def test_text_to_speech_timeout() -> None:
    async def slow(_: Recorded) -> Any:
        await asyncio.sleep(0.6)
        return (200, AUDIO)

    async with vendor() as fake:
        fake.on("POST", TTS, slow)
        async with call_context(creds(fake.base_url), timeout_s=0.2) as ctx:
            with pytest.raises(ProviderTimeout):
                await run("audio/text_to_speech", {"text": "Hi"}, ctx)


# --- batch transcription ----------------------------------------------------------------------


def word(text: str, start: float, length: float, confidence: float) -> dict[str, Any]:
    return {
        "word": text.lower().strip(".,?"),
        "offset": f"PT{start}S",
        "duration": f"PT{length}S",
        "offsetInTicks": start * 1e7,
        "durationInTicks": length * 1e7,
        "confidence": confidence,
    }


def display(text: str, start: float, length: float) -> dict[str, Any]:
    return {"displayText": text, "offset": f"PT{start}S", "duration": f"PT{length}S",
            "offsetInTicks": start * 1e7, "durationInTicks": length * 1e7}  # fmt: skip


def phrase(speaker: int, words: list[tuple[str, float, float, float]], text: str) -> dict[str, Any]:
    start, end = words[0][1], words[-1][1] + words[-1][2]
    return {
        "recognitionStatus": "Success",
        "channel": 0,
        "speaker": speaker,
        "offset": f"PT{start}S",
        "duration": f"PT{end - start}S",
        "offsetInTicks": start * 1e7,
        "durationInTicks": (end - start) * 1e7,
        "nBest": [
            {
                "confidence": 0.93,
                "lexical": text.lower(),
                "itn": text.lower(),
                "maskedITN": text.lower(),
                "display": text,
                "words": [word(*w) for w in words],
                "displayWords": [display(w[0], w[1], w[2]) for w in words],
            }
        ],
    }


TRANSCRIPT = {
    "source": "https://example.com/meeting.wav",
    "timestamp": "2024-05-02T10:00:00Z",
    "durationInTicks": 41200000,
    "duration": "PT4.12S",
    "combinedRecognizedPhrases": [
        {"channel": 0, "lexical": "hello world how are you", "itn": "hello world how are you",
         "maskedITN": "hello world how are you", "display": "Hello world. How are you?"}
    ],
    # Phrases come by channel, not by time: the output sorts them.
    "recognizedPhrases": [
        phrase(2, [("How", 2.5, 0.3, 0.9), ("are", 2.8, 0.2, 0.88), ("you?", 3.0, 0.4, 0.97)],
               "How are you?"),
        phrase(1, [("Hello", 0.07, 0.4, 0.95), ("world.", 0.5, 0.47, 0.99)], "Hello world."),
    ],
}  # fmt: skip


def transcription(fake: FakeVendor, status: str, **extra: Any) -> dict[str, Any]:
    own = f"{fake.base_url}{STT}/{TID}"
    return {
        "self": own,
        "model": {"self": f"{fake.base_url}/speechtotext/v3.2/models/base/0b5a2b1c"},
        "links": {"files": f"{own}/files"},
        "properties": {"wordLevelTimestampsEnabled": True, "diarizationEnabled": True, **extra},
        "lastActionDateTime": "2024-05-02T10:00:05Z",
        "status": status,
        "createdDateTime": "2024-05-02T10:00:00Z",
        "locale": "en-US",
        "displayName": "unigate audio/speech_to_text_async",
    }


def files_pages(fake: FakeVendor) -> tuple[Any, Any]:
    own = f"{fake.base_url}{STT}/{TID}"
    report = {
        "self": f"{own}/files/1",
        "name": "report.json",
        "kind": "TranscriptionReport",
        "links": {"contentUrl": f"{fake.base_url}/blob/report.json?sig=abc"},
    }
    result = {"self": f"{own}/files/2", "name": "contenturl_0.json", "kind": "Transcription",
              "links": {"contentUrl": f"{fake.base_url}/blob/contenturl_0.json?sv=2021&sig=xyz"}}  # fmt: skip
    return (
        (200, {"values": [report], "@nextLink": f"{own}/files?skip=1&top=1"}),
        (200, {"values": [result]}),
    )


async def test_batch_transcription_launch_pending_done() -> None:
    async with vendor() as fake:
        fake.on(
            "POST", STT, (201, transcription(fake, "NotStarted"), {"Location": f"{fake.base_url}{STT}/{TID}"})
        )
        fake.on(
            "GET",
            f"{STT}/{TID}",
            (200, transcription(fake, "Running"), {"Retry-After": "0"}),
            (200, transcription(fake, "Succeeded")),
        )
        fake.on("GET", f"{STT}/{TID}/files", *files_pages(fake))
        fake.on("GET", "/blob/contenturl_0.json", (200, TRANSCRIPT))
        the_offer = offer("audio/speech_to_text_async")
        assert the_offer.launch is not None and the_offer.poll is not None
        asked = {
            "file": "https://example.com/meeting.wav",
            "language": "en",
            "speakers": 3,
            "profanity_filter": True,
        }
        inp = validated("audio/speech_to_text_async", asked)
        async with call_context(creds(fake.base_url)) as ctx:
            launched = await the_offer.launch(inp, ctx)
        assert launched.provider_job_id == TID
        created = fake.calls("POST", STT)[0]
        assert created.headers["Ocp-Apim-Subscription-Key"] == KEY
        body = created.json()
        assert body["contentUrls"] == ["https://example.com/meeting.wav"] and body["locale"] == "en-US"
        props = body["properties"]
        assert props["wordLevelTimestampsEnabled"] is True and props["diarizationEnabled"] is True
        assert props["diarization"] == {"speakers": {"minCount": 1, "maxCount": 3}}
        assert props["profanityFilterMode"] == "Masked"

        # Resumed from the persisted state only, as after a restart.
        async with call_context(creds(fake.base_url), job_state=dict(launched.state)) as ctx:
            pending = await the_offer.poll(TID, ctx)
            assert isinstance(pending, Pending) and pending.retry_after == 0.0
            done = await the_offer.poll(TID, ctx)
        assert isinstance(done, ProviderResult)
        blob = fake.calls("GET", "/blob/contenturl_0.json")[0]
        assert "Ocp-Apim-Subscription-Key" not in blob.headers  # the SAS URL gets no key
        assert blob.query == {"sv": "2021", "sig": "xyz"}
        assert [c.query for c in fake.calls("GET", f"{STT}/{TID}/files")] == [{}, {"skip": "1", "top": "1"}]
    out = assert_canonical(SAMPLES, "audio/speech_to_text_async", done.output)
    assert out["text"] == "Hello world. How are you?"
    entries = out["diarization"]["entries"]
    assert [e["segment"] for e in entries] == ["Hello", "world.", "How", "are", "you?"]
    assert entries[0] == {
        "segment": "Hello",
        "start_time": "0.07",
        "end_time": "0.47",
        "speaker": 1,
        "confidence": 0.95,
    }
    assert entries[2]["speaker"] == 2 and out["diarization"]["total_speakers"] == 2
    assert done.usage == {"second": 4.12}


async def test_single_speaker_turns_diarization_off() -> None:
    async with vendor() as fake:
        fake.on("POST", STT, (201, transcription(fake, "NotStarted")))
        the_offer = offer("audio/speech_to_text_async")
        assert the_offer.launch is not None
        inp = validated("audio/speech_to_text_async", {"file": "https://example.com/a.mp3", "speakers": 1})
        async with call_context(creds(fake.base_url)) as ctx:
            await the_offer.launch(inp, ctx)
        props = fake.calls("POST", STT)[0].json()["properties"]
    assert "diarizationEnabled" not in props and props["profanityFilterMode"] == "None"


async def test_uploaded_files_are_refused() -> None:
    the_offer = offer("audio/speech_to_text_async")
    assert the_offer.launch is not None
    async with call_context(creds("http://127.0.0.1:9")) as ctx:
        with pytest.raises(ProviderInvalidInput, match="URL"):
            await the_offer.launch(validated("audio/speech_to_text_async", {"file": "f_123"}), ctx)


async def test_failed_transcription_and_create_errors() -> None:
    the_offer = offer("audio/speech_to_text_async")
    assert the_offer.launch is not None and the_offer.poll is not None
    inp = validated("audio/speech_to_text_async", {"file": "https://example.com/a.mp3", "language": "xx"})
    async with vendor() as fake:
        failed = transcription(
            fake, "Failed", error={"code": "InvalidData", "message": "The audio is corrupted."}
        )
        fake.on("GET", f"{STT}/{TID}", (200, failed))
        async with call_context(creds(fake.base_url)) as ctx:
            with pytest.raises(ProviderInvalidInput, match="corrupted"):
                await the_offer.poll(TID, ctx)
        # Speech REST errors are not wrapped in "error".
        inner = {"code": "InvalidLocale", "message": "The locale xx-XX is not supported."}
        flat = {"code": "InvalidPayload", "message": "Invalid locale.", "innerError": inner}
        fake.on("POST", STT, (400, flat))
        async with call_context(creds(fake.base_url)) as ctx:
            with pytest.raises(UnsupportedLanguage, match="xx-XX"):
                await the_offer.launch(inp, ctx)
        fake.on("POST", STT, (401, {"error": {"code": "401", "message": "Access denied."}}))
        async with call_context(creds(fake.base_url)) as ctx:
            with pytest.raises(ProviderAuthError):
                await the_offer.launch(inp, ctx)
        fake.on("POST", STT, (201, {**transcription(fake, "NotStarted"), "self": "https://evil.example/t/1"}))
        async with call_context(creds(fake.base_url)) as ctx:
            with pytest.raises(ProviderBadResponse):
                await the_offer.launch(inp, ctx)


def test_offers() -> None:
    tts = offer("audio/text_to_speech")
    assert tts.default_model == "neural" and tts.unavailable_reason is not None
    assert tts.unavailable_reason({"AZURE_SPEECH_KEY": "k", "AZURE_SPEECH_REGION": "eastus"}) is None
    assert "AZURE_SPEECH_REGION" in (tts.unavailable_reason({"AZURE_SPEECH_KEY": "k"}) or "")
    stt = offer("audio/speech_to_text_async")
    assert stt.launch is not None and stt.run is None and "URL" in stt.notes
    assert stt.unavailable_reason is not None
    assert stt.unavailable_reason({"AZURE_SPEECH_KEY": "k", "AZURE_SPEECH_ENDPOINT": "https://x"}) is None
