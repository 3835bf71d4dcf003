"""Textract AnalyzeID: ocr/identity_parser (US driver's licences and passports, any passport's MRZ).

Fields come as IdentityDocumentFields keyed by normalized Type (FIRST_NAME, DATE_OF_BIRTH,
MRZ_CODE...); dates carry a NormalizedValue ("2030-10-14T00:00:00") that we cut to the date.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unigate.providers.amazon import aws
from unigate.providers.amazon import blocks as tb
from unigate.providers.amazon.textract import document, load
from unigate.providers.base import CallContext, ProviderResult

Value = dict[str, Any]


def _fields(doc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for f in doc.get("IdentityDocumentFields") or ():
        kind = str((f.get("Type") or {}).get("Text") or "").upper().replace(" ", "_")
        detection = f.get("ValueDetection") or {}
        if kind and detection.get("Text") not in (None, ""):
            out.setdefault(kind, detection)
    return out


def _value(fields: Mapping[str, Mapping[str, Any]], kind: str) -> Value:
    detection = fields.get(kind)
    if detection is None:
        return {"value": None, "confidence": None}
    text = str(detection.get("Text"))
    normalized = detection.get("NormalizedValue") or {}
    if normalized.get("ValueType") == "Date" and normalized.get("Value"):
        text = str(normalized["Value"])[:10]
    return {"value": text, "confidence": tb.confidence(detection.get("Confidence"))}


def _address(fields: Mapping[str, Mapping[str, Any]]) -> Value:
    street = _value(fields, "ADDRESS")
    parts = [
        _value(fields, k)["value"] for k in ("CITY_IN_ADDRESS", "STATE_IN_ADDRESS", "ZIP_CODE_IN_ADDRESS")
    ]
    tail = " ".join(p for p in parts if p)
    if street["value"] and tail:
        return {"value": f"{street['value']}, {tail}", "confidence": street["confidence"]}
    return street


def _country(mrz: str | None) -> dict[str, Any]:
    """A passport MRZ names the issuing state (ICAO alpha-3) in characters 3-5 of its first line."""
    alpha3 = None
    if mrz and mrz[:1] == "P" and len(mrz) >= 5:
        alpha3 = mrz[2:5].replace("<", "") or None
    return {"name": None, "alpha2": None, "alpha3": alpha3, "confidence": None}


def _document(doc: Mapping[str, Any]) -> dict[str, Any]:
    fields = _fields(doc)
    given = [_value(fields, k) for k in ("FIRST_NAME", "MIDDLE_NAME") if k in fields]
    mrz = _value(fields, "MRZ_CODE")
    return {
        "last_name": _value(fields, "LAST_NAME"),
        "given_names": given,
        "birth_place": _value(fields, "PLACE_OF_BIRTH"),
        "birth_date": _value(fields, "DATE_OF_BIRTH"),
        "issuance_date": _value(fields, "DATE_OF_ISSUE"),
        "expire_date": _value(fields, "EXPIRATION_DATE"),
        "document_id": _value(fields, "DOCUMENT_NUMBER"),
        "issuing_state": _value(fields, "STATE_NAME"),
        "address": _address(fields),
        "age": {"value": None, "confidence": None},
        "country": _country(mrz["value"]),
        "document_type": _value(fields, "ID_TYPE"),
        "gender": {"value": None, "confidence": None},
        "image_id": [],
        "image_signature": [],
        "mrz": mrz,
        "nationality": {"value": None, "confidence": None},
    }


def to_identity(response: Mapping[str, Any]) -> dict[str, Any]:
    return {"extracted_data": [_document(d) for d in response.get("IdentityDocuments") or ()]}


async def run_identity(input: Any, ctx: CallContext) -> ProviderResult:
    loaded = await load(input, ctx)
    response = await aws.json_api(ctx, aws.TEXTRACT, "AnalyzeID", {"DocumentPages": [document(loaded)]})
    return ProviderResult(to_identity(response), raw=response, usage={"page": tb.page_count(response)})
