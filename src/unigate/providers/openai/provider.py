"""The provider objects: OpenAI itself and one per OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property

from unigate.providers.base import ModelSpec, Offer
from unigate.providers.llmtasks import make_llm_task_offers
from unigate.providers.openai import chat, embeddings, images, moderation, speech, transcription, vision
from unigate.providers.openai.client import DEFAULT_BASE_URL
from unigate.providers.openai.config import CompatibleServer
from unigate.providers.openai.prices import model_specs

CHAT_MODELS = (
    "gpt-4.1-mini", "gpt-4.1", "gpt-4.1-nano", "gpt-4o", "gpt-4o-mini", "o4-mini", "gpt-5", "gpt-5-mini",
    "gpt-5-nano",
)  # fmt: skip
DEFAULT_CHAT_MODEL = "gpt-4.1-mini"


def chat_based_offers(models: tuple[ModelSpec, ...], default: str) -> list[Offer]:
    """What any Chat Completions server serves with one set of chat models."""
    return [
        *chat.offers(models, default),
        *make_llm_task_offers(chat.structured_chat, models, default),
        vision.offer(models, default),
    ]


class OpenAIProvider:
    """OpenAI's API (https://platform.openai.com/docs/api-reference)."""

    name = "openai"
    display_name = "OpenAI"

    @cached_property
    def _offers(self) -> list[Offer]:
        # Every chat-based subfeature bills the llm/chat token prices.
        chat_models = model_specs("llm/chat", CHAT_MODELS)
        return [
            *chat_based_offers(chat_models, DEFAULT_CHAT_MODEL),
            embeddings.offer(model_specs("text/embeddings", embeddings.MODELS), embeddings.DEFAULT_MODEL),
            *moderation.offers(),
            images.offer(),
            *speech.offers(),
            transcription.offer(),
        ]

    def offers(self) -> Sequence[Offer]:
        return self._offers

    def unavailable_reason(self, env: Mapping[str, str]) -> str | None:
        return None if env.get("OPENAI_API_KEY") else "OPENAI_API_KEY is not set"

    def credentials(self, env: Mapping[str, str]) -> Mapping[str, str]:
        creds = {
            "api_key": env.get("OPENAI_API_KEY", ""),
            "base_url": env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL,
            "organization": env.get("OPENAI_ORGANIZATION", ""),
            "project": env.get("OPENAI_PROJECT", ""),
        }
        return {k: v for k, v in creds.items() if v}


class CompatibleProvider:
    """A server speaking OpenAI's API (Ollama, vLLM, LM Studio, Azure OpenAI...), from configuration."""

    def __init__(self, server: CompatibleServer) -> None:
        self.server = server
        self.name = server.name
        self.display_name = server.display_name

    @cached_property
    def _offers(self) -> list[Offer]:
        # Prices of self-hosted or negotiated models are unknown here: they are served free.
        models = tuple(ModelSpec(m) for m in self.server.models)
        offers = chat_based_offers(models, self.server.models[0])
        if self.server.embedding_models:
            names = self.server.embedding_models
            offers.append(embeddings.offer(tuple(ModelSpec(m) for m in names), names[0]))
        return offers

    def offers(self) -> Sequence[Offer]:
        return self._offers

    def unavailable_reason(self, env: Mapping[str, str]) -> str | None:
        key_env = self.server.api_key_env
        if key_env and not env.get(key_env):
            return f"{key_env} is not set"
        return None

    def credentials(self, env: Mapping[str, str]) -> Mapping[str, str]:
        s = self.server
        creds = {
            "api_key": env.get(s.api_key_env, "") if s.api_key_env else "",
            "base_url": (env.get(s.base_url_env) if s.base_url_env else None) or s.base_url,
            "auth": "api-key" if s.auth == "api-key" else "",
            "api_version": s.api_version or "",
        }
        return {k: v for k, v in creds.items() if v}
