"""OpenAI's wire format, as its API reference documents it.

Sources:
- chat completion object, tool calls: https://platform.openai.com/docs/api-reference/chat/object
- streaming chunks: https://platform.openai.com/docs/api-reference/chat-streaming/streaming
- error bodies and codes: https://platform.openai.com/docs/guides/error-codes
"""

from __future__ import annotations

from typing import Any

from .support import API_KEY

CHAT_DOC = "https://platform.openai.com/docs/api-reference/chat/object"
STREAM_DOC = "https://platform.openai.com/docs/api-reference/chat-streaming/streaming"
ERRORS_DOC = "https://platform.openai.com/docs/guides/error-codes"

USAGE: dict[str, Any] = {
    "prompt_tokens": 19,
    "completion_tokens": 10,
    "total_tokens": 29,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {
        "reasoning_tokens": 0,
        "audio_tokens": 0,
        "accepted_prediction_tokens": 0,
        "rejected_prediction_tokens": 0,
    },
}


def completion(content: str | None = "Hello! How can I assist you today?", **message: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1741569952,
        "model": "gpt-4.1-mini-2025-04-14",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": content,
                    "refusal": None,
                    "annotations": [],
                    **message,
                },
                "logprobs": None,
                "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
            }
        ],
        "usage": USAGE,
        "service_tier": "default",
        "system_fingerprint": "fp_b376dfbbd5",
    }


TOOL_CALL = {
    "id": "call_abc123",
    "type": "function",
    "function": {"name": "get_current_weather", "arguments": '{\n"location": "Boston, MA"\n}'},
}


def chunk(delta: dict[str, Any], finish: str | None = None, index: int = 0) -> dict[str, Any]:
    return {
        "id": "chatcmpl-123",
        "object": "chat.completion.chunk",
        "created": 1694268190,
        "model": "gpt-4o-mini-2024-07-18",
        "system_fingerprint": "fp_44709d6fcb",
        "choices": [{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}],
        "usage": None,
    }


USAGE_CHUNK = {
    "id": "chatcmpl-123",
    "object": "chat.completion.chunk",
    "created": 1694268190,
    "model": "gpt-4o-mini-2024-07-18",
    "system_fingerprint": "fp_44709d6fcb",
    "choices": [],
    "usage": {**USAGE, "prompt_tokens_details": {"cached_tokens": 4, "audio_tokens": 0}},
}


def error(message: str, type_: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


INVALID_KEY = error(
    f"Incorrect API key provided: {API_KEY}. You can find your API key at "
    "https://platform.openai.com/account/api-keys.",
    "invalid_request_error",
    "invalid_api_key",
)
REGION = error(
    "Country, region, or territory not supported", "request_forbidden", "unsupported_country_region_territory"
)
RATE_LIMIT = error(
    "Rate limit reached for gpt-4.1-mini in organization org-123 on requests per min (RPM): Limit 3, Used 3, "
    "Requested 1. Please try again in 20s.",
    "requests",
    "rate_limit_exceeded",
)
QUOTA = error(
    "You exceeded your current quota, please check your plan and billing details.",
    "insufficient_quota",
    "insufficient_quota",
)
CONTEXT = error(
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
    "invalid_request_error",
    "context_length_exceeded",
    "messages",
)
SERVER = error("The server had an error while processing your request. Sorry about that!", "server_error")
OVERLOADED = error("The engine is currently overloaded, please try again later.", "server_error")
