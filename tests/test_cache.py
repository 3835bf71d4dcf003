"""The opt-in result cache (X-Unigate-Cache: true), through both API paths."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.fakes import FakeProvider

EMBED = {"model": "text/embeddings/fake", "input": {"texts": ["hello"]}}
ON = {"X-Unigate-Cache": "true"}


async def _post(api: Api, body: dict[str, Any], **headers: str) -> Any:
    return await api.post("/v3/universal-ai", json=body, headers={**ON, **headers})


async def test_hit_is_free_and_skips_the_provider(
    api_both: Api, fakes: tuple[FakeProvider, FakeProvider]
) -> None:
    first = await _post(api_both, EMBED)
    assert first.headers["x-unigate-cache"] == "miss" and first.json()["cost"] != "0"
    hit = await _post(api_both, EMBED)
    assert hit.headers["x-unigate-cache"] == "hit"
    assert hit.json()["cost"] == "0" and hit.json()["output"] == first.json()["output"]
    assert fakes[0].calls["embeddings"] == 1
    # Without the header, no cache.
    plain = await api_both.post("/v3/universal-ai", json=EMBED)
    assert "x-unigate-cache" not in plain.headers and fakes[0].calls["embeddings"] == 2


async def test_key_depends_on_model_input_and_params(
    api_both: Api, fakes: tuple[FakeProvider, FakeProvider]
) -> None:
    await _post(api_both, EMBED)
    await _post(api_both, {**EMBED, "input": {"texts": ["other"]}})
    await _post(api_both, {**EMBED, "model": "text/embeddings/fake/org/large-v2"})
    await _post(api_both, {**EMBED, "provider_params": {"x": 1}})
    assert fakes[0].calls["embeddings"] == 4


async def test_failures_are_not_cached(api_both: Api, fakes: tuple[FakeProvider, FakeProvider]) -> None:
    bad = {**EMBED, "provider_params": {"fail": "auth"}}
    await _post(api_both, bad)
    assert (await _post(api_both, bad)).headers["x-unigate-cache"] == "miss"
    assert fakes[0].calls["embeddings"] == 2


async def test_not_shared_across_keys_unless_configured(
    api_both: Api, fakes: tuple[FakeProvider, FakeProvider]
) -> None:
    _, other = await api_both.gateway.keys.create("other")
    await _post(api_both, EMBED)
    assert (await _post(api_both, EMBED, Authorization=f"Bearer {other}")).headers[
        "x-unigate-cache"
    ] == "miss"
    api_both.gateway.settings.cache_shared = True
    await _post(api_both, EMBED)
    assert (await _post(api_both, EMBED, Authorization=f"Bearer {other}")).headers["x-unigate-cache"] == "hit"


async def test_file_inputs_are_keyed_by_content(
    api_both: Api, fakes: tuple[FakeProvider, FakeProvider]
) -> None:
    from tests.fakes import _tiny_png

    png = _tiny_png()
    ids = [(await api_both.upload(png, f"{i}.png")).json()["file_id"] for i in range(2)]
    bodies = [{"model": "ocr/ocr/fake", "input": {"file_id": i, "language": "en"}} for i in ids]
    assert (await _post(api_both, bodies[0])).json()["status"] == "success"
    assert (await _post(api_both, bodies[1])).headers["x-unigate-cache"] == "hit"
    assert fakes[0].calls["ocr"] == 1


async def test_cache_limited_to_listed_keys(api_both: Api, fakes: tuple[FakeProvider, FakeProvider]) -> None:
    api_both.gateway.settings.cache_key_ids = ["someone-else"]
    await _post(api_both, EMBED)
    assert (await _post(api_both, EMBED)).headers["x-unigate-cache"] == "miss"
    assert fakes[0].calls["embeddings"] == 2
