"""Normalize the prebuilt invoice, receipt and ID document models (`analyzeResult.documents[]`).

Each document has `docType`, `confidence` and `fields`: name -> DocumentField, whose typed value sits
in `value<Type>` (`valueString`, `valueDate`, `valueCurrency` {amount, currencyCode},
`valueAddress`, `valueCountryRegion`, `valueArray`, `valueObject`...) beside the raw `content`.
Field names follow the 2024-11-30 model schemas (Azure-Samples/document-intelligence-code-samples,
schema/2024-11-30-ga/{invoice,receipt,id-document}.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

Fields = Mapping[str, Any]

_SCALAR_VALUES = (
    "valueString",
    "valueDate",
    "valueTime",
    "valuePhoneNumber",
    "valueCountryRegion",
    "valueSelectionMark",
    "valueSignature",
)


def _field(fields: Fields | None, name: str) -> Mapping[str, Any]:
    found = (fields or {}).get(name)
    return found if isinstance(found, dict) else {}


def text(fields: Fields | None, name: str) -> str | None:
    """A field as text: its typed scalar value, else what was read on the page."""
    f = _field(fields, name)
    for key in _SCALAR_VALUES:
        if isinstance(f.get(key), str):
            return str(f[key])
    if isinstance(f.get("valueNumber"), (int, float)) or isinstance(f.get("valueInteger"), int):
        return str(f.get("valueNumber", f.get("valueInteger")))
    content = f.get("content")
    return content if isinstance(content, str) else None


def number(fields: Fields | None, name: str) -> float | None:
    """A currency or number field as a float."""
    f = _field(fields, name)
    currency = f.get("valueCurrency")
    if isinstance(currency, dict) and isinstance(currency.get("amount"), (int, float)):
        return float(currency["amount"])
    for key in ("valueNumber", "valueInteger"):
        if isinstance(f.get(key), (int, float)) and not isinstance(f.get(key), bool):
            return float(f[key])
    return None


def currency_code(fields: Fields | None, *names: str) -> str | None:
    for name in names:
        currency = _field(fields, name).get("valueCurrency")
        if isinstance(currency, dict) and isinstance(currency.get("currencyCode"), str):
            return str(currency["currencyCode"])
    return None


def percent(fields: Fields | None, name: str) -> float | None:
    """A rate: a number, or a string such as "18 %" or "7.5%"."""
    value = number(fields, name)
    if value is not None:
        return value
    raw = text(fields, name)
    match = re.search(r"-?\d+(?:[.,]\d+)?", raw or "")
    return float(match.group().replace(",", ".")) if match else None


def items(fields: Fields | None, name: str) -> list[Fields]:
    """The object values of an array field."""
    out: list[Fields] = []
    for entry in _field(fields, name).get("valueArray") or ():
        if isinstance(entry, dict) and isinstance(entry.get("valueObject"), dict):
            out.append(entry["valueObject"])
    return out


def address(fields: Fields | None, name: str) -> str | None:
    """An address as printed (the content keeps line breaks; make it one line)."""
    f = _field(fields, name)
    content = f.get("content")
    if isinstance(content, str) and content.strip():
        return " ".join(content.split())
    value = f.get("valueAddress")
    if isinstance(value, dict):
        return value.get("streetAddress") or None
    return None


def confidence(fields: Fields | None, name: str) -> float | None:
    value = _field(fields, name).get("confidence")
    return float(value) if isinstance(value, (int, float)) else None


def _documents(result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [d for d in result.get("documents") or () if isinstance(d, dict)]


# --- invoices -------------------------------------------------------------------------------


def _invoice(doc: Mapping[str, Any]) -> dict[str, Any]:
    f = doc.get("fields") or {}
    bank = (items(f, "PaymentDetails") or [{}])[0]
    taxes = [{"value": number(t, "Amount"), "rate": percent(t, "Rate")} for t in items(f, "TaxDetails")]
    if not taxes and number(f, "TotalTax") is not None:
        taxes = [{"value": number(f, "TotalTax"), "rate": None}]
    return {
        "customer_information": {
            "customer_name": text(f, "CustomerName") or text(f, "CustomerAddressRecipient"),
            "customer_address": address(f, "CustomerAddress"),
            "customer_email": None,
            "customer_id": text(f, "CustomerId"),
            "customer_tax_id": text(f, "CustomerTaxId"),
            "customer_mailing_address": address(f, "CustomerAddress"),
            "customer_billing_address": address(f, "BillingAddress"),
            "customer_shipping_address": address(f, "ShippingAddress"),
            "customer_service_address": address(f, "ServiceAddress"),
            "customer_remittance_address": address(f, "RemittanceAddress"),
            "abn_number": None,
            "gst_number": None,
            "pan_number": None,
            "vat_number": None,
            "siret_number": None,
            "siren_number": None,
        },
        "merchant_information": {
            "merchant_name": text(f, "VendorName") or text(f, "VendorAddressRecipient"),
            "merchant_address": address(f, "VendorAddress"),
            "merchant_phone": None,
            "merchant_email": None,
            "merchant_fax": None,
            "merchant_website": None,
            "merchant_tax_id": text(f, "VendorTaxId"),
            "merchant_siret": None,
            "merchant_siren": None,
            "abn_number": None,
            "gst_number": None,
            "pan_number": None,
            "vat_number": None,
        },
        "invoice_number": text(f, "InvoiceId"),
        "invoice_total": number(f, "InvoiceTotal"),
        "invoice_subtotal": number(f, "SubTotal"),
        "gratuity": None,
        "amount_due": number(f, "AmountDue"),
        "previous_unpaid_balance": number(f, "PreviousUnpaidBalance"),
        "discount": number(f, "TotalDiscount"),
        "taxes": taxes,
        "service_charge": None,
        "payment_term": text(f, "PaymentTerm"),
        "purchase_order": text(f, "PurchaseOrder"),
        "date": text(f, "InvoiceDate"),
        "due_date": text(f, "DueDate"),
        "service_date": text(f, "ServiceStartDate"),
        "service_due_date": text(f, "ServiceEndDate"),
        "po_number": text(f, "PurchaseOrder"),
        "locale": {
            "currency": currency_code(f, "InvoiceTotal", "AmountDue", "SubTotal"),
            "language": None,
        },
        "bank_informations": {
            "account_number": text(bank, "BankAccountNumber"),
            "iban": text(bank, "IBAN"),
            "bsb": None,
            "sort_code": None,
            "vat_number": None,
            "rooting_number": None,
            "swift": text(bank, "SWIFT"),
        },
        "item_lines": [
            {
                "description": text(i, "Description"),
                "quantity": number(i, "Quantity"),
                "amount": number(i, "Amount"),
                "unit_price": number(i, "UnitPrice"),
                "discount": None,
                "product_code": text(i, "ProductCode"),
                "date_item": text(i, "Date"),
                "tax_item": number(i, "Tax"),
                "tax_rate": percent(i, "TaxRate"),
            }
            for i in items(f, "Items")
        ],
    }


def to_invoices(result: Mapping[str, Any]) -> dict[str, Any]:
    return {"extracted_data": [_invoice(doc) for doc in _documents(result)]}


# --- receipts -------------------------------------------------------------------------------


def _payment(f: Fields) -> dict[str, Any]:
    payments = items(f, "Payments")
    methods = [text(p, "Method") for p in payments]
    cash = [number(p, "Amount") for p in payments if (text(p, "Method") or "").lower() == "cash"]
    card = next((m for m in methods if m and m.lower() != "cash"), None)
    return {
        "card_type": card,
        "card_number": None,
        "cash": cash[0] if cash else None,
        "tip": number(f, "Tip"),
        "discount": None,
        "change": None,
    }


def _receipt(doc: Mapping[str, Any]) -> dict[str, Any]:
    f = doc.get("fields") or {}
    taxes = [{"taxes": number(t, "Amount"), "rate": percent(t, "Rate")} for t in items(f, "TaxDetails")]
    if not taxes and number(f, "TotalTax") is not None:
        taxes = [{"taxes": number(f, "TotalTax"), "rate": None}]
    doc_type = doc.get("docType")
    infos = {"doc_type": doc_type, "receipt_type": text(f, "ReceiptType")}
    return {
        "invoice_number": None,
        "invoice_total": number(f, "Total"),
        "invoice_subtotal": number(f, "Subtotal"),
        "barcodes": [],
        "category": text(f, "ReceiptType"),
        "date": text(f, "TransactionDate") or text(f, "ArrivalDate"),
        "due_date": None,
        "time": text(f, "TransactionTime"),
        "customer_information": {"customer_name": None},
        "merchant_information": {
            "merchant_name": text(f, "MerchantName"),
            "merchant_address": address(f, "MerchantAddress"),
            "merchant_phone": text(f, "MerchantPhoneNumber"),
            "merchant_url": None,
            "merchant_siret": None,
            "merchant_siren": None,
            "merchant_vat_number": None,
            "merchant_gst_number": None,
            "merchant_abn_number": None,
        },
        "payment_information": _payment(f),
        "locale": {
            "currency": currency_code(f, "Total", "Subtotal"),
            "language": None,
            "country": text(f, "CountryRegion"),
        },
        "taxes": taxes,
        "receipt_infos": {k: v for k, v in infos.items() if v is not None},
        "item_lines": [
            {
                "description": text(i, "Description"),
                "quantity": number(i, "Quantity"),
                "amount": number(i, "TotalPrice"),
                "unit_price": number(i, "Price"),
            }
            for i in items(f, "Items")
        ],
    }


def to_receipts(result: Mapping[str, Any]) -> dict[str, Any]:
    return {"extracted_data": [_receipt(doc) for doc in _documents(result)]}


# --- identity documents ---------------------------------------------------------------------

# docType suffixes of prebuilt-idDocument, as plain names.
_ID_TYPES = {
    "passport": "passport",
    "driverLicense": "driver_license",
    "nationalIdentityCard": "national_identity_card",
    "residencePermit": "residence_permit",
    "usSocialSecurityCard": "social_security_card",
}


def _value(fields: Fields | None, name: str) -> dict[str, Any]:
    return {"value": text(fields, name), "confidence": confidence(fields, name)}


def _identity(doc: Mapping[str, Any]) -> dict[str, Any]:
    f = doc.get("fields") or {}
    given = [_value(f, name) for name in ("FirstName", "MiddleName") if text(f, name)]
    country = text(f, "CountryRegion")
    kind = str(doc.get("docType") or "").partition(".")[2]
    mrz = _field(f, "MachineReadableZone")
    return {
        "last_name": _value(f, "LastName"),
        "given_names": given,
        "birth_place": _value(f, "PlaceOfBirth"),
        "birth_date": _value(f, "DateOfBirth"),
        "issuance_date": _value(f, "DateOfIssue"),
        "expire_date": _value(f, "DateOfExpiration"),
        "document_id": _value(f, "DocumentNumber"),
        "issuing_state": _value(f, "Region") if text(f, "Region") else _value(f, "IssuingAuthority"),
        "address": {"value": address(f, "Address"), "confidence": confidence(f, "Address")},
        "age": {"value": None, "confidence": None},
        "country": {
            "name": None,
            "alpha2": None,
            "alpha3": country,  # valueCountryRegion is ISO 3166-1 alpha-3
            "confidence": confidence(f, "CountryRegion"),
        },
        "document_type": {
            "value": _ID_TYPES.get(kind, kind or None),
            "confidence": doc.get("confidence"),
        },
        "gender": _value(f, "Sex"),
        "image_id": [],
        "image_signature": [],
        "mrz": {
            "value": mrz.get("content") if isinstance(mrz.get("content"), str) else None,
            "confidence": mrz.get("confidence"),
        },
        "nationality": _value(f, "Nationality"),
    }


def to_identities(result: Mapping[str, Any]) -> dict[str, Any]:
    return {"extracted_data": [_identity(doc) for doc in _documents(result)]}
