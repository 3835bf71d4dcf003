"""audio/speech_to_text_async with Azure AI Speech batch transcription (Speech to text REST v3.2).

POST {api}/speechtotext/v3.2/transcriptions with {contentUrls, locale, displayName, properties}
answers 201 and the transcription ({self, links: {files}, status}); GET `self` until status is
Succeeded (NotStarted/Running before, Failed with properties.error); then GET `links.files` (paged by
@nextLink) and the `contentUrl` of the file of kind "Transcription" (a SAS URL on blob storage,
fetched without our key). Speech REST errors are {"code", "message", "innerError"}, unwrapped.
References: https://learn.microsoft.com/en-us/rest/api/speechtotext/transcriptions/create?view=rest-speechtotext-v3.2
https://learn.microsoft.com/en-us/azure/ai-services/speech-service/batch-transcription-get
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from unigate.providers.base import CallContext, Launched, Offer, Pending, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderError, ProviderInvalidInput
from unigate.providers.microsoft import azure, config
from unigate.providers.microsoft.languages import locale_of
from unigate.providers.microsoft.pricing import model

KEY = "AZURE_SPEECH_KEY"
STT_VERSION = "v3.2"
DEFAULT_POLL_S = 5.0
TICKS_PER_SECOND = 10_000_000


def _stt_base(ctx: CallContext) -> str:
    return f"{config.speech_api_base(ctx)}/speechtotext/{STT_VERSION}"


def transcription_body(input: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "wordLevelTimestampsEnabled": True,
        "displayFormWordLevelTimestampsEnabled": True,
        "punctuationMode": "DictatedAndAutomatic",
        "profanityFilterMode": "Masked" if input.profanity_filter else "None",
        "timeToLive": "PT12H",  # the service deletes the transcription and its files after this
    }
    if input.speakers != 1:
        properties["diarizationEnabled"] = True
        if input.speakers:
            properties["diarization"] = {"speakers": {"minCount": 1, "maxCount": input.speakers}}
    return {
        "contentUrls": [input.file],
        "locale": locale_of(input.language) or "en-US",
        "displayName": "unigate audio/speech_to_text_async",
        "properties": properties,
    }


async def launch_stt(input: Any, ctx: CallContext) -> Launched:
    config.require(ctx, config.SPEECH)
    if not str(input.file).startswith(("http://", "https://")):
        raise ProviderInvalidInput(
            f"{azure.VENDOR}: batch transcription fetches the audio itself: give a public http(s) URL, "
            "not an uploaded file id"
        )
    result = await azure.request(
        ctx, "POST", f"{_stt_base(ctx)}/transcriptions", key_name=KEY, json_body=transcription_body(input)
    )
    created = azure.json_object(result)
    own = created.get("self")
    files = (created.get("links") or {}).get("files")
    if not isinstance(own, str) or not azure.same_origin(own, _stt_base(ctx)):
        raise ProviderBadResponse(f"{azure.VENDOR}: the transcription was created without a usable self link")
    state = {"self": own}
    if isinstance(files, str):
        state["files"] = files
    return Launched(
        own.rstrip("/").rsplit("/", 1)[-1], azure.retry_after(result.headers, DEFAULT_POLL_S), state
    )


def _own_url(ctx: CallContext, url: str) -> str:
    """Links the service gives back must stay on its host before our key is sent there."""
    if not azure.same_origin(url, _stt_base(ctx)):
        raise ProviderBadResponse(
            f"{azure.VENDOR}: a transcription link points away from the Speech endpoint"
        )
    return url


async def _transcript_url(ctx: CallContext, files_url: str) -> str:
    url: str | None = files_url
    for _ in range(50):  # pages of the files list; the transcript is usually on the first
        if not url:
            break
        listing = azure.json_object(await azure.request(ctx, "GET", _own_url(ctx, url), key_name=KEY))
        for entry in listing.get("values") or ():
            if entry.get("kind") == "Transcription":
                content = (entry.get("links") or {}).get("contentUrl")
                if isinstance(content, str):
                    return content
        url = listing.get("@nextLink")
    raise ProviderBadResponse(f"{azure.VENDOR}: the transcription has no result file")


def _seconds(ticks: Any, iso: Any = None) -> float:
    if isinstance(ticks, (int, float)):
        return float(ticks) / TICKS_PER_SECOND
    found = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", str(iso or ""))
    if not found:
        return 0.0
    hours, minutes, seconds = (float(g) if g else 0.0 for g in found.groups())
    return hours * 3600 + minutes * 60 + seconds


def _fmt(seconds: float) -> str:
    return f"{round(seconds, 2):g}"


def transcript_output(doc: Mapping[str, Any]) -> dict[str, Any]:
    phrases = sorted(doc.get("recognizedPhrases") or (), key=lambda p: float(p.get("offsetInTicks") or 0))
    entries: list[dict[str, Any]] = []
    speakers: set[int] = set()
    for phrase in phrases:
        if phrase.get("recognitionStatus", "Success") != "Success" or not phrase.get("nBest"):
            continue
        best = phrase["nBest"][0]
        speaker = phrase.get("speaker")
        if isinstance(speaker, int):
            speakers.add(speaker)
        words = best.get("words") or []
        shown = best.get("displayWords") or words
        for i, w in enumerate(shown):
            start = _seconds(w.get("offsetInTicks"), w.get("offset"))
            length = _seconds(w.get("durationInTicks"), w.get("duration"))
            scored = words[i] if len(words) == len(shown) else best
            entries.append(
                {
                    "segment": w.get("displayText") or w.get("word"),
                    "start_time": _fmt(start),
                    "end_time": _fmt(start + length),
                    "speaker": speaker if isinstance(speaker, int) else None,
                    "confidence": scored.get("confidence"),
                }
            )
    combined = doc.get("combinedRecognizedPhrases") or []
    if combined:
        text = " ".join(str(c.get("display") or "") for c in combined).strip()
    else:
        text = " ".join(str(p["nBest"][0].get("display") or "") for p in phrases if p.get("nBest")).strip()
    return {
        "text": text,
        "diarization": {
            "total_speakers": len(speakers) if speakers else None,
            "entries": entries,
            "error_message": None,
        },
    }


async def poll_stt(job_id: str, ctx: CallContext) -> Pending | ProviderResult:
    config.require(ctx, config.SPEECH)
    own = ctx.job_state.get("self") or f"{_stt_base(ctx)}/transcriptions/{job_id}"
    result = await azure.request(ctx, "GET", _own_url(ctx, str(own)), key_name=KEY)
    job = azure.json_object(result)
    status = job.get("status")
    if status in ("NotStarted", "Running"):
        return Pending(retry_after=azure.retry_after(result.headers, DEFAULT_POLL_S))
    if status == "Failed":
        err = (job.get("properties") or {}).get("error") or {}
        raise azure.to_error(err, 400, secrets=ctx.credentials.values())
    if status != "Succeeded":
        raise ProviderError(f"{azure.VENDOR}: the transcription ended with status {status!r}")
    files = (job.get("links") or {}).get("files") or ctx.job_state.get("files") or f"{own}/files"
    content_url = await _transcript_url(ctx, str(files))
    # A SAS URL on blob storage: it carries its own authorization, and must not get our key.
    transcript = azure.json_object(await azure.request(ctx, "GET", content_url, key_name=None))
    seconds = _seconds(transcript.get("durationInTicks"), transcript.get("duration"))
    return ProviderResult(transcript_output(transcript), transcript, {"second": round(seconds, 3)})


def stt_offer() -> Offer:
    sub = "audio/speech_to_text_async"
    return Offer(
        subfeature=sub,
        models=(model(sub, "batch", "Azure AI Speech batch transcription (REST v3.2), word timestamps"),),
        default_model="batch",
        launch=launch_stt,
        poll=poll_stt,
        notes="Azure AI Speech batch transcription (Speech to text REST v3.2). Azure fetches the audio "
        "itself, so only http(s) URL inputs are accepted (an uploaded file id is refused: the gateway "
        "has no public URL for it). language is a locale hint ('fr' -> 'fr-FR', default en-US); "
        "diarization is on unless speakers is 1 (speakers sets the maximum); vocabulary is ignored "
        "(batch needs a custom model for phrase lists). Word-level timestamps; billed per second of "
        "audio.",
        unavailable_reason=config.SPEECH.missing,
    )
