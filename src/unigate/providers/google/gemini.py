"""Gemini API (generativelanguage v1beta) `models/{model}:generateContent` for llm/chat.

References: https://ai.google.dev/api/generate-content and https://ai.google.dev/api/caching#Content.
OpenAI-format messages become Gemini `contents` (assistant -> "model", tool results ->
functionResponse parts, system/developer -> systemInstruction); the answer becomes an OpenAI-format
chat completion. Called with an API key only.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from typing import Any

from unigate.providers.base import CallContext, Offer, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderInvalidInput, ProviderServerError
from unigate.providers.google import client
from unigate.providers.google.common import b64, integer, spec
from unigate.providers.google.config import Api, needs_api_key

VENDOR = client.VENDORS[Api.GEMINI]
MODELS = (
    "gemini-2.5-flash",
    "gemini-2.5-pro",
    "gemini-2.5-flash-lite",
    "gemini-2.0-flash",
    "gemini-2.0-flash-lite",
)
# gemini-2.5-pro charges more for prompts over 200k tokens: those are reported as ":long" units.
LONG_PROMPT = {"gemini-2.5-pro": 200_000}
FINISH = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
    "MALFORMED_FUNCTION_CALL": "tool_calls",
}
TOOL_MODES = {"none": "NONE", "auto": "AUTO", "required": "ANY"}


# --- request --------------------------------------------------------------------------------------


def _data_url(url: str) -> tuple[str, str]:
    """("mime", "base64") of a data: URL."""
    head, _, data = url.partition(",")
    if not head.startswith("data:") or ";base64" not in head:
        raise ProviderInvalidInput("only base64 data: URLs can be inlined")
    return head[5:].split(";")[0] or "application/octet-stream", data


async def _image_part(url: str, ctx: CallContext) -> dict[str, Any]:
    if url.startswith("data:"):
        mime, data = _data_url(url)
        return {"inlineData": {"mimeType": mime, "data": data}}
    # An http(s) image is fetched by the gateway (SSRF-guarded) and sent inline.
    loaded = await ctx.files(url)
    return {"inlineData": {"mimeType": loaded.mime, "data": b64(loaded.data)}}


def _file_part(file: dict[str, Any]) -> dict[str, Any]:
    data = file.get("file_data")
    if not data:
        raise ProviderInvalidInput(
            "Gemini needs file parts as file_data (provider file ids are not supported)"
        )
    if data.startswith("data:"):
        mime, data = _data_url(data)
    else:
        mime = "application/pdf"
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ProviderInvalidInput("file_data is not base64") from None
    return {"inlineData": {"mimeType": mime, "data": data}}


async def _parts(content: Any, ctx: CallContext) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}]
    parts: list[dict[str, Any]] = []
    for part in content:
        kind = part.get("type")
        if kind == "text":
            parts.append({"text": part["text"]})
        elif kind == "image_url":
            parts.append(await _image_part(part["image_url"]["url"], ctx))
        elif kind == "input_audio":
            audio = part["input_audio"]
            parts.append({"inlineData": {"mimeType": f"audio/{audio['format']}", "data": audio["data"]}})
        elif kind == "file":
            parts.append(_file_part(part["file"]))
    return parts


def _tool_response(message: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    content = message.get("content")
    text = content if isinstance(content, str) else "".join(p.get("text", "") for p in content or [])
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    response = parsed if isinstance(parsed, dict) else {"result": parsed if parsed is not None else text}
    call_id = message.get("tool_call_id") or ""
    return {"functionResponse": {"id": call_id, "name": names.get(call_id, call_id), "response": response}}


async def contents(
    messages: list[dict[str, Any]], ctx: CallContext
) -> tuple[list[dict[str, Any]], list[str]]:
    """Gemini contents (consecutive turns of one role merged) and the system instructions."""
    system: list[str] = []
    out: list[dict[str, Any]] = []
    names: dict[str, str] = {}  # tool call id -> function name, for the tool results
    for msg in messages:
        role = msg["role"]
        if role in ("system", "developer"):
            system += [p["text"] for p in await _parts(msg.get("content"), ctx) if "text" in p]
            continue
        if role == "assistant":
            gemini_role = "model"
            parts = await _parts(msg.get("content"), ctx)
            for call in msg.get("tool_calls") or []:
                fn = call["function"]
                names[call["id"]] = fn["name"]
                try:
                    args = json.loads(fn["arguments"] or "{}")
                except ValueError:
                    raise ProviderInvalidInput(f"tool call {call['id']}: arguments are not JSON") from None
                parts.append({"functionCall": {"id": call["id"], "name": fn["name"], "args": args}})
        elif role in ("tool", "function"):
            gemini_role = "user"
            parts = [_tool_response(msg, names)]
        else:
            gemini_role = "user"
            parts = await _parts(msg.get("content"), ctx)
        if not parts:
            continue
        if out and out[-1]["role"] == gemini_role:
            out[-1]["parts"] += parts
        else:
            out.append({"role": gemini_role, "parts": parts})
    return out, system


def generation_config(data: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for ours, theirs in (
        ("temperature", "temperature"),
        ("top_p", "topP"),
        ("n", "candidateCount"),
        ("max_tokens", "maxOutputTokens"),
        ("presence_penalty", "presencePenalty"),
        ("frequency_penalty", "frequencyPenalty"),
        ("seed", "seed"),
    ):
        if data.get(ours) is not None:
            config[theirs] = data[ours]
    stop = data.get("stop") if data.get("stop") is not None else data.get("stop_sequences")
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    fmt = data.get("response_format") or {}
    if fmt.get("type") in ("json_object", "json_schema"):
        config["responseMimeType"] = "application/json"
        schema = (fmt.get("json_schema") or {}).get("schema")
        if schema:
            config["responseJsonSchema"] = schema
    if data.get("logprobs"):
        config["responseLogprobs"] = True
        if data.get("top_logprobs"):
            config["logprobs"] = data["top_logprobs"]
    return config


def tools_config(data: dict[str, Any]) -> dict[str, Any]:
    functions = [t["function"] for t in data.get("tools") or []] + list(data.get("functions") or [])
    body: dict[str, Any] = {}
    if functions:
        declarations = []
        for fn in functions:
            decl: dict[str, Any] = {"name": fn["name"], "description": fn.get("description") or ""}
            if fn.get("parameters"):
                decl["parametersJsonSchema"] = fn["parameters"]
            declarations.append(decl)
        body["tools"] = [{"functionDeclarations": declarations}]
    choice = data.get("tool_choice") or data.get("function_call")
    if isinstance(choice, str):
        body["toolConfig"] = {"functionCallingConfig": {"mode": TOOL_MODES[choice]}}
    elif isinstance(choice, dict):  # one named function
        name = (choice.get("function") or choice).get("name")
        body["toolConfig"] = {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}
    return body


async def request_body(data: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    turns, system = await contents(data["messages"], ctx)
    if not turns:
        raise ProviderInvalidInput("the conversation has no user or assistant message")
    body: dict[str, Any] = {"contents": turns, **tools_config(data)}
    if system:
        body["systemInstruction"] = {"parts": [{"text": "\n\n".join(system)}]}
    config = generation_config(data)
    if config:
        body["generationConfig"] = config
    return body


# --- response -------------------------------------------------------------------------------------


def _choice(candidate: dict[str, Any], position: int) -> dict[str, Any]:
    parts = (candidate.get("content") or {}).get("parts") or []
    texts = [p["text"] for p in parts if isinstance(p.get("text"), str) and not p.get("thought")]
    calls = [p["functionCall"] for p in parts if isinstance(p.get("functionCall"), dict)]
    tool_calls = [
        {
            "id": call.get("id") or f"call_{uuid.uuid4().hex[:24]}",
            "type": "function",
            "function": {"name": call.get("name"), "arguments": json.dumps(call.get("args") or {})},
        }
        for call in calls
    ]
    reason = str(candidate.get("finishReason") or "")
    finish: str | None = "tool_calls" if tool_calls else FINISH.get(reason, reason.lower() or None)
    return {
        "finish_reason": finish,
        "index": candidate.get("index", position),
        "message": {
            "content": "".join(texts) if texts else None,
            "role": "assistant",
            "tool_calls": tool_calls or None,
            "function_call": None,
        },
    }


def _modalities(details: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for d in details or []:
        if isinstance(d, dict) and isinstance(d.get("modality"), str):
            found[d["modality"]] = found.get(d["modality"], 0) + integer(d.get("tokenCount"))
    return found


def usage_counts(meta: dict[str, Any]) -> tuple[int, int]:
    """(prompt tokens, output tokens): tool-use prompts count as input, thinking as output."""
    prompt = integer(meta.get("promptTokenCount")) + integer(meta.get("toolUsePromptTokenCount"))
    output = integer(meta.get("candidatesTokenCount")) + integer(meta.get("thoughtsTokenCount"))
    return prompt, output


def chat_output(resp: dict[str, Any], model: str) -> dict[str, Any]:
    meta = resp.get("usageMetadata") or {}
    prompt, output = usage_counts(meta)
    modalities = _modalities(meta.get("promptTokensDetails"))
    thoughts = meta.get("thoughtsTokenCount")
    return {
        "id": resp.get("responseId") or f"chatcmpl-{uuid.uuid4().hex}",
        "created": int(time.time()),
        "model": resp.get("modelVersion") or model,
        "object": "chat.completion",
        "system_fingerprint": None,
        "choices": [_choice(c, i) for i, c in enumerate(resp.get("candidates") or [])],
        "provider_time": None,
        "edenai_time": None,
        "usage": {
            "completion_tokens": output,
            "prompt_tokens": prompt,
            "total_tokens": integer(meta.get("totalTokenCount"), prompt + output),
            "completion_tokens_details": {
                "accepted_prediction_tokens": None,
                "audio_tokens": None,
                "reasoning_tokens": integer(thoughts) if thoughts is not None else None,
                "rejected_prediction_tokens": None,
                "text_tokens": None,
            },
            "prompt_tokens_details": {
                "audio_tokens": modalities.get("AUDIO"),
                "cached_tokens": integer(meta.get("cachedContentTokenCount")),
                "text_tokens": modalities.get("TEXT"),
                "image_tokens": modalities.get("IMAGE"),
            },
        },
        "service_tier": None,
        "cost": None,
    }


def sse_events(body: bytes) -> list[dict[str, Any]]:
    """The JSON `data` of each server-sent event of a `streamGenerateContent?alt=sse` answer."""
    events: list[dict[str, Any]] = []
    data: list[str] = []
    for raw in [*body.split(b"\n"), b""]:
        line = raw.rstrip(b"\r").decode("utf-8", "replace")
        if not line:
            if data:
                text = "\n".join(data)
                data = []
                try:
                    event = json.loads(text)
                except ValueError:
                    raise ProviderBadResponse(
                        f"{VENDOR}: invalid JSON in the event stream: {text[:200]!r}"
                    ) from None
                if not isinstance(event, dict):
                    raise ProviderBadResponse(f"{VENDOR}: unexpected event in the stream: {text[:200]!r}")
                events.append(event)
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            if name == "data":
                data.append(value[1:] if value.startswith(" ") else value)
    return events


def merge_stream(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Put the chunks of a streamed answer back into the GenerateContentResponse a plain call returns:
    text parts are concatenated (thoughts apart from the answer), other parts (function calls) kept in
    order, and the last chunk's finishReason, safety ratings and usageMetadata win."""
    candidates: dict[int, dict[str, Any]] = {}
    merged: dict[str, Any] = {}
    for event in events:
        if isinstance(event.get("error"), dict):
            raise ProviderServerError(
                f"{VENDOR}: stream failed: {event['error'].get('message') or event['error']}"
            )
        for cand in event.get("candidates") or []:
            index = int(cand.get("index", 0))
            cur = candidates.setdefault(index, {"content": {"role": "model", "parts": []}, "index": index})
            parts: list[dict[str, Any]] = cur["content"]["parts"]
            for part in (cand.get("content") or {}).get("parts") or []:
                last = parts[-1] if parts else None
                if (
                    "text" in part
                    and last is not None
                    and "text" in last
                    and set(last) <= {"text", "thought"}
                    and set(part) <= {"text", "thought"}
                    and bool(last.get("thought")) == bool(part.get("thought"))
                ):
                    last["text"] += part["text"]
                else:
                    parts.append(dict(part))
            cur.update({k: v for k, v in cand.items() if k not in ("content", "index")})
        merged.update({k: v for k, v in event.items() if k != "candidates"})
    merged["candidates"] = [candidates[i] for i in sorted(candidates)]
    return merged


async def run_chat(input: Any, ctx: CallContext) -> ProviderResult:
    data = input.model_dump(mode="json", by_alias=True, exclude_none=True)
    body = await request_body(data, ctx)
    if data.get("stream"):
        result = await client.request(
            ctx,
            Api.GEMINI,
            "POST",
            f"/v1beta/models/{ctx.model}:streamGenerateContent",
            json_body=body,
            params={"alt": "sse"},
        )
        resp = merge_stream(sse_events(result.body))
    else:
        resp = await client.request_json(
            ctx, Api.GEMINI, "POST", f"/v1beta/models/{ctx.model}:generateContent", json_body=body
        )
    if not resp.get("candidates"):
        blocked = (resp.get("promptFeedback") or {}).get("blockReason")
        if blocked:
            raise ProviderInvalidInput(f"{VENDOR}: the prompt was blocked ({blocked})")
        raise ProviderBadResponse(f"{VENDOR}: the answer has no candidates")
    prompt, output = usage_counts(resp.get("usageMetadata") or {})
    suffix = ":long" if prompt > LONG_PROMPT.get(ctx.model, prompt) else ""
    usage = {f"token_in{suffix}": prompt, f"token_out{suffix}": output}
    return ProviderResult(output=chat_output(resp, ctx.model), raw=resp, usage=usage)


def offers() -> list[Offer]:
    return [
        Offer(
            subfeature="llm/chat",
            models=tuple(spec("llm/chat", m, f"Gemini {m}") for m in MODELS),
            default_model=MODELS[0],
            run=run_chat,
            notes="Gemini API v1beta generateContent (API key). Text, images (data: or http(s) URLs, sent "
            "inline), audio and base64 files; tools and tool choice; JSON mode and JSON schema. Thinking "
            "tokens are billed as output. `stream: true` uses streamGenerateContent (alt=sse); the "
            "chunks are consumed and returned whole.",
            unavailable_reason=needs_api_key,
        )
    ]
