"""llm/chat and text/chat over Chat Completions (`POST /chat/completions`), streaming included.

Reference: https://platform.openai.com/docs/api-reference/chat/create (request fields, `tools`,
`tool_choice`, `response_format`, the `chat.completion` object and its `usage`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from unigate.providers.base import CallContext, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderInvalidInput
from unigate.providers.openai.client import post_json, stream_events
from unigate.providers.openai.stream import StreamAssembler

CHAT_PATH = "/chat/completions"
FIRST_PARTY = "openai"
# Keys of the request that provider_params may not override.
_RESERVED = frozenset({"model", "messages", "stream", "stream_options"})
_COMPLETION_DETAILS = (
    "accepted_prediction_tokens",
    "audio_tokens",
    "reasoning_tokens",
    "rejected_prediction_tokens",
    "text_tokens",
)
_PROMPT_DETAILS = ("audio_tokens", "cached_tokens", "text_tokens", "image_tokens")


def limit_field(ctx: CallContext) -> str:
    # OpenAI deprecated `max_tokens` (reasoning models refuse it); compatible servers know only it.
    return "max_completion_tokens" if ctx.provider == FIRST_PARTY else "max_tokens"


def usage_units(usage: Any) -> dict[str, int]:
    """Billable units of a `usage` object: cached prompt tokens are billed at their own price."""
    if not isinstance(usage, Mapping):
        return {}
    prompt = int(usage.get("prompt_tokens") or 0)
    details = usage.get("prompt_tokens_details")
    cached = int(details.get("cached_tokens") or 0) if isinstance(details, Mapping) else 0
    units = {"token_in": max(0, prompt - cached), "token_out": int(usage.get("completion_tokens") or 0)}
    if cached:
        units["token_in:cached"] = cached
    return units


async def complete(ctx: CallContext, body: dict[str, Any], *, stream: bool) -> tuple[dict[str, Any], int]:
    """One completion (streamed and assembled when asked) and the time it took, in nanoseconds."""
    started = time.perf_counter_ns()
    if stream:
        assembler = StreamAssembler()
        streaming = {**body, "stream": True, "stream_options": {"include_usage": True}}
        async for chunk in stream_events(ctx, CHAT_PATH, streaming):
            assembler.add(chunk)
        completion = assembler.completion()
    else:
        completion = await post_json(ctx, CHAT_PATH, body)
    if not isinstance(completion.get("choices"), list) or not all(
        isinstance(c, dict) for c in completion["choices"]
    ):
        raise ProviderBadResponse(f"{ctx.provider}: the completion has no list of choices")
    return completion, time.perf_counter_ns() - started


def first_message(ctx: CallContext, completion: Mapping[str, Any]) -> dict[str, Any]:
    choices = completion.get("choices") or []
    message = choices[0].get("message") if choices else None
    if not isinstance(message, dict):
        raise ProviderBadResponse(f"{ctx.provider}: the completion has no message")
    return message


# ---------------------------------------------------------------------- llm/chat


def llm_body(inp: Any, ctx: CallContext) -> dict[str, Any]:
    """The request for an llm/chat input: OpenAI's own format, so mostly a copy."""
    body: dict[str, Any] = inp.model_dump(mode="json", exclude_none=True, by_alias=True)
    body.pop("stream", None)
    body.pop("stream_options", None)
    stop_sequences = body.pop("stop_sequences", None)
    if stop_sequences and "stop" not in body:
        body["stop"] = stop_sequences
    if "max_tokens" in body:
        body[limit_field(ctx)] = body.pop("max_tokens")
    # Vendor options the catalogue does not model (reasoning_effort, service_tier...) pass through.
    body.update({k: v for k, v in ctx.provider_params.items() if k not in _RESERVED and k not in body})
    body["model"] = ctx.model
    return body


def _function(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    return {"name": value.get("name"), "arguments": value.get("arguments")}


def _picked(source: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    source = source if isinstance(source, Mapping) else {}
    return {key: source.get(key) for key in keys}


def llm_output(completion: Mapping[str, Any], elapsed_ns: int) -> dict[str, Any]:
    """The canonical llm/chat output: OpenAI's completion restricted to the sample's keys."""
    choices = []
    for choice in completion.get("choices") or []:
        message = choice.get("message") or {}
        calls = message.get("tool_calls")
        choices.append(
            {
                "finish_reason": choice.get("finish_reason"),
                "index": choice.get("index"),
                "message": {
                    "content": message.get("content"),
                    "role": message.get("role"),
                    "tool_calls": [
                        {
                            "id": c.get("id"),
                            "type": c.get("type"),
                            "function": _function(c.get("function")) or {},
                        }
                        for c in calls
                        if isinstance(c, Mapping)
                    ]
                    if calls
                    else None,
                    "function_call": _function(message.get("function_call")),
                },
            }
        )
    raw_usage = completion.get("usage")
    usage: Mapping[str, Any] = raw_usage if isinstance(raw_usage, Mapping) else {}
    return {
        "id": completion.get("id"),
        "created": completion.get("created"),
        "model": completion.get("model"),
        "object": completion.get("object"),
        "system_fingerprint": completion.get("system_fingerprint"),
        "choices": choices,
        "provider_time": elapsed_ns,
        "edenai_time": None,
        "usage": {
            "completion_tokens": usage.get("completion_tokens"),
            "prompt_tokens": usage.get("prompt_tokens"),
            "total_tokens": usage.get("total_tokens"),
            "completion_tokens_details": _picked(usage.get("completion_tokens_details"), _COMPLETION_DETAILS),
            "prompt_tokens_details": _picked(usage.get("prompt_tokens_details"), _PROMPT_DETAILS),
        },
        "service_tier": completion.get("service_tier"),
        "cost": None,  # the engine prices the usage; adapters never compute money
    }


async def run_llm_chat(inp: Any, ctx: CallContext) -> ProviderResult:
    completion, elapsed = await complete(ctx, llm_body(inp, ctx), stream=bool(inp.stream))
    return ProviderResult(
        output=llm_output(completion, elapsed), raw=completion, usage=usage_units(completion.get("usage"))
    )


async def stream_chat(inp: Any, ctx: CallContext) -> AsyncIterator[dict[str, Any]]:
    """Stream an llm/chat input: OpenAI `chat.completion.chunk` dicts as the server sends them, the
    last one carrying `usage` (for an OpenAI-compatible streaming endpoint of the gateway)."""
    if isinstance(inp, Mapping):
        from unigate.catalog.schemas.llm import ChatInput

        inp = ChatInput.model_validate(dict(inp))
    body = {**llm_body(inp, ctx), "stream": True, "stream_options": {"include_usage": True}}
    async for chunk in stream_events(ctx, CHAT_PATH, body):
        yield chunk


# ---------------------------------------------------------------------- text/chat


def text_chat_body(inp: Any, ctx: CallContext) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    if inp.chatbot_global_action:
        messages.append({"role": "system", "content": inp.chatbot_global_action})
    for turn in inp.previous_history or []:
        messages.append({"role": turn.role, "content": turn.message})
    messages.append({"role": "user", "content": inp.text})
    if inp.tool_results:
        # The history format carries no tool calls, so OpenAI's `tool` messages (which must answer an
        # assistant message's tool_calls) cannot be rebuilt; the results go to the model as text.
        lines = [f"- call {r.id}: {r.result}" for r in inp.tool_results]
        messages.append(
            {"role": "user", "content": "Results of the tool calls you requested:\n" + "\n".join(lines)}
        )
    body: dict[str, Any] = {"model": ctx.model, "messages": messages}
    if inp.temperature is not None:
        body["temperature"] = inp.temperature
    if inp.max_tokens is not None:
        body[limit_field(ctx)] = inp.max_tokens
    if inp.available_tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t.name,
                    **({"description": t.description} if t.description else {}),
                    "parameters": t.parameters or {"type": "object", "properties": {}},
                },
            }
            for t in inp.available_tools
        ]
        body["tool_choice"] = inp.tool_choice
    return body


def text_chat_output(inp: Any, completion: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
    message = first_message(ctx, completion)
    calls = [
        {
            "id": c.get("id"),
            "name": (c.get("function") or {}).get("name"),
            "arguments": (c.get("function") or {}).get("arguments"),
        }
        for c in message.get("tool_calls") or []
        if isinstance(c, Mapping)
    ]
    tools = [
        {"name": t.name, "description": t.description, "parameters": t.parameters}
        for t in inp.available_tools or []
    ]
    content = message.get("content")
    return {
        "generated_text": content,
        "message": [
            {"role": "user", "message": inp.text, "tools": tools or None, "tool_calls": None},
            {"role": "assistant", "message": content, "tools": None, "tool_calls": calls or None},
        ],
    }


async def run_text_chat(inp: Any, ctx: CallContext) -> ProviderResult:
    completion, _ = await complete(ctx, text_chat_body(inp, ctx), stream=bool(inp.stream))
    return ProviderResult(
        output=text_chat_output(inp, completion, ctx),
        raw=completion,
        usage=usage_units(completion.get("usage")),
    )


# ---------------------------------------------------------------------- structured output


async def structured_chat(
    messages: list[dict[str, Any]], response_format: dict[str, Any], ctx: CallContext
) -> tuple[str, dict[str, int], Any]:
    """The chat call behind the structured-output subfeatures (`unigate.providers.llmtasks`)."""
    body = {"model": ctx.model, "messages": messages, "response_format": response_format}
    completion, _ = await complete(ctx, body, stream=False)
    message = first_message(ctx, completion)
    if message.get("refusal"):
        raise ProviderInvalidInput(f"{ctx.provider}: the model refused: {message['refusal']}")
    content = message.get("content")
    if not isinstance(content, str):
        raise ProviderBadResponse(f"{ctx.provider}: the completion has no text content")
    if (completion["choices"][0].get("finish_reason")) == "length":
        raise ProviderBadResponse(f"{ctx.provider}: the answer was cut at the token limit: {content[:100]!r}")
    return content, usage_units(completion.get("usage")), completion


def offers(models: tuple[ModelSpec, ...], default: str) -> list[Offer]:
    return [
        Offer(
            "llm/chat",
            models,
            default,
            run=run_llm_chat,
            notes="Chat Completions; `stream: true` is consumed and returned whole. provider_params pass "
            "through to the request (reasoning_effort, service_tier...).",
        ),
        Offer(
            "text/chat",
            models,
            default,
            run=run_text_chat,
            notes="Chat Completions. Tool results are sent as text: the history format carries no tool "
            "calls for OpenAI's tool messages to answer.",
        ),
    ]
