"""llm/chat and text/chat against a fake speaking OpenAI's Chat Completions wire format (fixtures in
openai_fixtures/wire.py follow https://platform.openai.com/docs/api-reference/chat)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.providers.cloud.harness import FakeVendor, Recorded, context, serve
from tests.providers.cloud.openai_fixtures import wire
from tests.providers.cloud.openai_fixtures.support import (
    API_KEY,
    SSE_HEADERS,
    assert_output,
    creds,
    inp,
    offer,
    sse,
)
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
)
from unigate.providers.openai import CompatibleProvider, stream_chat
from unigate.providers.openai.config import parse_server

PATH = "/v1/chat/completions"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Weather in a city",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
    },
}


async def run(subfeature: str, data: dict[str, Any], vendor: FakeVendor, **ctx_kw: Any) -> Any:
    o = offer(subfeature, ctx_kw.pop("provider_obj", None))
    assert o.run is not None
    ctx_kw.setdefault("model", "gpt-4.1-mini")
    ctx_kw.setdefault("provider", "openai")
    credentials = ctx_kw.pop("credentials", None) or creds(vendor.base_url)
    async with context(credentials, **ctx_kw) as ctx:
        return await o.run(inp(subfeature, data), ctx)


async def test_llm_chat_request_and_output() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, wire.completion()), source=wire.CHAT_DOC)
        result = await run(
            "llm/chat",
            {
                "messages": [
                    {"role": "system", "content": "You are terse."},
                    {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
                ],
                "temperature": 0.2,
                "max_tokens": 50,
                "stop_sequences": ["END"],
                "tools": [WEATHER_TOOL],
                "tool_choice": "auto",
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "reply", "schema": {"type": "object"}, "strict": True},
                },
            },
            vendor,
            provider_params={"reasoning_effort": "low", "model": "not-this-one"},
        )
    [req] = vendor.calls("POST", PATH)
    assert req.headers["Authorization"] == f"Bearer {API_KEY}"
    assert req.query == {}
    body = req.json()
    assert body["model"] == "gpt-4.1-mini"
    assert body["messages"][1] == {"role": "user", "content": [{"type": "text", "text": "Hi"}]}
    assert body["max_completion_tokens"] == 50 and "max_tokens" not in body
    assert body["stop"] == ["END"] and "stop_sequences" not in body
    assert body["tools"] == [WEATHER_TOOL] and body["tool_choice"] == "auto"
    assert body["response_format"]["json_schema"]["schema"] == {"type": "object"}
    assert body["reasoning_effort"] == "low"
    assert "stream" not in body and "stream_options" not in body
    out = assert_output(result, "llm/chat")
    assert out["choices"][0]["message"] == {
        "content": "Hello! How can I assist you today?",
        "role": "assistant",
        "tool_calls": None,
        "function_call": None,
    }
    assert out["usage"]["prompt_tokens"] == 19 and out["cost"] is None
    assert isinstance(out["provider_time"], int)
    assert result.usage == {"token_in": 19, "token_out": 10}


async def test_llm_chat_tool_call_output() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on(
            "POST", PATH, (200, wire.completion(None, tool_calls=[wire.TOOL_CALL])), source=wire.CHAT_DOC
        )
        result = await run("llm/chat", {"messages": [{"role": "user", "content": "Weather?"}]}, vendor)
    out = assert_output(result, "llm/chat")
    choice = out["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["tool_calls"] == [wire.TOOL_CALL]


def _stream_body() -> bytes:
    return sse(
        wire.chunk({"role": "assistant", "content": ""}),
        wire.chunk({"content": "Hello"}),
        wire.chunk({"content": " there"}),
        wire.chunk({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                    "function": {"name": "get_current_weather", "arguments": ""}}]}),
        wire.chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"location":'}}]}),
        wire.chunk({"tool_calls": [{"index": 0, "function": {"arguments": ' "Paris"}'}}]}),
        wire.chunk({}, finish="tool_calls"),
        wire.USAGE_CHUNK,
    )  # fmt: skip


async def test_llm_chat_stream_is_consumed_and_assembled() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, _stream_body(), SSE_HEADERS), source=wire.STREAM_DOC)
        result = await run(
            "llm/chat", {"messages": [{"role": "user", "content": "Hi"}], "stream": True}, vendor
        )
    body = vendor.calls("POST", PATH)[0].json()
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    out = assert_output(result, "llm/chat")
    message = out["choices"][0]["message"]
    assert message["content"] == "Hello there"
    assert message["tool_calls"] == [
        {"id": "call_1", "type": "function",
         "function": {"name": "get_current_weather", "arguments": '{"location": "Paris"}'}}
    ]  # fmt: skip
    assert out["choices"][0]["finish_reason"] == "tool_calls"
    assert out["id"] == "chatcmpl-123" and out["object"] == "chat.completion"
    # 19 prompt tokens of which 4 were cached: billed at their own price.
    assert result.usage == {"token_in": 15, "token_in:cached": 4, "token_out": 10}


async def test_stream_chat_yields_openai_chunks() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, _stream_body(), SSE_HEADERS), source=wire.STREAM_DOC)
        async with context(creds(vendor.base_url), model="gpt-4o-mini", provider="openai") as ctx:
            chunks = [c async for c in stream_chat({"messages": [{"role": "user", "content": "Hi"}]}, ctx)]
    assert [c["object"] for c in chunks] == ["chat.completion.chunk"] * 8
    assert chunks[1]["choices"][0]["delta"] == {"content": "Hello"}
    assert chunks[-1]["usage"]["total_tokens"] == 29
    body = vendor.calls("POST", PATH)[0].json()
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["model"] == "gpt-4o-mini"


async def test_stream_chat_stops_cleanly_when_the_consumer_stops() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, _stream_body(), SSE_HEADERS), source=wire.STREAM_DOC)
        async with context(creds(vendor.base_url), model="gpt-4o-mini", provider="openai") as ctx:
            stream = stream_chat({"messages": [{"role": "user", "content": "Hi"}]}, ctx)
            first = await anext(stream)
            await stream.aclose()
    assert first["choices"][0]["delta"]["role"] == "assistant"


async def test_text_chat_request_and_output() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on(
            "POST", PATH, (200, wire.completion(None, tool_calls=[wire.TOOL_CALL])), source=wire.CHAT_DOC
        )
        result = await run(
            "text/chat",
            {
                "text": "Weather in Boston?",
                "chatbot_global_action": "You are a weather bot.",
                "previous_history": [
                    {"role": "user", "message": "Hello"},
                    {"role": "assistant", "message": "Hi! Ask me about the weather."},
                ],
                "temperature": 0.1,
                "max_tokens": 100,
                "available_tools": [
                    {"name": "get_current_weather", "description": "Weather in a city",
                     "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}}
                ],
                "tool_choice": "required",
            },
            vendor,
        )  # fmt: skip
    body = vendor.calls("POST", PATH)[0].json()
    assert body["messages"] == [
        {"role": "system", "content": "You are a weather bot."},
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi! Ask me about the weather."},
        {"role": "user", "content": "Weather in Boston?"},
    ]
    assert body["tools"] == [WEATHER_TOOL] and body["tool_choice"] == "required"
    assert body["temperature"] == 0.1 and body["max_completion_tokens"] == 100
    out = assert_output(result, "text/chat")
    assert out["generated_text"] is None
    assert out["message"][0]["tools"][0]["name"] == "get_current_weather"
    assert out["message"][1]["tool_calls"] == [
        {"id": "call_abc123", "name": "get_current_weather", "arguments": '{\n"location": "Boston, MA"\n}'}
    ]
    assert result.usage == {"token_in": 19, "token_out": 10}


async def test_text_chat_plain_answer_and_tool_results() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, wire.completion("It is 12°C in Boston.")), source=wire.CHAT_DOC)
        result = await run(
            "text/chat",
            {"text": "And now?", "tool_results": [{"id": "call_abc123", "result": '{"temp": 12}'}]},
            vendor,
        )
    messages = vendor.calls("POST", PATH)[0].json()["messages"]
    assert messages[-1]["role"] == "user" and 'call_abc123: {"temp": 12}' in messages[-1]["content"]
    out = assert_output(result, "text/chat")
    assert out["generated_text"] == "It is 12°C in Boston."
    assert out["message"][1] == {
        "role": "assistant", "message": "It is 12°C in Boston.", "tools": None, "tool_calls": None
    }  # fmt: skip


async def test_text_chat_stream() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, _stream_body(), SSE_HEADERS), source=wire.STREAM_DOC)
        result = await run("text/chat", {"text": "Hi", "stream": True}, vendor)
    out = assert_output(result, "text/chat")
    assert out["generated_text"] == "Hello there"
    assert out["message"][1]["tool_calls"][0]["arguments"] == '{"location": "Paris"}'


# ---------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "transient"),
    [
        (401, wire.INVALID_KEY, {}, ProviderAuthError, False),
        (403, wire.REGION, {}, ProviderAuthError, False),
        (429, wire.RATE_LIMIT, {"Retry-After": "20"}, ProviderRateLimited, True),
        (400, wire.CONTEXT, {}, ProviderInvalidInput, False),
        (500, wire.SERVER, {}, ProviderServerError, True),
        (503, wire.OVERLOADED, {}, ProviderServerError, True),
    ],
)
async def test_errors_are_typed(
    status: int, body: dict[str, Any], headers: dict[str, str], error: type[ProviderError], transient: bool
) -> None:
    for stream in (False, True):
        async with serve(FakeVendor()) as vendor:
            vendor.on("POST", PATH, (status, body, headers), source=wire.ERRORS_DOC)
            with pytest.raises(error) as caught:
                await run(
                    "llm/chat", {"messages": [{"role": "user", "content": "Hi"}], "stream": stream}, vendor
                )
        assert type(caught.value) is error
        assert caught.value.transient is transient and caught.value.status == status
        assert API_KEY not in str(caught.value) and caught.value.message.startswith("openai: ")
        if status == 429:
            assert caught.value.retry_after == 20.0


async def test_insufficient_quota_is_not_retried() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (429, wire.QUOTA), source=wire.ERRORS_DOC)
        with pytest.raises(ProviderError) as caught:
            await run("llm/chat", {"messages": [{"role": "user", "content": "Hi"}]}, vendor)
    assert not caught.value.transient and "quota" in caught.value.message


async def test_invalid_json_and_wrong_shape_are_bad_responses() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, "<html>gateway</html>"), (200, {"id": "x"}))
        for _ in range(2):
            with pytest.raises(ProviderBadResponse):
                await run("llm/chat", {"messages": [{"role": "user", "content": "Hi"}]}, vendor)
        vendor.on("POST", PATH, (200, b"data: {not json}\n\n", SSE_HEADERS))
        with pytest.raises(ProviderBadResponse):
            await run("llm/chat", {"messages": [{"role": "user", "content": "Hi"}], "stream": True}, vendor)


async def test_error_event_inside_a_stream() -> None:
    body = sse(wire.chunk({"role": "assistant", "content": "He"}), wire.OVERLOADED)
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, body, SSE_HEADERS), source=wire.STREAM_DOC)
        with pytest.raises(ProviderServerError, match="overloaded"):
            await run("llm/chat", {"messages": [{"role": "user", "content": "Hi"}], "stream": True}, vendor)


async def test_timeout_with_a_slow_vendor() -> None:
    async def slow(_: Recorded) -> tuple[int, Any]:
        await asyncio.sleep(0.6)
        return 200, wire.completion()

    for stream in (False, True):
        async with serve(FakeVendor()) as vendor:
            vendor.on("POST", PATH, slow)
            with pytest.raises(ProviderTimeout):
                await run(
                    "llm/chat",
                    {"messages": [{"role": "user", "content": "Hi"}], "stream": stream},
                    vendor,
                    timeout_s=0.1,
                )


# ---------------------------------------------------------------------- other servers


async def test_azure_openai_uses_api_key_header_and_api_version() -> None:
    async with serve(FakeVendor()) as vendor:
        server = parse_server(
            {
                "name": "azure-openai",
                "base_url": f"{vendor.base_url}/openai/deployments/DEP",
                "api_key_env": "AZURE_OPENAI_API_KEY",
                "auth": "api-key",
                "api_version": "2024-10-21",
                "models": ["gpt-4o-mini"],
            }
        )
        provider = CompatibleProvider(server)
        path = "/openai/deployments/DEP/chat/completions"
        vendor.on(
            "POST",
            path,
            (200, wire.completion()),
            source="https://learn.microsoft.com/en-us/azure/ai-services/openai/reference",
        )
        env = {"AZURE_OPENAI_API_KEY": "azure-secret-key"}
        assert provider.unavailable_reason({}) == "AZURE_OPENAI_API_KEY is not set"
        assert provider.unavailable_reason(env) is None
        result = await run(
            "text/chat",
            {"text": "Hi", "max_tokens": 20},
            vendor,
            provider_obj=provider,
            provider="azure-openai",
            model="gpt-4o-mini",
            credentials=provider.credentials(env),
        )
    [req] = vendor.calls("POST", path)
    assert req.headers["api-key"] == "azure-secret-key" and "Authorization" not in req.headers
    assert req.query == {"api-version": "2024-10-21"}
    assert req.json()["max_tokens"] == 20 and "max_completion_tokens" not in req.json()
    assert assert_output(result, "text/chat")["generated_text"].startswith("Hello")


async def test_keyless_local_server_and_openai_headers() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, wire.completion()))
        provider = CompatibleProvider(
            parse_server({"name": "ollama", "base_url": f"{vendor.base_url}/v1", "models": ["llama3.2"]})
        )
        assert provider.unavailable_reason({}) is None
        await run("text/chat", {"text": "Hi"}, vendor, provider_obj=provider, provider="ollama",
                  model="llama3.2", credentials=provider.credentials({}))  # fmt: skip
        await run("text/chat", {"text": "Hi"}, vendor,
                  credentials=creds(vendor.base_url, organization="org-1", project="proj_1"))  # fmt: skip
    keyless, first_party = vendor.calls("POST", PATH)
    assert "Authorization" not in keyless.headers and keyless.json()["model"] == "llama3.2"
    assert first_party.headers["OpenAI-Organization"] == "org-1"
    assert first_party.headers["OpenAI-Project"] == "proj_1"


async def test_event_stream_variants() -> None:
    """CRLF line ends, comments (keep-alives), `data:` without a space, no final [DONE] (some
    compatible servers just close): https://html.spec.whatwg.org/multipage/server-sent-events.html"""
    import json

    first = json.dumps(wire.chunk({"role": "assistant", "content": "Bon"}))
    second = json.dumps(wire.chunk({"content": "jour"}, finish="stop"))
    body = f": keep-alive\r\n\r\ndata: {first}\r\n\r\ndata:{second}\r\n\r\n".encode()
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, body, SSE_HEADERS))
        result = await run(
            "llm/chat", {"messages": [{"role": "user", "content": "Hi"}], "stream": True}, vendor
        )
    out = assert_output(result, "llm/chat")
    assert out["choices"][0]["message"]["content"] == "Bonjour"
    assert result.usage == {}  # no usage chunk: nothing to bill
