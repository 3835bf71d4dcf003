"""text/sentiment_analysis: VADER on a small labelled set, sentence segments and the rate mapping."""

from __future__ import annotations

import pytest

pytest.importorskip("vaderSentiment")

from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.local import sentiment

from ._support import TextInput, assert_shape, make_ctx, output

LABELLED = [
    ("Positive", "I absolutely love this phone, the camera is amazing!"),
    ("Positive", "The staff were friendly and the food was delicious."),
    ("Positive", "What a wonderful surprise, thank you so much."),
    ("Positive", "This is the best concert I have been to in years."),
    ("Positive", "The new update works great and the app feels fast."),
    ("Negative", "This is the worst customer service I have ever experienced."),
    ("Negative", "The package arrived broken and nobody answered my emails."),
    ("Negative", "I hate waiting in line for hours, it is so frustrating."),
    ("Negative", "The movie was boring and far too long."),
    ("Negative", "Terrible quality, the shoes fell apart after two days."),
    ("Neutral", "The meeting starts at nine o'clock in room four."),
    ("Neutral", "The train leaves from platform two."),
    ("Neutral", "Water boils at one hundred degrees Celsius at sea level."),
    ("Neutral", "The report has twelve pages and three tables."),
]


async def test_accuracy_on_labelled_sentences() -> None:
    right = 0
    for expected, text in LABELLED:
        result = await sentiment.run(TextInput(text=text), make_ctx())
        assert_shape(result.output, "text/sentiment_analysis")
        out = output(result)
        assert 0.0 <= out["general_sentiment_rate"] <= 1.0
        right += out["general_sentiment"] == expected
    assert right >= len(LABELLED) - 2  # 12/14 floor; VADER gets all 14 here


async def test_segments_are_sentences_with_their_own_sentiment() -> None:
    text = (
        "The hotel room was clean and the view was beautiful. "
        "Breakfast was awful and the coffee was cold. "
        "Check-out is at 11 a.m. on weekdays."
    )
    result = await sentiment.run(TextInput(text=text), make_ctx())
    out = output(result)
    assert [i["segment"] for i in out["items"]] == [
        "The hotel room was clean and the view was beautiful.",
        "Breakfast was awful and the coffee was cold.",
        "Check-out is at 11 a.m. on weekdays.",
    ]
    assert [i["sentiment"] for i in out["items"]] == ["Positive", "Negative", "Neutral"]
    assert out["items"][2]["sentiment_rate"] == 0.0
    assert out["items"][0]["sentiment_rate"] > 0.5
    segments = result.raw["segments"]
    assert [text[s["start"] : s["end"]] for s in segments] == [i["segment"] for i in out["items"]]
    assert result.usage == {"char": len(text)}


def test_rate_is_the_strength_of_the_label() -> None:
    assert sentiment.label(0.8) == "Positive" and sentiment._rate(0.8) == 0.8
    assert sentiment.label(-0.6) == "Negative" and sentiment._rate(-0.6) == 0.6
    assert sentiment.label(0.01) == "Neutral" and sentiment._rate(0.01) == 0.0


async def test_empty_text_is_rejected() -> None:
    with pytest.raises(ProviderInvalidInput):
        await sentiment.run(TextInput(text="  "), make_ctx())
