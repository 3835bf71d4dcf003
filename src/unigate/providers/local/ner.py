"""text/named_entity_recognition with spaCy's en_core_web_sm (OntoNotes labels; English)."""

from __future__ import annotations

from typing import Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.local import spacy_en

MODEL = "en-core-web-sm"
LABELS = (
    "CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY", "NORP", "ORDINAL",
    "ORG", "PERCENT", "PERSON", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART",
)  # fmt: skip

EXTRA = "local-nlp"
REQUIRES = spacy_en.REQUIRES


def entities(text: str) -> list[dict[str, Any]]:
    """Blocking: every entity mention in reading order, with its character offsets."""
    doc = spacy_en.parse(text, ("tok2vec", "ner"))
    return [
        {"entity": e.text, "category": e.label_, "start": e.start_char, "end": e.end_char} for e in doc.ents
    ]


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    text = str(input.text or "")
    if not text.strip():
        raise ProviderInvalidInput("text is empty")
    found = await ctx.run_blocking(entities, text)
    # The greedy spaCy decoder gives no per-entity probability, so importance stays null.
    items = [{"entity": e["entity"], "category": e["category"], "importance": None} for e in found]
    raw = {"model": f"{spacy_en.NAME}-{spacy_en.VERSION}", "entities": found}
    return ProviderResult(output={"items": items}, raw=raw, usage={"char": len(text)})


def offer() -> Offer:
    return Offer(
        subfeature="text/named_entity_recognition",
        models=(
            ModelSpec(
                MODEL,
                memory_mb=130,
                description="spaCy en_core_web_sm 3.8.0 (CNN, OntoNotes 5, 18 entity types)",
            ),
        ),
        default_model=MODEL,
        constraints=Constraints(languages=frozenset({"en"}), max_text_chars=spacy_en.MAX_CHARS),
        run=run,
        compute="cpu",
        notes="Runs on this server's CPU. English only. Categories are spaCy's OntoNotes labels: "
        + ", ".join(LABELS)
        + ". Every mention is listed in reading order; character offsets are in the raw response. "
        "importance is null: the model decodes greedily and gives no per-entity confidence.",
    )


def offers() -> tuple[Offer, ...]:
    return (offer(),)
