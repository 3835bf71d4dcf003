"""Azure AI Content Safety (API 2024-09-01): text/moderation and the `content-safety` model of
image/explicit_content.

POST {endpoint}/contentsafety/text:analyze and .../image:analyze answer {"categoriesAnalysis":
[{"category": "Hate"|"SelfHarm"|"Sexual"|"Violence", "severity": n}]}. Text asks for
EightSeverityLevels (0-7); images only have four levels (0, 2, 4, 6).
References: https://learn.microsoft.com/en-us/rest/api/contentsafety/text-operations/analyze-text?view=rest-contentsafety-2024-09-01
https://learn.microsoft.com/en-us/rest/api/contentsafety/image-operations/analyze-image?view=rest-contentsafety-2024-09-01
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any

from unigate.providers.base import CallContext, Constraints, Offer, ProviderResult
from unigate.providers.microsoft import azure, config
from unigate.providers.microsoft.language import chunks, text_records
from unigate.providers.microsoft.pricing import model

API_VERSION = "2024-09-01"
ENDPOINT = "AZURE_CONTENT_SAFETY_ENDPOINT"
KEY = "AZURE_CONTENT_SAFETY_KEY"
MODEL = "content-safety"
CATEGORIES = ("Hate", "SelfHarm", "Sexual", "Violence")
TEXT_CHARS = 10_000  # per request
MAX_TEXT_CHARS = 50_000
IMAGE_MIME_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff", "image/webp"}
)
MAX_IMAGE_BYTES = 4 * 1024 * 1024
# Azure's harm categories in the gateway's moderation taxonomy: (category, subcategory).
TAXONOMY = {
    "Hate": ("HateAndExtremism", "Hate"),
    "SelfHarm": ("Violence", "SelfHarm"),
    "Sexual": ("Sexual", "Sexual"),
    "Violence": ("Violence", "Violence"),
}


def _url(ctx: CallContext, what: str) -> str:
    return f"{config.endpoint(ctx, ENDPOINT)}/contentsafety/{what}:analyze"


def severities(analyses: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """The highest severity per category over one or more answers' categoriesAnalysis."""
    found: dict[str, int] = {}
    for entry in analyses:
        name = str(entry.get("category") or "")
        if name:
            found[name] = max(found.get(name, 0), int(entry.get("severity") or 0))
    return found


def moderation(found: Mapping[str, int], top: int) -> dict[str, Any]:
    """Severities (0..top) as likelihoods 1-5 and scores 0-1, worst first."""
    items: list[dict[str, Any]] = []
    for name, severity in found.items():
        category, subcategory = TAXONOMY.get(name, ("Other", name))
        items.append(
            {
                "label": name,
                "likelihood": 1 + round(4 * severity / top),
                "likelihood_score": round(severity / top, 4),
                "category": category,
                "subcategory": subcategory,
            }
        )
    items.sort(key=lambda i: -i["likelihood_score"])
    return {
        "nsfw_likelihood": items[0]["likelihood"] if items else 1,
        "nsfw_likelihood_score": items[0]["likelihood_score"] if items else 0.0,
        "items": items,
    }


async def run_text(input: Any, ctx: CallContext) -> ProviderResult:
    config.require(ctx, config.CONTENT_SAFETY)
    pieces = [p for _, p in chunks(input.text, TEXT_CHARS)]
    raw: list[Any] = []
    for piece in pieces:
        body = {"text": piece, "categories": list(CATEGORIES), "outputType": "EightSeverityLevels"}
        result = await azure.request(
            ctx, "POST", _url(ctx, "text"), key_name=KEY, params={"api-version": API_VERSION}, json_body=body
        )
        raw.append(azure.json_object(result))
    found = severities(a for answer in raw for a in answer.get("categoriesAnalysis") or ())
    return ProviderResult(
        moderation(found, 7), raw[0] if len(raw) == 1 else raw, {"text": text_records(*pieces)}
    )


async def run_image(input: Any, ctx: CallContext) -> ProviderResult:
    config.require(ctx, config.CONTENT_SAFETY)
    loaded = await ctx.files(input.file)
    body = {
        "image": {"content": base64.b64encode(loaded.data).decode("ascii")},
        "categories": list(CATEGORIES),
        "outputType": "FourSeverityLevels",
    }
    result = await azure.request(
        ctx, "POST", _url(ctx, "image"), key_name=KEY, params={"api-version": API_VERSION}, json_body=body
    )
    answer = azure.json_object(result)
    found = severities(answer.get("categoriesAnalysis") or ())
    return ProviderResult(moderation(found, 6), answer, {"image": 1})


def moderation_offer() -> Offer:
    sub = "text/moderation"
    return Offer(
        subfeature=sub,
        models=(
            model(sub, MODEL, "Azure AI Content Safety text analysis (hate, self-harm, sexual, violence)"),
        ),
        default_model=MODEL,
        constraints=Constraints(max_text_chars=MAX_TEXT_CHARS),
        run=run_text,
        notes="Azure AI Content Safety text:analyze (API 2024-09-01) with eight severity levels: severity "
        "0-7 maps to likelihood 1-5 and likelihood_score = severity / 7. Texts over 10,000 characters "
        "are analysed in pieces and the worst severity per category kept. Billed per text record "
        "(1,000 characters).",
        unavailable_reason=config.CONTENT_SAFETY.missing,
    )
