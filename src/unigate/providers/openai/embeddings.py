"""text/embeddings over `POST /embeddings`.

Reference: https://platform.openai.com/docs/api-reference/embeddings/create. `dimensions` (from
provider_params) shortens text-embedding-3-* vectors; one request takes at most 2,048 inputs.
"""

from __future__ import annotations

from typing import Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderInvalidInput
from unigate.providers.openai.client import post_json

PATH = "/embeddings"
MODELS = ("text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002")
DEFAULT_MODEL = "text-embedding-3-small"
MAX_INPUTS = 2048
_SHORTENABLE = ("text-embedding-3-",)


def request_body(inp: Any, ctx: CallContext) -> dict[str, Any]:
    body: dict[str, Any] = {"model": ctx.model, "input": list(inp.texts), "encoding_format": "float"}
    dimensions = ctx.provider_params.get("dimensions")
    if dimensions is not None:
        if isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1:
            raise ProviderInvalidInput("provider_params.dimensions must be a positive integer")
        if ctx.provider == "openai" and not ctx.model.startswith(_SHORTENABLE):
            raise ProviderInvalidInput(f"{ctx.model} has a fixed size; dimensions needs text-embedding-3-*")
        body["dimensions"] = dimensions
    return body


async def run(inp: Any, ctx: CallContext) -> ProviderResult:
    answer = await post_json(ctx, PATH, request_body(inp, ctx))
    data = answer.get("data")
    if not isinstance(data, list) or len(data) != len(inp.texts):
        raise ProviderBadResponse(f"{ctx.provider}: expected {len(inp.texts)} embeddings")
    try:
        # `index` says which input each vector belongs to; do not trust the list order.
        ordered = sorted(data, key=lambda item: int(item.get("index", 0)))
        items = [{"embedding": [float(x) for x in item["embedding"]]} for item in ordered]
    except (AttributeError, KeyError, TypeError, ValueError):
        raise ProviderBadResponse(f"{ctx.provider}: malformed embeddings in the answer") from None
    usage = answer.get("usage")
    tokens = int(usage.get("prompt_tokens") or 0) if isinstance(usage, dict) else 0
    return ProviderResult(output={"items": items}, raw=answer, usage={"token_in": tokens})


def offer(models: tuple[ModelSpec, ...], default: str) -> Offer:
    return Offer(
        "text/embeddings",
        models,
        default,
        constraints=Constraints(max_items=MAX_INPUTS),
        run=run,
        notes="provider_params.dimensions shortens text-embedding-3-* vectors.",
    )
