"""Textract AnalyzeExpense: ocr/invoice_parser and ocr/receipt_parser.

Each ExpenseDocument (one invoice or receipt) becomes one `extracted_data` entry. Summary fields
are keyed by their normalized Type (VENDOR_NAME, TOTAL, INVOICE_RECEIPT_DATE...); NAME/ADDRESS
fields are told apart by their GroupProperties (RECEIVER_BILL_TO, VENDOR_REMIT_TO...). Amounts are
parsed from the printed text ("$1,234.56", "1.234,56 €"); ISO and month-name dates are normalized
to YYYY-MM-DD, other dates are kept as printed (12/01/2024 is ambiguous).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from unigate.providers.amazon import aws
from unigate.providers.amazon import blocks as tb
from unigate.providers.amazon.textract import document, load
from unigate.providers.base import CallContext, ProviderResult


@dataclass
class Fields:
    """The summary fields of one ExpenseDocument, first occurrence per (type, group) wins."""

    by_type: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    grouped: list[tuple[str, frozenset[str], Mapping[str, Any]]] = field(default_factory=list)
    taxes: list[Mapping[str, Any]] = field(default_factory=list)
    others: list[Mapping[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, summary: Iterable[Mapping[str, Any]]) -> Fields:
        out = cls()
        for f in summary:
            kind = field_type(f)
            groups = frozenset(t for g in f.get("GroupProperties") or () for t in g.get("Types") or ())
            if kind == "TAX":
                out.taxes.append(f)
            elif kind == "OTHER":
                out.others.append(f)
            if groups:
                out.grouped.append((kind, groups, f))
            out.by_type.setdefault(kind, f)
        return out

    def text(self, kind: str) -> str | None:
        f = self.by_type.get(kind)
        return value_text(f) if f else None

    def amount(self, kind: str) -> float | None:
        return parse_amount(self.text(kind))

    def in_group(self, kind: str, *group_words: str) -> str | None:
        """NAME/ADDRESS of a group whose types mention every word, e.g. ("RECEIVER", "BILL_TO")."""
        for k, groups, f in self.grouped:
            joined = " ".join(sorted(groups))
            if k == kind and all(word in joined for word in group_words):
                return value_text(f)
        return None

    def currency(self) -> str | None:
        for f in [self.by_type.get("TOTAL"), *self.by_type.values()]:
            code = ((f or {}).get("Currency") or {}).get("Code")
            if code:
                return str(code)
        return None


def field_type(f: Mapping[str, Any]) -> str:
    return str((f.get("Type") or {}).get("Text") or "OTHER").upper()


def value_text(f: Mapping[str, Any]) -> str | None:
    text = (f.get("ValueDetection") or {}).get("Text")
    return str(text).strip() if text not in (None, "") else None


def label_text(f: Mapping[str, Any]) -> str | None:
    text = (f.get("LabelDetection") or {}).get("Text")
    return str(text).strip().rstrip(":") if text else None


_NUMBER = re.compile(r"[-+]?\d[\d.,' ]*")


def parse_amount(text: str | None) -> float | None:
    """ "$1,234.56" -> 1234.56, "1.234,56 €" -> 1234.56, "(12.00)" -> -12.0; None if no number."""
    if not text:
        return None
    found = _NUMBER.search(text.replace("\u00a0", " "))
    if not found:
        return None
    number = found.group(0).strip().replace(" ", "").replace("'", "")
    last_dot, last_comma = number.rfind("."), number.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        decimal = "." if last_dot > last_comma else ","
        number = number.replace("," if decimal == "." else ".", "").replace(",", ".")
    elif last_comma >= 0:
        # "12,50" is a decimal comma; "1,250" or "1,250,000" are thousands.
        whole, _, frac = number.rpartition(",")
        number = f"{whole.replace(',', '')}.{frac}" if len(frac) != 3 else number.replace(",", "")
    elif number.count(".") > 1:
        number = number.replace(".", "")
    try:
        value = float(number)
    except ValueError:
        return None
    negative = text.strip().startswith("(") and text.strip().endswith(")")
    return -abs(value) if negative else value


_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y")


def parse_date(text: str | None) -> str | None:
    if not text:
        return None
    cleaned = " ".join(text.replace(".", " ").split()) if not text[:4].isdigit() else text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    return text


def line_items(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each LineItem as {TYPE: text}, with EXPENSE_ROW kept for lines without an ITEM."""
    rows = []
    for group in doc.get("LineItemGroups") or ():
        for item in group.get("LineItems") or ():
            row: dict[str, Any] = {}
            for f in item.get("LineItemExpenseFields") or ():
                text = value_text(f)
                if text is not None:
                    row.setdefault(field_type(f), text)
            if row:
                rows.append(row)
    return rows


# ---------------------------------------------------------------------- invoices


def _invoice(doc: Mapping[str, Any], language: str | None) -> dict[str, Any]:
    f = Fields.of(doc.get("SummaryFields") or ())
    receiver_address = f.text("RECEIVER_ADDRESS") or f.in_group("ADDRESS", "RECEIVER")
    return {
        "customer_information": {
            "customer_name": f.text("RECEIVER_NAME") or f.in_group("NAME", "RECEIVER"),
            "customer_address": receiver_address,
            "customer_email": None,
            "customer_id": f.text("CUSTOMER_NUMBER"),
            "customer_tax_id": None,
            "customer_mailing_address": receiver_address,
            "customer_billing_address": f.in_group("ADDRESS", "RECEIVER", "BILL_TO"),
            "customer_shipping_address": f.in_group("ADDRESS", "RECEIVER", "SHIP_TO"),
            "customer_service_address": None,
            "customer_remittance_address": f.in_group("ADDRESS", "REMIT_TO"),
            "abn_number": f.text("RECEIVER_ABN_NUMBER"),
            "gst_number": f.text("RECEIVER_GST_NUMBER"),
            "pan_number": f.text("RECEIVER_PAN_NUMBER"),
            "vat_number": f.text("RECEIVER_VAT_NUMBER"),
            "siret_number": None,
            "siren_number": None,
        },
        "merchant_information": {
            "merchant_name": f.text("VENDOR_NAME") or f.in_group("NAME", "VENDOR"),
            "merchant_address": f.text("VENDOR_ADDRESS") or f.in_group("ADDRESS", "VENDOR"),
            "merchant_phone": f.text("VENDOR_PHONE"),
            "merchant_email": None,
            "merchant_fax": None,
            "merchant_website": f.text("VENDOR_URL"),
            "merchant_tax_id": f.text("TAX_PAYER_ID"),
            "merchant_siret": None,
            "merchant_siren": None,
            "abn_number": f.text("VENDOR_ABN_NUMBER"),
            "gst_number": f.text("VENDOR_GST_NUMBER"),
            "pan_number": f.text("VENDOR_PAN_NUMBER"),
            "vat_number": f.text("VENDOR_VAT_NUMBER"),
        },
        "invoice_number": f.text("INVOICE_RECEIPT_ID"),
        "invoice_total": f.amount("TOTAL"),
        "invoice_subtotal": f.amount("SUBTOTAL"),
        "gratuity": f.amount("GRATUITY"),
        "amount_due": f.amount("AMOUNT_DUE"),
        "previous_unpaid_balance": f.amount("PRIOR_BALANCE"),
        "discount": f.amount("DISCOUNT"),
        "taxes": [{"value": parse_amount(value_text(t)), "rate": None} for t in f.taxes],
        "service_charge": f.amount("SERVICE_CHARGE"),
        "payment_term": f.text("PAYMENT_TERMS"),
        "purchase_order": f.text("PO_NUMBER"),
        "date": parse_date(f.text("INVOICE_RECEIPT_DATE")),
        "due_date": parse_date(f.text("DUE_DATE")),
        "service_date": None,
        "service_due_date": None,
        "po_number": f.text("PO_NUMBER"),
        "locale": {"currency": f.currency(), "language": language},
        "bank_informations": {
            "account_number": f.text("ACCOUNT_NUMBER"),
            "iban": None,
            "bsb": None,
            "sort_code": None,
            "vat_number": None,
            "rooting_number": None,
            "swift": None,
        },
        "item_lines": [
            {
                "description": row.get("ITEM") or row.get("EXPENSE_ROW"),
                "quantity": parse_amount(row.get("QUANTITY")),
                "amount": parse_amount(row.get("PRICE")),
                "unit_price": parse_amount(row.get("UNIT_PRICE")),
                "discount": None,
                "product_code": row.get("PRODUCT_CODE"),
                "date_item": None,
                "tax_item": None,
                "tax_rate": None,
            }
            for row in line_items(doc)
        ],
    }


def to_invoices(response: Mapping[str, Any], language: str | None = None) -> dict[str, Any]:
    return {"extracted_data": [_invoice(d, language) for d in response.get("ExpenseDocuments") or ()]}


# ---------------------------------------------------------------------- receipts

_RECEIPT_USED = {
    "INVOICE_RECEIPT_ID",
    "TOTAL",
    "SUBTOTAL",
    "INVOICE_RECEIPT_DATE",
    "DUE_DATE",
    "RECEIVER_NAME",
    "VENDOR_NAME",
    "VENDOR_ADDRESS",
    "VENDOR_PHONE",
    "VENDOR_URL",
    "VENDOR_VAT_NUMBER",
    "VENDOR_GST_NUMBER",
    "VENDOR_ABN_NUMBER",
    "GRATUITY",
    "DISCOUNT",
    "TAX",
    "OTHER",
}


def _receipt_infos(f: Fields) -> dict[str, Any]:
    """The facts the canonical receipt has no slot for: other standard fields and labelled OTHERs."""
    infos: dict[str, Any] = {}
    for kind, fld in f.by_type.items():
        if kind not in _RECEIPT_USED and value_text(fld) is not None:
            infos[kind.lower()] = value_text(fld)
    for other in f.others:
        label, value = label_text(other), value_text(other)
        if label and value is not None:
            infos.setdefault(label, value)
    return infos


def _receipt(doc: Mapping[str, Any], language: str | None) -> dict[str, Any]:
    f = Fields.of(doc.get("SummaryFields") or ())
    return {
        "invoice_number": f.text("INVOICE_RECEIPT_ID"),
        "invoice_total": f.amount("TOTAL"),
        "invoice_subtotal": f.amount("SUBTOTAL"),
        "barcodes": [],
        "category": None,
        "date": parse_date(f.text("INVOICE_RECEIPT_DATE")),
        "due_date": parse_date(f.text("DUE_DATE")),
        "time": None,
        "customer_information": {"customer_name": f.text("RECEIVER_NAME") or f.in_group("NAME", "RECEIVER")},
        "merchant_information": {
            "merchant_name": f.text("VENDOR_NAME") or f.in_group("NAME", "VENDOR"),
            "merchant_address": f.text("VENDOR_ADDRESS") or f.in_group("ADDRESS", "VENDOR"),
            "merchant_phone": f.text("VENDOR_PHONE"),
            "merchant_url": f.text("VENDOR_URL"),
            "merchant_siret": None,
            "merchant_siren": None,
            "merchant_vat_number": f.text("VENDOR_VAT_NUMBER"),
            "merchant_gst_number": f.text("VENDOR_GST_NUMBER"),
            "merchant_abn_number": f.text("VENDOR_ABN_NUMBER"),
        },
        "payment_information": {
            "card_type": None,
            "card_number": None,
            "cash": None,
            "tip": f.amount("GRATUITY"),
            "discount": f.amount("DISCOUNT"),
            "change": None,
        },
        "locale": {"currency": f.currency(), "language": language, "country": None},
        "taxes": [{"taxes": parse_amount(value_text(t)), "rate": None} for t in f.taxes],
        "receipt_infos": _receipt_infos(f),
        "item_lines": [
            {
                "description": row.get("ITEM") or row.get("EXPENSE_ROW"),
                "quantity": parse_amount(row.get("QUANTITY")),
                "amount": parse_amount(row.get("PRICE")),
                "unit_price": parse_amount(row.get("UNIT_PRICE")),
            }
            for row in line_items(doc)
        ],
    }


def to_receipts(response: Mapping[str, Any], language: str | None = None) -> dict[str, Any]:
    return {"extracted_data": [_receipt(d, language) for d in response.get("ExpenseDocuments") or ()]}


# ---------------------------------------------------------------------- calls


async def analyze_expense(input: Any, ctx: CallContext) -> dict[str, Any]:
    loaded = await load(input, ctx)
    return await aws.json_api(ctx, aws.TEXTRACT, "AnalyzeExpense", {"Document": document(loaded)})


async def run_invoice(input: Any, ctx: CallContext) -> ProviderResult:
    response = await analyze_expense(input, ctx)
    output = to_invoices(response, getattr(input, "language", None))
    return ProviderResult(output, raw=response, usage={"page": tb.page_count(response)})


async def run_receipt(input: Any, ctx: CallContext) -> ProviderResult:
    response = await analyze_expense(input, ctx)
    output = to_receipts(response, getattr(input, "language", None))
    return ProviderResult(output, raw=response, usage={"page": tb.page_count(response)})
