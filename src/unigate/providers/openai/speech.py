"""audio/text_to_speech and audio/tts over `POST /audio/speech` (the answer is the audio file itself).

Reference: https://platform.openai.com/docs/api-reference/audio/createSpeech and
https://platform.openai.com/docs/guides/text-to-speech (voices, formats, 4,096 characters at most).
"""

from __future__ import annotations

import base64
from typing import Any

from unigate.providers.base import CallContext, Constraints, Offer, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderInvalidInput, UnsupportedFormat
from unigate.providers.openai.client import post_for_bytes
from unigate.providers.openai.prices import model_specs

PATH = "/audio/speech"
MODELS = ("tts-1", "tts-1-hd")
DEFAULT_MODEL = "tts-1"
MAX_CHARS = 4096
# Voice -> voice_type of the canonical output (1 female, 0 male, None for the neutral alloy).
VOICES: dict[str, int | None] = {
    "alloy": None, "ash": 0, "coral": 1, "echo": 0, "fable": 0, "onyx": 0, "nova": 1, "sage": 1, "shimmer": 1,
}  # fmt: skip
VOICE_FOR_OPTION = {"FEMALE": "nova", "MALE": "onyx"}
DEFAULT_VOICE = "alloy"
# Requested format -> OpenAI's response_format ("ogg" is Opus in an Ogg container).
FORMATS = {
    "mp3": "mp3",
    "opus": "opus",
    "ogg": "opus",
    "aac": "aac",
    "flac": "flac",
    "wav": "wav",
    "pcm": "pcm",
}
MIN_SPEED, MAX_SPEED = 0.25, 4.0


def _format(requested: str | None) -> str:
    wanted = (requested or "mp3").lower()
    if wanted not in FORMATS:
        raise UnsupportedFormat(f"audio_format {wanted!r} is not one of {', '.join(FORMATS)}")
    return FORMATS[wanted]


def _voice(name: str) -> str:
    voice = name.lower()
    if voice not in VOICES:
        raise ProviderInvalidInput(f"voice {name!r} is not one of {', '.join(VOICES)}")
    return voice


async def _speak(ctx: CallContext, text: str, voice: str, fmt: str, speed: float | None) -> ProviderResult:
    body: dict[str, Any] = {"model": ctx.model, "input": text, "voice": voice, "response_format": fmt}
    if speed is not None:
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise ProviderInvalidInput(f"speed must be between {MIN_SPEED} and {MAX_SPEED}, got {speed}")
        body["speed"] = speed
    result = await post_for_bytes(ctx, PATH, body)
    if not result.body or result.headers.get("Content-Type", "").startswith("application/json"):
        raise ProviderBadResponse(f"{ctx.provider}: expected audio, got {result.body[:100]!r}")
    output = {"audio": base64.b64encode(result.body).decode("ascii"), "voice_type": VOICES[voice],
              "audio_resource_url": None}  # fmt: skip
    raw = {"voice": voice, "response_format": fmt, "bytes": len(result.body)}
    return ProviderResult(output=output, raw=raw, usage={"char": len(text)})


async def run_text_to_speech(inp: Any, ctx: CallContext) -> ProviderResult:
    voice = _voice(inp.voice_id) if inp.voice_id else VOICE_FOR_OPTION.get(inp.option or "", DEFAULT_VOICE)
    # speaking_rate is a change in percent; OpenAI's speed is a factor.
    speed = None if not inp.speaking_rate else min(MAX_SPEED, max(MIN_SPEED, 1 + inp.speaking_rate / 100))
    return await _speak(ctx, inp.text, voice, _format(inp.audio_format), speed)


async def run_tts(inp: Any, ctx: CallContext) -> ProviderResult:
    voice = _voice(inp.voice) if inp.voice else DEFAULT_VOICE
    return await _speak(ctx, inp.text, voice, _format(inp.audio_format), inp.speed)


def offers() -> list[Offer]:
    voices = ", ".join(VOICES)
    # audio/tts bills the audio/text_to_speech prices: same endpoint, same models.
    models = model_specs("audio/text_to_speech", MODELS)
    limits = Constraints(max_text_chars=MAX_CHARS)
    return [
        Offer(
            "audio/text_to_speech",
            models,
            DEFAULT_MODEL,
            constraints=limits,
            run=run_text_to_speech,
            notes=f"voice_id: one of {voices}; option FEMALE is nova, MALE onyx. speaking_rate maps to "
            "speed; pitch, volume and sampling rate are not adjustable.",
        ),
        Offer(
            "audio/tts",
            models,
            DEFAULT_MODEL,
            constraints=limits,
            run=run_tts,
            notes=f"voice: one of {voices} (default alloy); speed 0.25-4.",
        ),
    ]
