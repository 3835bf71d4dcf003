"""Comprehend (API 2017-11-27, JSON 1.1, target prefix Comprehend_20171127): sentiment, entities,
key phrases, syntax, dominant language, PII (anonymization) and toxicity (moderation).

When the input names no language, the analysis is preceded by DetectDominantLanguage; that extra
request is reported as its own unit ("char:detect") so that both requests are billed as AWS bills
them (units of 100 characters, 3 units minimum per request).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from unigate.providers.amazon import aws
from unigate.providers.amazon.languages import comprehend_code, name_of
from unigate.providers.amazon.scale import likelihood
from unigate.providers.base import CallContext, ProviderResult
from unigate.providers.errors import UnsupportedLanguage

# Languages of each family of operations (Comprehend developer guide, "Supported languages").
MAIN_LANGUAGES = frozenset({"en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW"})
SYNTAX_LANGUAGES = frozenset({"en", "es", "fr", "de", "it", "pt"})
PII_LANGUAGES = frozenset({"en", "es"})
TOXICITY_LANGUAGES = frozenset({"en"})

# Request size limits (UTF-8 bytes; used as character limits, a safe lower bound for ASCII text).
SENTIMENT_MAX = 5_000
SYNTAX_MAX = 5_000
DOCUMENT_MAX = 100_000
SEGMENT_BYTES = 1_000  # DetectToxicContent: each segment <= 1 KB, at most 10 segments
SEGMENTS_PER_REQUEST = 10

UNIT_CHARS = 100
MIN_CHARS = 300


def billed_chars(length: int) -> int:
    """Characters AWS bills for one request: whole 100-character units, 3 units at least."""
    return max(MIN_CHARS, math.ceil(length / UNIT_CHARS) * UNIT_CHARS)


async def call(ctx: CallContext, operation: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    return await aws.json_api(ctx, aws.COMPREHEND, operation, payload)


async def resolve_language(
    ctx: CallContext, text: str, given: str | None, supported: frozenset[str]
) -> tuple[str, dict[str, int]]:
    """The Comprehend language code to analyse in, and the extra usage of detecting it."""
    if given:
        code, usage = comprehend_code(given), {}
    else:
        found = await call(ctx, "DetectDominantLanguage", {"Text": text})
        best = max(found.get("Languages") or (), key=lambda x: float(x.get("Score") or 0), default=None)
        if best is None:
            raise UnsupportedLanguage("amazon: Comprehend could not detect the language of the text")
        code, usage = comprehend_code(str(best.get("LanguageCode"))), {"char:detect": len(text)}
    if code not in supported:
        listed = ", ".join(sorted(supported))
        raise UnsupportedLanguage(
            f"amazon: Comprehend does not support language {code!r} here; supported: {listed}"
        )
    return code, usage


async def analyse(
    input: Any, ctx: CallContext, operation: str, supported: frozenset[str]
) -> tuple[dict[str, Any], dict[str, int]]:
    text: str = input.text
    code, usage = await resolve_language(ctx, text, getattr(input, "language", None), supported)
    response = await call(ctx, operation, {"Text": text, "LanguageCode": code})
    return response, {"char": len(text), **usage}


# ---------------------------------------------------------------------- sentiment


def to_sentiment(response: Mapping[str, Any]) -> dict[str, Any]:
    label = str(response.get("Sentiment") or "NEUTRAL").upper()
    scores = response.get("SentimentScore") or {}
    # The canonical labels are Positive/Negative/Neutral: MIXED reads as Neutral, rated by its own score.
    rate = scores.get(label.capitalize())
    general = "Neutral" if label == "MIXED" else label.capitalize()
    return {
        "general_sentiment": general,
        "general_sentiment_rate": round(float(rate), 4) if isinstance(rate, (int, float)) else None,
        "items": [],
    }


async def run_sentiment(input: Any, ctx: CallContext) -> ProviderResult:
    response, usage = await analyse(input, ctx, "DetectSentiment", MAIN_LANGUAGES)
    return ProviderResult(to_sentiment(response), raw=response, usage=usage)


# ---------------------------------------------------------------------- entities, key phrases


def to_entities(response: Mapping[str, Any]) -> dict[str, Any]:
    items = [
        {"entity": e.get("Text"), "category": e.get("Type"), "importance": e.get("Score")}
        for e in response.get("Entities") or ()
    ]
    return {"items": items}


async def run_entities(input: Any, ctx: CallContext) -> ProviderResult:
    response, usage = await analyse(input, ctx, "DetectEntities", MAIN_LANGUAGES)
    return ProviderResult(to_entities(response), raw=response, usage=usage)


def to_keywords(response: Mapping[str, Any]) -> dict[str, Any]:
    items = [
        {"keyword": k.get("Text"), "importance": k.get("Score")} for k in response.get("KeyPhrases") or ()
    ]
    return {"items": items}


async def run_keywords(input: Any, ctx: CallContext) -> ProviderResult:
    response, usage = await analyse(input, ctx, "DetectKeyPhrases", MAIN_LANGUAGES)
    return ProviderResult(to_keywords(response), raw=response, usage=usage)


# ---------------------------------------------------------------------- syntax

# Universal POS tags as Comprehend returns them -> the readable tag names of the canonical output.
POS_NAMES = {
    "ADJ": "Adjective",
    "ADP": "Adposition",
    "ADV": "Adverb",
    "AUX": "Auxiliary",
    "CCONJ": "CoordinatingConjunction",
    "CONJ": "Conjunction",
    "DET": "Determiner",
    "INTJ": "Interjection",
    "NOUN": "Noun",
    "NUM": "Numeral",
    "O": "Other",
    "PART": "Particle",
    "PRON": "Pronoun",
    "PROPN": "ProperNoun",
    "PUNCT": "Punctuation",
    "SCONJ": "SubordinatingConjunction",
    "SYM": "Symbol",
    "VERB": "Verb",
}


def to_syntax(response: Mapping[str, Any]) -> dict[str, Any]:
    items = []
    for token in response.get("SyntaxTokens") or ():
        pos = token.get("PartOfSpeech") or {}
        tag = str(pos.get("Tag") or "")
        items.append(
            {
                "word": token.get("Text"),
                "importance": None,
                "tag": POS_NAMES.get(tag, tag or None),
                "lemma": None,  # Comprehend gives no lemmas
                "others": {"universal_tag": tag, "confidence": pos.get("Score")} if tag else {},
            }
        )
    return {"items": items}


async def run_syntax(input: Any, ctx: CallContext) -> ProviderResult:
    response, usage = await analyse(input, ctx, "DetectSyntax", SYNTAX_LANGUAGES)
    return ProviderResult(to_syntax(response), raw=response, usage=usage)


# ---------------------------------------------------------------------- language detection


def to_languages(response: Mapping[str, Any]) -> dict[str, Any]:
    found = sorted(response.get("Languages") or (), key=lambda x: -float(x.get("Score") or 0))
    items = [
        {
            "language": str(lang.get("LanguageCode")),
            "display_name": name_of(str(lang.get("LanguageCode"))),
            "confidence": lang.get("Score"),
        }
        for lang in found
    ]
    return {"items": items}


async def run_language_detection(input: Any, ctx: CallContext) -> ProviderResult:
    response = await call(ctx, "DetectDominantLanguage", {"Text": input.text})
    return ProviderResult(to_languages(response), raw=response, usage={"char": len(input.text)})


# ---------------------------------------------------------------------- anonymization (PII)

_PII_CATEGORIES = {
    "NAME": "PersonalInformation",
    "AGE": "PersonalInformation",
    "EMAIL": "PersonalInformation",
    "PHONE": "PersonalInformation",
    "USERNAME": "PersonalInformation",
    "PASSWORD": "PersonalInformation",
    "ADDRESS": "Location",
    "DATE_TIME": "DateAndTime",
    "URL": "Other",
    "IP_ADDRESS": "PersonalInformation",
    "MAC_ADDRESS": "PersonalInformation",
    "BANK_ACCOUNT_NUMBER": "FinancialInformation",
    "BANK_ROUTING": "FinancialInformation",
    "CREDIT_DEBIT_NUMBER": "FinancialInformation",
    "CREDIT_DEBIT_CVV": "FinancialInformation",
    "CREDIT_DEBIT_EXPIRY": "FinancialInformation",
    "PIN": "FinancialInformation",
    "SWIFT_CODE": "FinancialInformation",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER": "FinancialInformation",
}


def pii_category(label: str) -> tuple[str, str]:
    """(category, subcategory): identity numbers (SSN, passport, national ids...) by default."""
    category = _PII_CATEGORIES.get(label, "IdentificationNumbers")
    subcategory = "".join(part.capitalize() for part in label.split("_"))
    return category, subcategory


def to_anonymization(text: str, response: Mapping[str, Any]) -> dict[str, Any]:
    entities = []
    masked = list(text)
    for e in sorted(response.get("Entities") or (), key=lambda x: int(x.get("BeginOffset") or 0)):
        begin, end = int(e.get("BeginOffset") or 0), int(e.get("EndOffset") or 0)
        if not 0 <= begin < end <= len(text):
            continue
        label = str(e.get("Type") or "")
        category, subcategory = pii_category(label)
        masked[begin:end] = ["*"] * (end - begin)
        entities.append(
            {
                "offset": begin,
                "length": end - begin,
                "category": category,
                "subcategory": subcategory,
                "original_label": label,
                "content": text[begin:end],
                "confidence_score": e.get("Score"),
            }
        )
    return {"result": "".join(masked), "entities": entities}


async def run_anonymization(input: Any, ctx: CallContext) -> ProviderResult:
    response, usage = await analyse(input, ctx, "DetectPiiEntities", PII_LANGUAGES)
    return ProviderResult(to_anonymization(input.text, response), raw=response, usage=usage)


# ---------------------------------------------------------------------- moderation (toxicity)

_TOXIC = {
    "PROFANITY": ("Toxic", "Profanity"),
    "HATE_SPEECH": ("HateAndExtremism", "Hate"),
    "INSULT": ("Toxic", "Insult"),
    "GRAPHIC": ("Violence", "GraphicViolenceOrGore"),
    "HARASSMENT_OR_ABUSE": ("HateAndExtremism", "Harassment"),
    "SEXUAL": ("Sexual", "Sexual"),
    "VIOLENCE_OR_THREAT": ("Violence", "Threat"),
}


def segments(text: str, limit: int = SEGMENT_BYTES) -> list[str]:
    """Cut at whitespace into pieces of at most `limit` UTF-8 bytes (a long word is cut anyway)."""
    out: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if len(candidate.encode()) <= limit:
            current = candidate
            continue
        if current:
            out.append(current)
        while len(word.encode()) > limit:
            cut = limit
            while len(word[:cut].encode()) > limit:
                cut -= 1
            out.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        out.append(current)
    return out or [text]


def to_moderation(results: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    best: dict[str, float] = {}
    toxicity = 0.0
    for result in results:
        toxicity = max(toxicity, float(result.get("Toxicity") or 0.0))
        for label in result.get("Labels") or ():
            name = str(label.get("Name") or "")
            best[name] = max(best.get(name, 0.0), float(label.get("Score") or 0.0))
    items = []
    for name, score in sorted(best.items(), key=lambda kv: -kv[1]):
        category, subcategory = _TOXIC.get(name, ("Other", name.title().replace("_", "")))
        items.append(
            {
                "label": name.lower().replace("_", " "),
                "likelihood": likelihood(score),
                "category": category,
                "subcategory": subcategory,
                "likelihood_score": score,
            }
        )
    return {"nsfw_likelihood": likelihood(toxicity), "items": items, "nsfw_likelihood_score": toxicity}


async def run_moderation(input: Any, ctx: CallContext) -> ProviderResult:
    text: str = input.text
    code = comprehend_code(input.language) if input.language else "en"
    if code not in TOXICITY_LANGUAGES:
        raise UnsupportedLanguage(f"amazon: Comprehend toxicity detection reads English only, not {code!r}")
    pieces = segments(text)
    results: list[Mapping[str, Any]] = []
    raw = []
    billed = []
    for start in range(0, len(pieces), SEGMENTS_PER_REQUEST):
        batch = pieces[start : start + SEGMENTS_PER_REQUEST]
        payload = {"TextSegments": [{"Text": t} for t in batch], "LanguageCode": code}
        response = await call(ctx, "DetectToxicContent", payload)
        raw.append(response)
        results += response.get("ResultList") or ()
        billed.append(sum(len(t) for t in batch))
    # One request: the price's step and minimum apply; several: each request is billed on its own.
    chars = billed[0] if len(billed) == 1 else sum(billed_chars(n) for n in billed)
    return ProviderResult(to_moderation(results), raw=raw[0] if len(raw) == 1 else raw, usage={"char": chars})
