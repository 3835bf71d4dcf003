"""Transcribe batch jobs (API 2017-10-26, JSON 1.1, target prefix "Transcribe"):
audio/speech_to_text_async.

launch: PutObject the media into the staging bucket, StartTranscriptionJob (speaker labels on).
With a launch token the job name is `unigate-<token>` and the staging key derives from it: a launch
repeated after a crash overwrites the same object, and the ConflictException Transcribe answers for a
name that exists means the job was launched already, so it is polled instead.
poll: GetTranscriptionJob; once COMPLETED, GET the transcript JSON from TranscriptFileUri (a
presigned URL of Transcribe's own bucket: plain GET, no signature), then delete the staged media
and the job (best effort). Usage: the transcript's last end time, in seconds; Transcribe bills the
media's full duration, so trailing silence is not counted (no duration is given by the API).
"""

from __future__ import annotations

import contextlib
import math
import uuid
from collections.abc import Mapping
from typing import Any

from unigate.providers.amazon import aws, s3
from unigate.providers.base import CallContext, Launched, Pending, ProviderResult
from unigate.providers.errors import (
    ProviderBadResponse,
    ProviderError,
    ProviderInvalidInput,
    UnsupportedFormat,
    UnsupportedLanguage,
)
from unigate.providers.http import call

MAX_BYTES = 2 * 1024 * 1024 * 1024  # 2 GB media files
MAX_SPEAKERS = 30
DEFAULT_SPEAKERS = 10
LAUNCH_RETRY_S = 5.0
POLL_RETRY_S = 5.0

# MIME type -> Transcribe MediaFormat.
MEDIA_FORMATS = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mp4": "mp4",
    "video/mp4": "mp4",
    "audio/m4a": "m4a",
    "audio/x-m4a": "m4a",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/ogg": "ogg",
    "audio/amr": "amr",
    "audio/webm": "webm",
    "video/webm": "webm",
}
MIME_TYPES = frozenset(MEDIA_FORMATS)

# Transcribe locale for a bare language code.
LOCALES = {
    "en": "en-US", "fr": "fr-FR", "de": "de-DE", "es": "es-US", "it": "it-IT", "pt": "pt-BR", "ja": "ja-JP",
    "ko": "ko-KR", "zh": "zh-CN", "ar": "ar-SA", "hi": "hi-IN", "ru": "ru-RU", "nl": "nl-NL", "tr": "tr-TR",
    "sv": "sv-SE", "da": "da-DK", "no": "no-NO", "nb": "no-NO", "fi": "fi-FI", "pl": "pl-PL", "he": "he-IL",
    "id": "id-ID", "ms": "ms-MY", "th": "th-TH", "vi": "vi-VN", "uk": "uk-UA", "cs": "cs-CZ", "el": "el-GR",
    "ro": "ro-RO", "hu": "hu-HU", "fa": "fa-IR", "ta": "ta-IN", "te": "te-IN", "tl": "tl-PH", "ca": "ca-ES",
}  # fmt: skip


def transcribe_locale(language: str) -> str:
    parts = language.replace("_", "-").split("-")
    if len(parts) > 1:
        return f"{parts[0].lower()}-{parts[1].upper()}"
    base = parts[0].lower()
    if base not in LOCALES:
        raise UnsupportedLanguage(
            f"amazon: give Transcribe a full locale such as '{base}-XX', not {language!r}"
        )
    return LOCALES[base]


def start_request(input: Any, ctx: CallContext, job_name: str, uri: str, mime: str) -> dict[str, Any]:
    request: dict[str, Any] = {"TranscriptionJobName": job_name, "Media": {"MediaFileUri": uri}}
    if mime in MEDIA_FORMATS:
        request["MediaFormat"] = MEDIA_FORMATS[mime]
    if input.language:
        request["LanguageCode"] = transcribe_locale(input.language)
    else:
        request["IdentifyLanguage"] = True
    settings: dict[str, Any] = {}
    speakers = input.speakers if input.speakers is not None else DEFAULT_SPEAKERS
    if speakers > 1:  # Transcribe wants 2..30 speakers to label
        settings.update(ShowSpeakerLabels=True, MaxSpeakerLabels=min(speakers, MAX_SPEAKERS))
    params = ctx.provider_params
    if input.vocabulary:
        if not params.get("vocabulary_name"):
            raise ProviderInvalidInput(
                "amazon: Transcribe uses custom vocabularies created beforehand (CreateVocabulary); "
                "pass its name as provider_params.vocabulary_name"
            )
        settings["VocabularyName"] = str(params["vocabulary_name"])
    if input.profanity_filter:
        if not params.get("vocabulary_filter_name"):
            raise ProviderInvalidInput(
                "amazon: Transcribe masks profanity with a vocabulary filter created beforehand "
                "(CreateVocabularyFilter); pass its name as provider_params.vocabulary_filter_name"
            )
        settings.update(
            VocabularyFilterName=str(params["vocabulary_filter_name"]), VocabularyFilterMethod="mask"
        )
    if settings:
        request["Settings"] = settings
    return request


def job_name_for(token: str | None) -> str:
    """`unigate-<launch token>` (stable: a repeated launch asks for the same name), else fresh."""
    return f"unigate-{token or uuid.uuid4().hex}"


async def launch(input: Any, ctx: CallContext) -> Launched:
    loaded = await ctx.files(input.file)
    token = aws.client_token(ctx)
    staged = await s3.put(ctx, loaded.data, loaded.name, loaded.mime, token=token)
    state = {"bucket": staged.bucket, "key": staged.key}
    job_name = job_name_for(token)
    try:
        request = start_request(input, ctx, job_name, staged.uri, loaded.mime)
        response = await aws.json_api(ctx, aws.TRANSCRIBE, "StartTranscriptionJob", request)
    except aws.ResourceConflict:
        if token is None:  # a fresh uuid name taken: not ours, never seen in practice
            await s3.delete(ctx, staged.bucket, staged.key)
            raise
        # Job names are unique per account: this launch ran before (the vendor answered, our commit
        # of the job id was lost). That job reads the same staged key: keep it, and poll the job.
        return Launched(job_name, LAUNCH_RETRY_S, state)
    except ProviderError:
        await s3.delete(ctx, staged.bucket, staged.key)
        raise
    name = (response.get("TranscriptionJob") or {}).get("TranscriptionJobName") or job_name
    return Launched(str(name), LAUNCH_RETRY_S, state)


async def cleanup(ctx: CallContext, job_name: str) -> None:
    await s3.delete(ctx, ctx.job_state.get("bucket"), ctx.job_state.get("key"))
    with contextlib.suppress(ProviderError):  # the transcript stays 90 days at AWS otherwise
        await aws.json_api(ctx, aws.TRANSCRIBE, "DeleteTranscriptionJob", {"TranscriptionJobName": job_name})


def _speaker(label: Any) -> int | None:
    """ "spk_0" -> 1 (speakers count from 1 in our output)."""
    if isinstance(label, str) and label.startswith("spk_") and label[4:].isdigit():
        return int(label[4:]) + 1
    return None


def to_speech_to_text(transcript: Mapping[str, Any]) -> tuple[dict[str, Any], float]:
    """The output, and the audio seconds the transcript covers."""
    results = transcript.get("results") or {}
    texts = [str(t.get("transcript") or "") for t in results.get("transcripts") or ()]
    entries: list[dict[str, Any]] = []
    end = 0.0
    for item in results.get("items") or ():
        best = (item.get("alternatives") or [{}])[0]
        content = str(best.get("content") or "")
        if item.get("type") == "punctuation":
            if entries:  # "one" + "," -> "one,"
                entries[-1]["segment"] += content
            continue
        confidence = best.get("confidence")
        entries.append(
            {
                "segment": content,
                "start_time": item.get("start_time"),
                "end_time": item.get("end_time"),
                "speaker": _speaker(item.get("speaker_label")),
                "confidence": float(confidence) if confidence not in (None, "") else None,
            }
        )
        with contextlib.suppress(TypeError, ValueError):
            end = max(end, float(item.get("end_time")))
    labels = results.get("speaker_labels") or {}
    speakers = labels.get("speakers")
    if not isinstance(speakers, int):
        speakers = len({e["speaker"] for e in entries if e["speaker"] is not None}) or None
    output = {
        "text": " ".join(t for t in texts if t),
        "diarization": {"total_speakers": speakers, "entries": entries, "error_message": None},
    }
    return output, end


async def poll(job_id: str, ctx: CallContext) -> Pending | ProviderResult:
    response = await aws.json_api(
        ctx, aws.TRANSCRIBE, "GetTranscriptionJob", {"TranscriptionJobName": job_id}
    )
    job = response.get("TranscriptionJob") or {}
    status = job.get("TranscriptionJobStatus")
    if status in ("QUEUED", "IN_PROGRESS"):
        return Pending(POLL_RETRY_S)
    if status != "COMPLETED":
        await cleanup(ctx, job_id)
        reason = str(job.get("FailureReason") or f"job ended {status}")
        lowered = reason.lower()
        if "format" in lowered or "unsupported" in lowered or "media" in lowered:
            raise UnsupportedFormat(f"amazon: Transcribe job failed: {reason}")
        raise ProviderError(f"amazon: Transcribe job failed: {reason}")
    uri = (job.get("Transcript") or {}).get("TranscriptFileUri")
    if not isinstance(uri, str) or not uri.startswith(("https://", "http://")):
        raise ProviderBadResponse("amazon: the finished Transcribe job has no TranscriptFileUri")
    transcript = (await call(ctx, aws.VENDOR, "GET", uri)).json()
    if not isinstance(transcript, dict):
        raise ProviderBadResponse("amazon: the transcript is not a JSON object")
    await cleanup(ctx, job_id)
    output, seconds = to_speech_to_text(transcript)
    raw = {"TranscriptionJob": job, "transcript": transcript}
    return ProviderResult(output, raw=raw, usage={"second": math.ceil(seconds)})
