"""text/embeddings against a fake speaking OpenAI's embeddings wire format
(https://platform.openai.com/docs/api-reference/embeddings/create and /embeddings/object)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.providers.cloud.harness import FakeVendor, context, serve
from tests.providers.cloud.openai_fixtures import wire
from tests.providers.cloud.openai_fixtures.support import API_KEY, assert_output, creds, inp, offer
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
)
from unigate.providers.openai import CompatibleProvider
from unigate.providers.openai.config import parse_server

PATH = "/v1/embeddings"
DOC = "https://platform.openai.com/docs/api-reference/embeddings/object"


def answer(vectors: list[list[float]], model: str = "text-embedding-3-small") -> dict[str, Any]:
    # Listed out of order on purpose: `index` is what ties a vector to its input.
    data = [{"object": "embedding", "embedding": v, "index": i} for i, v in enumerate(vectors)]
    return {
        "object": "list",
        "data": data[::-1],
        "model": model,
        "usage": {"prompt_tokens": 8, "total_tokens": 8},
    }


async def embed(
    vendor: FakeVendor, texts: list[str], model: str = "text-embedding-3-small", **kw: Any
) -> Any:
    o = offer("text/embeddings", kw.pop("provider_obj", None))
    assert o.run is not None
    credentials = kw.pop("credentials", None) or creds(vendor.base_url)
    async with context(credentials, model=model, provider=kw.pop("provider", "openai"), **kw) as ctx:
        return await o.run(inp("text/embeddings", {"texts": texts}), ctx)


async def test_request_and_output() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, answer([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]])), source=DOC)
        result = await embed(vendor, ["hello world", "bonjour"], provider_params={"dimensions": 3})
    [req] = vendor.calls("POST", PATH)
    assert req.headers["Authorization"] == f"Bearer {API_KEY}"
    assert req.json() == {
        "model": "text-embedding-3-small",
        "input": ["hello world", "bonjour"],
        "encoding_format": "float",
        "dimensions": 3,
    }
    out = assert_output(result, "text/embeddings")
    assert out["items"] == [{"embedding": [0.1, -0.2, 0.3]}, {"embedding": [0.4, 0.5, -0.6]}]
    assert result.usage == {"token_in": 8}


async def test_dimensions_are_checked_before_calling() -> None:
    async with serve(FakeVendor()) as vendor:
        with pytest.raises(ProviderInvalidInput, match="text-embedding-3"):
            await embed(vendor, ["a"], model="text-embedding-ada-002", provider_params={"dimensions": 256})
        with pytest.raises(ProviderInvalidInput, match="positive integer"):
            await embed(vendor, ["a"], provider_params={"dimensions": "big"})
    assert vendor.requests == []


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ((401, wire.INVALID_KEY), ProviderAuthError),
        ((429, wire.RATE_LIMIT, {"Retry-After": "3"}), ProviderRateLimited),
        ((400, wire.error("'$.input' is invalid.", "invalid_request_error")), ProviderInvalidInput),
        ((502, wire.SERVER), ProviderServerError),
        ((200, "{truncated"), ProviderBadResponse),
        ((200, answer([[0.1]])), ProviderBadResponse),  # one vector for two texts
        ((200, {"object": "list", "data": [{"index": 0}, {"index": 1}]}), ProviderBadResponse),
    ],
)
async def test_errors(reply: Any, error: type[Exception]) -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, reply, source=wire.ERRORS_DOC)
        with pytest.raises(error):
            await embed(vendor, ["a", "b"])


async def test_compatible_server_serves_its_embedding_models() -> None:
    async with serve(FakeVendor()) as vendor:
        server = parse_server(
            {"name": "vllm", "base_url": f"{vendor.base_url}/v1", "models": ["qwen3"],
             "embedding_models": ["bge-m3"]}
        )  # fmt: skip
        provider = CompatibleProvider(server)
        o = offer("text/embeddings", provider)
        assert o.default_model == "bge-m3" and o.models[0].prices == ()
        vendor.on("POST", PATH, (200, answer([[1.0, 0.0]], model="bge-m3")))
        result = await embed(
            vendor,
            ["a"],
            model="bge-m3",
            provider_obj=provider,
            provider="vllm",
            credentials=provider.credentials({}),
            provider_params={"dimensions": 2},
        )
    assert vendor.calls("POST", PATH)[0].json()["dimensions"] == 2
    assert assert_output(result, "text/embeddings")["items"] == [{"embedding": [1.0, 0.0]}]
    no_embeddings = CompatibleProvider(
        parse_server({"name": "x", "base_url": "http://h/v1", "models": ["m"]})
    )
    assert "text/embeddings" not in {o.subfeature for o in no_embeddings.offers()}
