"""Document AI v1 online processing (`processors/{id}:process`, service account only).

References: https://cloud.google.com/document-ai/docs/reference/rest/v1/projects.locations.processors/process
and https://cloud.google.com/document-ai/docs/reference/rest/v1/Document. Each subfeature uses the
processor named for it in GOOGLE_DOCUMENTAI_PROCESSORS: Enterprise Document OCR (ocr/ocr_async), Form
Parser (ocr/ocr_tables_async), Invoice Parser (ocr/invoice_parser), Expense Parser
(ocr/receipt_parser). Online processing takes up to 15 pages, which covers the async subfeatures'
usual documents; batchProcess (which needs Cloud Storage) is not used.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from unigate.providers.base import CallContext, Constraints, Offer, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderUnavailable
from unigate.providers.google import client
from unigate.providers.google.common import b64, integer, load_file, num, spec
from unigate.providers.google.config import Api, needs_processor, processor_id

VENDOR = client.VENDORS[Api.DOCUMENTAI]
MIME_TYPES = frozenset(
    {"application/pdf", "image/gif", "image/tiff", "image/jpeg", "image/png", "image/bmp", "image/webp"}
)
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PAGES = 15  # online (synchronous) processing limit

Doc = dict[str, Any]


async def process(ctx: CallContext, subfeature: str, input: Any, ocr_hints: bool) -> Doc:
    """Send the file to the subfeature's processor; the answer's `document`."""
    project = ctx.credentials.get("project")
    processor = processor_id(ctx.credentials, subfeature)
    if not project or not processor:
        raise ProviderUnavailable(f"Document AI is not configured for {subfeature}")
    loaded = await load_file(input, ctx)
    body: dict[str, Any] = {
        "rawDocument": {"content": b64(loaded.data), "mimeType": loaded.mime},
        "skipHumanReview": True,
    }
    if ocr_hints and getattr(input, "language", None):
        body["processOptions"] = {"ocrConfig": {"hints": {"languageHints": [input.language]}}}
    location = ctx.credentials.get("location", "us")
    path = f"/v1/projects/{project}/locations/{location}/processors/{processor}:process"
    resp = await client.request_json(ctx, Api.DOCUMENTAI, "POST", path, json_body=body, api_key=False)
    document = resp.get("document")
    if not isinstance(document, dict):
        raise ProviderBadResponse(f"{VENDOR}: the answer has no document")
    return document


def _raw(document: Doc) -> Doc:
    """The document without its page images (megabytes of base64 each)."""
    pages = [{k: v for k, v in p.items() if k != "image"} for p in document.get("pages") or []]
    return {**document, "pages": pages}


# --- layout helpers -------------------------------------------------------------------------------


def _segments(layout: Any) -> list[tuple[int, int]]:
    anchor = (layout or {}).get("textAnchor") or {}
    return [
        (integer(s.get("startIndex")), integer(s.get("endIndex")))
        for s in anchor.get("textSegments") or []
        if isinstance(s, dict)
    ]


def anchor_text(document: Doc, layout: Any) -> str:
    """The text a layout covers (its segments index Document.text, start omitted when 0)."""
    text = str(document.get("text", ""))
    return "".join(text[start:end] for start, end in _segments(layout)).strip()


def layout_box(layout: Any, page: Doc) -> dict[str, float | None]:
    """left/top/width/height normalised 0-1 (from normalizedVertices, else pixels / page size)."""
    poly = (layout or {}).get("boundingPoly") or {}
    points = [(num(v.get("x")) or 0.0, num(v.get("y")) or 0.0) for v in poly.get("normalizedVertices") or []]
    if not points:
        dim = page.get("dimension") or {}
        w, h = num(dim.get("width")), num(dim.get("height"))
        if w and h:
            points = [
                ((num(v.get("x")) or 0.0) / w, (num(v.get("y")) or 0.0) / h)
                for v in poly.get("vertices") or []
            ]
    if not points:
        return {"left": None, "top": None, "width": None, "height": None}
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return {"left": min(xs), "top": min(ys), "width": max(xs) - min(xs), "height": max(ys) - min(ys)}


def _start(item: Doc) -> int:
    segments = _segments(item.get("layout"))
    return segments[0][0] if segments else -1


# --- ocr/ocr_async --------------------------------------------------------------------------------


def ocr_async_output(document: Doc, language: str | None = None) -> dict[str, Any]:
    """Lines of each page with their tokens (a token belongs to the line whose text range holds it)."""
    pages = []
    for page in document.get("pages") or []:
        tokens = sorted(page.get("tokens") or [], key=_start)
        lines = []
        for line in page.get("lines") or []:
            ranges = _segments(line.get("layout"))
            words = [
                {
                    "text": anchor_text(document, tok.get("layout")),
                    "bounding_box": layout_box(tok.get("layout"), page),
                    "confidence": num((tok.get("layout") or {}).get("confidence")),
                }
                for tok in tokens
                if any(start <= _start(tok) < end for start, end in ranges)
            ]
            lines.append(
                {
                    "text": anchor_text(document, line.get("layout")),
                    "words": words,
                    "bounding_box": layout_box(line.get("layout"), page),
                    "confidence": num((line.get("layout") or {}).get("confidence")),
                }
            )
        pages.append({"lines": lines})
    return {"raw_text": str(document.get("text", "")).strip(), "pages": pages, "number_of_pages": len(pages)}


# --- ocr/ocr_tables_async -------------------------------------------------------------------------


def _table(document: Doc, table: Doc, page: Doc) -> dict[str, Any]:
    """Rows with grid positions: a cell spanning rows pushes the cells below it to the right."""
    occupied: set[tuple[int, int]] = set()
    rows = []
    width = 0
    header_rows = [(r, True) for r in table.get("headerRows") or []]
    body_rows = [(r, False) for r in table.get("bodyRows") or []]
    for row_index, (row, is_header) in enumerate(header_rows + body_rows):
        col = 0
        cells = []
        for cell in row.get("cells") or []:
            while (row_index, col) in occupied:
                col += 1
            row_span, col_span = integer(cell.get("rowSpan"), 1) or 1, integer(cell.get("colSpan"), 1) or 1
            for r in range(row_index, row_index + row_span):
                for c in range(col, col + col_span):
                    occupied.add((r, c))
            cells.append(
                {
                    "text": anchor_text(document, cell.get("layout")),
                    "row_index": row_index,
                    "col_index": col,
                    "row_span": row_span,
                    "col_span": col_span,
                    "confidence": num((cell.get("layout") or {}).get("confidence")),
                    "bounding_box": layout_box(cell.get("layout"), page),
                    "is_header": is_header,
                }
            )
            col += col_span
        width = max(width, col)
        rows.append({"cells": cells})
    return {"rows": rows, "num_rows": len(rows), "num_cols": width}


def tables_output(document: Doc, language: str | None = None) -> dict[str, Any]:
    pages = [
        {"tables": [_table(document, t, page) for t in page.get("tables") or []]}
        for page in document.get("pages") or []
    ]
    return {"pages": pages, "num_pages": len(pages)}


# --- entities (invoice and expense parsers) -------------------------------------------------------


def _mention(entity: Doc) -> str | None:
    text = entity.get("mentionText")
    return " ".join(str(text).split()) if text else None


def _date(entity: Doc) -> str | None:
    norm = entity.get("normalizedValue") or {}
    d = norm.get("dateValue")
    if isinstance(d, dict) and d.get("year"):
        return f"{int(d['year']):04d}-{int(d.get('month', 1)):02d}-{int(d.get('day', 1)):02d}"
    return str(norm["text"]) if norm.get("text") else _mention(entity)


def _amount(entity: Doc) -> float | None:
    norm = entity.get("normalizedValue") or {}
    money = norm.get("moneyValue")
    if isinstance(money, dict):
        return integer(money.get("units")) + integer(money.get("nanos")) / 1e9
    for key in ("floatValue", "integerValue"):
        if num(norm.get(key)) is not None:
            return num(norm.get(key))
    text = (_mention(entity) or "").replace(",", "").replace("%", "")
    digits = "".join(ch for ch in text if ch.isdigit() or ch in ".-")
    try:
        return float(digits) if digits else None
    except ValueError:
        return None


def _currency(entity: Doc) -> str | None:
    money = (entity.get("normalizedValue") or {}).get("moneyValue")
    return money.get("currencyCode") if isinstance(money, dict) else None


class Entities:
    """The entities of a parsed document by type (first occurrence), with typed accessors."""

    def __init__(self, entities: list[Doc]) -> None:
        self.all = [e for e in entities if isinstance(e, dict)]
        self.first: dict[str, Doc] = {}
        for e in self.all:
            self.first.setdefault(str(e.get("type", "")), e)

    def text(self, kind: str) -> str | None:
        e = self.first.get(kind)
        return _mention(e) if e else None

    def amount(self, kind: str) -> float | None:
        e = self.first.get(kind)
        return _amount(e) if e else None

    def date(self, kind: str) -> str | None:
        e = self.first.get(kind)
        return _date(e) if e else None

    def of_type(self, kind: str) -> list[Entities]:
        return [Entities(e.get("properties") or []) for e in self.all if e.get("type") == kind]

    def currency(self) -> str | None:
        currency = self.first.get("currency")
        if currency:
            norm = (currency.get("normalizedValue") or {}).get("text")
            return str(norm) if norm else _mention(currency)
        for e in self.all:
            if _currency(e):
                return _currency(e)
        return None


def invoice_output(document: Doc, language: str | None) -> dict[str, Any]:
    e = Entities(document.get("entities") or [])
    taxes = [
        {"value": vat.amount("vat/tax_amount"), "rate": vat.amount("vat/tax_rate")}
        for vat in e.of_type("vat")
    ]
    if not taxes and e.amount("total_tax_amount") is not None:
        taxes = [{"value": e.amount("total_tax_amount"), "rate": None}]
    items = [
        {
            "description": li.text("line_item/description"),
            "quantity": li.amount("line_item/quantity"),
            "amount": li.amount("line_item/amount"),
            "unit_price": li.amount("line_item/unit_price"),
            "discount": None,
            "product_code": li.text("line_item/product_code"),
            "date_item": None,
            "tax_item": None,
            "tax_rate": None,
        }
        for li in e.of_type("line_item")
    ]
    invoice = {
        "customer_information": {
            "customer_name": e.text("receiver_name"),
            "customer_address": e.text("receiver_address"),
            "customer_email": e.text("receiver_email"),
            "customer_id": None,
            "customer_tax_id": e.text("receiver_tax_id"),
            "customer_mailing_address": None,
            "customer_billing_address": e.text("bill_to_address"),
            "customer_shipping_address": e.text("ship_to_address"),
            "customer_service_address": None,
            "customer_remittance_address": e.text("remit_to_address"),
            **dict.fromkeys(
                ("abn_number", "gst_number", "pan_number", "vat_number", "siret_number", "siren_number")
            ),
        },
        "merchant_information": {
            "merchant_name": e.text("supplier_name"),
            "merchant_address": e.text("supplier_address"),
            "merchant_phone": e.text("supplier_phone"),
            "merchant_email": e.text("supplier_email"),
            "merchant_fax": None,
            "merchant_website": e.text("supplier_website"),
            "merchant_tax_id": e.text("supplier_tax_id"),
            **dict.fromkeys(("merchant_siret", "merchant_siren", "abn_number", "gst_number", "pan_number")),
            "vat_number": None,
        },
        "invoice_number": e.text("invoice_id"),
        "invoice_total": e.amount("total_amount"),
        "invoice_subtotal": e.amount("net_amount"),
        "gratuity": None,
        "amount_due": None,
        "previous_unpaid_balance": None,
        "discount": None,
        "taxes": taxes,
        "service_charge": None,
        "payment_term": e.text("payment_terms"),
        "purchase_order": e.text("purchase_order"),
        "date": e.date("invoice_date"),
        "due_date": e.date("due_date"),
        "service_date": None,
        "service_due_date": None,
        "po_number": e.text("purchase_order"),
        "locale": {"currency": e.currency(), "language": language},
        "bank_informations": {
            "account_number": None,
            "iban": e.text("supplier_iban"),
            **dict.fromkeys(("bsb", "sort_code", "vat_number", "rooting_number", "swift")),
        },
        "item_lines": items,
    }
    return {"extracted_data": [invoice] if e.all else []}


# Expense Parser fields mapped into the receipt's fixed fields; any other field goes to receipt_infos.
RECEIPT_FIELDS = frozenset(
    {"total_amount", "net_amount", "receipt_date", "purchase_time", "supplier_name", "supplier_address",
     "supplier_phone", "payment_type", "credit_card_last_four_digits", "currency", "total_tax_amount",
     "line_item"}
)  # fmt: skip


def receipt_output(document: Doc, language: str | None) -> dict[str, Any]:
    e = Entities(document.get("entities") or [])
    tax = e.amount("total_tax_amount")
    receipt = {
        "invoice_number": None,
        "invoice_total": e.amount("total_amount"),
        "invoice_subtotal": e.amount("net_amount"),
        "barcodes": [],
        "category": None,
        "date": e.date("receipt_date"),
        "due_date": None,
        "time": e.text("purchase_time"),
        "customer_information": {"customer_name": None},
        "merchant_information": {
            "merchant_name": e.text("supplier_name"),
            "merchant_address": e.text("supplier_address"),
            "merchant_phone": e.text("supplier_phone"),
            **dict.fromkeys(("merchant_url", "merchant_siret", "merchant_siren", "merchant_vat_number")),
            **dict.fromkeys(("merchant_gst_number", "merchant_abn_number")),
        },
        "payment_information": {
            "card_type": e.text("payment_type"),
            "card_number": e.text("credit_card_last_four_digits"),
            **dict.fromkeys(("cash", "tip", "discount", "change")),
        },
        "locale": {"currency": e.currency(), "language": language, "country": None},
        "taxes": [{"taxes": tax, "rate": None}] if tax is not None else [],
        "receipt_infos": {
            kind: _mention(entity) for kind, entity in e.first.items() if kind and kind not in RECEIPT_FIELDS
        },
        "item_lines": [
            {
                "description": li.text("line_item/description"),
                "quantity": li.amount("line_item/quantity"),
                "amount": li.amount("line_item/amount"),
                "unit_price": li.amount("line_item/unit_price"),
            }
            for li in e.of_type("line_item")
        ],
    }
    return {"extracted_data": [receipt] if e.all else []}


# --- offers ---------------------------------------------------------------------------------------

Normalize = Callable[[Doc, str | None], dict[str, Any]]  # (document, input language)


def _runner(
    subfeature: str, normalize: Normalize, ocr_hints: bool
) -> Callable[[Any, CallContext], Awaitable[ProviderResult]]:
    async def run(input: Any, ctx: CallContext) -> ProviderResult:
        document = await process(ctx, subfeature, input, ocr_hints)
        pages = len(document.get("pages") or []) or 1
        output = normalize(document, getattr(input, "language", None))
        return ProviderResult(output=output, raw=_raw(document), usage={"page": pages})

    return run


_PROCESSORS: tuple[tuple[str, str, Normalize, bool, str], ...] = (
    ("ocr/ocr_async", "document-ocr", ocr_async_output, True,
     "Enterprise Document OCR processor: lines and their tokens, boxes normalised 0-1."),
    ("ocr/ocr_tables_async", "form-parser", tables_output, True,
     "Form Parser processor: header and body rows with grid positions (row and column spans)."),
    ("ocr/invoice_parser", "invoice-parser", invoice_output, False,
     "Invoice Parser processor: supplier, receiver, totals, VAT lines and line items."),
    ("ocr/receipt_parser", "expense-parser", receipt_output, False,
     "Expense Parser processor: merchant, totals, tax, payment and items; other fields in receipt_infos."),
)  # fmt: skip


def offers() -> list[Offer]:
    return [
        Offer(
            subfeature=sub,
            models=(spec(sub, model, f"Document AI {model} processor"),),
            default_model=model,
            constraints=Constraints(
                mime_types=MIME_TYPES, max_file_bytes=MAX_FILE_BYTES, max_pages=MAX_PAGES
            ),
            run=_runner(sub, normalize, hints),
            notes=f"Document AI v1 online process (up to {MAX_PAGES} pages). {notes} Needs a service "
            "account, GOOGLE_CLOUD_PROJECT and the processor id in GOOGLE_DOCUMENTAI_PROCESSORS.",
            unavailable_reason=needs_processor(sub),
        )
        for sub, model, normalize, hints, notes in _PROCESSORS
    ]
