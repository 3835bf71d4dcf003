"""Which servers speak OpenAI's API here: OpenAI itself, and those named in UNIGATE_OPENAI_COMPATIBLE.

UNIGATE_OPENAI_COMPATIBLE is a JSON list; each entry becomes one provider:

    {"name": "ollama",                     # provider name in model strings (text/chat/ollama/llama3.2)
     "base_url": "http://127.0.0.1:11434/v1",
     "base_url_env": "OLLAMA_BASE_URL",    # optional: a variable that overrides base_url
     "api_key_env": "OLLAMA_API_KEY",      # optional: the variable holding its key (required when named)
     "auth": "bearer",                     # or "api-key" (Azure OpenAI's header)
     "api_version": "2024-10-21",          # optional: sent as the api-version query parameter (Azure)
     "models": ["llama3.2"],               # chat models; the first is the default
     "embedding_models": ["nomic-embed-text"],  # optional: serve text/embeddings too
     "display_name": "Ollama"}             # optional
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

COMPATIBLE_ENV = "UNIGATE_OPENAI_COMPATIBLE"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
RESERVED_NAMES = frozenset({"openai", "local"})


@dataclass(frozen=True)
class CompatibleServer:
    name: str
    base_url: str
    models: tuple[str, ...]
    embedding_models: tuple[str, ...] = ()
    api_key_env: str | None = None
    base_url_env: str | None = None
    auth: str = "bearer"
    api_version: str | None = None
    display_name: str = ""


def _strings(value: Any, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{field} must be a list of non-empty strings")
    return tuple(value)


def _optional_str(entry: Mapping[str, Any], field: str) -> str | None:
    value = entry.get(field)
    if value is not None and not (isinstance(value, str) and value):
        raise ValueError(f"{field} must be a non-empty string")
    return value


def parse_server(entry: Any) -> CompatibleServer:
    if not isinstance(entry, dict):
        raise ValueError("each entry must be a JSON object")
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.match(name) or name in RESERVED_NAMES:
        raise ValueError(
            f"name {name!r} must be lower-case letters, digits, '-', '_' or '.', and not openai/local"
        )
    base_url = entry.get("base_url")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ValueError(f"{name}: base_url must be an http(s) URL")
    models = _strings(entry.get("models"), f"{name}: models")
    if not models:
        raise ValueError(f"{name}: models must name at least one model")
    auth = entry.get("auth", "bearer")
    if auth not in ("bearer", "api-key"):
        raise ValueError(f"{name}: auth must be 'bearer' or 'api-key'")
    known = {"name", "base_url", "base_url_env", "api_key_env", "auth", "api_version", "models"}
    known |= {"embedding_models", "display_name"}
    unknown = set(entry) - known
    if unknown:
        raise ValueError(f"{name}: unknown keys {sorted(unknown)}")
    return CompatibleServer(
        name=name,
        base_url=base_url,
        models=models,
        embedding_models=_strings(entry.get("embedding_models", []), f"{name}: embedding_models"),
        api_key_env=_optional_str(entry, "api_key_env"),
        base_url_env=_optional_str(entry, "base_url_env"),
        auth=auth,
        api_version=_optional_str(entry, "api_version"),
        display_name=_optional_str(entry, "display_name") or f"{name} (OpenAI-compatible)",
    )


def compatible_servers(env: Mapping[str, str]) -> list[CompatibleServer]:
    """The servers configured in UNIGATE_OPENAI_COMPATIBLE; a bad entry is logged and skipped so
    that it cannot take the others (or OpenAI itself) down."""
    raw = env.get(COMPATIBLE_ENV, "").strip()
    if not raw:
        return []
    try:
        entries = json.loads(raw)
    except ValueError as exc:
        log.error("%s is not valid JSON: %s", COMPATIBLE_ENV, exc)
        return []
    if not isinstance(entries, list):
        log.error("%s must be a JSON list of servers", COMPATIBLE_ENV)
        return []
    servers: list[CompatibleServer] = []
    for i, entry in enumerate(entries):
        try:
            server = parse_server(entry)
        except ValueError as exc:
            log.error("%s[%d] ignored: %s", COMPATIBLE_ENV, i, exc)
            continue
        if any(s.name == server.name for s in servers):
            log.error("%s[%d] ignored: %s is named twice", COMPATIBLE_ENV, i, server.name)
            continue
        servers.append(server)
    return servers
