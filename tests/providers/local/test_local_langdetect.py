"""translation/language_detection: fastText lid.176 on a small labelled set."""

from __future__ import annotations

import pytest

from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.local import langdetect

from ._support import TextInput, assert_shape, make_ctx, output

LABELLED = [
    ("en", "The weather is lovely today, so we are going for a walk in the park."),
    ("fr", "Nous allons au marché ce matin pour acheter des légumes frais."),
    ("de", "Ich habe heute keine Zeit, weil ich noch viel arbeiten muss."),
    ("es", "Mañana vamos a visitar a mis abuelos que viven en el campo."),
    ("it", "Questa sera andiamo a cena in un piccolo ristorante vicino al mare."),
    ("pt", "Eu gosto muito de ler livros antes de dormir todas as noites."),
    ("nl", "Wij gaan morgen met de fiets naar het strand als het mooi weer is."),
    ("ru", "Сегодня вечером мы пойдём в театр смотреть новый спектакль."),
    ("pl", "Jutro rano pojedziemy pociągiem do Krakowa na spotkanie z rodziną."),
    ("ja", "今日はとても天気が良いので、公園を散歩しました。"),
]


async def test_accuracy_on_labelled_sentences() -> None:
    right = 0
    for expected, text in LABELLED:
        result = await langdetect.run(TextInput(text=text), make_ctx())
        assert_shape(result.output, "translation/language_detection")
        items = output(result)["items"]
        assert 1 <= len(items) <= langdetect.TOP_K
        assert items == sorted(items, key=lambda i: -i["confidence"])
        assert all(0.0 <= i["confidence"] <= 1.0 for i in items)
        right += items[0]["language"] == expected
    assert right >= len(LABELLED) - 1


async def test_display_names_and_usage() -> None:
    text = "Bonjour à tous, comment allez-vous ?"
    result = await langdetect.run(TextInput(text=text), make_ctx())
    top = output(result)["items"][0]
    assert (top["language"], top["display_name"]) == ("fr", "French")
    assert top["confidence"] > 0.5
    assert result.usage == {"char": len(text)}


async def test_every_model_label_has_a_name() -> None:
    # Ask for every label the model knows; each must map to a name from the vendored table.
    detector = langdetect.DETECTOR.get()
    labels = {c["lang"] for c in detector.detect("hello world", model="lite", k=200)}
    assert len(labels) > 150
    assert labels <= set(langdetect.language_names())


async def test_empty_text_is_rejected() -> None:
    with pytest.raises(ProviderInvalidInput):
        await langdetect.run(TextInput(text="   "), make_ctx())
