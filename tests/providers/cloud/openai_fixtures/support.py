"""Helpers shared by the OpenAI tests: credentials for a fake, catalog inputs, shape checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from unigate.catalog import get_subfeature
from unigate.catalog.shapes import shape_errors
from unigate.providers.base import Offer, ProviderResult, RunFn
from unigate.providers.openai import OpenAIProvider

# tests/providers/cloud/openai_fixtures/support.py -> the repository root is parents[4].
SPEC_OUTPUTS = Path(__file__).parents[4] / "spec" / "outputs"
API_KEY = "sk-test-4f9a1c2b7e3d"  # never to appear in an output, error or log


def creds(vendor_base_url: str, **extra: str) -> dict[str, str]:
    """What OpenAIProvider.credentials() gives with OPENAI_BASE_URL pointing at the fake."""
    return {"api_key": API_KEY, "base_url": vendor_base_url + "/v1", **extra}


def offer(subfeature: str, provider: Any = None) -> Offer:
    for o in (provider or OpenAIProvider()).offers():
        if o.subfeature == subfeature:
            return o
    raise AssertionError(f"no offer for {subfeature}")


def run_fn(subfeature: str, provider: Any = None) -> RunFn:
    run = offer(subfeature, provider).run
    assert run is not None
    return run


def inp(subfeature: str, data: dict[str, Any]) -> BaseModel:
    feature, name = subfeature.split("/")
    sub = get_subfeature(feature, name)
    assert sub is not None
    return sub.input_model.model_validate(data)


def sample(sample_name: str) -> Any:
    return json.loads((SPEC_OUTPUTS / f"{sample_name}.json").read_text(encoding="utf-8"))


def assert_output(result: ProviderResult, subfeature: str, sample_name: str | None = None) -> dict[str, Any]:
    """Zero shape errors against spec/outputs, and the catalog's output model accepts it."""
    output = result.output
    assert isinstance(output, dict)
    assert shape_errors(output, sample(sample_name or subfeature)) == []
    feature, name = subfeature.split("/")
    sub = get_subfeature(feature, name)
    assert sub is not None
    sub.output_model.model_validate(output)
    assert API_KEY not in json.dumps(output)
    return output


def sse(*events: Any) -> bytes:
    """A `text/event-stream` body: one `data:` line per event, then `data: [DONE]`."""
    lines = [f"data: {json.dumps(e)}\n\n" for e in events] + ["data: [DONE]\n\n"]
    return "".join(lines).encode()


SSE_HEADERS = {"Content-Type": "text/event-stream"}
