"""Cloud Natural Language API v1: `documents:analyzeSentiment`, `:analyzeEntities`,
`:analyzeSyntax`, `:analyzeEntitySentiment`, `:classifyText` and `:moderateText`.

Reference: https://cloud.google.com/natural-language/docs/reference/rest/v1/documents. Requests ask
for UTF32 offsets, which are code-point indexes: the same as Python string indexes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from unigate.providers.base import CallContext, Constraints, Offer, ProviderResult
from unigate.providers.google import client
from unigate.providers.google.common import bucket, integer, num, spec
from unigate.providers.google.config import Api

MODEL = "v1"
MAX_TEXT_CHARS = 1_000_000  # the API's document limit is 1,000,000 bytes
POSITIVE, NEGATIVE = 0.25, -0.25  # Google: scores near 0 are neutral (or mixed)

# Documented per-feature language support (others are checked by the API itself).
SYNTAX_LANGUAGES = frozenset({"zh", "zh-Hant", "en", "fr", "de", "it", "ja", "ko", "pt", "ru", "es"})
ENTITY_SENTIMENT_LANGUAGES = frozenset({"en", "ja", "es"})


def _document(input: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": "PLAIN_TEXT", "content": input.text}
    if getattr(input, "language", None):
        doc["language"] = input.language
    return doc


async def analyze(ctx: CallContext, method: str, body: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = await client.request_json(
        ctx, Api.LANGUAGE, "POST", f"/v1/documents:{method}", json_body=body
    )
    return result


def sentiment_label(score: float | None) -> str | None:
    if score is None:
        return None
    if score >= POSITIVE:
        return "Positive"
    if score <= NEGATIVE:
        return "Negative"
    return "Neutral"


def _text(span: Any) -> str:
    return str((span or {}).get("content", ""))


# --- normalizers ----------------------------------------------------------------------------------


def sentiment_output(resp: dict[str, Any]) -> dict[str, Any]:
    doc_score = num((resp.get("documentSentiment") or {}).get("score"))
    items = []
    for sentence in resp.get("sentences") or []:
        score = num((sentence.get("sentiment") or {}).get("score"))
        items.append(
            {
                "segment": _text(sentence.get("text")),
                "sentiment": sentiment_label(score),
                "sentiment_rate": None if score is None else abs(score),
            }
        )
    return {
        "general_sentiment": sentiment_label(doc_score),
        "general_sentiment_rate": None if doc_score is None else abs(doc_score),
        "items": items,
    }


def entities_output(resp: dict[str, Any]) -> dict[str, Any]:
    items = [
        {"entity": e.get("name"), "category": e.get("type"), "importance": num(e.get("salience"))}
        for e in resp.get("entities") or []
    ]
    return {"items": items}


POS_TAGS = {
    "ADJ": "Adjective", "ADP": "Adposition", "ADV": "Adverb", "CONJ": "Conjunction", "DET": "Determiner",
    "NOUN": "Noun", "NUM": "Number", "PRON": "Pronoun", "PRT": "Particle", "PUNCT": "Punctuation",
    "VERB": "Verb", "X": "Other", "AFFIX": "Affix",
}  # fmt: skip
# PartOfSpeech morphology fields kept in `others` (renamed where the output names them differently).
MORPHOLOGY = {"aspect": "aspect", "case": "case", "form": "form", "gender": "gender", "mood": "mood",
              "number": "number", "person": "person", "proper": "proper_name", "reciprocity": "reciprocity",
              "tense": "tense", "voice": "voice"}  # fmt: skip


def syntax_output(resp: dict[str, Any]) -> dict[str, Any]:
    items = []
    for token in resp.get("tokens") or []:
        pos = token.get("partOfSpeech") or {}
        others = {
            name: value
            for field, name in MORPHOLOGY.items()
            if isinstance(value := pos.get(field), str) and not value.endswith("_UNKNOWN")
        }
        items.append(
            {
                "word": _text(token.get("text")),
                "importance": None,
                "tag": POS_TAGS.get(pos.get("tag", "")),
                "lemma": token.get("lemma"),
                "others": others,
            }
        )
    return {"items": items}


def entity_sentiment_output(resp: dict[str, Any]) -> dict[str, Any]:
    """One item per mention: its text, offsets and the sentiment expressed at that mention."""
    items = []
    for entity in resp.get("entities") or []:
        for mention in entity.get("mentions") or []:
            span = mention.get("text") or {}
            begin = integer(span.get("beginOffset"))
            content = _text(span)
            items.append(
                {
                    "type": entity.get("type"),
                    "text": content,
                    "sentiment": sentiment_label(num((mention.get("sentiment") or {}).get("score"))),
                    "begin_offset": begin,
                    "end_offset": begin + len(content),
                }
            )
    return {"items": items}


def topics_output(resp: dict[str, Any]) -> dict[str, Any]:
    items = [
        {"category": c.get("name"), "importance": num(c.get("confidence"))}
        for c in resp.get("categories") or []
    ]
    return {"items": items}


# moderateText categories -> (category, subcategory) of the moderation taxonomy; True when harmful
# (the others are sensitive topics, which do not make a text unsafe).
MODERATION = {
    "Toxic": ("Toxic", "Toxic", True),
    "Insult": ("Toxic", "Insult", True),
    "Profanity": ("Toxic", "Obscene", True),
    "Derogatory": ("HateAndExtremism", "Hate", True),
    "Sexual": ("Sexual", "Sexual", True),
    "Death, Harm & Tragedy": ("Violence", "Violence", True),
    "Violent": ("Violence", "PhysicalViolence", True),
    "Firearms & Weapons": ("Violence", "WeaponViolence", True),
    "Illicit Drugs": ("DrugAndAlcohol", "DrugProducts", True),
    "Public Safety": ("Content", "PublicSafety", False),
    "Health": ("Content", "Health", False),
    "Religion & Belief": ("Other", "Religion", False),
    "War & Conflict": ("Violence", "Violence", False),
    "Politics": ("Content", "Politics", False),
    "Finance": ("Finance", "Finance", False),
    "Legal": ("Content", "Legal", False),
}


def moderation_output(resp: dict[str, Any]) -> dict[str, Any]:
    items = []
    harmful: list[float] = []
    for cat in resp.get("moderationCategories") or []:
        name = str(cat.get("name", ""))
        score = num(cat.get("confidence"))
        category, subcategory, is_harm = MODERATION.get(name, ("Other", "Other", False))
        if is_harm and score is not None:
            harmful.append(score)
        items.append(
            {
                "label": name,
                "likelihood": bucket(score),
                "category": category,
                "subcategory": subcategory,
                "likelihood_score": score,
            }
        )
    top = max(harmful) if harmful else None
    return {"nsfw_likelihood": bucket(top), "items": items, "nsfw_likelihood_score": top}


# --- offers ---------------------------------------------------------------------------------------

Normalize = Callable[[dict[str, Any]], dict[str, Any]]


def _body(method: str, input: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"document": _document(input)}
    if method == "classifyText":  # the V2 content categories (1,000+ categories, more languages)
        body["classificationModelOptions"] = {"v2Model": {"contentCategoriesVersion": "V2"}}
    elif method != "moderateText":
        body["encodingType"] = "UTF32"
    return body


def _runner(method: str, normalize: Normalize) -> Callable[[Any, CallContext], Awaitable[ProviderResult]]:
    async def run(input: Any, ctx: CallContext) -> ProviderResult:
        resp = await analyze(ctx, method, _body(method, input))
        return ProviderResult(output=normalize(resp), raw=resp, usage={"char": len(input.text)})

    return run


_FEATURES: tuple[tuple[str, str, Normalize, frozenset[str] | None, str], ...] = (
    ("text/sentiment_analysis", "analyzeSentiment", sentiment_output, None,
     "Document and per-sentence sentiment; labels from the score (>= 0.25 positive, <= -0.25 negative), "
     "rate = |score|."),
    ("text/named_entity_recognition", "analyzeEntities", entities_output, None,
     "Entities with their type and salience (importance)."),
    ("text/syntax_analysis", "analyzeSyntax", syntax_output, SYNTAX_LANGUAGES,
     "Tokens with part of speech, lemma and morphology (in `others`)."),
    ("text/entity_sentiment", "analyzeEntitySentiment", entity_sentiment_output, ENTITY_SENTIMENT_LANGUAGES,
     "One item per entity mention with its sentiment and code-point offsets."),
    ("text/topic_extraction", "classifyText", topics_output, None,
     "Content categories (V2 taxonomy) with confidence."),
    ("text/moderation", "moderateText", moderation_output, None,
     "Moderation categories with confidence (likelihood = confidence in fifths, 1-5); "
     "nsfw is the highest harmful category (not sensitive topics such as Politics or Health)."),
)  # fmt: skip


def offers() -> list[Offer]:
    return [
        Offer(
            subfeature=sub,
            models=(spec(sub, MODEL, f"Natural Language API v1 {method}"),),
            default_model=MODEL,
            constraints=Constraints(languages=languages, max_text_chars=MAX_TEXT_CHARS),
            run=_runner(method, normalize),
            notes=f"Cloud Natural Language API v1 documents:{method}. {notes}",
        )
        for sub, method, normalize, languages, notes in _FEATURES
    ]
