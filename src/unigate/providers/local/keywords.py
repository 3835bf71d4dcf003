"""text/keyword_extraction: TextRank key phrases over spaCy's en_core_web_sm (the PyTextRank recipe:
rank content-word lemmas by co-occurrence, then score noun phrases and names by their words)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.local import spacy_en
from unigate.providers.local.textrank import pagerank

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

MODEL = "textrank-en"
TOP = 10
WINDOW = 3  # candidate words this close (counting only candidates) are linked
CONTENT_POS = frozenset({"NOUN", "PROPN", "ADJ"})
NUMERIC_ENTITIES = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
LEADING = frozenset({"DET", "PRON", "PUNCT", "ADP", "CCONJ"})  # "the", "our", "(" before a phrase

EXTRA = "local-nlp"
REQUIRES = (*spacy_en.REQUIRES, "numpy")


def _is_content(token: Token) -> bool:
    return token.pos_ in CONTENT_POS and not token.is_stop and token.is_alpha


def _key(token: Token) -> str:
    return token.lemma_.lower()


def _word_ranks(doc: Doc) -> dict[str, float]:
    import numpy as np

    index: dict[str, int] = {}
    edges: list[tuple[int, int]] = []
    for sent in doc.sents:
        seen = [index.setdefault(_key(t), len(index)) for t in sent if _is_content(t)]
        for hop in range(1, WINDOW):
            edges += [(a, b) for a, b in zip(seen, seen[hop:], strict=False) if a != b]
    weights = np.zeros((len(index), len(index)))
    for a, b in edges:
        weights[a, b] += 1.0
        weights[b, a] += 1.0
    ranks = pagerank(weights)
    return {word: float(ranks[i]) for word, i in index.items()}


def _leading(token: Token) -> bool:
    """Words dropped from the front of a phrase: "the", "our", "(", "44th", "three"."""
    return token.pos_ in LEADING or token.is_stop or token.like_num or token.ent_type_ in NUMERIC_ENTITIES


def _trim(span: Span) -> Span | None:
    start, end = span.start, span.end
    while start < end and _leading(span.doc[start]):
        start += 1
    while end > start and span.doc[end - 1].is_punct:
        end -= 1
    return span.doc[start:end] if end > start else None


def extract(text: str, top: int = TOP) -> list[dict[str, Any]]:
    """Blocking: up to `top` key phrases, best first, importance relative to the best (1.0)."""
    doc = spacy_en.parse(text, spacy_en.COMPONENTS)
    ranks = _word_ranks(doc)
    phrases: dict[str, dict[str, Any]] = {}
    candidates = [*doc.noun_chunks, *(e for e in doc.ents if e.label_ not in NUMERIC_ENTITIES)]
    for span in candidates:
        trimmed = _trim(span)
        if trimmed is None:
            continue
        scores = [ranks[_key(t)] for t in trimmed if _is_content(t)]
        if not scores:
            continue
        # PyTextRank's phrase rank: words outside the graph dilute it.
        others = len(trimmed) - len(scores)
        score = math.sqrt(sum(scores) / (len(trimmed) + others))
        key = " ".join(_key(t) for t in trimmed)
        found = phrases.setdefault(key, {"keyword": trimmed.text, "score": 0.0, "count": 0})
        found["score"] = max(found["score"], score)
        found["count"] += 1
    best = sorted(phrases.values(), key=lambda p: -p["score"])[:top]
    top_score = best[0]["score"] if best else 1.0
    return [{**p, "importance": round(p["score"] / top_score, 4)} for p in best]


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    text = str(input.text or "")
    if not text.strip():
        raise ProviderInvalidInput("text is empty")
    found = await ctx.run_blocking(extract, text)
    items = [{"keyword": p["keyword"], "importance": p["importance"]} for p in found]
    raw = {
        "model": f"{spacy_en.NAME}-{spacy_en.VERSION}+textrank",
        "phrases": [
            {"keyword": p["keyword"], "score": round(p["score"], 6), "count": p["count"]} for p in found
        ],
    }
    return ProviderResult(output={"items": items}, raw=raw, usage={"char": len(text)})


def offer() -> Offer:
    return Offer(
        subfeature="text/keyword_extraction",
        models=(
            ModelSpec(
                MODEL,
                memory_mb=130,
                description="TextRank over spaCy en_core_web_sm 3.8.0 noun phrases and names",
            ),
        ),
        default_model=MODEL,
        constraints=Constraints(languages=frozenset({"en"}), max_text_chars=spacy_en.MAX_CHARS),
        run=run,
        compute="cpu",
        notes="Runs on this server's CPU. English only. Unsupervised: nouns, proper nouns and "
        "adjectives are ranked by co-occurrence (TextRank), then noun phrases and names (not dates or "
        "numbers) are scored by their words. Up to 10 phrases, best first; importance is relative to "
        "the best phrase (1.0), not a probability.",
    )


def offers() -> tuple[Offer, ...]:
    return (offer(),)
