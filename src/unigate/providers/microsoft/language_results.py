"""Normalize Azure AI Language task results (documents of one or more requests, in input order)
into the canonical outputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Document = dict[str, Any]

_LABELS = ("positive", "neutral", "negative")


def _label(scores: Mapping[str, Any]) -> str:
    return max(_LABELS, key=lambda name: float(scores.get(name) or 0.0))


def sentiment_output(docs: Sequence[Document], pieces: Sequence[str]) -> dict[str, Any]:
    if len(docs) == 1 and docs[0].get("sentiment") in _LABELS:
        label = str(docs[0]["sentiment"])
        rate = float((docs[0].get("confidenceScores") or {}).get(label) or 0.0)
    else:
        # "mixed", or several pieces: the label with the highest length-weighted mean score.
        total = sum(len(p) for p in pieces) or 1
        means = {
            name: sum(
                float((d.get("confidenceScores") or {}).get(name) or 0.0) * len(p)
                for d, p in zip(docs, pieces, strict=True)
            )
            / total
            for name in _LABELS
        }
        label = _label(means)
        rate = round(means[label], 4)
    items = [
        {
            "segment": s.get("text"),
            "sentiment": str(s.get("sentiment") or "neutral").capitalize(),
            "sentiment_rate": (s.get("confidenceScores") or {}).get(s.get("sentiment")),
        }
        for d in docs
        for s in d.get("sentences") or ()
    ]
    return {"general_sentiment": label.capitalize(), "general_sentiment_rate": rate, "items": items}


def entities_output(docs: Sequence[Document]) -> dict[str, Any]:
    return {
        "items": [
            {"entity": e.get("text"), "category": e.get("category"), "importance": e.get("confidenceScore")}
            for d in docs
            for e in d.get("entities") or ()
        ]
    }


def key_phrases_output(docs: Sequence[Document]) -> dict[str, Any]:
    seen: dict[str, None] = {}
    for d in docs:
        for phrase in d.get("keyPhrases") or ():
            seen.setdefault(str(phrase))
    # Azure ranks nothing: phrases come without scores.
    return {"items": [{"keyword": phrase, "importance": None} for phrase in seen]}


def language_output(docs: Sequence[Document]) -> dict[str, Any]:
    found = docs[0].get("detectedLanguage") or {} if docs else {}
    code = found.get("iso6391Name")
    if not code or code == "(Unknown)":
        return {"items": []}
    return {
        "items": [
            {"language": code, "display_name": found.get("name"), "confidence": found.get("confidenceScore")}
        ]
    }


_FINANCIAL = ("CreditCard", "BankAccount", "IBAN", "SWIFT", "RoutingNumber", "ABA")
_IDENTIFIERS = ("SocialSecurity", "Passport", "DriversLicense", "Identity", "TaxIdentification", "NationalID")
_PERSONAL = {
    "Person": "Name",
    "PersonType": "PersonType",
    "PhoneNumber": "PhoneNumber",
    "Email": "Email",
    "Address": "Address",
    "Age": "Age",
    "URL": "URL",
    "IPAddress": "IPAddress",
}


def pii_category(category: str) -> tuple[str, str]:
    """Azure PII categories grouped as (category, subcategory)."""
    if category in _PERSONAL:
        return "PersonalInformation", _PERSONAL[category]
    if category == "DateTime":
        return "DateAndTime", "DateTime"
    if any(part in category for part in _FINANCIAL):
        return "FinancialInformation", category
    if any(part in category for part in _IDENTIFIERS):
        return "IdentificationNumbers", category
    if category == "Organization":
        return "Organization", category
    return "Other", category


def pii_output(docs: Sequence[Document], offsets: Sequence[int]) -> dict[str, Any]:
    entities = []
    for doc, start in zip(docs, offsets, strict=True):
        for e in doc.get("entities") or ():
            category, sub = pii_category(str(e.get("category") or ""))
            entities.append(
                {
                    "offset": int(e.get("offset") or 0) + start,
                    "length": e.get("length"),
                    "category": category,
                    "subcategory": e.get("subcategory") or sub,
                    "original_label": e.get("category"),
                    "content": e.get("text"),
                    "confidence_score": e.get("confidenceScore"),
                }
            )
    return {"result": "".join(str(d.get("redactedText") or "") for d in docs), "entities": entities}
