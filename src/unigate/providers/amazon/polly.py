"""Polly SynthesizeSpeech (API 2016-06-10, REST: POST /v1/speech): audio/text_to_speech and audio/tts.

The model is Polly's engine (standard, neural, long-form, generative). A voice is picked from the
language and gender when no voice id is given. Speed, pitch and volume become SSML <prosody>.
"wav" is Polly's 16-bit mono PCM with a RIFF header added here. Billed characters come from the
x-amzn-RequestCharacters header (SSML tags are not billed).
"""

from __future__ import annotations

import base64
import html
import json
import struct
from typing import Any

from unigate.providers.amazon import aws
from unigate.providers.base import CallContext, ProviderResult
from unigate.providers.errors import ProviderBadResponse, UnsupportedFormat, UnsupportedLanguage

ENGINES = ("neural", "standard", "generative", "long-form")
DEFAULT_ENGINE = "neural"
MAX_CHARS = 3000  # billed characters per SynthesizeSpeech request
DEFAULT_LOCALE = "en-US"

# Polly language code for a bare language code.
LOCALES = {
    "en": "en-US", "fr": "fr-FR", "de": "de-DE", "es": "es-ES", "it": "it-IT", "pt": "pt-BR", "ja": "ja-JP",
    "ko": "ko-KR", "zh": "cmn-CN", "cmn": "cmn-CN", "yue": "yue-CN", "ar": "ar-AE", "nl": "nl-NL",
    "da": "da-DK", "fi": "fi-FI", "nb": "nb-NO", "no": "nb-NO", "pl": "pl-PL", "sv": "sv-SE", "tr": "tr-TR",
    "ca": "ca-ES", "cs": "cs-CZ", "hi": "hi-IN", "ru": "ru-RU", "ro": "ro-RO", "is": "is-IS", "cy": "cy-GB",
}  # fmt: skip

# (female, male) voice per engine and language; None where Polly has no voice of that gender.
Pair = tuple[str | None, str | None]
VOICES: dict[str, dict[str, Pair]] = {
    "neural": {
        "en-US": ("Joanna", "Matthew"), "en-GB": ("Amy", "Brian"), "en-AU": ("Olivia", None),
        "en-IN": ("Kajal", None), "en-IE": ("Niamh", None), "en-NZ": ("Aria", None),
        "en-ZA": ("Ayanda", None), "en-SG": ("Jasmine", None), "fr-FR": ("Lea", "Remi"),
        "fr-CA": ("Gabrielle", "Liam"),
        "fr-BE": ("Isabelle", None), "de-DE": ("Vicki", "Daniel"), "de-AT": ("Hannah", None),
        "de-CH": ("Sabrina", None), "es-ES": ("Lucia", "Sergio"), "es-MX": ("Mia", "Andres"),
        "es-US": ("Lupe", "Pedro"), "it-IT": ("Bianca", "Adriano"), "pt-BR": ("Camila", "Thiago"),
        "pt-PT": ("Ines", None), "ja-JP": ("Kazuha", "Takumi"), "ko-KR": ("Seoyeon", None),
        "cmn-CN": ("Zhiyu", None), "yue-CN": ("Hiujin", None), "ar-AE": ("Hala", "Zayd"),
        "nl-NL": ("Laura", None), "nl-BE": ("Lisa", None), "da-DK": ("Sofie", None), "fi-FI": ("Suvi", None),
        "nb-NO": ("Ida", None), "pl-PL": ("Ola", None), "sv-SE": ("Elin", None), "tr-TR": ("Burcu", None),
        "ca-ES": ("Arlet", None), "cs-CZ": ("Jitka", None), "hi-IN": ("Kajal", None),
    },
    "standard": {
        "en-US": ("Joanna", "Matthew"), "en-GB": ("Amy", "Brian"), "en-AU": ("Nicole", "Russell"),
        "en-IN": ("Aditi", None), "fr-FR": ("Celine", "Mathieu"), "fr-CA": ("Chantal", None),
        "de-DE": ("Marlene", "Hans"), "es-ES": ("Conchita", "Enrique"), "es-MX": ("Mia", None),
        "es-US": ("Penelope", "Miguel"), "it-IT": ("Carla", "Giorgio"), "pt-BR": ("Vitoria", "Ricardo"),
        "pt-PT": ("Ines", "Cristiano"), "ja-JP": ("Mizuki", "Takumi"), "ko-KR": ("Seoyeon", None),
        "cmn-CN": ("Zhiyu", None), "nl-NL": ("Lotte", "Ruben"), "da-DK": ("Naja", "Mads"),
        "nb-NO": ("Liv", None), "pl-PL": ("Ewa", "Jacek"), "sv-SE": ("Astrid", None),
        "tr-TR": ("Filiz", None),
        "ru-RU": ("Tatyana", "Maxim"), "ro-RO": ("Carmen", None), "is-IS": ("Dora", "Karl"),
        "cy-GB": ("Gwyneth", None), "hi-IN": ("Aditi", None),
    },
    "generative": {
        "en-US": ("Ruth", "Matthew"), "en-GB": ("Amy", None), "fr-FR": ("Lea", "Remi"),
        "de-DE": ("Vicki", "Daniel"), "es-ES": ("Lucia", "Sergio"), "es-US": ("Lupe", "Pedro"),
        "it-IT": ("Bianca", "Adriano"),
    },
    "long-form": {"en-US": ("Danielle", "Gregory"), "es-ES": ("Alba", "Raul")},
}  # fmt: skip
FEMALE = frozenset(f for engine in VOICES.values() for f, _ in engine.values() if f)
MALE = frozenset(m for engine in VOICES.values() for _, m in engine.values() if m)

# Our audio_format -> Polly OutputFormat.
FORMATS = {
    "mp3": "mp3",
    "ogg": "ogg_vorbis",
    "ogg_vorbis": "ogg_vorbis",
    "vorbis": "ogg_vorbis",
    "pcm": "pcm",
}
WAV_RATE = 16000


def languages(engine: str) -> frozenset[str]:
    """Bare and regional codes an engine can speak (for the offer's constraints)."""
    codes = set(VOICES[engine])
    codes |= {base for base, locale in LOCALES.items() if locale in VOICES[engine]}
    codes |= {locale.split("-")[0] for locale in VOICES[engine]}
    return frozenset(codes)


def polly_locale(language: str | None) -> str:
    if not language:
        return DEFAULT_LOCALE
    parts = language.replace("_", "-").split("-")
    base = parts[0].lower()
    if len(parts) > 1:
        locale = f"{base}-{parts[1].upper()}"
        return "cmn-CN" if locale == "zh-CN" else locale
    return LOCALES.get(base, base)


def pick_voice(engine: str, language: str | None, gender: str | None) -> str:
    locale = polly_locale(language)
    pair = VOICES[engine].get(locale)
    if pair is None:
        known = ", ".join(sorted(VOICES[engine]))
        raise UnsupportedLanguage(
            f"amazon: Polly has no {engine} voice for {locale}; {engine} speaks {known}"
        )
    female, male = pair
    if gender == "MALE":
        return male or female or ""
    return female or male or ""


def voice_type(voice: str) -> int | None:
    """1 for a female voice, 0 for a male one, None when we do not know the voice."""
    return 1 if voice in FEMALE else 0 if voice in MALE else None


def ssml(text: str, rate: float | None, pitch: int | None, volume: int | None, engine: str) -> str | None:
    """<prosody> SSML when a rate, pitch or volume change is asked for; None for plain text."""
    attrs = []
    if rate is not None and rate != 100:
        attrs.append(f'rate="{min(max(round(rate), 20), 200)}%"')
    if volume:
        attrs.append(f'volume="{round(6 * volume / 100, 1):+g}dB"')  # Polly allows -6..+6 dB
    if pitch and engine == "standard":  # neural and generative voices ignore or refuse pitch
        attrs.append(f'pitch="{pitch:+d}%"')
    if not attrs:
        return None
    return f"<speak><prosody {' '.join(attrs)}>{html.escape(text, quote=False)}</prosody></speak>"


def wav(pcm: bytes, rate: int) -> bytes:
    """A RIFF/WAVE header for Polly's signed 16-bit little-endian mono PCM."""
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + len(pcm), b"WAVE", b"fmt ", 16, 1, 1, rate, rate * 2, 2, 16, b"data", len(pcm),
    )  # fmt: skip
    return header + pcm


async def synthesize(
    ctx: CallContext,
    text: str,
    voice: str,
    audio_format: str | None,
    sample_rate: int | None,
    prosody: tuple[float | None, int | None, int | None],
    language_code: str | None = None,
) -> ProviderResult:
    engine = ctx.model or DEFAULT_ENGINE
    wanted = (audio_format or "mp3").lower()
    if wanted != "wav" and wanted not in FORMATS:
        raise UnsupportedFormat(f"amazon: Polly cannot produce {wanted!r}; use mp3, ogg, pcm or wav")
    marked = ssml(text, *prosody, engine)
    payload: dict[str, Any] = {
        "Engine": engine,
        "OutputFormat": "pcm" if wanted == "wav" else FORMATS[wanted],
        "Text": marked or text,
        "TextType": "ssml" if marked else "text",
        "VoiceId": voice,
    }
    if wanted == "wav":
        sample_rate = sample_rate if sample_rate in (8000, 16000) else WAV_RATE
    if sample_rate:
        payload["SampleRate"] = str(sample_rate)
    if language_code:
        payload["LanguageCode"] = language_code
    url = aws.endpoint(ctx.credentials, aws.POLLY) + "/v1/speech"
    body = json.dumps(payload, separators=(",", ":")).encode()
    result = await aws.send(
        ctx, aws.POLLY, "POST", url, body=body, headers={"Content-Type": "application/json"}
    )
    if not result.body:
        raise ProviderBadResponse("amazon: Polly answered no audio")
    audio = wav(result.body, sample_rate or WAV_RATE) if wanted == "wav" else result.body
    headers = {k.lower(): v for k, v in result.headers.items()}
    try:
        billed = int(headers.get("x-amzn-requestcharacters", ""))
    except ValueError:
        billed = len(text)
    output = {
        "audio": base64.b64encode(audio).decode("ascii"),
        "voice_type": voice_type(voice),
        "audio_resource_url": None,
    }
    raw = {"content_type": headers.get("content-type"), "request_characters": billed, "bytes": len(audio)}
    return ProviderResult(output, raw=raw, usage={"char": billed})


async def run_text_to_speech(input: Any, ctx: CallContext) -> ProviderResult:
    engine = ctx.model or DEFAULT_ENGINE
    language_code = None
    if input.voice_id:
        voice = input.voice_id
        language_code = polly_locale(input.language) if input.language else None
    else:
        voice = pick_voice(engine, input.language, input.option)
    rate = 100 + input.speaking_rate if input.speaking_rate is not None else None
    prosody = (rate, input.speaking_pitch, input.speaking_volume)
    return await synthesize(
        ctx, input.text, voice, input.audio_format, input.sampling_rate, prosody, language_code
    )


async def run_tts(input: Any, ctx: CallContext) -> ProviderResult:
    engine = ctx.model or DEFAULT_ENGINE
    voice = input.voice or pick_voice(engine, None, None)
    rate = input.speed * 100 if input.speed is not None else None
    prosody = (rate, input.speaking_pitch, input.speaking_volume)
    return await synthesize(ctx, input.text, voice, input.audio_format, None, prosody)
