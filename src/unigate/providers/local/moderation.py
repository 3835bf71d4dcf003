"""text/moderation with `alt-profanity-check` (a TF-IDF + linear SVM offensive-language classifier
whose fitted model ships inside the wheel; English)."""

from __future__ import annotations

from typing import Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.local.models import LazyModel
from unigate.providers.local.textsplit import sentences

MODEL = "profanity-check"
MAX_CHARS = 100_000
# The one thing the model detects. Eden's taxonomy files insults and profanity under "Toxic".
LABEL = {"label": "offensive", "category": "Toxic", "subcategory": "Offensive"}

EXTRA = "local-nlp"
REQUIRES = ("profanity_check", "sklearn")


def _load() -> Any:
    # Importing the module unpickles the vectoriser and the calibrated SVM (about 1-4 s).
    from profanity_check import profanity_check

    return profanity_check


CLASSIFIER: LazyModel[Any] = LazyModel(MODEL, _load)


def likelihood(score: float) -> int:
    """1 (very unlikely) to 5 (very likely), in fifths of the probability."""
    return min(5, int(score * 5) + 1)


def score(text: str) -> tuple[float, list[dict[str, Any]]]:
    """Blocking: the highest offensive-language probability over the whole text and each sentence
    (one insult in a long text would be diluted by the bag of words), and the per-sentence scores."""
    spans = sentences(text)
    probs = CLASSIFIER.get().predict_prob([text, *(s.text for s in spans)])
    per_sentence = [
        {"start": s.start, "end": s.end, "score": round(float(p), 6)}
        for s, p in zip(spans, probs[1:], strict=True)
    ]
    return max(float(p) for p in probs), per_sentence


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    text = str(input.text or "")
    if not text.strip():
        raise ProviderInvalidInput("text is empty")
    prob, per_sentence = await ctx.run_blocking(score, text)
    prob = round(prob, 6)
    level = likelihood(prob)
    output = {
        "nsfw_likelihood": level,
        "items": [{**LABEL, "likelihood": level, "likelihood_score": prob}],
        "nsfw_likelihood_score": prob,
    }
    raw = {"model": MODEL, "score": prob, "sentences": per_sentence}
    return ProviderResult(output=output, raw=raw, usage={"char": len(text)})


def offer() -> Offer:
    return Offer(
        subfeature="text/moderation",
        models=(
            ModelSpec(
                MODEL,
                memory_mb=110,
                description="alt-profanity-check 1.9.1: TF-IDF + calibrated linear SVM trained on "
                "offensive and profane English comments",
            ),
        ),
        default_model=MODEL,
        constraints=Constraints(languages=frozenset({"en"}), max_text_chars=MAX_CHARS),
        run=run,
        compute="cpu",
        notes="Runs on this server's CPU. One label only, 'offensive' (Toxic/Offensive): the "
        "probability that the text contains profane or insulting English language, scored on the "
        "whole text and on each sentence (the highest is reported); likelihood 1-5 in fifths of it. "
        "A bag-of-words model: it cannot see politely worded hate, threats or harassment without "
        "offensive words, sexual or violent content, self-harm, context or sarcasm, and it does not "
        "work on non-English text or on images.",
    )


def offers() -> tuple[Offer, ...]:
    return (offer(),)
