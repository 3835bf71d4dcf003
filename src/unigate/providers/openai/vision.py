"""image/question_answer: a chat model looks at the image (an `image_url` part holding a data: URL).

Reference: https://platform.openai.com/docs/guides/images-vision (PNG, JPEG, WEBP, non-animated GIF).
"""

from __future__ import annotations

from typing import Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderInvalidInput
from unigate.providers.openai import chat
from unigate.providers.openai.client import data_url

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
MAX_IMAGE_BYTES = 20 * 1024 * 1024
DEFAULT_QUESTION = "Describe this image in detail."


async def run(inp: Any, ctx: CallContext) -> ProviderResult:
    loaded = await ctx.files(inp.file)
    content = [
        {"type": "text", "text": inp.question or DEFAULT_QUESTION},
        {"type": "image_url", "image_url": {"url": data_url(loaded.mime, loaded.data)}},
    ]
    body: dict[str, Any] = {"model": ctx.model, "messages": [{"role": "user", "content": content}]}
    if inp.temperature is not None:
        body["temperature"] = inp.temperature
    if inp.max_tokens is not None:
        body[chat.limit_field(ctx)] = inp.max_tokens
    completion, _ = await chat.complete(ctx, body, stream=False)
    message = chat.first_message(ctx, completion)
    if message.get("refusal"):
        raise ProviderInvalidInput(f"{ctx.provider}: the model refused: {message['refusal']}")
    answer = message.get("content")
    if not isinstance(answer, str):
        raise ProviderBadResponse(f"{ctx.provider}: the completion has no text content")
    return ProviderResult(
        output={"answers": [answer]}, raw=completion, usage=chat.usage_units(completion.get("usage"))
    )


def offer(models: tuple[ModelSpec, ...], default: str) -> Offer:
    return Offer(
        "image/question_answer",
        models,
        default,
        constraints=Constraints(mime_types=IMAGE_TYPES, max_file_bytes=MAX_IMAGE_BYTES),
        run=run,
        notes="A chat model looks at the image; the model must accept images.",
    )
