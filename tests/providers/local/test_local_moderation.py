"""text/moderation: alt-profanity-check on a small labelled set, and the likelihood mapping."""

from __future__ import annotations

import pytest

from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.local import moderation

from ._support import TextInput, assert_shape, make_ctx, output

pytest.importorskip("profanity_check")

OFFENSIVE = [
    "You are a stupid idiot and everybody hates you.",
    "Shut up, you worthless piece of shit.",
    "Go to hell, you bastard.",
    "What a fucking moron.",
    "This dumb asshole can't even drive.",
    "You're such a pathetic loser, screw you.",
]
CLEAN = [
    "Have a nice day and thanks for your help.",
    "The meeting has been moved to Thursday afternoon.",
    "Could you send me the report by Friday?",
    "The soup was a bit too salty for my taste.",
    "I disagree with your argument about the budget.",
    "Our team won the match two to one.",
]


async def test_accuracy_on_labelled_texts() -> None:
    right = 0
    for expected, texts in ((True, OFFENSIVE), (False, CLEAN)):
        for text in texts:
            result = await moderation.run(TextInput(text=text), make_ctx())
            assert_shape(result.output, "text/moderation")
            out = output(result)
            item = out["items"][0]
            assert (item["label"], item["category"]) == ("offensive", "Toxic")
            assert out["nsfw_likelihood_score"] == item["likelihood_score"]
            assert (
                out["nsfw_likelihood"]
                == item["likelihood"]
                == moderation.likelihood(item["likelihood_score"])
            )
            right += (item["likelihood_score"] >= 0.5) == expected
    assert right >= len(OFFENSIVE) + len(CLEAN) - 1


async def test_one_insult_in_a_long_text_is_not_diluted() -> None:
    text = " ".join(CLEAN) + " You are a stupid idiot. " + " ".join(CLEAN)
    result = await moderation.run(TextInput(text=text), make_ctx())
    assert output(result)["nsfw_likelihood"] >= 4
    assert max(s["score"] for s in result.raw["sentences"]) >= 0.8
    assert result.usage == {"char": len(text)}


def test_likelihood_levels() -> None:
    assert [moderation.likelihood(p) for p in (0.0, 0.19, 0.2, 0.5, 0.79, 0.8, 1.0)] == [1, 1, 2, 3, 4, 5, 5]


async def test_empty_text_is_rejected() -> None:
    with pytest.raises(ProviderInvalidInput):
        await moderation.run(TextInput(text=""), make_ctx())
