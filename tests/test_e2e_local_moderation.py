"""text/moderation/local end to end through the HTTP API (alt-profanity-check)."""

from __future__ import annotations

import pytest

from tests.conftest import Api

pytest.importorskip("profanity_check")


async def test_moderation(api: Api) -> None:
    scores = {}
    for text in ("Thank you for the lovely flowers.", "Shut up, you stupid idiot."):
        r = await api.post(
            "/v3/universal-ai", json={"model": "text/moderation/local", "input": {"text": text}}
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "success" and body["cost"] == "0.000"
        scores[text] = body["output"]["nsfw_likelihood"]
        assert body["output"]["items"][0]["category"] == "Toxic"
    assert list(scores.values()) == [1, 5]
