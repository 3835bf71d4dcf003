"""A provider that does no work, to measure what the gateway itself costs per request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from unigate.providers.base import CallContext, ModelSpec, Offer, ProviderResult

OUTPUT = {"items": [{"embedding": [0.0, 0.1, 0.2]}]}


async def zero_embeddings(inp: Any, ctx: CallContext) -> ProviderResult:
    return ProviderResult(output=OUTPUT, usage={"char": 1})


class ZeroProvider:
    name = "zero"
    display_name = "Zero-work provider (benchmarks)"

    def offers(self) -> Sequence[Offer]:
        return [
            Offer("text/embeddings", models=(ModelSpec("zero"),), default_model="zero", run=zero_embeddings)
        ]

    def unavailable_reason(self, env: Mapping[str, str]) -> str | None:
        return None

    def credentials(self, env: Mapping[str, str]) -> Mapping[str, str]:
        return {}
