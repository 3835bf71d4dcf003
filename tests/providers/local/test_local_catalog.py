"""The adapters accept the catalog's own validated input models (not only the test stand-ins)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from unigate.catalog.registry import get_subfeature
from unigate.providers.local import embeddings, langdetect, speech

from ._support import DATA, assert_shape, loaded, make_ctx, output


def catalog_input(subfeature: str, data: dict[str, Any]) -> BaseModel:
    feature, name = subfeature.split("/")
    sub = get_subfeature(feature, name)
    assert sub is not None
    return sub.input_model.model_validate(data)


async def test_embeddings_with_catalog_input() -> None:
    inp = catalog_input("text/embeddings", {"texts": ["hello world"]})
    result = await embeddings.run(inp, make_ctx())
    assert_shape(output(result), "text/embeddings")


async def test_language_detection_with_catalog_input() -> None:
    inp = catalog_input("translation/language_detection", {"text": "Buongiorno a tutti, come state?"})
    result = await langdetect.run(inp, make_ctx())
    assert output(result)["items"][0]["language"] == "it"


async def test_speech_with_catalog_input_and_regional_english() -> None:
    wav = (DATA / "speech_fox.wav").read_bytes()
    data = {"file": "a", "language": "en-US", "vocabulary": ["fox"]}
    inp = catalog_input("audio/speech_to_text_async", data)
    result = await speech.run(inp, make_ctx({"a": loaded(wav, "audio/wav")}))
    assert "fox" in output(result)["text"].lower()
