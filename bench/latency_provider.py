"""A provider with latency, for the load test (bench/load.py): sync calls sleep 20-50 ms, and a
provider-side async job is launched then polled (ready on its second poll, 20-50 ms per step)."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Mapping, Sequence
from typing import Any

from unigate.providers.base import CallContext, Launched, ModelSpec, Offer, Pending, ProviderResult

_ids = itertools.count(1)


async def _latency() -> None:
    await asyncio.sleep(random.uniform(0.020, 0.050))


async def slow_embeddings(inp: Any, ctx: CallContext) -> ProviderResult:
    await _latency()
    items = [{"embedding": [float(len(t)), 0.1, 0.2]} for t in inp.texts]
    return ProviderResult(output={"items": items}, usage={"char": sum(len(t) for t in inp.texts)})


async def launch_speech(inp: Any, ctx: CallContext) -> Launched:
    await _latency()
    return Launched(f"slow-job-{next(_ids)}", retry_after=0.05, state={"polls": 0})


async def poll_speech(provider_job_id: str, ctx: CallContext) -> Pending | ProviderResult:
    await _latency()
    polls = int(ctx.job_state.get("polls", 0)) + 1
    if polls < 2:
        return Pending(retry_after=0.05, state={"polls": polls})
    return ProviderResult(output={"audio": "SUQz", "voice_type": 1, "audio_resource_url": None})


class LatencyProvider:
    name = "slow"
    display_name = "Latency provider (load test)"

    def offers(self) -> Sequence[Offer]:
        return [
            Offer("text/embeddings", models=(ModelSpec("slow"),), default_model="slow", run=slow_embeddings),
            Offer(
                "audio/text_to_speech_async",
                models=(ModelSpec("slow"),),
                default_model="slow",
                launch=launch_speech,
                poll=poll_speech,
            ),
        ]

    def unavailable_reason(self, env: Mapping[str, str]) -> str | None:
        return None

    def credentials(self, env: Mapping[str, str]) -> Mapping[str, str]:
        return {}
