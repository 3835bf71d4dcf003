"""The `providers()` entry point: OpenAI plus the servers of UNIGATE_OPENAI_COMPATIBLE, credentials and
availability from the environment, and bad configuration entries skipped rather than fatal."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from unigate.providers.base import Provider
from unigate.providers.openai import CompatibleProvider, OpenAIProvider, providers
from unigate.providers.openai.config import parse_server
from unigate.providers.registry import load_by_path

OLLAMA = {"name": "ollama", "base_url": "http://127.0.0.1:11434/v1", "api_key_env": "OLLAMA_API_KEY",
          "models": ["llama3.2"]}  # fmt: skip
AZURE = {
    "name": "azure-openai",
    "base_url": "https://res.openai.azure.com/openai/deployments/dep",
    "api_key_env": "AZURE_OPENAI_API_KEY",
    "auth": "api-key",
    "api_version": "2024-10-21",
    "models": ["gpt-4o-mini"],
}


def test_openai_alone_by_default() -> None:
    [openai] = providers({})
    assert isinstance(openai, OpenAIProvider) and isinstance(openai, Provider)
    assert openai.unavailable_reason({}) == "OPENAI_API_KEY is not set"
    assert openai.unavailable_reason({"OPENAI_API_KEY": "sk-x"}) is None
    assert openai.credentials({"OPENAI_API_KEY": "sk-x"}) == {
        "api_key": "sk-x",
        "base_url": "https://api.openai.com/v1",
    }
    env = {"OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": "http://proxy/v1", "OPENAI_ORGANIZATION": "org-1"}
    assert openai.credentials(env) == {
        "api_key": "sk-x",
        "base_url": "http://proxy/v1",
        "organization": "org-1",
    }


def test_offers_of_openai() -> None:
    offers = {o.subfeature: o for o in OpenAIProvider().offers()}
    assert set(offers) == {
        "llm/chat", "text/chat", "text/embeddings", "text/moderation", "image/explicit_content",
        "translation/automatic_translation", "translation/language_detection", "text/sentiment_analysis",
        "text/named_entity_recognition", "text/keyword_extraction", "text/summarize", "text/spell_check",
        "text/anonymization", "text/topic_extraction", "image/generation", "image/question_answer",
        "audio/text_to_speech", "audio/tts", "audio/speech_to_text_async",
    }  # fmt: skip
    for offer in offers.values():
        assert offer.compute == "io" and offer.run is not None and offer.notes
        assert all(m.prices for m in offer.models), offer.subfeature  # every OpenAI model is priced


def test_compatible_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIGATE_OPENAI_COMPATIBLE", json.dumps([OLLAMA, AZURE]))
    _, ollama, azure = providers()
    assert isinstance(ollama, CompatibleProvider) and isinstance(azure, CompatibleProvider)
    assert (ollama.name, azure.name) == ("ollama", "azure-openai")
    assert ollama.unavailable_reason({}) == "OLLAMA_API_KEY is not set"
    assert azure.credentials({"AZURE_OPENAI_API_KEY": "k"}) == {
        "api_key": "k",
        "base_url": AZURE["base_url"],
        "auth": "api-key",
        "api_version": "2024-10-21",
    }
    subfeatures = {o.subfeature for o in ollama.offers()}
    assert (
        "llm/chat" in subfeatures
        and "text/summarize" in subfeatures
        and "image/question_answer" in subfeatures
    )
    assert "audio/tts" not in subfeatures and "text/embeddings" not in subfeatures
    assert all(m.prices == () for o in ollama.offers() for m in o.models)
    # The entry point as the registry loads it.
    assert [p.name for p in load_by_path("unigate.providers.openai:providers")] == [
        "openai",
        "ollama",
        "azure-openai",
    ]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({**OLLAMA, "name": "openai"}, "name"),
        ({**OLLAMA, "name": "Bad Name"}, "name"),
        ({**OLLAMA, "base_url": "ftp://host"}, "base_url"),
        ({**OLLAMA, "models": []}, "models"),
        ({**OLLAMA, "models": "llama3.2"}, "models"),
        ({**OLLAMA, "auth": "basic"}, "auth"),
        ({**OLLAMA, "api_key": "inline-secret"}, "unknown keys"),
        ("ollama", "object"),
    ],
)
def test_bad_entries_are_refused(entry: Any, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_server(entry)


def test_bad_configuration_is_logged_and_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("UNIGATE_OPENAI_COMPATIBLE", json.dumps([{"name": "x"}, OLLAMA, OLLAMA]))
    with caplog.at_level(logging.ERROR):
        names = [p.name for p in providers()]
    assert names == ["openai", "ollama"]
    assert "UNIGATE_OPENAI_COMPATIBLE[0] ignored" in caplog.text and "named twice" in caplog.text
    monkeypatch.setenv("UNIGATE_OPENAI_COMPATIBLE", "{not json")
    assert [p.name for p in providers()] == ["openai"]
    monkeypatch.setenv("UNIGATE_OPENAI_COMPATIBLE", json.dumps(OLLAMA))
    assert [p.name for p in providers()] == ["openai"]


def test_base_url_override_variable() -> None:
    server = parse_server({**OLLAMA, "base_url_env": "OLLAMA_BASE_URL"})
    provider = CompatibleProvider(server)
    env = {"OLLAMA_API_KEY": "k", "OLLAMA_BASE_URL": "http://gpu-box:11434/v1"}
    assert provider.credentials(env)["base_url"] == "http://gpu-box:11434/v1"
    assert provider.credentials({"OLLAMA_API_KEY": "k"})["base_url"] == OLLAMA["base_url"]
