"""Polly (audio/text_to_speech, audio/tts) and Transcribe (audio/speech_to_text_async).

Wire format sources:
- https://docs.aws.amazon.com/polly/latest/dg/API_SynthesizeSpeech.html (POST /v1/speech, audio body,
  x-amzn-RequestCharacters, errors such as TextLengthExceededException, InvalidSsmlException)
- https://docs.aws.amazon.com/polly/latest/dg/voicelist.html (voices per engine and language)
- https://docs.aws.amazon.com/transcribe/latest/APIReference/API_StartTranscriptionJob.html
- https://docs.aws.amazon.com/transcribe/latest/APIReference/API_GetTranscriptionJob.html
- https://docs.aws.amazon.com/transcribe/latest/APIReference/API_DeleteTranscriptionJob.html
- https://docs.aws.amazon.com/transcribe/latest/dg/diarization.html (transcript JSON: results.items,
  speaker_labels)
"""

from __future__ import annotations

import base64
import struct
from decimal import Decimal
from typing import Any

import pytest

from tests.providers.cloud.amazon_fixtures.fake import (
    BUCKET,
    aws_fake,
    check_output,
    creds,
    header,
    verify_sigv4,
)
from tests.providers.cloud.harness import context
from unigate.catalog.schemas.audio import SpeechToTextInput, TextToSpeechInput, TtsInput
from unigate.engine.pricing import price_usage
from unigate.providers.amazon import AmazonProvider, polly
from unigate.providers.base import Launched, LoadedFile, Offer, Pending, ProviderResult
from unigate.providers.errors import (
    ProviderError,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
    UnsupportedFormat,
    UnsupportedLanguage,
)

MP3 = b"ID3\x03\x00\x00\x00" + b"\xff\xfb" * 200


def offer(subfeature: str) -> Offer:
    [found] = [o for o in AmazonProvider().offers() if o.subfeature == subfeature]
    return found


def polly_error(status: int, code: str, message: str) -> tuple[int, Any, dict[str, str]]:
    """REST-JSON errors: `message` in the body, the code in x-amzn-ErrorType."""
    return (
        status,
        {"message": message},
        {"x-amzn-ErrorType": f"{code}:http://internal.amazon.com/coral/com.amazonaws.polly/"},
    )


async def speak(subfeature: str, input: Any, reply: Any, model: str = "neural") -> tuple[ProviderResult, Any]:
    async with aws_fake() as fake:
        fake.on("POST", "/v1/speech", reply)
        async with context(creds(fake), model=model) as ctx:
            run = offer(subfeature).run
            assert run is not None
            result = await run(input, ctx)
    return result, fake


AUDIO_REPLY = (200, MP3, {"Content-Type": "audio/mpeg", "x-amzn-RequestCharacters": "11"})


async def test_text_to_speech_request_and_output() -> None:
    result, fake = await speak(
        "audio/text_to_speech",
        TextToSpeechInput(text="Hello world", language="fr", option="MALE"),
        AUDIO_REPLY,
    )
    [rec] = fake.calls("POST", "/v1/speech")
    verify_sigv4(rec, fake, "polly")
    assert header(rec, "Content-Type") == "application/json"
    assert rec.json() == {
        "Engine": "neural",
        "OutputFormat": "mp3",
        "Text": "Hello world",
        "TextType": "text",
        "VoiceId": "Remi",
    }
    out = check_output("audio/text_to_speech", result.output)
    assert base64.b64decode(out["audio"]) == MP3
    assert out["voice_type"] == 0 and out["audio_resource_url"] is None
    assert result.usage == {"char": 11}


async def test_text_to_speech_prosody_wav_and_engine() -> None:
    pcm = b"\x01\x02" * 100
    result, fake = await speak(
        "audio/text_to_speech",
        TextToSpeechInput(
            text="Tom & Jerry <3",
            language="en-GB",
            audio_format="wav",
            speaking_rate=20,
            speaking_volume=50,
            speaking_pitch=10,
        ),
        (200, pcm, {"Content-Type": "audio/pcm", "x-amzn-RequestCharacters": "14"}),
        model="standard",
    )
    body = fake.calls("POST", "/v1/speech")[0].json()
    assert body["Engine"] == "standard" and body["VoiceId"] == "Amy" and body["OutputFormat"] == "pcm"
    assert body["SampleRate"] == "16000" and body["TextType"] == "ssml"
    assert body["Text"] == (
        '<speak><prosody rate="120%" volume="+3dB" pitch="+10%">Tom &amp; Jerry &lt;3</prosody></speak>'
    )
    audio = base64.b64decode(check_output("audio/text_to_speech", result.output)["audio"])
    assert audio[:4] == b"RIFF" and audio[8:16] == b"WAVEfmt " and audio[44:] == pcm
    assert struct.unpack("<I", audio[24:28])[0] == 16000 and struct.unpack("<I", audio[40:44])[0] == len(pcm)


async def test_tts_with_a_named_voice() -> None:
    result, fake = await speak(
        "audio/tts", TtsInput(text="Hi there", voice="Ruth", audio_format="ogg", speed=1.5), AUDIO_REPLY
    )
    body = fake.calls("POST", "/v1/speech")[0].json()
    assert body["VoiceId"] == "Ruth" and body["OutputFormat"] == "ogg_vorbis"
    assert body["Text"] == '<speak><prosody rate="150%">Hi there</prosody></speak>'
    out = check_output("audio/text_to_speech", result.output)
    assert out["voice_type"] == 1


async def test_text_to_speech_refusals() -> None:
    with pytest.raises(UnsupportedLanguage, match="ru-RU"):
        await speak("audio/text_to_speech", TextToSpeechInput(text="Привет", language="ru"), AUDIO_REPLY)
    with pytest.raises(UnsupportedFormat):
        await speak("audio/tts", TtsInput(text="Hi", audio_format="aac"), AUDIO_REPLY)
    assert "ru" in polly.languages("standard") and "ru" not in polly.languages("neural")


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (
            polly_error(400, "TextLengthExceededException", "Maximum text length exceeded"),
            ProviderInvalidInput,
        ),
        (polly_error(400, "InvalidSsmlException", "Invalid SSML request"), ProviderInvalidInput),
        (polly_error(400, "ThrottlingException", "Rate exceeded"), ProviderRateLimited),
        (
            polly_error(500, "ServiceFailureException", "An unknown condition has caused a service failure."),
            ProviderServerError,
        ),
    ],
)
async def test_polly_errors(reply: Any, kind: type[ProviderError]) -> None:
    with pytest.raises(kind) as info:
        await speak("audio/text_to_speech", TextToSpeechInput(text="Hello"), reply)
    assert type(info.value) is kind


# ---------------------------------------------------------------------- Transcribe

T = "Transcribe."
S3_PREFIX = f"/{BUCKET}/unigate/"


def spoken(id: int, start: str, end: str, speaker: str, confidence: str, content: str) -> dict[str, Any]:
    return {
        "id": id,
        "start_time": start,
        "end_time": end,
        "type": "pronunciation",
        "speaker_label": speaker,
        "alternatives": [{"confidence": confidence, "content": content}],
    }


def punctuation(id: int, content: str) -> dict[str, Any]:
    return {"id": id, "type": "punctuation", "alternatives": [{"confidence": "0.0", "content": content}]}


TRANSCRIPT = {
    "jobName": "unigate-job",
    "accountId": "123456789012",
    "status": "COMPLETED",
    "results": {
        "transcripts": [{"transcript": "Unit one, page 14. Hello."}],
        "speaker_labels": {
            "channel_label": "ch_0",
            "speakers": 2,
            "segments": [
                {"start_time": "0.0", "end_time": "1.87", "speaker_label": "spk_0", "items": []},
                {"start_time": "2.1", "end_time": "2.6", "speaker_label": "spk_1", "items": []},
            ],
        },
        "items": [
            spoken(0, "0.0", "0.47", "spk_0", "0.9982", "Unit"),
            spoken(1, "0.47", "1.06", "spk_0", "1.0", "one"),
            punctuation(2, ","),
            spoken(3, "1.24", "1.5", "spk_0", "1.0", "page"),
            spoken(4, "1.5", "1.87", "spk_0", "0.97", "14"),
            punctuation(5, "."),
            spoken(6, "2.1", "22.6", "spk_1", "0.99", "Hello"),
            punctuation(7, "."),
        ],
    },
}


def job(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "TranscriptionJob": {
            "TranscriptionJobName": "unigate-job",
            "TranscriptionJobStatus": status,
            "LanguageCode": "en-US",
            "MediaFormat": "mp3",
            "Media": {"MediaFileUri": f"s3://{BUCKET}/unigate/x/talk.mp3"},
            **extra,
        }
    }


async def test_transcribe_launch_pending_done() -> None:
    async with aws_fake() as fake:
        uri = f"{fake.base_url}/aws-transcribe-eu-west-3-prod/123/unigate-job/asrOutput.json"
        fake.on("PUT", S3_PREFIX + "*", (200, b""))
        fake.on("DELETE", S3_PREFIX + "*", (204, b""))
        fake.on("GET", "/aws-transcribe-eu-west-3-prod/123/unigate-job/asrOutput.json", (200, TRANSCRIPT))
        fake.target(T + "StartTranscriptionJob", (200, job("IN_PROGRESS")))
        completed = job(
            "COMPLETED", Transcript={"TranscriptFileUri": uri + "?X-Amz-Signature=abc123&X-Amz-Expires=900"}
        )
        fake.target(T + "GetTranscriptionJob", (200, job("QUEUED")), (200, completed))
        fake.target(T + "DeleteTranscriptionJob", (200, {}))
        o = offer("audio/speech_to_text_async")
        assert o.launch is not None and o.poll is not None
        files = {"talk": LoadedFile(MP3, "audio/mpeg", "talk.mp3")}
        async with context(creds(fake), files=files) as ctx:
            launched = await o.launch(SpeechToTextInput(file="talk", language="en", speakers=3), ctx)
            assert isinstance(launched, Launched) and launched.provider_job_id == "unigate-job"
            ctx.job_state = launched.state
            assert isinstance(await o.poll("unigate-job", ctx), Pending)
            done = await o.poll("unigate-job", ctx)
    [put] = fake.under("PUT", S3_PREFIX)
    verify_sigv4(put, fake, "s3")
    [start] = fake.ops(T + "StartTranscriptionJob")
    verify_sigv4(start, fake, "transcribe")
    body = start.json()
    assert body["TranscriptionJobName"].startswith("unigate-")
    assert body["Media"] == {"MediaFileUri": f"s3://{BUCKET}/{put.path.removeprefix(f'/{BUCKET}/')}"}
    assert body["MediaFormat"] == "mp3" and body["LanguageCode"] == "en-US"
    assert body["Settings"] == {"ShowSpeakerLabels": True, "MaxSpeakerLabels": 3}
    assert [r.json() for r in fake.ops(T + "GetTranscriptionJob")] == [
        {"TranscriptionJobName": "unigate-job"}
    ] * 2
    # The transcript is fetched with a plain GET of the presigned URL, query kept, no AWS signature.
    [get] = fake.calls("GET", "/aws-transcribe-eu-west-3-prod/123/unigate-job/asrOutput.json")
    assert get.query == {"X-Amz-Signature": "abc123", "X-Amz-Expires": "900"}
    assert header(get, "Authorization") is None
    assert len(fake.under("DELETE", S3_PREFIX)) == 1
    assert fake.ops(T + "DeleteTranscriptionJob")[0].json() == {"TranscriptionJobName": "unigate-job"}
    assert isinstance(done, ProviderResult)
    out = check_output("audio/speech_to_text_async", done.output)
    assert out["text"] == "Unit one, page 14. Hello."
    assert out["diarization"]["total_speakers"] == 2
    assert [e["segment"] for e in out["diarization"]["entries"]] == ["Unit", "one,", "page", "14.", "Hello."]
    assert out["diarization"]["entries"][0] == {
        "segment": "Unit",
        "start_time": "0.0",
        "end_time": "0.47",
        "speaker": 1,
        "confidence": 0.9982,
    }
    assert out["diarization"]["entries"][-1]["speaker"] == 2
    assert done.usage == {"second": 23}


async def test_transcribe_identifies_the_language_and_reports_failures() -> None:
    async with aws_fake() as fake:
        fake.on("PUT", S3_PREFIX + "*", (200, b""))
        fake.on("DELETE", S3_PREFIX + "*", (204, b""))
        fake.target(T + "StartTranscriptionJob", (200, job("IN_PROGRESS")))
        failed = job(
            "FAILED", FailureReason="The media format that you specified doesn't match the detected format."
        )
        fake.target(T + "GetTranscriptionJob", (200, failed))
        fake.target(T + "DeleteTranscriptionJob", (200, {}))
        o = offer("audio/speech_to_text_async")
        assert o.launch is not None and o.poll is not None
        files = {"talk": LoadedFile(MP3, "audio/ogg", "talk.ogg")}
        async with context(creds(fake), files=files) as ctx:
            launched = await o.launch(SpeechToTextInput(file="talk", speakers=1), ctx)
            ctx.job_state = launched.state
            with pytest.raises(UnsupportedFormat, match="media format"):
                await o.poll(launched.provider_job_id, ctx)
    body = fake.ops(T + "StartTranscriptionJob")[0].json()
    assert body["IdentifyLanguage"] is True and "LanguageCode" not in body
    assert body["MediaFormat"] == "ogg" and "Settings" not in body  # one speaker: no diarization
    assert len(fake.under("DELETE", S3_PREFIX)) == 1


async def test_transcribe_needs_named_vocabularies() -> None:
    async with aws_fake() as fake:
        fake.on("PUT", S3_PREFIX + "*", (200, b""))
        fake.on("DELETE", S3_PREFIX + "*", (204, b""))
        fake.target(T + "StartTranscriptionJob", (200, job("IN_PROGRESS")))
        o = offer("audio/speech_to_text_async")
        assert o.launch is not None
        files = {"talk": LoadedFile(MP3, "audio/mpeg", "talk.mp3")}
        async with context(creds(fake), files=files) as ctx:
            with pytest.raises(ProviderInvalidInput, match="vocabulary_name"):
                await o.launch(SpeechToTextInput(file="talk", vocabulary=["unigate"]), ctx)
        assert len(fake.under("DELETE", S3_PREFIX)) == 1  # the staged media does not stay behind
        params = {"vocabulary_name": "product-names", "vocabulary_filter_name": "no-swearing"}
        async with context(creds(fake), files=files, provider_params=params) as ctx:
            await o.launch(
                SpeechToTextInput(file="talk", language="pt-PT", vocabulary=["x"], profanity_filter=True), ctx
            )
    body = fake.ops(T + "StartTranscriptionJob")[0].json()
    assert body["LanguageCode"] == "pt-PT"
    assert body["Settings"]["VocabularyName"] == "product-names"
    assert body["Settings"]["VocabularyFilterName"] == "no-swearing"
    assert body["Settings"]["VocabularyFilterMethod"] == "mask"


@pytest.mark.parametrize(
    ("subfeature", "model", "usage", "cost"),
    [
        ("audio/text_to_speech", "neural", {"char": 1000}, Decimal("0.016")),
        ("audio/text_to_speech", "standard", {"char": 1000}, Decimal("0.004")),
        ("audio/text_to_speech", "generative", {"char": 1000}, Decimal("0.03")),
        ("audio/text_to_speech", "long-form", {"char": 1000}, Decimal("0.1")),
        ("audio/tts", "neural", {"char": 11}, Decimal("0.000176")),
        ("audio/tts", "standard", {"char": 11}, Decimal("0.000044")),
        ("audio/tts", "generative", {"char": 11}, Decimal("0.00033")),
        ("audio/tts", "long-form", {"char": 11}, Decimal("0.0011")),
        ("audio/speech_to_text_async", "transcribe", {"second": 23}, Decimal("0.0092")),
        ("audio/speech_to_text_async", "transcribe", {"second": 4}, Decimal("0.006")),  # 15 s minimum
    ],
)
def test_speech_prices(subfeature: str, model: str, usage: dict[str, int], cost: Decimal) -> None:
    spec = offer(subfeature).model(model)
    assert spec is not None
    assert price_usage(spec.prices, usage) == cost
