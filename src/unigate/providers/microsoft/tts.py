"""audio/text_to_speech with Azure AI Speech neural voices (text to speech REST API, SSML).

POST {tts}/cognitiveservices/v1 with SSML (Content-Type application/ssml+xml) and the audio format
in X-Microsoft-OutputFormat answers the audio bytes (errors: bare statuses, often with no body).
Reference: https://learn.microsoft.com/en-us/azure/ai-services/speech-service/rest-text-to-speech
"""

from __future__ import annotations

import base64
import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from unigate.providers.base import Artifact, CallContext, Constraints, Offer, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderInvalidInput
from unigate.providers.microsoft import azure, config
from unigate.providers.microsoft.languages import locale_of
from unigate.providers.microsoft.pricing import model

KEY = "AZURE_SPEECH_KEY"
MAX_TTS_CHARS = 10_000  # SSML requests are capped at 64 KB and 10 minutes of audio

# A neural voice per locale: (female, male). Other languages use the multilingual voices.
VOICES = {
    "en-US": ("en-US-JennyNeural", "en-US-GuyNeural"),
    "en-GB": ("en-GB-SoniaNeural", "en-GB-RyanNeural"),
    "fr-FR": ("fr-FR-DeniseNeural", "fr-FR-HenriNeural"),
    "de-DE": ("de-DE-KatjaNeural", "de-DE-ConradNeural"),
    "es-ES": ("es-ES-ElviraNeural", "es-ES-AlvaroNeural"),
    "es-MX": ("es-MX-DaliaNeural", "es-MX-JorgeNeural"),
    "it-IT": ("it-IT-ElsaNeural", "it-IT-DiegoNeural"),
    "pt-BR": ("pt-BR-FranciscaNeural", "pt-BR-AntonioNeural"),
    "pt-PT": ("pt-PT-RaquelNeural", "pt-PT-DuarteNeural"),
    "nl-NL": ("nl-NL-ColetteNeural", "nl-NL-MaartenNeural"),
    "ja-JP": ("ja-JP-NanamiNeural", "ja-JP-KeitaNeural"),
    "ko-KR": ("ko-KR-SunHiNeural", "ko-KR-InJoonNeural"),
    "zh-CN": ("zh-CN-XiaoxiaoNeural", "zh-CN-YunxiNeural"),
    "ru-RU": ("ru-RU-SvetlanaNeural", "ru-RU-DmitryNeural"),
    "ar-SA": ("ar-SA-ZariyahNeural", "ar-SA-HamedNeural"),
    "hi-IN": ("hi-IN-SwaraNeural", "hi-IN-MadhurNeural"),
    "pl-PL": ("pl-PL-AgnieszkaNeural", "pl-PL-MarekNeural"),
    "sv-SE": ("sv-SE-SofieNeural", "sv-SE-MattiasNeural"),
    "tr-TR": ("tr-TR-EmelNeural", "tr-TR-AhmetNeural"),
}
MULTILINGUAL = ("en-US-AvaMultilingualNeural", "en-US-AndrewMultilingualNeural")

# (container, sampling rate) -> X-Microsoft-OutputFormat
OUTPUT_FORMATS = {
    ("mp3", 16000): "audio-16khz-32kbitrate-mono-mp3",
    ("mp3", 24000): "audio-24khz-48kbitrate-mono-mp3",
    ("mp3", 48000): "audio-48khz-96kbitrate-mono-mp3",
    ("wav", 8000): "riff-8khz-16bit-mono-pcm",
    ("wav", 16000): "riff-16khz-16bit-mono-pcm",
    ("wav", 22050): "riff-22050hz-16bit-mono-pcm",
    ("wav", 24000): "riff-24khz-16bit-mono-pcm",
    ("wav", 44100): "riff-44100hz-16bit-mono-pcm",
    ("wav", 48000): "riff-48khz-16bit-mono-pcm",
    ("ogg", 16000): "ogg-16khz-16bit-mono-opus",
    ("ogg", 24000): "ogg-24khz-16bit-mono-opus",
    ("ogg", 48000): "ogg-48khz-16bit-mono-opus",
    ("webm", 16000): "webm-16khz-16bit-mono-opus",
    ("webm", 24000): "webm-24khz-16bit-mono-opus",
}
MIME_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg", "webm": "audio/webm"}
_CONTAINERS = {
    "mp3": "mp3", "mpeg": "mp3", "wav": "wav", "wave": "wav", "pcm": "wav", "ogg": "ogg", "opus": "ogg",
    "webm": "webm",
}  # fmt: skip


def output_format(audio_format: str | None, sampling_rate: int | None) -> tuple[str, str]:
    """(X-Microsoft-OutputFormat, container) for the wanted format, at the nearest rate offered."""
    container = _CONTAINERS.get((audio_format or "mp3").lower().lstrip("."))
    if container is None:
        raise ProviderInvalidInput(f"{azure.VENDOR}: audio_format must be one of mp3, wav, ogg, webm")
    rates = [rate for (c, rate) in OUTPUT_FORMATS if c == container]
    wanted = sampling_rate or 24000
    rate = min(rates, key=lambda r: (abs(r - wanted), -r))
    return OUTPUT_FORMATS[(container, rate)], container


def voice_for(input: Any) -> tuple[str, str, bool]:
    """(voice name, xml:lang, whether the language needs a <lang> element around the text)."""
    female = input.option != "MALE"
    if input.voice_id:
        found = re.match(r"^([a-z]{2,3}-[A-Za-z]{2,4}(?:-[A-Za-z]+)?)-", input.voice_id)
        return input.voice_id, found.group(1) if found else (locale_of(input.language) or "en-US"), False
    locale = locale_of(input.language) or "en-US"
    if locale in VOICES:
        return VOICES[locale][0 if female else 1], locale, False
    return MULTILINGUAL[0 if female else 1], locale, True


def _percent(value: int | None) -> str | None:
    return None if value is None else f"{value:+d}%"


def ssml(input: Any) -> tuple[str, str]:
    """The SSML document and the voice it uses."""
    voice, lang, wrap = voice_for(input)
    body = escape(input.text)
    if wrap:
        body = f"<lang xml:lang={quoteattr(lang)}>{body}</lang>"
    prosody = {
        "rate": _percent(input.speaking_rate),
        "pitch": _percent(input.speaking_pitch),
        "volume": _percent(input.speaking_volume),
    }
    attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in prosody.items() if v is not None)
    if attrs:
        body = f"<prosody {attrs}>{body}</prosody>"
    doc = (
        f'<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang={quoteattr(lang)}>'
        f"<voice name={quoteattr(voice)}>{body}</voice></speak>"
    )
    return doc, voice


async def run_tts(input: Any, ctx: CallContext) -> ProviderResult:
    config.require(ctx, config.SPEECH_TTS)
    fmt, container = output_format(input.audio_format, input.sampling_rate)
    document, voice = ssml(input)
    result = await azure.request(
        ctx,
        "POST",
        f"{config.speech_tts_base(ctx)}/cognitiveservices/v1",
        key_name=KEY,
        headers={
            "Content-Type": "application/ssml+xml",
            "X-Microsoft-OutputFormat": fmt,
            "User-Agent": "unigate",
        },
        data=document.encode("utf-8"),
    )
    if not result.body:
        raise ProviderBadResponse(f"{azure.VENDOR}: text to speech returned no audio")
    output = {
        "audio": base64.b64encode(result.body).decode("ascii"),
        "voice_type": 1,
        "audio_resource_url": None,
    }
    raw = {"voice": voice, "output_format": fmt, "container": container, "bytes": len(result.body)}
    # The gateway stores the audio and puts its signed download URL in audio_resource_url.
    audio = Artifact(result.body, MIME_TYPES[container], f"speech.{container}")
    return ProviderResult(output, raw, {"char": len(input.text)}, artifacts={"audio_resource_url": audio})


def tts_offer() -> Offer:
    sub = "audio/text_to_speech"
    return Offer(
        subfeature=sub,
        models=(model(sub, "neural", "Azure AI Speech neural voices (REST text to speech, SSML)"),),
        default_model="neural",
        constraints=Constraints(max_text_chars=MAX_TTS_CHARS),
        run=run_tts,
        notes="Azure AI Speech text to speech REST API with SSML. voice_id takes any Azure voice name "
        "(e.g. 'en-US-AvaNeural'); otherwise a neural voice is picked from language and option, and "
        "languages without a listed voice use the multilingual Ava/Andrew voices. audio_format: mp3 "
        "(default), wav, ogg (Opus) or webm at the nearest offered rate to sampling_rate (default 24 "
        "kHz). speaking_rate/pitch/volume become SSML prosody percentages. voice_type is 1 (neural); "
        "audio_resource_url is the gateway's signed link to the stored audio. Billed per character.",
        unavailable_reason=config.SPEECH_TTS.missing,
    )
