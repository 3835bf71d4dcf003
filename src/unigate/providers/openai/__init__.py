"""OpenAI, and every server that speaks OpenAI's API, as unigate providers.

`providers()` (the `unigate.providers` entry point) returns the `openai` provider plus one provider
per server named in UNIGATE_OPENAI_COMPATIBLE (see `config.py`); all share this adapter code.

Environment:
- OPENAI_API_KEY: required for `openai`.
- OPENAI_BASE_URL: overrides https://api.openai.com/v1 (a proxy, a regional endpoint, a test fake).
- OPENAI_ORGANIZATION, OPENAI_PROJECT: optional; sent as OpenAI-Organization / OpenAI-Project.
- UNIGATE_OPENAI_COMPATIBLE: JSON list of OpenAI-compatible servers; each names the variables holding
  its key (`api_key_env`) and overriding its base URL (`base_url_env`).

Prices come from `prices.json` (OpenAI's price page); compatible servers are served free.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from unigate.providers.openai.chat import stream_chat
from unigate.providers.openai.config import compatible_servers
from unigate.providers.openai.provider import CompatibleProvider, OpenAIProvider


def providers(env: Mapping[str, str] | None = None) -> list[OpenAIProvider | CompatibleProvider]:
    servers = compatible_servers(os.environ if env is None else env)
    return [OpenAIProvider(), *(CompatibleProvider(s) for s in servers)]


__all__ = ["CompatibleProvider", "OpenAIProvider", "providers", "stream_chat"]
