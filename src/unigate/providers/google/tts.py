"""Text-to-Speech v1: `text:synthesize`, with a voice picked from `voices` when none is named.

References: https://cloud.google.com/text-to-speech/docs/reference/rest/v1/text/synthesize and
https://cloud.google.com/text-to-speech/docs/reference/rest/v1/voices/list. The model is the voice
family (priced differently); a named voice must belong to it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from unigate.providers.base import CallContext, Constraints, Offer, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderInvalidInput, UnsupportedFormat
from unigate.providers.google import client
from unigate.providers.google.common import language_tag, spec
from unigate.providers.google.config import Api, base_url

VENDOR = client.VENDORS[Api.TTS]
# model -> the family token in voice names ("en-US-Neural2-F", "en-US-Chirp3-HD-Achernar")
FAMILIES = {
    "standard": "Standard",
    "wavenet": "Wavenet",
    "neural2": "Neural2",
    "chirp3-hd": "Chirp3-HD",
    "studio": "Studio",
}
ENCODINGS = {
    "mp3": "MP3",
    "wav": "LINEAR16",  # LINEAR16 comes back with a WAV header
    "linear16": "LINEAR16",
    "ogg": "OGG_OPUS",
    "opus": "OGG_OPUS",
    "ogg_opus": "OGG_OPUS",
    "mulaw": "MULAW",
    "alaw": "ALAW",
    "pcm": "PCM",
}
MAX_TEXT_CHARS = 5000  # the API limits input to 5,000 bytes
VOICE_TYPE = {"MALE": 1, "FEMALE": 0}  # voice_type: 1 male, 0 female, null neutral/unknown

# Voices per (base URL, language), cached for the life of the process.
_VOICES: dict[tuple[str, str], list[dict[str, Any]]] = {}


@dataclass(frozen=True, slots=True)
class Voice:
    name: str | None
    language: str
    gender: str | None


def family_of(voice_name: str) -> str | None:
    lowered = voice_name.lower()
    for model, token in FAMILIES.items():
        if f"-{token.lower()}-" in lowered:
            return model
    return None


def _language_of(voice_name: str) -> str:
    """ "en-US-Neural2-F" -> "en-US"; "cmn-CN-Wavenet-A" -> "cmn-CN"."""
    return "-".join(voice_name.split("-")[:2])


async def voices(ctx: CallContext, language: str) -> list[dict[str, Any]]:
    key = (base_url(ctx.credentials, Api.TTS), language)
    if key not in _VOICES:
        resp = await client.request_json(ctx, Api.TTS, "GET", "/v1/voices", params={"languageCode": language})
        found = resp.get("voices") or []
        _VOICES[key] = sorted((v for v in found if isinstance(v, dict)), key=lambda v: str(v.get("name")))
    return _VOICES[key]


async def choose_voice(ctx: CallContext, name: str | None, language: str | None, gender: str | None) -> Voice:
    family = ctx.model
    if name:
        if family_of(name) != family:
            hint = f"; use model {family_of(name)}" if family_of(name) else ""
            raise ProviderInvalidInput(f"voice {name} is not a {family} voice{hint}")
        return Voice(name, _language_of(name), gender)
    wanted = language_tag(language)
    token = f"-{FAMILIES[family].lower()}-"
    candidates = [
        v
        for v in await voices(ctx, language or wanted)
        if token in str(v.get("name", "")).lower() and (gender is None or v.get("ssmlGender") == gender)
    ]
    # The exact tag first (en-US for "en"), else any regional variant of the language.
    candidates.sort(key=lambda v: wanted not in (v.get("languageCodes") or []))
    if not candidates:
        who = f"{gender.lower()} " if gender else ""
        raise ProviderInvalidInput(f"no {who}{family} voice for language {language or wanted}")
    best = candidates[0]
    codes = best.get("languageCodes") or [wanted]
    return Voice(str(best["name"]), str(codes[0]), best.get("ssmlGender"))


def audio_config(
    family: str,
    audio_format: str | None,
    rate: float | None,
    pitch_pct: int | None,
    volume_pct: int | None,
    sample_rate: int | None,
) -> dict[str, Any]:
    encoding = ENCODINGS.get((audio_format or "mp3").lower())
    if encoding is None:
        raise UnsupportedFormat(f"audio format {audio_format!r} is not one of {', '.join(sorted(ENCODINGS))}")
    config: dict[str, Any] = {"audioEncoding": encoding}
    if rate is not None:
        config["speakingRate"] = min(2.0, max(0.25, rate))  # the API's range
    if pitch_pct and family != "chirp3-hd":  # Chirp 3 HD voices take no pitch
        config["pitch"] = pitch_pct / 5  # -100..100 % -> -20..20 semitones
    if volume_pct:
        config["volumeGainDb"] = volume_pct * 0.16  # -100..100 % -> -16..16 dB
    if sample_rate:
        config["sampleRateHertz"] = sample_rate
    return config


async def synthesize(ctx: CallContext, text: str, voice: Voice, config: dict[str, Any]) -> ProviderResult:
    selection: dict[str, Any] = {"languageCode": voice.language}
    if voice.name:
        selection["name"] = voice.name
    body = {"input": {"text": text}, "voice": selection, "audioConfig": config}
    resp = await client.request_json(ctx, Api.TTS, "POST", "/v1/text:synthesize", json_body=body)
    audio = resp.get("audioContent")
    if not isinstance(audio, str) or not audio:
        raise ProviderBadResponse(f"{VENDOR}: the answer has no audioContent")
    output = {"audio": audio, "voice_type": VOICE_TYPE.get(voice.gender or ""), "audio_resource_url": None}
    raw = {"audioContent": f"<{len(audio)} base64 characters>", "voice": selection, "audioConfig": config}
    return ProviderResult(output=output, raw=raw, usage={"char": len(text)})


async def run_text_to_speech(input: Any, ctx: CallContext) -> ProviderResult:
    voice = await choose_voice(ctx, input.voice_id, input.language, input.option)
    rate = None if input.speaking_rate is None else 1 + input.speaking_rate / 100
    config = audio_config(
        ctx.model, input.audio_format, rate, input.speaking_pitch, input.speaking_volume, input.sampling_rate
    )
    return await synthesize(ctx, input.text, voice, config)


async def run_tts(input: Any, ctx: CallContext) -> ProviderResult:
    voice = await choose_voice(ctx, input.voice, None, None)
    config = audio_config(
        ctx.model, input.audio_format, input.speed, input.speaking_pitch, input.speaking_volume, None
    )
    return await synthesize(ctx, input.text, voice, config)


def _offer(sub: str, run: Callable[[Any, CallContext], Awaitable[ProviderResult]], how: str) -> Offer:
    return Offer(
        subfeature=sub,
        models=tuple(spec(sub, m, f"{token} voices") for m, token in FAMILIES.items()),
        default_model="standard",
        constraints=Constraints(max_text_chars=MAX_TEXT_CHARS),
        run=run,
        notes="Cloud Text-to-Speech API v1 text:synthesize. The model is the voice family (standard, "
        f"wavenet, neural2, chirp3-hd, studio). {how} Formats: mp3, wav, ogg (Opus), mulaw, alaw, pcm. "
        "Audio comes back base64 (no URL); voice_type is 1 for a male voice, 0 for a female one.",
    )


def offers() -> list[Offer]:
    return [
        _offer(
            "audio/text_to_speech",
            run_text_to_speech,
            "`voice_id` names a voice of that family; otherwise the first voice of the family for "
            "`language` (default en-US) and `option` (gender) is used. Rate, pitch and volume "
            "percentages map to speakingRate (1 + pct/100), pitch (pct/5 semitones) and "
            "volumeGainDb (pct*0.16).",
        ),
        _offer("audio/tts", run_tts, "`voice` names a voice of that family; default: the first en-US voice."),
    ]
