"""text/summarize: TextRank sentence extraction, the requested length, other languages."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from unigate.providers.errors import ProviderInvalidInput, UnsupportedLanguage
from unigate.providers.local import summarize

from ._support import assert_shape, make_ctx, output

pytest.importorskip("summa")

ARTICLE = (
    "The city council approved a plan on Tuesday to build three new tram lines across the city. "
    "The project will cost 450 million euros and take six years to complete. "
    "Council members said the tram lines would reduce traffic and air pollution in the city centre. "
    "The plan also includes buying 120 electric buses to replace the oldest diesel buses. "
    "Funding will come from national grants and a small increase in the local tax. "
    "Some residents opposed the plan because of the noise from construction work. "
    "The mayor promised that construction would stop at night and on weekends. "
    "Work on the first tram line will start next spring. "
    "The city will publish a map of the new lines next month. "
    "Local shops hope the trams will bring more customers to the centre."
)
ARTICLE_FR = (
    "Le conseil municipal a approuvé mardi un projet de trois nouvelles lignes de tramway. "
    "Le projet coûtera 450 millions d'euros et durera six ans. "
    "Selon les élus, les lignes de tramway réduiront la circulation et la pollution dans le centre. "
    "Le projet prévoit aussi l'achat de 120 bus électriques. "
    "Certains habitants se sont opposés au projet à cause du bruit des travaux."
)


class SummarizeInput(BaseModel):
    text: str
    language: str | None = None
    output_sentences: int | None = None


def _sentences(text: str) -> list[str]:
    return [s if s.endswith(".") else s + "." for s in text.split(". ")]


async def _run(**kw: Any) -> tuple[str, Any]:
    result = await summarize.run(SummarizeInput(**kw), make_ctx())
    assert_shape(result.output, "text/summarize")
    return str(output(result)["result"]), result


async def test_summary_is_the_requested_number_of_sentences_in_reading_order() -> None:
    source = _sentences(ARTICLE)
    for count in (1, 2, 3):
        summary, result = await _run(text=ARTICLE, output_sentences=count)
        chosen = _sentences(summary)
        assert len(chosen) == count
        positions = [source.index(s) for s in chosen]
        assert positions == sorted(positions)
        assert sum(s["chosen"] for s in result.raw["sentences"]) == count
    # TextRank puts the lead sentence (the one sharing most words with the rest) first.
    first, _ = await _run(text=ARTICLE, output_sentences=1)
    assert first == source[0]


async def test_default_length_is_a_fifth_and_asking_too_much_gives_everything() -> None:
    summary, result = await _run(text=ARTICLE)
    assert len(_sentences(summary)) == 2
    assert result.usage == {"char": len(ARTICLE)}
    everything, _ = await _run(text=ARTICLE, output_sentences=50)
    assert everything == ARTICLE


async def test_other_language_uses_its_stemmer_and_stop_words() -> None:
    summary, result = await _run(text=ARTICLE_FR, language="fr", output_sentences=2)
    assert result.raw["language"] == "french"
    assert summary.startswith("Le conseil municipal a approuvé mardi")
    assert "le" in summarize.extra_stopwords("fr") and summarize.extra_stopwords("de") == frozenset()


async def test_unsupported_language_and_empty_text_are_rejected() -> None:
    with pytest.raises(UnsupportedLanguage, match="supported: ar, da"):
        await summarize.run(SummarizeInput(text=ARTICLE, language="ja"), make_ctx())
    with pytest.raises(ProviderInvalidInput):
        await summarize.run(SummarizeInput(text=" "), make_ctx())
