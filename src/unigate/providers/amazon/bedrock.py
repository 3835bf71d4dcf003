"""Bedrock runtime InvokeModel (REST: POST /model/{modelId}/invoke): text/embeddings with Titan Text
Embeddings v2 and image/generation with Titan Image Generator v2 or Nova Canvas.

The model id goes into the path percent-encoded ("amazon.titan-embed-text-v2%3A0"), as the AWS SDKs
send it; SigV4 then encodes it once more in the canonical request.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from unigate.providers.amazon import aws
from unigate.providers.base import CallContext, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderInvalidInput

EMBED_MODEL = "amazon.titan-embed-text-v2:0"
EMBED_DIMENSIONS = (256, 512, 1024)
EMBED_MAX_CHARS = 50_000  # per text
EMBED_CONCURRENCY = 8  # Titan v2 embeds one text per request

TITAN_IMAGE = "amazon.titan-image-generator-v2:0"
NOVA_CANVAS = "amazon.nova-canvas-v1:0"
IMAGE_MODELS = (NOVA_CANVAS, TITAN_IMAGE)
PROMPT_MAX = {TITAN_IMAGE: 512, NOVA_CANVAS: 1024}
IMAGES_PER_REQUEST = 5
SIZES = ("512x512", "1024x1024")  # 256x256 is below both models' minimum side
QUALITIES = ("standard", "premium")


def model_url(ctx: CallContext, model_id: str, action: str) -> str:
    return f"{aws.endpoint(ctx.credentials, aws.BEDROCK_RUNTIME)}/model/{quote(model_id, safe='')}/{action}"


async def post_json(
    ctx: CallContext, model_id: str, action: str, payload: Mapping[str, Any]
) -> tuple[dict[str, Any], Mapping[str, str]]:
    """The decoded JSON answer and the response headers."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    url = model_url(ctx, model_id, action)
    result = await aws.send(ctx, aws.BEDROCK_RUNTIME, "POST", url, body=body, headers=headers)
    return aws.json_object(result), result.headers


# ---------------------------------------------------------------------- text/embeddings


async def run_embeddings(input: Any, ctx: CallContext) -> ProviderResult:
    dimensions = int(ctx.provider_params.get("dimensions", 1024))
    if dimensions not in EMBED_DIMENSIONS:
        raise ProviderInvalidInput(
            f"amazon: Titan embeddings have 256, 512 or 1024 dimensions, not {dimensions}"
        )
    normalize = bool(ctx.provider_params.get("normalize", True))
    gate = asyncio.Semaphore(EMBED_CONCURRENCY)

    async def embed(text: str) -> dict[str, Any]:
        async with gate:
            payload = {"inputText": text, "dimensions": dimensions, "normalize": normalize}
            answer, _ = await post_json(ctx, ctx.model or EMBED_MODEL, "invoke", payload)
        if not isinstance(answer.get("embedding"), list):
            raise ProviderBadResponse("amazon: Titan answered no embedding")
        return answer

    answers = await asyncio.gather(*(embed(t) for t in input.texts))
    tokens = sum(int(a.get("inputTextTokenCount") or 0) for a in answers)
    output = {"items": [{"embedding": [float(x) for x in a["embedding"]]} for a in answers]}
    raw = [
        {"inputTextTokenCount": a.get("inputTextTokenCount"), "dimensions": len(a["embedding"])}
        for a in answers
    ]
    return ProviderResult(output, raw=raw, usage={"token_in": tokens})


# ---------------------------------------------------------------------- image/generation


def image_request(
    prompt: str, count: int, size: str, quality: str, params: Mapping[str, Any]
) -> dict[str, Any]:
    width, height = (int(x) for x in size.split("x"))
    config: dict[str, Any] = {
        "numberOfImages": count,
        "width": width,
        "height": height,
        "quality": quality,
    }
    if params.get("cfg_scale") is not None:  # else the model's own default (Titan 8.0, Nova 6.5)
        config["cfgScale"] = float(params["cfg_scale"])
    if params.get("seed") is not None:
        config["seed"] = int(params["seed"])
    text_params: dict[str, Any] = {"text": prompt}
    if params.get("negative_text"):
        text_params["negativeText"] = str(params["negative_text"])
    return {"taskType": "TEXT_IMAGE", "textToImageParams": text_params, "imageGenerationConfig": config}


async def run_generation(input: Any, ctx: CallContext) -> ProviderResult:
    model_id = ctx.model or NOVA_CANVAS
    size = input.resolution
    if size not in SIZES:
        raise ProviderInvalidInput(f"amazon: {model_id} makes 512x512 or 1024x1024 images, not {size}")
    quality = str(ctx.provider_params.get("quality", "standard"))
    if quality not in QUALITIES:
        raise ProviderInvalidInput(f"amazon: quality is 'standard' or 'premium', not {quality!r}")
    images: list[str] = []
    raw = []
    remaining = input.num_images
    while remaining > 0:  # at most 5 images a request
        count = min(remaining, IMAGES_PER_REQUEST)
        payload = image_request(input.text, count, size, quality, ctx.provider_params)
        answer, _ = await post_json(ctx, model_id, "invoke", payload)
        if answer.get("error"):
            raise ProviderInvalidInput(f"amazon: {answer['error']}")
        got = [i for i in answer.get("images") or () if isinstance(i, str)]
        if not got:
            raise ProviderBadResponse("amazon: the image model answered no image")
        images += got
        raw.append({"images": len(got)})
        remaining -= count
    output = {"items": [{"image": image, "image_resource_url": None} for image in images]}
    return ProviderResult(output, raw=raw, usage={f"image:{size}:{quality}": len(images)})
