"""Document AI v1 online processing against a loopback fake (service-account OAuth).

Wire format: https://cloud.google.com/document-ai/docs/reference/rest/v1/projects.locations.processors/process
and the Document object: https://cloud.google.com/document-ai/docs/reference/rest/v1/Document. Entity
types: https://cloud.google.com/document-ai/docs/processors-list (Invoice Parser, Expense Parser).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tests.providers.cloud.google_fixtures import (
    assert_output,
    google_error,
    offer,
    run,
    service_account_file,
)
from tests.providers.cloud.harness import FakeVendor, serve
from unigate.providers.base import LoadedFile, ProviderResult
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderUnavailable,
    UnsupportedFormat,
)
from unigate.providers.google.auth import clear_token_cache

PROCESSORS = {
    "ocr/ocr_async": "ocr0001",
    "ocr_tables_async": "form0002",  # the short form of the key is accepted too
    "ocr/invoice_parser": "inv0003",
    "ocr/receipt_parser": "exp0004",
}
TOKEN = {"access_token": "ya29.c.docai-token", "expires_in": 3599, "token_type": "Bearer"}
PDF = LoadedFile(b"%PDF-1.7 scanned pages", "application/pdf", "scan.pdf", page_count=2)
SOURCE = "https://cloud.google.com/document-ai/docs/reference/rest/v1/projects.locations.processors/process"


def path_of(processor: str) -> str:
    return f"/v1/projects/unigate-test/locations/us/processors/{processor}:process"


async def process(
    tmp_path: Path, subfeature: str, document: Any, input: dict[str, Any] | None = None, status: int = 200
) -> tuple[ProviderResult, dict[str, Any]]:
    """Call the offer with a service account; return the result and the request body sent."""
    clear_token_cache()
    processor = PROCESSORS.get(subfeature) or PROCESSORS[subfeature.split("/")[1]]
    fake = FakeVendor()
    fake.on("POST", "/token", (200, TOKEN))
    reply = {"document": document} if status == 200 else document
    fake.on("POST", path_of(processor), (status, reply), source=SOURCE)
    async with serve(fake):
        sa = str(service_account_file(tmp_path, fake.base_url + "/token"))
        result = await run(
            subfeature,
            {"file": "doc", **(input or {})},
            fake,
            files={"doc": PDF},
            api_key=False,
            GOOGLE_APPLICATION_CREDENTIALS=sa,
            GOOGLE_DOCUMENTAI_PROCESSORS=json.dumps(PROCESSORS),
        )
    rec = fake.calls("POST", path_of(processor))[0]
    assert rec.headers["Authorization"] == "Bearer ya29.c.docai-token"
    body: dict[str, Any] = rec.json()
    assert body["rawDocument"] == {
        "content": base64.b64encode(PDF.data).decode(),
        "mimeType": "application/pdf",
    }
    assert body["skipHumanReview"] is True
    return result, body


def anchor(text: str, part: str, after: int = 0) -> dict[str, Any]:
    """A textAnchor over `part` of `text` (int64 indexes as strings; a 0 start is omitted)."""
    start = text.index(part, after)
    segment: dict[str, Any] = {"endIndex": str(start + len(part))}
    if start:
        segment["startIndex"] = str(start)
    return {"textSegments": [segment]}


def layout(
    text: str, part: str, box: tuple[float, float, float, float], confidence: float = 0.98, after: int = 0
) -> dict[str, Any]:
    left, top, right, bottom = box
    vertices = [
        {"x": left, "y": top},
        {"x": right, "y": top},
        {"x": right, "y": bottom},
        {"x": left, "y": bottom},
    ]
    return {
        "textAnchor": anchor(text, part, after),
        "confidence": confidence,
        "boundingPoly": {"normalizedVertices": vertices},
        "orientation": "PAGE_UP",
    }


# --- ocr/ocr_async --------------------------------------------------------------------------------

OCR_TEXT = "Invoice 42\nTotal due: 10.00\nPage two\n"


def _ocr_document() -> dict[str, Any]:
    t = OCR_TEXT
    page1 = {
        "pageNumber": 1,
        "dimension": {"width": 1700, "height": 2200, "unit": "pixels"},
        "layout": layout(t, "Invoice 42\nTotal due: 10.00\n", (0.1, 0.1, 0.6, 0.2)),
        "lines": [
            {"layout": layout(t, "Invoice 42\n", (0.1, 0.1, 0.4, 0.12))},
            {"layout": layout(t, "Total due: 10.00\n", (0.1, 0.15, 0.6, 0.17), 0.95)},
        ],
        "tokens": [
            {"layout": layout(t, "Invoice ", (0.1, 0.1, 0.3, 0.12)), "detectedBreak": {"type": "SPACE"}},
            {"layout": layout(t, "42\n", (0.32, 0.1, 0.4, 0.12)), "detectedBreak": {"type": "WIDE_SPACE"}},
            {"layout": layout(t, "Total ", (0.1, 0.15, 0.2, 0.17))},
            {"layout": layout(t, "due: ", (0.22, 0.15, 0.3, 0.17))},
            {"layout": layout(t, "10.00\n", (0.32, 0.15, 0.6, 0.17), 0.91)},
        ],
        "image": {"content": "iVBORw0KGgo=", "mimeType": "image/png", "width": 1700, "height": 2200},
    }
    page2 = {
        "pageNumber": 2,
        "dimension": {"width": 1700, "height": 2200, "unit": "pixels"},
        "lines": [{"layout": layout(t, "Page two\n", (0.1, 0.1, 0.3, 0.12))}],
        "tokens": [
            {"layout": layout(t, "Page ", (0.1, 0.1, 0.2, 0.12))},
            {"layout": layout(t, "two\n", (0.21, 0.1, 0.3, 0.12))},
        ],
    }
    return {"mimeType": "application/pdf", "text": t, "pages": [page1, page2]}


async def test_ocr_async(tmp_path: Path) -> None:
    result, body = await process(tmp_path, "ocr/ocr_async", _ocr_document(), {})
    assert "processOptions" not in body
    out = assert_output(result.output, "ocr/ocr_async")
    assert out["number_of_pages"] == 2 and out["raw_text"] == "Invoice 42\nTotal due: 10.00\nPage two"
    first, second = out["pages"][0]["lines"]
    assert first["text"] == "Invoice 42" and [w["text"] for w in first["words"]] == ["Invoice", "42"]
    assert first["bounding_box"] == pytest.approx({"left": 0.1, "top": 0.1, "width": 0.3, "height": 0.02})
    assert [w["text"] for w in second["words"]] == ["Total", "due:", "10.00"]
    assert second["words"][2]["confidence"] == 0.91 and second["confidence"] == 0.95
    assert [w["text"] for w in out["pages"][1]["lines"][0]["words"]] == ["Page", "two"]
    assert result.usage == {"page": 2}
    assert "image" not in result.raw["pages"][0]  # page images are dropped from the raw answer


async def test_form_parser_sends_language_hints(tmp_path: Path) -> None:
    # ocr/ocr_async takes no language (DocumentInput); the tables input does.
    _, body = await process(tmp_path, "ocr/ocr_tables_async", {"text": "", "pages": []}, {"language": "fr"})
    assert body["processOptions"] == {"ocrConfig": {"hints": {"languageHints": ["fr"]}}}


# --- ocr/ocr_tables_async -------------------------------------------------------------------------

TABLE_TEXT = "Name\nCoordinates\nLat\nLon\nKishangarh\n27.82\n76.72\n"


def cell(part: str, row_span: int = 1, col_span: int = 1) -> dict[str, Any]:
    return {
        "layout": layout(TABLE_TEXT, part, (0.1, 0.2, 0.3, 0.25)),
        "rowSpan": row_span,
        "colSpan": col_span,
    }


TABLE_DOC = {
    "text": TABLE_TEXT,
    "pages": [
        {
            "pageNumber": 1,
            "dimension": {"width": 612, "height": 792, "unit": "points"},
            "tables": [
                {
                    "layout": layout(TABLE_TEXT, TABLE_TEXT, (0.05, 0.1, 0.9, 0.5)),
                    "headerRows": [
                        {"cells": [cell("Name\n", row_span=2), cell("Coordinates\n", col_span=2)]},
                        {"cells": [cell("Lat\n"), cell("Lon\n")]},
                    ],
                    "bodyRows": [{"cells": [cell("Kishangarh\n"), cell("27.82\n"), cell("76.72\n")]}],
                }
            ],
        }
    ],
}


async def test_tables_with_spans(tmp_path: Path) -> None:
    result, _ = await process(tmp_path, "ocr/ocr_tables_async", TABLE_DOC)
    out = assert_output(result.output, "ocr/ocr_tables_async")
    table = out["pages"][0]["tables"][0]
    assert (out["num_pages"], table["num_rows"], table["num_cols"]) == (1, 3, 3)
    grid = [
        [(c["text"], c["row_index"], c["col_index"], c["is_header"]) for c in r["cells"]]
        for r in table["rows"]
    ]
    assert grid == [
        [("Name", 0, 0, True), ("Coordinates", 0, 1, True)],
        [("Lat", 1, 1, True), ("Lon", 1, 2, True)],  # column 0 is still "Name" (row span 2)
        [("Kishangarh", 2, 0, False), ("27.82", 2, 1, False), ("76.72", 2, 2, False)],
    ]
    name = table["rows"][0]["cells"][0]
    assert (name["row_span"], name["col_span"], name["confidence"]) == (2, 1, 0.98)
    assert name["bounding_box"] == pytest.approx({"left": 0.1, "top": 0.2, "width": 0.2, "height": 0.05})


# --- ocr/invoice_parser ---------------------------------------------------------------------------


def money(units: str, currency: str = "USD", nanos: int | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"currencyCode": currency, "units": units}
    if nanos:
        value["nanos"] = nanos
    return {"moneyValue": value}


INVOICE_DOC = {
    "text": "...",
    "pages": [{"pageNumber": 1}],
    "entities": [
        {"type": "invoice_id", "mentionText": "014-03", "confidence": 0.99},
        {
            "type": "invoice_date",
            "mentionText": "Jan 20, 2013",
            "normalizedValue": {"text": "2013-01-20", "dateValue": {"year": 2013, "month": 1, "day": 20}},
        },
        {"type": "due_date", "mentionText": "02/19/2013", "normalizedValue": {"text": "2013-02-19"}},
        {
            "type": "total_amount",
            "mentionText": "$750.00",
            "normalizedValue": {"text": "750 USD", **money("750")},
        },
        {"type": "net_amount", "mentionText": "$700.00", "normalizedValue": money("700")},
        {"type": "supplier_name", "mentionText": "SNG ENGINEERING,\nINC."},
        {"type": "supplier_address", "mentionText": "344 Main Street Suite 200\nGaithersburg, MD 20878"},
        {"type": "supplier_iban", "mentionText": "DE89 3704 0044 0532 0130 00"},
        {"type": "receiver_name", "mentionText": "DAMITA J GOLDSMITH"},
        {"type": "receiver_address", "mentionText": "201 Stan Fey Dr Upper Marlboro MD 20774"},
        {"type": "payment_terms", "mentionText": "Net 30"},
        {
            "type": "vat",
            "mentionText": "7.14% 50.00",
            "properties": [
                {"type": "vat/tax_amount", "mentionText": "50.00", "normalizedValue": money("50")},
                {"type": "vat/tax_rate", "mentionText": "7.14%"},
            ],
        },
        {
            "type": "line_item",
            "mentionText": "Design work 2 350.25 700.50",
            "properties": [
                {"type": "line_item/description", "mentionText": "Design work"},
                {"type": "line_item/quantity", "mentionText": "2"},
                {"type": "line_item/unit_price", "mentionText": "350.25"},
                {
                    "type": "line_item/amount",
                    "mentionText": "700.50",
                    "normalizedValue": money("700", nanos=500000000),
                },
            ],
        },
    ],
}


async def test_invoice_parser(tmp_path: Path) -> None:
    result, body = await process(tmp_path, "ocr/invoice_parser", INVOICE_DOC, {"language": "en"})
    assert "processOptions" not in body
    out = assert_output(result.output, "ocr/invoice_parser")
    inv = out["extracted_data"][0]
    assert (inv["invoice_number"], inv["invoice_total"], inv["invoice_subtotal"]) == ("014-03", 750.0, 700.0)
    assert (inv["date"], inv["due_date"], inv["payment_term"]) == ("2013-01-20", "2013-02-19", "Net 30")
    assert inv["merchant_information"]["merchant_name"] == "SNG ENGINEERING, INC."
    assert (
        inv["merchant_information"]["merchant_address"] == "344 Main Street Suite 200 Gaithersburg, MD 20878"
    )
    assert inv["customer_information"]["customer_name"] == "DAMITA J GOLDSMITH"
    assert inv["bank_informations"]["iban"] == "DE89 3704 0044 0532 0130 00"
    assert inv["locale"] == {"currency": "USD", "language": "en"}
    assert inv["taxes"] == [{"value": 50.0, "rate": 7.14}]
    item = inv["item_lines"][0]
    assert (item["description"], item["quantity"], item["unit_price"], item["amount"]) == (
        "Design work",
        2.0,
        350.25,
        700.5,
    )
    assert result.usage == {"page": 1}


async def test_empty_invoice_gives_no_extracted_data(tmp_path: Path) -> None:
    result, _ = await process(tmp_path, "ocr/invoice_parser", {"text": "", "pages": [{}, {}]})
    assert assert_output(result.output, "ocr/invoice_parser") == {"extracted_data": []}
    assert result.usage == {"page": 2}


# --- ocr/receipt_parser ---------------------------------------------------------------------------

RECEIPT_DOC = {
    "text": "...",
    "pages": [{"pageNumber": 1}],
    "entities": [
        {"type": "supplier_name", "mentionText": "BON FISCAL"},
        {"type": "supplier_address", "mentionText": "str zaharia stancu nr 1"},
        {"type": "supplier_city", "mentionText": "Brasov"},
        {"type": "total_amount", "mentionText": "137,10", "normalizedValue": money("137", "RON", 100000000)},
        {
            "type": "total_tax_amount",
            "mentionText": "21.89",
            "normalizedValue": money("21", "RON", 890000000),
        },
        {
            "type": "receipt_date",
            "mentionText": "12.03.2021",
            "normalizedValue": {"dateValue": {"year": 2021, "month": 3, "day": 12}},
        },
        {"type": "purchase_time", "mentionText": "10:33", "normalizedValue": {"text": "10:33:00"}},
        {"type": "payment_type", "mentionText": "CARD"},
        {"type": "credit_card_last_four_digits", "mentionText": "4321"},
        {
            "type": "line_item",
            "mentionText": "CROISSANT 7 DAYS 5.55",
            "properties": [
                {"type": "line_item/description", "mentionText": "CROISSANT 7 DAYS"},
                {"type": "line_item/amount", "mentionText": "5.55"},
            ],
        },
    ],
}


async def test_receipt_parser(tmp_path: Path) -> None:
    result, _ = await process(tmp_path, "ocr/receipt_parser", RECEIPT_DOC)
    out = assert_output(result.output, "ocr/receipt_parser")
    rec = out["extracted_data"][0]
    assert rec["invoice_total"] == pytest.approx(137.1) and rec["taxes"] == [
        {"taxes": pytest.approx(21.89), "rate": None}
    ]
    assert (rec["date"], rec["time"]) == ("2021-03-12", "10:33")
    assert rec["merchant_information"]["merchant_name"] == "BON FISCAL"
    assert (
        rec["payment_information"]["card_type"] == "CARD"
        and rec["payment_information"]["card_number"] == "4321"
    )
    assert rec["locale"] == {"currency": "RON", "language": None, "country": None}
    assert rec["receipt_infos"] == {"supplier_city": "Brasov"}
    assert rec["item_lines"] == [
        {"description": "CROISSANT 7 DAYS", "quantity": None, "amount": 5.55, "unit_price": None}
    ]


# --- availability and errors ----------------------------------------------------------------------


def test_offers_need_a_service_account_and_a_processor() -> None:
    check = offer("ocr/invoice_parser").unavailable_reason
    assert check is not None
    assert "GOOGLE_APPLICATION_CREDENTIALS" in (check({"GOOGLE_API_KEY": "k"}) or "")
    env = {"GOOGLE_APPLICATION_CREDENTIALS": "/sa.json", "GOOGLE_CLOUD_PROJECT": "p"}
    assert "GOOGLE_DOCUMENTAI_PROCESSORS" in (check(env) or "")
    assert check({**env, "GOOGLE_DOCUMENTAI_PROCESSORS": json.dumps(PROCESSORS)}) is None
    assert "GOOGLE_DOCUMENTAI_PROCESSORS" in (
        check({**env, "GOOGLE_DOCUMENTAI_PROCESSORS": "not json"}) or ""
    )


async def test_unconfigured_processor_fails_without_a_call(tmp_path: Path) -> None:
    fake = FakeVendor()
    async with serve(fake):
        with pytest.raises(ProviderUnavailable):
            await run("ocr/ocr_async", {"file": "doc"}, fake, files={"doc": PDF}, api_key=False)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, google_error(400, "Unsupported input file format.", "INVALID_ARGUMENT"), UnsupportedFormat),
        (
            400,
            google_error(
                400,
                "Document pages in non-imageless mode exceed the limit: 15 got 31.",
                "INVALID_ARGUMENT",
                "PAGE_LIMIT_EXCEEDED",
            ),
            ProviderInvalidInput,
        ),
        (
            403,
            google_error(
                403,
                "Permission 'documentai.processors.processOnline' denied.",
                "PERMISSION_DENIED",
                "IAM_PERMISSION_DENIED",
            ),
            ProviderAuthError,
        ),
        (
            429,
            google_error(
                429, "Quota exceeded for quota metric 'Number of process requests'.", "RESOURCE_EXHAUSTED"
            ),
            ProviderRateLimited,
        ),
    ],
)
async def test_errors(tmp_path: Path, status: int, body: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        await process(tmp_path, "ocr/ocr_async", body, status=status)
