"""text/spell_check: pyspellchecker on labelled misspellings, offsets, names and other languages."""

from __future__ import annotations

from typing import Any

import pytest

from unigate.providers.errors import ProviderInvalidInput, UnsupportedLanguage
from unigate.providers.local import spelling

from ._support import TextInput, assert_shape, make_ctx, output

pytest.importorskip("spellchecker")

# (misspelled, expected correction): common typos; all but "tommorow" are one edit away.
LABELLED = [
    ("recieve", "receive"), ("langauge", "language"), ("sentnce", "sentence"), ("severl", "several"),
    ("speling", "spelling"), ("erors", "errors"), ("factry", "factory"), ("goverment", "government"),
    ("definately", "definitely"), ("accomodation", "accommodation"), ("tommorow", "tomorrow"),
    ("wich", "which"),
]  # fmt: skip


class LanguageInput(TextInput):
    language: str | None = None


async def _check(text: str, language: str | None = None) -> tuple[list[dict[str, Any]], Any]:
    result = await spelling.run(LanguageInput(text=text, language=language), make_ctx())
    assert_shape(result.output, "text/spell_check")
    out = output(result)
    assert out["text"] == text
    return out["items"], result


async def test_top_suggestion_on_labelled_misspellings() -> None:
    text = "We " + " and ".join(wrong for wrong, _ in LABELLED) + " today."
    items, _ = await _check(text)
    assert [i["text"] for i in items] == [wrong for wrong, _ in LABELLED]
    right = 0
    for item, (wrong, want) in zip(items, LABELLED, strict=True):
        assert text[item["offset"] : item["offset"] + item["length"]] == wrong
        assert item["type"] == "misspelled" and len(item["suggestions"]) <= spelling.MAX_SUGGESTIONS
        scores = [s["score"] for s in item["suggestions"]]
        assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
        right += bool(item["suggestions"]) and item["suggestions"][0]["suggestion"] == want
    # Measured: 10 of 12 ("tommorow" is two edits away; "wich" -> the more frequent "with").
    assert right >= len(LABELLED) - 3


async def test_correct_text_names_and_acronyms_are_not_flagged() -> None:
    items, _ = await _check("Angela Merkel met the NASA team in Houston on Monday, and they didn't argue.")
    assert items == []


async def test_case_is_kept_and_the_raw_carries_the_corrected_text() -> None:
    items, result = await _check("Thiis is a sampel tset.")
    assert items[0]["suggestions"][0]["suggestion"] == "This"
    assert result.raw["corrected"].startswith("This is a sample")
    assert result.usage == {"char": len("Thiis is a sampel tset.")}


async def test_other_languages_and_elisions() -> None:
    items, _ = await _check("Je voudrais un cafe au lait, s’il vous plaît.", "fr")
    assert [(i["text"], i["suggestions"][0]["suggestion"]) for i in items] == [("cafe", "café")]
    items, _ = await _check("Das Haus ist sehr schoen und grosse.", "de")
    assert "Haus" not in {i["text"] for i in items}


async def test_unsupported_language_and_empty_text_are_rejected() -> None:
    with pytest.raises(UnsupportedLanguage, match="supported: ar, de, en"):
        await spelling.run(LanguageInput(text="hello", language="ja"), make_ctx())
    with pytest.raises(ProviderInvalidInput):
        await spelling.run(LanguageInput(text=" "), make_ctx())
