"""text/embeddings: real all-MiniLM-L6-v2 vectors."""

from __future__ import annotations

import math

from unigate.providers.local import embeddings

from ._support import TextsInput, assert_shape, make_ctx, output


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))  # the vectors are unit norm


async def test_embeddings_are_unit_vectors_that_capture_meaning() -> None:
    texts = [
        "I like to eat.",
        "I like to eat bread.",
        "The stock market fell sharply today.",
        "A man is eating food.",
    ]
    result = await embeddings.run(TextsInput(texts=texts), make_ctx())
    assert_shape(result.output, "text/embeddings")
    vectors = [item["embedding"] for item in output(result)["items"]]
    assert len(vectors) == 4
    for v in vectors:
        assert len(v) == 384
        assert math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, abs_tol=1e-4)
    assert cosine(vectors[0], vectors[1]) > 0.5
    assert cosine(vectors[0], vectors[2]) < 0.3
    assert result.usage == {"char": sum(len(t) for t in texts)}


async def test_batching_keeps_order_and_matches_single_calls() -> None:
    # More texts than one batch, of mixed lengths (they are sorted by length internally).
    texts = [("word " * (i % 7 + 1)) + str(i) for i in range(embeddings.BATCH + 5)]
    many = await embeddings.run(TextsInput(texts=texts), make_ctx())
    for i in (0, 3, len(texts) - 1):
        one = await embeddings.run(TextsInput(texts=[texts[i]]), make_ctx())
        assert cosine(output(many)["items"][i]["embedding"], output(one)["items"][0]["embedding"]) > 0.999


async def test_long_text_is_truncated_not_rejected() -> None:
    result = await embeddings.run(TextsInput(texts=["lorem ipsum " * 2000, ""]), make_ctx())
    assert [len(i["embedding"]) for i in output(result)["items"]] == [384, 384]
