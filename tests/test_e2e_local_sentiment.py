"""text/sentiment_analysis/local end to end through the HTTP API (VADER)."""

from __future__ import annotations

import pytest

from tests.conftest import Api

pytest.importorskip("vaderSentiment")


async def test_sentiment_analysis(api: Api) -> None:
    text = "I love this phone. The battery is terrible."
    r = await api.post(
        "/v3/universal-ai",
        json={"model": "text/sentiment_analysis/local", "input": {"text": text, "language": "en"}},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success" and body["cost"] == "0.000"
    items = body["output"]["items"]
    assert [i["sentiment"] for i in items] == ["Positive", "Negative"]
    assert body["output"]["general_sentiment"] in {"Positive", "Negative", "Neutral"}


async def test_sentiment_refuses_other_languages(api: Api) -> None:
    r = await api.post(
        "/v3/universal-ai",
        json={"model": "text/sentiment_analysis/local", "input": {"text": "J'adore", "language": "fr"}},
    )
    assert r.status_code == 422 and "en" in r.text
