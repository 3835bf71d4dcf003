"""Every entry of the OpenAI price table, priced on a golden request's usage (exact Decimals), and the
table wired into the offers. Source of the amounts: https://platform.openai.com/docs/pricing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from unigate.engine.pricing import price_usage
from unigate.providers.base import Price
from unigate.providers.llmtasks import TASKS
from unigate.providers.openai import OpenAIProvider
from unigate.providers.openai.prices import entries

# (subfeature, model, unit) -> (usage quantity of a golden request, its exact cost in USD)
GOLDEN: dict[tuple[str, str, str], tuple[str, str]] = {
    ("llm/chat", "gpt-4.1", "token_in"): ("1234", "0.002468"),
    ("llm/chat", "gpt-4.1", "token_in:cached"): ("1234", "0.000617"),
    ("llm/chat", "gpt-4.1", "token_out"): ("1234", "0.009872"),
    ("llm/chat", "gpt-4.1-mini", "token_in"): ("1234", "0.0004936"),
    ("llm/chat", "gpt-4.1-mini", "token_in:cached"): ("1234", "0.0001234"),
    ("llm/chat", "gpt-4.1-mini", "token_out"): ("1234", "0.0019744"),
    ("llm/chat", "gpt-4.1-nano", "token_in"): ("1234", "0.0001234"),
    ("llm/chat", "gpt-4.1-nano", "token_in:cached"): ("1234", "0.00003085"),
    ("llm/chat", "gpt-4.1-nano", "token_out"): ("1234", "0.0004936"),
    ("llm/chat", "gpt-4o", "token_in"): ("1234", "0.003085"),
    ("llm/chat", "gpt-4o", "token_in:cached"): ("1234", "0.0015425"),
    ("llm/chat", "gpt-4o", "token_out"): ("1234", "0.01234"),
    ("llm/chat", "gpt-4o-mini", "token_in"): ("1234", "0.0001851"),
    ("llm/chat", "gpt-4o-mini", "token_in:cached"): ("1234", "0.00009255"),
    ("llm/chat", "gpt-4o-mini", "token_out"): ("1234", "0.0007404"),
    ("llm/chat", "o4-mini", "token_in"): ("1234", "0.0013574"),
    ("llm/chat", "o4-mini", "token_in:cached"): ("1234", "0.00033935"),
    ("llm/chat", "o4-mini", "token_out"): ("1234", "0.0054296"),
    ("llm/chat", "gpt-5", "token_in"): ("1234", "0.0015425"),
    ("llm/chat", "gpt-5", "token_in:cached"): ("1234", "0.00015425"),
    ("llm/chat", "gpt-5", "token_out"): ("1234", "0.01234"),
    ("llm/chat", "gpt-5-mini", "token_in"): ("1234", "0.0003085"),
    ("llm/chat", "gpt-5-mini", "token_in:cached"): ("1234", "0.00003085"),
    ("llm/chat", "gpt-5-mini", "token_out"): ("1234", "0.002468"),
    ("llm/chat", "gpt-5-nano", "token_in"): ("1234", "0.0000617"),
    ("llm/chat", "gpt-5-nano", "token_in:cached"): ("1234", "0.00000617"),
    ("llm/chat", "gpt-5-nano", "token_out"): ("1234", "0.0004936"),
    ("text/embeddings", "text-embedding-3-small", "token_in"): ("1234", "0.00002468"),
    ("text/embeddings", "text-embedding-3-large", "token_in"): ("1234", "0.00016042"),
    ("text/embeddings", "text-embedding-ada-002", "token_in"): ("1234", "0.0001234"),
    ("text/moderation", "omni-moderation-latest", "request"): ("1", "0"),
    ("image/explicit_content", "omni-moderation-latest", "request"): ("1", "0"),
    ("image/generation", "gpt-image-1", "image:1024x1024:low"): ("2", "0.022"),
    ("image/generation", "gpt-image-1", "image:1024x1024:medium"): ("2", "0.084"),
    ("image/generation", "gpt-image-1", "image:1024x1024:high"): ("2", "0.334"),
    ("image/generation", "gpt-image-1-mini", "image:1024x1024:low"): ("2", "0.01"),
    ("image/generation", "gpt-image-1-mini", "image:1024x1024:medium"): ("2", "0.022"),
    ("image/generation", "gpt-image-1-mini", "image:1024x1024:high"): ("2", "0.072"),
    ("image/generation", "dall-e-3", "image:1024x1024:standard"): ("2", "0.08"),
    ("image/generation", "dall-e-3", "image:1024x1024:hd"): ("2", "0.16"),
    ("image/generation", "dall-e-2", "image:256x256:standard"): ("2", "0.032"),
    ("image/generation", "dall-e-2", "image:512x512:standard"): ("2", "0.036"),
    ("image/generation", "dall-e-2", "image:1024x1024:standard"): ("2", "0.04"),
    ("audio/text_to_speech", "tts-1", "char"): ("1234", "0.01851"),
    ("audio/text_to_speech", "tts-1-hd", "char"): ("1234", "0.03702"),
    ("audio/speech_to_text_async", "whisper-1", "second"): ("61.5", "0.0062"),
    ("audio/speech_to_text_async", "gpt-4o-transcribe", "token_in:text"): ("1234", "0.003085"),
    ("audio/speech_to_text_async", "gpt-4o-transcribe", "token_in:audio"): ("1234", "0.007404"),
    ("audio/speech_to_text_async", "gpt-4o-transcribe", "token_out"): ("1234", "0.01234"),
    ("audio/speech_to_text_async", "gpt-4o-mini-transcribe", "token_in:text"): ("1234", "0.0015425"),
    ("audio/speech_to_text_async", "gpt-4o-mini-transcribe", "token_in:audio"): ("1234", "0.003702"),
    ("audio/speech_to_text_async", "gpt-4o-mini-transcribe", "token_out"): ("1234", "0.00617"),
}

# Subfeatures billed with another subfeature's price rows.
SHARED = {
    "llm/chat": {"text/chat", "image/question_answer", *(t.subfeature for t in TASKS)},
    "audio/text_to_speech": {"audio/tts"},
}


def test_every_entry_has_a_golden_case() -> None:
    keys = [(e.subfeature, e.model, e.price.unit) for e in entries()]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(GOLDEN)
    for e in entries():
        assert e.source.startswith("https://") and e.date
        assert e.price.amount >= 0


@pytest.mark.parametrize(("subfeature", "model", "unit"), sorted(GOLDEN))
def test_price_entry(subfeature: str, model: str, unit: str) -> None:
    quantity, expected = GOLDEN[(subfeature, model, unit)]
    [entry] = [e for e in entries() if (e.subfeature, e.model, e.price.unit) == (subfeature, model, unit)]
    assert price_usage([entry.price], {unit: Decimal(quantity)}) == Decimal(expected)


def test_whole_requests() -> None:
    def model_prices(subfeature: str, model: str) -> list[Price]:
        offer = next(o for o in OpenAIProvider().offers() if o.subfeature == subfeature)
        spec = offer.model(model)
        assert spec is not None
        return list(spec.prices)

    # A gpt-4o-mini chat turn: 1,000 prompt tokens of which 400 cached, 250 completion tokens.
    usage = {"token_in": 600, "token_in:cached": 400, "token_out": 250}
    assert price_usage(model_prices("llm/chat", "gpt-4o-mini"), usage) == Decimal("0.00027")
    # The structured-output subfeatures bill the same token prices.
    assert price_usage(model_prices("text/summarize", "gpt-4o-mini"), usage) == Decimal("0.00027")


def test_offers_carry_the_table() -> None:
    provider = OpenAIProvider()
    for e in entries():
        served = {e.subfeature} | SHARED.get(e.subfeature, set())
        for offer in provider.offers():
            if offer.subfeature in served:
                spec = offer.model(e.model)
                assert spec is not None, (offer.subfeature, e.model)
                assert e.price in spec.prices
