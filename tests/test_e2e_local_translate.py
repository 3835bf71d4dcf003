"""translation/automatic_translation/local end to end through the HTTP API (Apertium)."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import Api
from unigate.providers.local import translate

if shutil.which("apertium") is None or not any(p.mode == "eng-spa" for p in translate.installed_pairs()):
    pytest.skip("apertium with apertium-eng-spa is not installed", allow_module_level=True)


async def test_automatic_translation(api: Api) -> None:
    r = await api.post(
        "/v3/universal-ai",
        json={
            "model": "translation/automatic_translation/local",
            "input": {
                "text": "My brother bought a new red car.",
                "source_language": "en",
                "target_language": "es",
            },
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success" and body["cost"] == "0.000"
    assert body["output"]["text"] == "Mi hermano compró un coche rojo nuevo."


async def test_uninstalled_language_is_refused_before_running(api: Api) -> None:
    r = await api.post(
        "/v3/universal-ai",
        json={
            "model": "translation/automatic_translation/local",
            "input": {"text": "Hello", "source_language": "en", "target_language": "ja"},
        },
    )
    assert r.status_code == 422 and "unsupported_language" in r.text
