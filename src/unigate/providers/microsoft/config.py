"""Which Azure services are configured, and where they live.

Azure is configured per service: each API has its own resource (endpoint + key). Everything the
adapters need reaches them through `ctx.credentials`, the mapping `credentials(env)` returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from unigate.providers.base import CallContext
from unigate.providers.errors import ProviderUnavailable


@dataclass(frozen=True, slots=True)
class Service:
    label: str
    required: tuple[str, ...]  # every one must be set
    one_of: tuple[str, ...] = ()  # at least one must be set (when given)
    optional: tuple[str, ...] = ()

    @property
    def variables(self) -> tuple[str, ...]:
        return self.required + self.one_of + self.optional

    def missing(self, env: Mapping[str, str]) -> str | None:
        """Why this service cannot be used with `env`, or None."""
        absent = [name for name in self.required if not env.get(name)]
        if self.one_of and not any(env.get(name) for name in self.one_of):
            absent.append(" or ".join(self.one_of))
        if absent:
            return f"Azure {self.label} is not configured: set {', '.join(absent)}"
        return None


DOCUMENTS = Service(
    "Document Intelligence", ("AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT", "AZURE_DOCUMENT_INTELLIGENCE_KEY")
)
LANGUAGE = Service("AI Language", ("AZURE_LANGUAGE_ENDPOINT", "AZURE_LANGUAGE_KEY"))
# A global Translator resource needs no region; a regional or multi-service one does.
TRANSLATOR = Service(
    "Translator", ("AZURE_TRANSLATOR_KEY",), optional=("AZURE_TRANSLATOR_REGION", "AZURE_TRANSLATOR_ENDPOINT")
)
VISION = Service("AI Vision", ("AZURE_VISION_ENDPOINT", "AZURE_VISION_KEY"))
CONTENT_SAFETY = Service("AI Content Safety", ("AZURE_CONTENT_SAFETY_ENDPOINT", "AZURE_CONTENT_SAFETY_KEY"))
# Batch transcription (Speech REST) and text to speech live on different hosts of one resource.
SPEECH = Service("Speech", ("AZURE_SPEECH_KEY",), one_of=("AZURE_SPEECH_REGION", "AZURE_SPEECH_ENDPOINT"))
SPEECH_TTS = Service(
    "Speech (text to speech)",
    ("AZURE_SPEECH_KEY",),
    one_of=("AZURE_SPEECH_REGION", "AZURE_SPEECH_TTS_ENDPOINT"),
)

SERVICES = (DOCUMENTS, LANGUAGE, TRANSLATOR, VISION, CONTENT_SAFETY, SPEECH, SPEECH_TTS)
VARIABLES = tuple(dict.fromkeys(name for service in SERVICES for name in service.variables))

TRANSLATOR_DEFAULT = "https://api.cognitive.microsofttranslator.com"


def credentials(env: Mapping[str, str]) -> dict[str, str]:
    return {name: env[name] for name in VARIABLES if env.get(name)}


def any_of(*services: Service) -> Callable[[Mapping[str, str]], str | None]:
    """An `Offer.unavailable_reason`: the offer serves when at least one of its services is set up."""

    def reason(env: Mapping[str, str]) -> str | None:
        problems = [service.missing(env) for service in services]
        if any(p is None for p in problems):
            return None
        return "; ".join(p for p in problems if p)

    return reason


def require(ctx: CallContext, service: Service) -> None:
    """Refuse a model whose service is not configured (offers with models on several services)."""
    problem = service.missing(ctx.credentials)
    if problem:
        raise ProviderUnavailable(problem)


def key(ctx: CallContext, name: str) -> str:
    return ctx.credentials.get(name, "")


def endpoint(ctx: CallContext, name: str, default: str = "") -> str:
    return (ctx.credentials.get(name) or default).rstrip("/")


def speech_api_base(ctx: CallContext) -> str:
    """Speech REST (batch transcription): the resource endpoint, or the regional one."""
    region = ctx.credentials.get("AZURE_SPEECH_REGION", "")
    return endpoint(ctx, "AZURE_SPEECH_ENDPOINT", f"https://{region}.api.cognitive.microsoft.com")


def speech_tts_base(ctx: CallContext) -> str:
    region = ctx.credentials.get("AZURE_SPEECH_REGION", "")
    return endpoint(ctx, "AZURE_SPEECH_TTS_ENDPOINT", f"https://{region}.tts.speech.microsoft.com")
