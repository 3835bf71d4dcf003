"""translation/language_detection, served by AI Language (default) or by Translator's /detect.

Both APIs detect languages; an installation may have either resource, so the offer is available
with either and the model picks the service.
"""

from __future__ import annotations

from typing import Any

from unigate.providers.base import CallContext, Offer, ProviderResult
from unigate.providers.microsoft import config, language, translator
from unigate.providers.microsoft.pricing import model

SUBFEATURE = "translation/language_detection"


async def run_detect(input: Any, ctx: CallContext) -> ProviderResult:
    if ctx.model == translator.MODEL:
        return await translator.run_detect(input, ctx)
    return await language.detect_language(input, ctx)


def offer() -> Offer:
    return Offer(
        subfeature=SUBFEATURE,
        models=(
            language.language_detection_model(),
            model(
                SUBFEATURE,
                translator.MODEL,
                "Azure AI Translator v3 /detect (best candidate and alternatives)",
            ),
        ),
        default_model=language.MODEL,
        run=run_detect,
        notes="`language` (default): Azure AI Language LanguageDetection, billed per text record; it "
        "reads the first 5,120 characters. `translator`: Translator v3 /detect, billed per character; "
        "it reads the first 5,000 characters. Each model needs its own resource configured.",
        unavailable_reason=config.any_of(config.LANGUAGE, config.TRANSLATOR),
    )
