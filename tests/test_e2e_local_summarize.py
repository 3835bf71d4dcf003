"""text/summarize/local and text/keyword_extraction/local end to end through the HTTP API."""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.providers.local.test_local_summarize import ARTICLE

pytest.importorskip("summa")


async def test_summarize_honours_output_sentences(api: Api) -> None:
    r = await api.post(
        "/v3/universal-ai",
        json={"model": "text/summarize/local", "input": {"text": ARTICLE, "output_sentences": 2}},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success" and body["cost"] == "0.000"
    result = body["output"]["result"]
    assert result.startswith("The city council approved a plan") and result.count(". ") == 1


async def test_summarize_refuses_a_language_without_stemmer(api: Api) -> None:
    r = await api.post(
        "/v3/universal-ai",
        json={"model": "text/summarize/local", "input": {"text": "今日は晴れです。", "language": "ja"}},
    )
    assert r.status_code == 422 and "unsupported_language" in r.text
