"""text/spell_check/local end to end through the HTTP API (pyspellchecker)."""

from __future__ import annotations

import pytest

from tests.conftest import Api

pytest.importorskip("spellchecker")


async def test_spell_check(api: Api) -> None:
    text = "Ths sentnce has severl speling erors."
    r = await api.post("/v3/universal-ai", json={"model": "text/spell_check/local", "input": {"text": text}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success" and body["cost"] == "0.000"
    items = body["output"]["items"]
    fixes = [i["suggestions"][0]["suggestion"] for i in items]
    assert fixes == ["The", "sentence", "several", "spelling", "errors"]
    spans = [text[i["offset"] : i["offset"] + i["length"]] for i in items]
    assert spans == ["Ths", "sentnce", "severl", "speling", "erors"]
