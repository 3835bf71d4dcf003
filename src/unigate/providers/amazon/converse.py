"""llm/chat over the Bedrock runtime Converse API (POST /model/{modelId}/converse).

OpenAI-format messages become Converse messages: system/developer messages go to `system`, text and
images (data: or http(s) URLs) and documents become content blocks, assistant tool calls become
`toolUse` blocks and tool messages `toolResult` blocks (consecutive same-role messages are merged,
as Converse wants the roles to alternate). The answer comes back as a `chat.completion` object.
Streaming requests are answered whole (Converse, not ConverseStream).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

from unigate.providers.amazon.bedrock import post_json
from unigate.providers.base import CallContext, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderInvalidInput

DEFAULT_MODEL = "amazon.nova-lite-v1:0"
IMAGE_FORMATS = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/gif": "gif",
    "image/webp": "webp",
}
DOCUMENT_FORMATS = {"pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md"}
FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
}
_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+/-]+)?(;[\w=-]+)*;base64,(?P<data>.*)$", re.DOTALL)
_DOC_NAME = re.compile(r"[^A-Za-z0-9 ()\[\]-]+")


def _text(content: Any) -> str:
    """The text of a message's content (a string, or the text parts of a list)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(str(p.text) for p in content if getattr(p, "type", None) == "text")


def _decode_data_url(url: str) -> tuple[str, bytes]:
    found = _DATA_URL.match(url)
    if not found:
        raise ProviderInvalidInput("amazon: only base64 data: URLs are accepted inline")
    try:
        return (found.group("mime") or "").lower(), base64.b64decode(found.group("data"), validate=False)
    except (binascii.Error, ValueError):
        raise ProviderInvalidInput("amazon: the data: URL is not valid base64") from None


async def _image_block(url: str, ctx: CallContext) -> dict[str, Any]:
    if url.startswith("data:"):
        mime, data = _decode_data_url(url)
    else:
        loaded = await ctx.files(url)  # the gateway's guarded URL fetch
        mime, data = loaded.mime, loaded.data
    if mime not in IMAGE_FORMATS:
        raise ProviderInvalidInput(
            f"amazon: Converse takes png, jpeg, gif or webp images, not {mime or 'unknown'}"
        )
    return {
        "image": {"format": IMAGE_FORMATS[mime], "source": {"bytes": base64.b64encode(data).decode("ascii")}}
    }


def _document_block(part: Any) -> dict[str, Any]:
    file = part.file
    if not file.file_data:
        raise ProviderInvalidInput("amazon: Converse documents must be given inline as file_data")
    name = file.filename or "document.pdf"
    if file.file_data.startswith("data:"):
        _, data = _decode_data_url(file.file_data)
    else:
        data = base64.b64decode(file.file_data)
    stem, _, ext = name.rpartition(".")
    if ext.lower() not in DOCUMENT_FORMATS:
        raise ProviderInvalidInput(f"amazon: Converse documents are {', '.join(sorted(DOCUMENT_FORMATS))}")
    # Converse document names: letters, digits, spaces, hyphens, parentheses and brackets only.
    clean = " ".join(_DOC_NAME.sub(" ", stem or "document").split()) or "document"
    return {
        "document": {
            "format": ext.lower(),
            "name": clean,
            "source": {"bytes": base64.b64encode(data).decode("ascii")},
        }
    }


async def _blocks(content: Any, ctx: CallContext) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}] if content.strip() else []
    blocks: list[dict[str, Any]] = []
    for part in content:
        kind = part.type
        if kind == "text":
            if part.text.strip():  # Converse refuses blank text blocks
                blocks.append({"text": part.text})
        elif kind == "image_url":
            blocks.append(await _image_block(part.image_url.url, ctx))
        elif kind == "file":
            blocks.append(_document_block(part))
        else:
            raise ProviderInvalidInput(f"amazon: Converse does not take {kind} content")
    return blocks


def _tool_use(call: Any) -> dict[str, Any]:
    try:
        arguments = json.loads(call.function.arguments or "{}")
    except ValueError:
        raise ProviderInvalidInput(f"amazon: the arguments of tool call {call.id} are not JSON") from None
    if not isinstance(arguments, dict):
        raise ProviderInvalidInput(f"amazon: the arguments of tool call {call.id} must be a JSON object")
    return {"toolUse": {"toolUseId": call.id, "name": call.function.name, "input": arguments}}


def _check_supported(inp: Any) -> None:
    if inp.n and inp.n > 1:
        raise ProviderInvalidInput("amazon: Converse generates one choice (n=1)")
    if inp.audio is not None or (inp.modalities and set(inp.modalities) - {"text"}):
        raise ProviderInvalidInput("amazon: Converse answers with text only")
    if inp.logprobs:
        raise ProviderInvalidInput("amazon: Converse gives no log probabilities")


def _tool_config(inp: Any, has_tool_blocks: bool) -> dict[str, Any] | None:
    functions = [t.function for t in inp.tools or ()] + list(inp.functions or ())
    if not functions:
        return None
    choice = inp.tool_choice if inp.tool_choice is not None else inp.function_call
    if choice == "none" and not has_tool_blocks:
        return None  # Converse has no "none": offer no tools (unless the history uses them)
    tools = [
        {
            "toolSpec": {
                "name": f.name,
                **({"description": f.description} if f.description else {}),
                "inputSchema": {"json": f.parameters or {"type": "object", "properties": {}}},
            }
        }
        for f in functions
    ]
    config: dict[str, Any] = {"tools": tools}
    if choice == "required":
        config["toolChoice"] = {"any": {}}
    elif choice is not None and not isinstance(choice, str):
        name = choice.function.name if hasattr(choice, "function") else choice.name
        config["toolChoice"] = {"tool": {"name": name}}
    return config


async def converse_request(inp: Any, ctx: CallContext) -> dict[str, Any]:
    _check_supported(inp)
    system: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    has_tool_blocks = False
    for m in inp.messages:
        if m.role in ("system", "developer"):
            if _text(m.content).strip():
                system.append({"text": _text(m.content)})
            continue
        if m.role in ("tool", "function"):
            role = "user"
            result = {
                "toolUseId": m.tool_call_id or m.name or "call",
                "content": [{"text": _text(m.content)}],
            }
            blocks: list[dict[str, Any]] = [{"toolResult": result}]
            has_tool_blocks = True
        elif m.role == "assistant":
            role = "assistant"
            blocks = await _blocks(m.content, ctx) + [_tool_use(c) for c in m.tool_calls or ()]
            has_tool_blocks = has_tool_blocks or bool(m.tool_calls)
        else:
            role = "user"
            blocks = await _blocks(m.content, ctx)
        if not blocks:
            continue
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"] += blocks
        else:
            messages.append({"role": role, "content": blocks})
    if not messages or messages[0]["role"] != "user":
        raise ProviderInvalidInput("amazon: a Converse conversation starts with a user message")
    fmt = inp.response_format
    if fmt is not None and fmt.type != "text":
        # Converse has no JSON mode: ask for it in the system prompt.
        wanted = "Answer with a single JSON object and nothing else."
        if fmt.type == "json_schema" and fmt.json_schema.schema_:
            wanted += " It must follow this JSON Schema: " + json.dumps(fmt.json_schema.schema_)
        system.append({"text": wanted})
    request: dict[str, Any] = {"messages": messages}
    if system:
        request["system"] = system
    inference: dict[str, Any] = {}
    if inp.max_tokens is not None:
        inference["maxTokens"] = inp.max_tokens
    if inp.temperature is not None:
        inference["temperature"] = inp.temperature
    if inp.top_p is not None:
        inference["topP"] = inp.top_p
    stops = ([inp.stop] if isinstance(inp.stop, str) else list(inp.stop or ())) + list(
        inp.stop_sequences or ()
    )
    if stops:
        inference["stopSequences"] = stops
    if inference:
        request["inferenceConfig"] = inference
    tool_config = _tool_config(inp, has_tool_blocks)
    if tool_config:
        request["toolConfig"] = tool_config
    return request


def to_completion(response: Mapping[str, Any], model: str, request_id: str | None) -> dict[str, Any]:
    message = (response.get("output") or {}).get("message")
    if not isinstance(message, dict):
        raise ProviderBadResponse("amazon: the Converse answer has no output message")
    texts, calls = [], []
    for block in message.get("content") or ():
        if "text" in block:
            texts.append(str(block["text"]))
        elif "toolUse" in block:
            use = block["toolUse"]
            calls.append(
                {
                    "id": use.get("toolUseId"),
                    "type": "function",
                    "function": {"name": use.get("name"), "arguments": json.dumps(use.get("input") or {})},
                }
            )
    usage = response.get("usage") or {}
    prompt, completion = int(usage.get("inputTokens") or 0), int(usage.get("outputTokens") or 0)
    latency = (response.get("metrics") or {}).get("latencyMs")
    stop = str(response.get("stopReason") or "")
    return {
        "id": f"bedrock-{request_id or uuid.uuid4().hex}",
        "created": int(time.time()),
        "model": model,
        "object": "chat.completion",
        "system_fingerprint": None,
        "choices": [
            {
                "finish_reason": FINISH_REASONS.get(stop, stop or None),
                "index": 0,
                "message": {
                    "content": "".join(texts) if texts else None,
                    "role": "assistant",
                    "tool_calls": calls or None,
                    "function_call": None,
                },
            }
        ],
        "provider_time": int(latency * 1_000_000) if isinstance(latency, (int, float)) else None,
        "edenai_time": None,
        "usage": {
            "completion_tokens": completion,
            "prompt_tokens": prompt,
            "total_tokens": int(usage.get("totalTokens") or prompt + completion),
            "completion_tokens_details": {
                "accepted_prediction_tokens": None,
                "audio_tokens": None,
                "reasoning_tokens": None,
                "rejected_prediction_tokens": None,
                "text_tokens": None,
            },
            "prompt_tokens_details": {
                "audio_tokens": None,
                "cached_tokens": usage.get("cacheReadInputTokens"),
                "text_tokens": None,
                "image_tokens": None,
            },
        },
        "service_tier": None,
        "cost": None,
    }


async def run_chat(inp: Any, ctx: CallContext) -> ProviderResult:
    model = ctx.model or DEFAULT_MODEL
    request = await converse_request(inp, ctx)
    response, headers = await post_json(ctx, model, "converse", request)
    request_id = {k.lower(): v for k, v in headers.items()}.get("x-amzn-requestid")
    output = to_completion(response, model, request_id)
    usage = output["usage"]
    return ProviderResult(
        output,
        raw=response,
        usage={"token_in": usage["prompt_tokens"], "token_out": usage["completion_tokens"]},
    )
