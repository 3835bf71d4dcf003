"""One sync request through the whole gateway (engine, validation, pricing, envelope) to a fake OpenAI
configured through the environment, and one to an OpenAI-compatible server named in
UNIGATE_OPENAI_COMPATIBLE."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.providers.cloud.harness import FakeVendor, serve
from tests.providers.cloud.openai_fixtures import wire
from tests.providers.cloud.openai_fixtures.support import API_KEY
from unigate.gateway import Gateway
from unigate.providers.openai import providers
from unigate.providers.registry import ProviderRegistry
from unigate.settings import Settings


async def test_llm_chat_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", "/v1/chat/completions", (200, wire.completion()), source=wire.CHAT_DOC)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", vendor.base_url + "/v1")
        monkeypatch.delenv("UNIGATE_OPENAI_COMPATIBLE", raising=False)
        registry = ProviderRegistry(list(providers()))
        async with Gateway(Settings(data_dir=tmp_path / "data"), registry=registry) as gw:
            body = await gw.arun(
                "llm/chat/openai/gpt-4o-mini",
                {"messages": [{"role": "user", "content": "Hello"}]},
                show_original_response=True,
            )
    assert body["status"] == "success", body
    assert (body["provider"], body["model"]) == ("openai", "gpt-4o-mini")
    assert body["output"]["choices"][0]["message"]["content"].startswith("Hello!")
    # 19 prompt tokens at $0.15 and 10 completion tokens at $0.60 per 1M.
    assert body["cost"] == "0.00000885"
    assert body["original_response"]["id"] == "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"
    assert API_KEY not in json.dumps(body)
    [req] = vendor.calls("POST", "/v1/chat/completions")
    assert req.json()["model"] == "gpt-4o-mini"


async def test_compatible_server_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", "/v1/chat/completions", (200, wire.completion('{"summary": "Short."}')))
        servers = [{"name": "ollama", "base_url": "http://127.0.0.1:1/v1", "base_url_env": "OLLAMA_BASE_URL",
                    "api_key_env": "OLLAMA_API_KEY", "models": ["llama3.2", "qwen3"]}]  # fmt: skip
        monkeypatch.setenv("UNIGATE_OPENAI_COMPATIBLE", json.dumps(servers))
        monkeypatch.setenv("OLLAMA_BASE_URL", vendor.base_url + "/v1")
        monkeypatch.setenv("OLLAMA_API_KEY", "ollama-key")
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        registry = ProviderRegistry(list(providers()))
        assert set(registry.providers) == {"openai", "ollama"}
        async with Gateway(Settings(data_dir=tmp_path / "data"), registry=registry) as gw:
            body = await gw.arun("text/summarize/ollama", {"text": "A long text about gateways."})
            unavailable = await gw.arun("text/summarize/openai", {"text": "A long text about gateways."})
    assert body["status"] == "success", body
    assert body["output"] == {"result": "Short."}
    assert (body["model"], body["cost"]) == ("llama3.2", "0.000")
    [req] = vendor.calls("POST", "/v1/chat/completions")
    assert req.headers["Authorization"] == "Bearer ollama-key"
    assert unavailable["status"] == "fail"
    assert unavailable["error"]["error_code"] == "provider_unavailable"
    assert "OPENAI_API_KEY" in unavailable["error"]["message"]


def _wav(path: Path) -> Path:
    import wave

    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\x00\x00" * 1600)
    return path


async def test_speech_to_text_async_job_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    verbose = {
        "task": "transcribe",
        "language": "english",
        "duration": 8.47,
        "text": "The beach was a popular spot.",
        "words": [{"word": "The", "start": 0.0, "end": 0.24}, {"word": "beach", "start": 0.24, "end": 0.6}],
    }
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", "/v1/audio/transcriptions", (200, verbose))
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", vendor.base_url + "/v1")
        registry = ProviderRegistry(list(providers({})))
        async with Gateway(Settings(data_dir=tmp_path / "data"), registry=registry) as gw:
            body = await gw.arun(
                "audio/speech_to_text_async/openai",
                {"file": str(_wav(tmp_path / "talk.wav")), "language": "en"},
            )
    assert body["status"] == "success", body
    assert body["output"]["text"] == "The beach was a popular spot."
    assert len(body["output"]["diarization"]["entries"]) == 2
    # 8.47 s billed as 9 whole seconds at $0.006 per minute.
    assert body["cost"] == "0.0009"
    [req] = vendor.calls("POST", "/v1/audio/transcriptions")
    assert b'filename="audio.wav"' in req.body
