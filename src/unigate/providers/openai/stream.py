"""Chat Completions streaming: the chunks (`object: "chat.completion.chunk"`, each with `choices[].delta`)
put back together into the completion a non-streaming call would have returned.

Reference: https://platform.openai.com/docs/api-reference/chat-streaming/streaming. With
`stream_options: {"include_usage": true}` the last chunk before `data: [DONE]` has empty `choices`
and the request's `usage`.
"""

from __future__ import annotations

from typing import Any

_HEAD_KEYS = ("id", "created", "model", "system_fingerprint", "service_tier")


class StreamAssembler:
    """Feed it chunks in order; `completion()` gives a `chat.completion` object."""

    def __init__(self) -> None:
        self.head: dict[str, Any] = {}
        self.usage: dict[str, Any] | None = None
        self.choices: dict[int, dict[str, Any]] = {}
        self.chunks = 0

    def add(self, chunk: dict[str, Any]) -> None:
        self.chunks += 1
        for key in _HEAD_KEYS:
            if chunk.get(key) is not None:
                self.head[key] = chunk[key]
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if isinstance(choice, dict):
                self._add_choice(choice)

    def _add_choice(self, choice: dict[str, Any]) -> None:
        index = int(choice.get("index") or 0)
        slot = self.choices.setdefault(
            index, {"index": index, "finish_reason": None, "message": {"role": "assistant", "content": None}}
        )
        message = slot["message"]
        delta = choice.get("delta") or {}
        if delta.get("role"):
            message["role"] = delta["role"]
        for key in ("content", "refusal"):
            if isinstance(delta.get(key), str):
                message[key] = (message.get(key) or "") + delta[key]
        for call in delta.get("tool_calls") or []:
            self._add_tool_call(message.setdefault("tool_calls", []), call)
        if isinstance(delta.get("function_call"), dict):
            fc = message.setdefault("function_call", {"name": None, "arguments": ""})
            _extend_function(fc, delta["function_call"])
        if choice.get("finish_reason"):
            slot["finish_reason"] = choice["finish_reason"]

    @staticmethod
    def _add_tool_call(calls: list[dict[str, Any]], delta: dict[str, Any]) -> None:
        # The first delta of a call carries its id, type and name; later ones add argument text.
        position = int(delta.get("index") or 0)
        while len(calls) <= position:
            calls.append({"id": None, "type": "function", "function": {"name": None, "arguments": ""}})
        call = calls[position]
        if delta.get("id"):
            call["id"] = delta["id"]
        if delta.get("type"):
            call["type"] = delta["type"]
        if isinstance(delta.get("function"), dict):
            _extend_function(call["function"], delta["function"])

    def completion(self) -> dict[str, Any]:
        return {
            **{key: self.head.get(key) for key in _HEAD_KEYS},
            "object": "chat.completion",
            "choices": [self.choices[i] for i in sorted(self.choices)],
            "usage": self.usage,
        }


def _extend_function(target: dict[str, Any], delta: dict[str, Any]) -> None:
    if delta.get("name"):
        target["name"] = delta["name"]
    if isinstance(delta.get("arguments"), str):
        target["arguments"] = (target.get("arguments") or "") + delta["arguments"]
