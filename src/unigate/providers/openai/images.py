"""image/generation over `POST /images/generations`.

Reference: https://platform.openai.com/docs/api-reference/images/create. Sizes: dall-e-2 makes
256x256, 512x512 and 1024x1024; dall-e-3 and the gpt-image models make nothing smaller than
1024x1024, so a smaller request is served at 1024x1024 (and billed as such). dall-e-3 makes one image
per request. gpt-image models always answer base64; dall-e models are asked for base64 too.
Quality comes from provider_params.quality (gpt-image: low/medium/high, default medium so that the
price is known; dall-e-3: standard/hd).
"""

from __future__ import annotations

import asyncio
from typing import Any

from unigate.providers.base import CallContext, Constraints, Offer, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderInvalidInput
from unigate.providers.openai.client import post_json
from unigate.providers.openai.prices import model_specs

PATH = "/images/generations"
MODELS = ("gpt-image-1", "gpt-image-1-mini", "dall-e-3", "dall-e-2")
DEFAULT_MODEL = "gpt-image-1"
QUALITIES = {
    "gpt-image": ("medium", "low", "high"),
    "dall-e-3": ("standard", "hd"),
    "dall-e-2": ("standard",),
}
# Prompt lengths each model accepts (characters), checked before the call.
CONSTRAINTS = {
    "gpt-image-1": Constraints(max_text_chars=32000),
    "gpt-image-1-mini": Constraints(max_text_chars=32000),
    "dall-e-3": Constraints(max_text_chars=4000),
    "dall-e-2": Constraints(max_text_chars=1000),
}


def family(model: str) -> str:
    return "gpt-image" if model.startswith("gpt-image") else model


def size_for(model: str, resolution: str) -> str:
    return resolution if family(model) == "dall-e-2" else "1024x1024"


def quality_for(model: str, params: Any) -> str:
    allowed = QUALITIES.get(family(model), ("standard",))
    quality = params.get("quality") or allowed[0]
    if quality not in allowed:
        raise ProviderInvalidInput(f"provider_params.quality for {model} is one of {', '.join(allowed)}")
    return str(quality)


def request_body(inp: Any, ctx: CallContext, n: int, size: str, quality: str) -> dict[str, Any]:
    body: dict[str, Any] = {"model": ctx.model, "prompt": inp.text, "n": n, "size": size}
    kind = family(ctx.model)
    if kind != "dall-e-2":  # dall-e-2 has one quality and no parameter for it
        body["quality"] = quality
    if kind != "gpt-image":  # gpt-image models refuse the parameter: base64 is all they give
        body["response_format"] = "b64_json"
    return body


async def run(inp: Any, ctx: CallContext) -> ProviderResult:
    quality = quality_for(ctx.model, ctx.provider_params)
    size = size_for(ctx.model, inp.resolution)
    if family(ctx.model) == "dall-e-3":
        one = request_body(inp, ctx, 1, size, quality)
        answers = await asyncio.gather(*(post_json(ctx, PATH, one) for _ in range(inp.num_images)))
    else:
        answers = [await post_json(ctx, PATH, request_body(inp, ctx, inp.num_images, size, quality))]
    images = [item for answer in answers for item in answer.get("data") or [] if isinstance(item, dict)]
    if not images or not all(item.get("b64_json") or item.get("url") for item in images):
        raise ProviderBadResponse(f"{ctx.provider}: the answer holds no image")
    items = [{"image": item.get("b64_json"), "image_resource_url": item.get("url")} for item in images]
    # The original response without the base64 images, which the output already carries.
    raw = [
        {**a, "data": [{k: v for k, v in d.items() if k != "b64_json"} for d in a.get("data") or []]}
        for a in answers
    ]
    return ProviderResult(output={"items": items}, raw=raw, usage={f"image:{size}:{quality}": len(items)})


def offer() -> Offer:
    return Offer(
        "image/generation",
        model_specs("image/generation", MODELS, constraints=CONSTRAINTS),
        DEFAULT_MODEL,
        run=run,
        notes="Below 1024x1024 only dall-e-2 keeps the size asked; the others make 1024x1024. "
        "provider_params.quality: low/medium/high (gpt-image, default medium) or standard/hd (dall-e-3). "
        "Images come back as base64.",
    )
