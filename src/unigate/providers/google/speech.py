"""Speech-to-Text v1: `speech:longrunningrecognize` with inline audio, then `operations/{name}`.

References: https://cloud.google.com/speech-to-text/docs/reference/rest/v1/speech/longrunningrecognize,
https://cloud.google.com/speech-to-text/docs/reference/rest/v1/operations/get and
https://cloud.google.com/speech-to-text/docs/reference/rest/v1/speech/recognize#SpeechRecognitionResult.
The operation name is the provider job id; the API version used (MP3 needs v1p1beta1) is kept in the
job state so a poll after a restart asks the same endpoint.
"""

from __future__ import annotations

from typing import Any

from unigate.providers.base import CallContext, Constraints, Launched, Offer, Pending, ProviderResult
from unigate.providers.errors import ProviderBadResponse
from unigate.providers.google import client
from unigate.providers.google.audioformat import audio_format
from unigate.providers.google.common import b64, language_tag, load_file, num, spec
from unigate.providers.google.config import Api

VENDOR = client.VENDORS[Api.SPEECH]
MODELS = ("default", "latest_long")
MIME_TYPES = frozenset({"audio/wav", "audio/flac", "audio/mpeg", "audio/ogg", "audio/webm"})
MAX_FILE_BYTES = 7 * 1024 * 1024  # inline content: base64 must keep the request under 10 MB
MAX_DURATION_S = 480 * 60.0
POLL_S = 5.0


def seconds(duration: Any) -> float | None:
    """A google.protobuf.Duration in JSON ("1.300s") as seconds."""
    if isinstance(duration, str) and duration.endswith("s"):
        try:
            return float(duration[:-1])
        except ValueError:
            return None
    return None


def recognition_config(input: Any, model: str, fmt_config: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {
        **fmt_config,
        "languageCode": language_tag(input.language),
        "model": model,
        "enableWordTimeOffsets": True,
        "enableWordConfidence": True,
        "enableAutomaticPunctuation": True,
        "profanityFilter": bool(input.profanity_filter),
    }
    if input.vocabulary:
        config["speechContexts"] = [{"phrases": list(input.vocabulary)}]
    if input.speakers and input.speakers > 1:
        config["diarizationConfig"] = {
            "enableSpeakerDiarization": True,
            "minSpeakerCount": input.speakers,
            "maxSpeakerCount": input.speakers,
        }
    return config


async def launch(input: Any, ctx: CallContext) -> Launched:
    loaded = await load_file(input, ctx)
    fmt = audio_format(loaded.data, loaded.mime)
    body = {
        "config": recognition_config(input, ctx.model, fmt.config),
        "audio": {"content": b64(loaded.data)},
    }
    resp = await client.request_json(
        ctx, Api.SPEECH, "POST", f"/{fmt.api}/speech:longrunningrecognize", json_body=body
    )
    name = resp.get("name")
    if not isinstance(name, str) or not name:
        raise ProviderBadResponse(f"{VENDOR}: longrunningrecognize returned no operation name")
    return Launched(provider_job_id=name, retry_after=POLL_S, state={"api": fmt.api})


def _entry(word: dict[str, Any]) -> dict[str, Any]:
    start, end = seconds(word.get("startTime")) or 0.0, seconds(word.get("endTime")) or 0.0
    tag = word.get("speakerTag") or word.get("speakerLabel")
    return {
        "segment": word.get("word"),
        "start_time": str(round(start, 3)),
        "end_time": str(round(end, 3)),
        "speaker": int(tag) if isinstance(tag, int) or (isinstance(tag, str) and tag.isdigit()) else None,
        "confidence": num(word.get("confidence")),
    }


def transcript_output(response: dict[str, Any]) -> dict[str, Any]:
    """Text from every result's best alternative. With diarization, the last result repeats all the
    words with their speaker tags, and is used for the entries (and not for the text)."""
    texts: list[str] = []
    words: list[dict[str, Any]] = []
    tagged: list[dict[str, Any]] = []
    for result in response.get("results") or []:
        alternatives = result.get("alternatives") or []
        if not alternatives:
            continue
        best = alternatives[0]
        result_words = [w for w in best.get("words") or [] if isinstance(w, dict)]
        if result_words and all(w.get("speakerTag") for w in result_words) and not best.get("transcript"):
            tagged = result_words  # the diarization summary result
            continue
        if best.get("transcript"):
            texts.append(str(best["transcript"]).strip())
        words += result_words
    entries = [_entry(w) for w in (tagged or words)]
    speakers = {e["speaker"] for e in entries if e["speaker"] is not None}
    return {
        "text": " ".join(t for t in texts if t),
        "diarization": {
            "total_speakers": len(speakers) if speakers else (1 if entries else 0),
            "entries": entries,
            "error_message": None,
        },
    }


def billed_seconds(response: dict[str, Any]) -> float:
    billed = seconds(response.get("totalBilledTime"))
    if billed is not None:
        return billed
    ends = [seconds(r.get("resultEndTime")) for r in response.get("results") or []]
    return max((e for e in ends if e is not None), default=0.0)


async def poll(job_id: str, ctx: CallContext) -> Pending | ProviderResult:
    api = ctx.job_state.get("api", "v1")
    op = await client.request_json(ctx, Api.SPEECH, "GET", f"/{api}/operations/{job_id}")
    if not op.get("done"):
        progress = (op.get("metadata") or {}).get("progressPercent")
        return Pending(retry_after=POLL_S, state={**ctx.job_state, "progress": progress or 0})
    if isinstance(op.get("error"), dict):
        raise client.rpc_error(VENDOR, op["error"], client.secrets_of(ctx))
    response = op.get("response")
    if not isinstance(response, dict):
        raise ProviderBadResponse(f"{VENDOR}: the finished operation has neither response nor error")
    return ProviderResult(
        output=transcript_output(response), raw=op, usage={"second": billed_seconds(response)}
    )


def offers() -> list[Offer]:
    return [
        Offer(
            subfeature="audio/speech_to_text_async",
            models=tuple(
                spec("audio/speech_to_text_async", m, f"Speech-to-Text v1 model {m}") for m in MODELS
            ),
            default_model="default",
            constraints=Constraints(
                mime_types=MIME_TYPES, max_file_bytes=MAX_FILE_BYTES, max_duration_s=MAX_DURATION_S
            ),
            launch=launch,
            poll=poll,
            notes="Speech-to-Text API v1 longrunningrecognize (MP3 through v1p1beta1) with inline audio "
            "(up to 7 MB): word timings and confidence, punctuation, diarization when speakers > 1, "
            "vocabulary as phrase hints. Language defaults to en-US. Billed on the API's totalBilledTime.",
        )
    ]
