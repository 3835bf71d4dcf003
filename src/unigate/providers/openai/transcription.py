"""audio/speech_to_text_async over `POST /audio/transcriptions` (multipart upload).

Reference: https://platform.openai.com/docs/api-reference/audio/createTranscription and
https://platform.openai.com/docs/api-reference/audio/verbose-json-object. The vendor call is
synchronous, so the offer uses `run` inside our async job. whisper-1 answers `verbose_json` with word
timestamps and the audio's `duration` (billed per second); gpt-4o(-mini)-transcribe only answer
`json` (text, no timings) with token usage. The vendor reads the format from the file name's extension.
"""

from __future__ import annotations

from typing import Any

from unigate.providers.base import CallContext, Constraints, Offer, ProviderResult
from unigate.providers.errors import ProviderBadResponse, UnsupportedFormat
from unigate.providers.openai.client import post_multipart
from unigate.providers.openai.prices import model_specs

PATH = "/audio/transcriptions"
MODELS = ("whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe")
DEFAULT_MODEL = "whisper-1"
MAX_BYTES = 25 * 1024 * 1024
# Our MIME names -> the extensions the vendor accepts (flac, m4a, mp3, mp4, mpeg, mpga, oga, ogg, wav, webm).
EXTENSIONS = {
    "audio/flac": "flac", "audio/mp4": "m4a", "audio/mpeg": "mp3", "video/mp4": "mp4", "video/mpeg": "mpeg",
    "audio/ogg": "ogg", "audio/wav": "wav", "audio/webm": "webm", "video/webm": "webm",
}  # fmt: skip
# The languages Whisper's API transcribes (ISO 639-1), from OpenAI's speech-to-text guide.
LANGUAGES = frozenset(
    {
        "af", "ar", "hy", "az", "be", "bs", "bg", "ca", "zh", "hr", "cs", "da", "nl", "en", "et",
        "fi", "fr", "gl", "de", "el", "he", "hi", "hu", "is", "id", "it", "ja", "kn", "kk", "ko",
        "lv", "lt", "mk", "ms", "mr", "mi", "ne", "no", "fa", "pl", "pt", "ro", "ru", "sr", "sk",
        "sl", "es", "sw", "sv", "tl", "ta", "th", "tr", "uk", "ur", "vi", "cy",
    }
)  # fmt: skip


def _fields(inp: Any, ctx: CallContext, whisper: bool) -> list[tuple[str, str]]:
    fields = [("model", ctx.model), ("response_format", "verbose_json" if whisper else "json")]
    if whisper:
        fields.append(("timestamp_granularities[]", "word"))
    if inp.language:
        fields.append(("language", inp.language.replace("_", "-").split("-")[0].lower()))
    if inp.vocabulary:
        # The prompt steers spelling of names and jargon.
        fields.append(("prompt", ", ".join(inp.vocabulary)))
    return fields


def _usage(answer: dict[str, Any], whisper: bool) -> dict[str, float | int]:
    raw_usage = answer.get("usage")
    usage: dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
    if whisper:
        seconds = answer.get("duration")
        if seconds is None and usage.get("type") == "duration":
            seconds = usage.get("seconds")
        return {"second": float(seconds or 0)}
    details = usage.get("input_token_details") or {}
    return {
        "token_in:text": int(details.get("text_tokens") or 0),
        "token_in:audio": int(details.get("audio_tokens") or 0),
        "token_out": int(usage.get("output_tokens") or 0),
    }


def _entries(answer: dict[str, Any]) -> list[dict[str, Any]]:
    entries = []
    for word in answer.get("words") or []:
        entries.append(
            {
                "segment": word["word"],
                "start_time": str(round(float(word["start"]), 2)),
                "end_time": str(round(float(word["end"]), 2)),
                "speaker": 1,  # no diarization: every word is the one speaker's
                "confidence": None,
            }
        )
    return entries


async def run(inp: Any, ctx: CallContext) -> ProviderResult:
    loaded = await ctx.files(inp.file)
    extension = EXTENSIONS.get(loaded.mime)
    if extension is None:
        raise UnsupportedFormat(f"{loaded.mime} is not an audio format {ctx.provider} transcribes")
    whisper = ctx.model.startswith("whisper")
    answer = await post_multipart(
        ctx, PATH, _fields(inp, ctx, whisper), f"audio.{extension}", loaded.mime, loaded.data
    )
    if not isinstance(answer.get("text"), str):
        raise ProviderBadResponse(f"{ctx.provider}: the transcription has no text")
    try:
        entries = _entries(answer)
        usage = _usage(answer, whisper)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ProviderBadResponse(f"{ctx.provider}: malformed transcription answer") from None
    diarization = {"total_speakers": 1 if entries else None, "entries": entries, "error_message": None}
    return ProviderResult(
        output={"text": answer["text"], "diarization": diarization}, raw=answer, usage=usage
    )


def offer() -> Offer:
    return Offer(
        "audio/speech_to_text_async",
        model_specs("audio/speech_to_text_async", MODELS),
        DEFAULT_MODEL,
        constraints=Constraints(
            languages=LANGUAGES, mime_types=frozenset(EXTENSIONS), max_file_bytes=MAX_BYTES
        ),
        run=run,
        notes="whisper-1 gives word timings (billed per second of audio); gpt-4o(-mini)-transcribe give "
        "text only (billed per token). No diarization: one speaker. vocabulary becomes the prompt; "
        "speakers and profanity_filter are ignored.",
    )
