"""llm/chat through the Gemini API (v1beta generateContent) against a loopback fake.

Wire format: https://ai.google.dev/api/generate-content (GenerateContentRequest / Response,
UsageMetadata), https://ai.google.dev/api/caching#Content (Content, Part, FunctionCall,
FunctionResponse), https://ai.google.dev/gemini-api/docs/troubleshooting (error codes).
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pytest

from tests.providers.cloud.google_fixtures import API_KEY, assert_output, google_error, offer, png, run
from tests.providers.cloud.harness import FakeVendor, Recorded, serve
from unigate.providers.base import LoadedFile, ProviderResult
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
)

SOURCE = "https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse"


def path(model: str = "gemini-2.5-flash") -> str:
    return f"/v1beta/models/{model}:generateContent"


def answer(parts: list[dict[str, Any]], finish: str = "STOP", **usage: int) -> dict[str, Any]:
    meta = {
        "promptTokenCount": 12,
        "candidatesTokenCount": 7,
        "totalTokenCount": 45,
        "thoughtsTokenCount": 26,
    }
    meta.update(usage)
    return {
        "candidates": [
            {
                "content": {"parts": parts, "role": "model"},
                "finishReason": finish,
                "index": 0,
                "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}],
            }
        ],
        "usageMetadata": {
            **meta,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": meta["promptTokenCount"]}],
        },
        "modelVersion": "gemini-2.5-flash",
        "responseId": "mP4xaK-AJ8nV7M8Pz4qZuQ4",
    }


async def chat(
    input: dict[str, Any], reply: Any, model: str = "gemini-2.5-flash", **kw: Any
) -> tuple[ProviderResult, dict[str, Any]]:
    fake = FakeVendor()
    fake.on("POST", path(model), reply, source=SOURCE)
    async with serve(fake):
        result = await run("llm/chat", input, fake, model=model, **kw)
    rec = fake.calls("POST", path(model))[0]
    assert rec.headers["x-goog-api-key"] == API_KEY and "key" not in rec.query
    body: dict[str, Any] = rec.json()
    return result, body


async def test_chat_with_system_and_parameters() -> None:
    input = {
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Name three primary colours."},
            {"role": "assistant", "content": "Which model of colour?"},
            {"role": "user", "content": [{"type": "text", "text": "Painting."}]},
        ],
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 100,
        "stop": "END",
        "seed": 7,
    }
    thought = {"text": "The user wants the RYB model.", "thought": True}
    result, body = await chat(input, (200, answer([thought, {"text": "Red, yellow and blue."}])))
    assert body == {
        "contents": [
            {"role": "user", "parts": [{"text": "Name three primary colours."}]},
            {"role": "model", "parts": [{"text": "Which model of colour?"}]},
            {"role": "user", "parts": [{"text": "Painting."}]},
        ],
        "systemInstruction": {"parts": [{"text": "You are terse."}]},
        "generationConfig": {
            "temperature": 0.2,
            "topP": 0.9,
            "maxOutputTokens": 100,
            "seed": 7,
            "stopSequences": ["END"],
        },
    }
    out = assert_output(result.output, "llm/chat")
    choice = out["choices"][0]
    assert choice["message"] == {
        "content": "Red, yellow and blue.",
        "role": "assistant",
        "tool_calls": None,
        "function_call": None,
    }
    assert choice["finish_reason"] == "stop"
    assert (
        out["id"] == "mP4xaK-AJ8nV7M8Pz4qZuQ4"
        and out["model"] == "gemini-2.5-flash"
        and out["object"] == "chat.completion"
    )
    usage = out["usage"]
    assert (usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"]) == (12, 33, 45)
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 26
    assert usage["prompt_tokens_details"]["text_tokens"] == 12
    # Thinking tokens are billed as output tokens.
    assert result.usage == {"token_in": 12, "token_out": 33}


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


async def test_tools_history_and_tool_calls() -> None:
    input = {
        "messages": [
            {"role": "user", "content": "Weather in Paris and Lyon?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c": 18}'},
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        ],
        "tools": [WEATHER],
        "tool_choice": "required",
    }
    call = {"functionCall": {"name": "get_weather", "args": {"city": "Lyon"}}}
    result, body = await chat(input, (200, answer([call])))
    assert body["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": "Current weather in a city.",
                    "parametersJsonSchema": WEATHER["function"]["parameters"],  # type: ignore[index]
                }
            ]
        }
    ]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
    model_turn, results_turn = body["contents"][1], body["contents"][2]
    assert model_turn == {
        "role": "model",
        "parts": [{"functionCall": {"id": "call_1", "name": "get_weather", "args": {"city": "Paris"}}}],
    }
    # Consecutive tool results are one user turn; JSON objects pass through, other text is wrapped.
    assert results_turn["role"] == "user"
    assert [p["functionResponse"]["response"] for p in results_turn["parts"]] == [
        {"temp_c": 18},
        {"result": "sunny"},
    ]
    assert results_turn["parts"][0]["functionResponse"]["name"] == "get_weather"
    out = assert_output(result.output, "llm/chat")
    choice = out["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    tool_call = choice["message"]["tool_calls"][0]
    assert tool_call["type"] == "function" and tool_call["id"].startswith("call_")
    assert tool_call["function"] == {"name": "get_weather", "arguments": json.dumps({"city": "Lyon"})}


async def test_named_tool_choice_and_json_schema() -> None:
    input = {
        "messages": [{"role": "user", "content": "Paris?"}],
        "tools": [WEATHER],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "answer",
                "schema": {"type": "object", "properties": {"ok": {"type": "boolean"}}},
            },
        },
    }
    _, body = await chat(input, (200, answer([{"text": '{"ok": true}'}])))
    assert body["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}
    }
    assert body["generationConfig"] == {
        "responseMimeType": "application/json",
        "responseJsonSchema": {"type": "object", "properties": {"ok": {"type": "boolean"}}},
    }


async def test_images_are_sent_inline() -> None:
    picture = png(4, 4)
    data_url = "data:image/png;base64," + base64.b64encode(picture).decode()
    url = "https://example.com/cat.jpg"
    input = {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Compare"},
                    {"type": "image_url", "image_url": {"url": data_url}},
                    {"type": "image_url", "image_url": {"url": url}},
                ],
            }
        ]
    }
    files = {url: LoadedFile(b"\xff\xd8\xff jpeg", "image/jpeg", "cat.jpg")}
    _, body = await chat(input, (200, answer([{"text": "Both are cats."}])), files=files)
    parts = body["contents"][0]["parts"]
    assert parts[1] == {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(picture).decode()}}
    assert parts[2] == {
        "inlineData": {"mimeType": "image/jpeg", "data": base64.b64encode(b"\xff\xd8\xff jpeg").decode()}
    }


async def test_long_prompts_of_2_5_pro_use_the_long_prices() -> None:
    input = {"messages": [{"role": "user", "content": "Summarise this book."}]}
    reply = answer(
        [{"text": "..."}],
        promptTokenCount=250_000,
        candidatesTokenCount=900,
        thoughtsTokenCount=100,
        totalTokenCount=251_000,
    )
    result, _ = await chat(input, (200, reply), model="gemini-2.5-pro")
    assert result.usage == {"token_in:long": 250_000, "token_out:long": 1000}


async def test_max_tokens_and_safety_finish_reasons() -> None:
    input = {"messages": [{"role": "user", "content": "Hi"}]}
    result, _ = await chat(input, (200, answer([{"text": "Hel"}], finish="MAX_TOKENS")))
    assert result.output["choices"][0]["finish_reason"] == "length"  # type: ignore[index]
    result, _ = await chat(input, (200, answer([], finish="SAFETY")))
    choice = assert_output(result.output, "llm/chat")["choices"][0]
    assert choice["finish_reason"] == "content_filter" and choice["message"]["content"] is None


def test_gemini_needs_an_api_key() -> None:
    check = offer("llm/chat").unavailable_reason
    assert check is not None
    assert "GOOGLE_API_KEY" in (check({"GOOGLE_APPLICATION_CREDENTIALS": "/sa.json"}) or "")
    assert check({"GOOGLE_API_KEY": "k"}) is None


# --- errors ---------------------------------------------------------------------------------------


async def _fail(reply: Any, timeout_s: float = 10.0) -> Exception:
    with pytest.raises(Exception) as info:
        await chat({"messages": [{"role": "user", "content": "Hi"}]}, reply, timeout_s=timeout_s)
    return info.value


async def test_errors() -> None:
    bad_key = google_error(
        400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT", "API_KEY_INVALID"
    )
    assert isinstance(await _fail((400, bad_key)), ProviderAuthError)
    quota = google_error(429, "You exceeded your current quota.", "RESOURCE_EXHAUSTED")
    quota["error"]["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}]
    limited = await _fail((429, quota))
    assert isinstance(limited, ProviderRateLimited) and limited.retry_after == 37.0
    missing = google_error(404, "models/gemini-9 is not found for API version v1beta.", "NOT_FOUND")
    assert isinstance(await _fail((404, missing)), ProviderInvalidInput)
    overloaded = google_error(503, "The model is overloaded. Please try again later.", "UNAVAILABLE")
    assert isinstance(await _fail((503, overloaded)), ProviderServerError)
    blocked = {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 5}}
    assert isinstance(await _fail((200, blocked)), ProviderInvalidInput)
    assert isinstance(await _fail((200, "data: {}")), ProviderBadResponse)


async def test_timeout() -> None:
    async def slow(_: Recorded) -> tuple[int, Any]:
        await asyncio.sleep(0.6)
        return 200, answer([{"text": "late"}])

    assert isinstance(await _fail(slow, timeout_s=0.1), ProviderTimeout)


def sse(*events: dict[str, Any]) -> str:
    return "".join(f"data: {json.dumps(e)}\r\n\r\n" for e in events)


async def test_stream_uses_stream_generate_content_with_sse() -> None:
    """`stream: true` goes to :streamGenerateContent?alt=sse; the chunks come back as one answer.
    Wire format: https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent."""
    chunk = answer([{"text": "Think.", "thought": True}], finish="")
    del chunk["candidates"][0]["finishReason"]
    chunk["usageMetadata"] = {"promptTokenCount": 12}
    second = answer([{"text": "Red, "}], finish="")
    del second["candidates"][0]["finishReason"]
    last = answer([{"text": "yellow and blue."}, {"functionCall": {"name": "f", "args": {"a": 1}}}])
    stream_path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    fake = FakeVendor()
    fake.on(
        "POST",
        stream_path,
        (200, sse(chunk, second, last), {"Content-Type": "text/event-stream"}),
        source="https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent",
    )
    input = {"messages": [{"role": "user", "content": "Colours?"}], "stream": True}
    async with serve(fake):
        result = await run("llm/chat", input, fake, model="gemini-2.5-flash")
    [rec] = fake.calls("POST", stream_path)
    assert rec.query.get("alt") == "sse" and "stream" not in rec.json()
    parts = result.raw["candidates"][0]["content"]["parts"]
    assert parts == [
        {"text": "Think.", "thought": True},
        {"text": "Red, yellow and blue."},
        {"functionCall": {"name": "f", "args": {"a": 1}}},
    ]
    assert result.raw["candidates"][0]["finishReason"] == "STOP"
    assert result.output["choices"][0]["message"]["content"] == "Red, yellow and blue."
    assert result.usage == {"token_in": 12, "token_out": 33}


async def test_stream_errors() -> None:
    fake = FakeVendor()
    stream_path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    fake.on(
        "POST", stream_path, (200, "data: {not json}\n\n"), (200, sse({"error": {"message": "overloaded"}}))
    )
    input = {"messages": [{"role": "user", "content": "Hi"}], "stream": True}
    async with serve(fake):
        with pytest.raises(ProviderBadResponse):
            await run("llm/chat", input, fake, model="gemini-2.5-flash")
        with pytest.raises(ProviderServerError, match="overloaded"):
            await run("llm/chat", input, fake, model="gemini-2.5-flash")
