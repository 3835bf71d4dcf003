"""text/sentiment_analysis with VADER (the lexicon and rules bundled in `vaderSentiment`; English)."""

from __future__ import annotations

from typing import Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.local.models import LazyModel, run_small
from unigate.providers.local.textsplit import sentences

MODEL = "vader"
MAX_CHARS = 100_000
# VADER's authors' thresholds on the compound score (-1..1) for positive / negative / neutral.
THRESHOLD = 0.05
# Up to this many characters the call runs on the event loop (measured: ~0.1 ms for a 95-character
# sentence, ~0.2-0.5 ms at 200 characters, about the cost of the hop to the CPU pool).
INLINE_MAX_CHARS = 200

EXTRA = "local-nlp"
REQUIRES = ("vaderSentiment",)


def _load() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


ANALYZER: LazyModel[Any] = LazyModel(MODEL, _load)


def label(compound: float) -> str:
    if compound >= THRESHOLD:
        return "Positive"
    if compound <= -THRESHOLD:
        return "Negative"
    return "Neutral"


def _rate(compound: float) -> float:
    # The rate is the strength of the polarity named by the label (|compound|); 0 when neutral.
    return round(abs(compound), 4) if label(compound) != "Neutral" else 0.0


def analyse(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Blocking: (output, raw). The overall score is VADER's on the whole text (it sums the
    valence of every word and normalises), each segment's on its own sentence."""
    analyzer = ANALYZER.get()
    overall = analyzer.polarity_scores(text)
    items = []
    raw_segments = []
    for span in sentences(text):
        # A text that is one sentence is its own only segment: VADER's score is the same, once.
        scores = overall if span.text == text else analyzer.polarity_scores(span.text)
        compound = float(scores["compound"])
        items.append({"segment": span.text, "sentiment": label(compound), "sentiment_rate": _rate(compound)})
        raw_segments.append({"start": span.start, "end": span.end, **scores})
    compound = float(overall["compound"])
    output = {"general_sentiment": label(compound), "general_sentiment_rate": _rate(compound), "items": items}
    return output, {"model": MODEL, "scores": overall, "segments": raw_segments}


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    text = str(input.text or "")
    if not text.strip():
        raise ProviderInvalidInput("text is empty")
    output, raw = await run_small(ctx, ANALYZER, len(text) <= INLINE_MAX_CHARS, analyse, text)
    return ProviderResult(output=output, raw=raw, usage={"char": len(text)})


def offer() -> Offer:
    return Offer(
        subfeature="text/sentiment_analysis",
        models=(
            ModelSpec(
                MODEL,
                memory_mb=10,
                description="VADER 3.3.2: English sentiment lexicon and rules (tuned on social-media text)",
            ),
        ),
        default_model=MODEL,
        constraints=Constraints(languages=frozenset({"en"}), max_text_chars=MAX_CHARS),
        run=run,
        compute="cpu",
        notes="Runs on this server's CPU: a lexicon and rules, not a neural model. English only. "
        "Label from VADER's compound score c (-1..1): Positive if c >= 0.05, Negative if c <= -0.05, "
        "else Neutral; the rate is |c| (0 when Neutral). Segments are sentences. Misses sarcasm and "
        "sentiment carried by facts rather than words.",
    )


def offers() -> tuple[Offer, ...]:
    return (offer(),)
