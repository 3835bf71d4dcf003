"""text/moderation and image/explicit_content over `POST /moderations` (omni-moderation-latest).

Reference: https://platform.openai.com/docs/api-reference/moderations/create and
https://platform.openai.com/docs/guides/moderation (free to use; images go in as `image_url` parts,
and `category_applied_input_types` says which categories were scored on which input).
"""

from __future__ import annotations

from typing import Any

from unigate.providers.base import CallContext, Constraints, Offer, ProviderResult
from unigate.providers.errors import ProviderBadResponse
from unigate.providers.openai.client import data_url, post_json
from unigate.providers.openai.prices import model_specs

PATH = "/moderations"
MODEL = "omni-moderation-latest"
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
MAX_IMAGE_BYTES = 20 * 1024 * 1024

# OpenAI category -> (category, subcategory) of the canonical moderation taxonomy.
CATEGORIES: dict[str, tuple[str, str]] = {
    "harassment": ("HateAndExtremism", "Harassment"),
    "harassment/threatening": ("HateAndExtremism", "Threatening"),
    "hate": ("HateAndExtremism", "Hate"),
    "hate/threatening": ("HateAndExtremism", "Threatening"),
    "illicit": ("Other", "Other"),
    "illicit/violent": ("Violence", "WeaponViolence"),
    "self-harm": ("Content", "Health"),
    "self-harm/intent": ("Content", "Health"),
    "self-harm/instructions": ("Content", "Health"),
    "sexual": ("Sexual", "Sexual"),
    "sexual/minors": ("Sexual", "Sexual"),
    "violence": ("Violence", "Violent"),
    "violence/graphic": ("Violence", "GraphicViolenceOrGore"),
}
# The categories the guide says omni-moderation scores on images (when the answer does not say).
IMAGE_CATEGORIES = frozenset(
    {"self-harm", "self-harm/intent", "self-harm/instructions", "sexual", "violence", "violence/graphic"}
)


def likelihood(score: float) -> int:
    """A 0-1 score as the 1 (very unlikely) to 5 (very likely) scale of the canonical output."""
    return min(5, int(score * 5) + 1)


def _result(ctx: CallContext, answer: dict[str, Any]) -> dict[str, Any]:
    results = answer.get("results")
    if not isinstance(results, list) or not results or not isinstance(results[0], dict):
        raise ProviderBadResponse(f"{ctx.provider}: the moderation answer has no results")
    result: dict[str, Any] = results[0]
    if not isinstance(result.get("category_scores"), dict):
        raise ProviderBadResponse(f"{ctx.provider}: the moderation result has no category_scores")
    return result


def _scored_on_image(label: str, applied: Any) -> bool:
    kinds = applied.get(label) if isinstance(applied, dict) else None
    return "image" in kinds if isinstance(kinds, list) else label in IMAGE_CATEGORIES


def items(result: dict[str, Any], input_type: str) -> list[dict[str, Any]]:
    applied = result.get("category_applied_input_types")
    out = []
    for label, raw_score in result["category_scores"].items():
        if input_type == "image" and not _scored_on_image(label, applied):
            continue
        score = float(raw_score) if isinstance(raw_score, (int, float)) else 0.0
        category, subcategory = CATEGORIES.get(label, ("Other", "Other"))
        out.append(
            {
                "label": label,
                "likelihood": likelihood(score),
                "category": category,
                "subcategory": subcategory,
                "likelihood_score": score,
            }
        )
    return out


def summary(found: list[dict[str, Any]]) -> tuple[int, float]:
    top = max((item["likelihood_score"] for item in found), default=0.0)
    return likelihood(top), top


async def run_text(inp: Any, ctx: CallContext) -> ProviderResult:
    answer = await post_json(ctx, PATH, {"model": ctx.model, "input": inp.text})
    found = items(_result(ctx, answer), "text")
    level, score = summary(found)
    output = {"nsfw_likelihood": level, "items": found, "nsfw_likelihood_score": score}
    return ProviderResult(output=output, raw=answer, usage={"request": 1})


async def run_image(inp: Any, ctx: CallContext) -> ProviderResult:
    loaded = await ctx.files(inp.file)
    image = {"type": "image_url", "image_url": {"url": data_url(loaded.mime, loaded.data)}}
    body = {"model": ctx.model, "input": [image]}
    answer = await post_json(ctx, PATH, body)
    found = items(_result(ctx, answer), "image")
    level, score = summary(found)
    output = {"nsfw_likelihood": level, "nsfw_likelihood_score": score, "items": found}
    return ProviderResult(output=output, raw=answer, usage={"request": 1})


def offers() -> list[Offer]:
    image = Constraints(mime_types=IMAGE_TYPES, max_file_bytes=MAX_IMAGE_BYTES)
    return [
        Offer(
            "text/moderation",
            model_specs("text/moderation", [MODEL]),
            MODEL,
            run=run_text,
            notes="omni-moderation; free. Likelihood 1-5 is the score in fifths.",
        ),
        Offer(
            "image/explicit_content",
            model_specs("image/explicit_content", [MODEL]),
            MODEL,
            constraints=image,
            run=run_image,
            notes="omni-moderation on the image (sexual, violence, self-harm categories); free.",
        ),
    ]
