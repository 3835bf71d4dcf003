"""Shared helpers for the Microsoft Azure adapter tests: canonical-shape checks and call plumbing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tests.providers.cloud.harness import FakeVendor, context, serve
from unigate.catalog import get_subfeature
from unigate.catalog.shapes import shape_errors
from unigate.providers.base import CallContext, LoadedFile, Offer, ProviderResult
from unigate.providers.microsoft import MicrosoftProvider

PROVIDER = MicrosoftProvider()


def offer(subfeature: str) -> Offer:
    for found in PROVIDER.offers():
        if found.subfeature == subfeature:
            return found
    raise LookupError(subfeature)


def assert_canonical(samples: Path, subfeature: str, output: Any) -> dict[str, Any]:
    """The output has the spec sample's shape (no shape errors) and validates with the catalog model."""
    feature, name = subfeature.split("/")
    sub = get_subfeature(feature, name)
    assert sub is not None
    data: dict[str, Any] = output if isinstance(output, dict) else output.model_dump(mode="json")
    sample = json.loads((samples / feature / f"{name}.json").read_text())
    assert shape_errors(data, sample, sub.dynamic_keys) == []
    sub.output_model.model_validate(data)
    return data


@asynccontextmanager
async def vendor() -> AsyncIterator[FakeVendor]:
    async with serve(FakeVendor()) as fake:
        yield fake


@asynccontextmanager
async def call_context(
    credentials: dict[str, str],
    *,
    model: str = "",
    files: dict[str, LoadedFile] | None = None,
    timeout_s: float = 10.0,
    job_state: dict[str, Any] | None = None,
) -> AsyncIterator[CallContext]:
    async with context(
        credentials, provider="microsoft", model=model, files=files, timeout_s=timeout_s, job_state=job_state
    ) as ctx:
        yield ctx


async def run(subfeature: str, input: dict[str, Any], ctx: CallContext) -> ProviderResult:
    """Validate the input with the catalog model, then call the offer's run."""
    found = offer(subfeature)
    feature, name = subfeature.split("/")
    sub = get_subfeature(feature, name)
    assert sub is not None and found.run is not None
    return await found.run(sub.input_model.model_validate(input), ctx)


def validated(subfeature: str, input: dict[str, Any]) -> Any:
    feature, name = subfeature.split("/")
    sub = get_subfeature(feature, name)
    assert sub is not None
    return sub.input_model.model_validate(input)
