"""Textract AnalyzeExpense (ocr/invoice_parser, ocr/receipt_parser) and AnalyzeID (ocr/identity_parser).

Wire format sources:
- https://docs.aws.amazon.com/textract/latest/APIReference/API_AnalyzeExpense.html
- https://docs.aws.amazon.com/textract/latest/dg/expensedocuments.html (ExpenseField, EXPENSE_ROW)
- https://docs.aws.amazon.com/textract/latest/dg/invoices-receipts.html (standard field types)
- https://docs.aws.amazon.com/textract/latest/APIReference/API_AnalyzeID.html
- https://docs.aws.amazon.com/textract/latest/dg/identitydocumentfields.html
"""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import pytest

from tests.providers.cloud.amazon_fixtures.fake import aws_error, aws_fake, check_output, creds, verify_sigv4
from tests.providers.cloud.harness import context
from unigate.catalog.schemas.ocr import DocumentInput, DocumentLanguageInput
from unigate.engine.pricing import price_usage
from unigate.providers.amazon import AmazonProvider, expense
from unigate.providers.base import LoadedFile, Offer
from unigate.providers.errors import UnsupportedFormat

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
FILES = {"scan": LoadedFile(JPEG, "image/jpeg", "invoice.jpg")}


def offer(subfeature: str) -> Offer:
    [found] = [o for o in AmazonProvider().offers() if o.subfeature == subfeature]
    return found


def ef(
    kind: str, value: str, label: str | None = None, groups: list[str] | None = None, **extra: Any
) -> dict:
    out: dict[str, Any] = {
        "Type": {"Text": kind, "Confidence": 99.9},
        "ValueDetection": {
            "Text": value,
            "Geometry": {"BoundingBox": {"Width": 0.1, "Height": 0.02, "Left": 0.6, "Top": 0.8}},
            "Confidence": 99.8,
        },
        "PageNumber": 1,
    }
    if label:
        out["LabelDetection"] = {"Text": label, "Confidence": 97.1}
    if groups:
        out["GroupProperties"] = [{"Types": groups, "Id": "g-" + "-".join(groups)}]
    return out | extra


def item(*fields: dict) -> dict:
    return {"LineItemExpenseFields": list(fields)}


INVOICE = {
    "DocumentMetadata": {"Pages": 1},
    "ExpenseDocuments": [
        {
            "ExpenseIndex": 1,
            "SummaryFields": [
                ef("INVOICE_RECEIPT_ID", "014-03", "Invoice #"),
                ef("INVOICE_RECEIPT_DATE", "January 20, 2013", "Date"),
                ef("DUE_DATE", "2013-02-20", "Due"),
                ef("VENDOR_NAME", "SNG ENGINEERING, INC."),
                ef("VENDOR_ADDRESS", "344 Main Street Suite 200 Gaithersburg, MD 20878"),
                ef("NAME", "DAMITA J GOLDSMITH", groups=["RECEIVER", "BILL_TO"]),
                ef("ADDRESS", "201 Stan Fey Dr Upper Marlboro MD 20774", groups=["RECEIVER", "BILL_TO"]),
                ef("ADDRESS", "9 Dock Rd Baltimore MD 21201", groups=["RECEIVER", "SHIP_TO"]),
                ef("CUSTOMER_NUMBER", "C-778", "Customer No."),
                ef("PO_NUMBER", "PO-5", "P.O."),
                ef("SUBTOTAL", "$1,250.00", "Subtotal"),
                ef("TAX", "$62.50", "Sales tax"),
                ef("TOTAL", "$1,312.50", "Total:", Currency={"Code": "USD", "Confidence": 95.0}),
                ef("AMOUNT_DUE", "$1,312.50", "Balance due"),
                ef("ACCOUNT_NUMBER", "00123456", "Account"),
            ],
            "LineItemGroups": [
                {
                    "LineItemGroupIndex": 1,
                    "LineItems": [
                        item(
                            ef("ITEM", "Site survey"),
                            ef("QUANTITY", "2"),
                            ef("UNIT_PRICE", "500.00"),
                            ef("PRICE", "1,000.00"),
                            ef("EXPENSE_ROW", "Site survey 2 500.00 1,000.00"),
                        ),
                        item(ef("EXPENSE_ROW", "Travel 250.00"), ef("PRICE", "250.00")),
                    ],
                }
            ],
            "Blocks": [],
        }
    ],
}


async def test_invoice_request_and_output() -> None:
    async with aws_fake() as fake:
        fake.target("Textract.AnalyzeExpense", (200, INVOICE))
        async with context(creds(fake), files=FILES) as ctx:
            result = await offer("ocr/invoice_parser").run(  # type: ignore[misc]
                DocumentLanguageInput(file="scan", language="en"), ctx
            )
    [rec] = fake.ops("Textract.AnalyzeExpense")
    verify_sigv4(rec, fake, "textract")
    assert rec.json() == {"Document": {"Bytes": base64.b64encode(JPEG).decode()}}
    out = check_output("ocr/invoice_parser", result.output)
    [inv] = out["extracted_data"]
    assert (
        inv["invoice_number"] == "014-03" and inv["date"] == "2013-01-20" and inv["due_date"] == "2013-02-20"
    )
    assert (inv["invoice_total"], inv["invoice_subtotal"], inv["amount_due"]) == (1312.5, 1250.0, 1312.5)
    assert inv["taxes"] == [{"value": 62.5, "rate": None}]
    assert inv["locale"] == {"currency": "USD", "language": "en"}
    customer = inv["customer_information"]
    assert customer["customer_name"] == "DAMITA J GOLDSMITH" and customer["customer_id"] == "C-778"
    assert customer["customer_billing_address"] == "201 Stan Fey Dr Upper Marlboro MD 20774"
    assert customer["customer_shipping_address"] == "9 Dock Rd Baltimore MD 21201"
    assert inv["merchant_information"]["merchant_name"] == "SNG ENGINEERING, INC."
    assert inv["bank_informations"]["account_number"] == "00123456"
    assert inv["purchase_order"] == inv["po_number"] == "PO-5"
    first, second = inv["item_lines"]
    assert (first["description"], first["quantity"], first["unit_price"], first["amount"]) == (
        "Site survey",
        2.0,
        500.0,
        1000.0,
    )
    assert (second["description"], second["amount"]) == ("Travel 250.00", 250.0)
    assert result.usage == {"page": 1}


RECEIPT = {
    "DocumentMetadata": {"Pages": 1},
    "ExpenseDocuments": [
        {
            "ExpenseIndex": 1,
            "SummaryFields": [
                ef("VENDOR_NAME", "BON FISCAL"),
                ef("VENDOR_ADDRESS", "hypermarche auchan str zaharia stancu nr 1 brasov"),
                ef("TOTAL", "137,10", "TOTAL", Currency={"Code": "RON"}),
                ef("TAX", "21,89", "TVA"),
                ef("VENDOR_PHONE", "0268 123 456"),
                ef("PAYMENT_TERMS", "CARD"),
                ef("OTHER", "0042", "Casa"),
            ],
            "LineItemGroups": [
                {
                    "LineItemGroupIndex": 1,
                    "LineItems": [item(ef("ITEM", "CROISSANT 7 DAYS"), ef("PRICE", "5,55"))],
                }
            ],
        }
    ],
}


async def test_receipt_output() -> None:
    async with aws_fake() as fake:
        fake.target("Textract.AnalyzeExpense", (200, RECEIPT))
        async with context(creds(fake), files=FILES) as ctx:
            result = await offer("ocr/receipt_parser").run(DocumentLanguageInput(file="scan"), ctx)  # type: ignore[misc]
    verify_sigv4(fake.ops("Textract.AnalyzeExpense")[0], fake, "textract")
    out = check_output("ocr/receipt_parser", result.output)
    [rec] = out["extracted_data"]
    assert rec["invoice_total"] == 137.1 and rec["taxes"] == [{"taxes": 21.89, "rate": None}]
    assert rec["merchant_information"]["merchant_name"] == "BON FISCAL"
    assert rec["merchant_information"]["merchant_phone"] == "0268 123 456"
    assert rec["locale"]["currency"] == "RON"
    assert rec["receipt_infos"] == {"payment_terms": "CARD", "Casa": "0042"}
    assert rec["item_lines"] == [
        {"description": "CROISSANT 7 DAYS", "quantity": None, "amount": 5.55, "unit_price": None}
    ]


async def test_expense_unsupported_document() -> None:
    async with aws_fake() as fake:
        reply = aws_error(400, "UnsupportedDocumentException", "Request has unsupported document format")
        fake.target("Textract.AnalyzeExpense", reply)
        async with context(creds(fake), files=FILES) as ctx:
            with pytest.raises(UnsupportedFormat):
                await offer("ocr/receipt_parser").run(DocumentLanguageInput(file="scan"), ctx)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("$1,234.56", 1234.56),
        ("1.234,56 €", 1234.56),
        ("12,50", 12.5),
        ("1,250", 1250.0),
        ("(12.00)", -12.0),
        ("EUR 3 400,00", 3400.0),
        ("n/a", None),
        (None, None),
    ],
)
def test_amount_parsing(text: str | None, value: float | None) -> None:
    assert expense.parse_amount(text) == value


def test_dates_are_normalized_only_when_unambiguous() -> None:
    assert expense.parse_date("20 Jan. 2013") == "2013-01-20"
    assert expense.parse_date("Jan 20, 2013") == "2013-01-20"
    assert expense.parse_date("01/02/2013") == "01/02/2013"


# ---------------------------------------------------------------------- identity


def idf(kind: str, text: str, confidence: float = 98.5, date: str | None = None) -> dict:
    detection: dict[str, Any] = {"Text": text, "Confidence": confidence}
    if date:
        detection["NormalizedValue"] = {"Value": date, "ValueType": "Date"}
    return {"Type": {"Text": kind}, "ValueDetection": detection}


PASSPORT = {
    "DocumentMetadata": {"Pages": 1},
    "IdentityDocuments": [
        {
            "DocumentIndex": 1,
            "IdentityDocumentFields": [
                idf("FIRST_NAME", "HAPPY", 83.0),
                idf("MIDDLE_NAME", "", 10.0),
                idf("LAST_NAME", "TRAVELER", 74.0),
                idf("DOCUMENT_NUMBER", "E00007730", 97.0),
                idf("EXPIRATION_DATE", "14 OCT 2030", 96.0, "2030-10-14T00:00:00"),
                idf("DATE_OF_BIRTH", "05 FEB 1965", 95.0, "1965-02-05T00:00:00"),
                idf("DATE_OF_ISSUE", "15 OCT 2020", 96.0, "2020-10-15T00:00:00"),
                idf("PLACE_OF_BIRTH", "WASHINGTON, D.C., U.S.A.", 92.0),
                idf("ID_TYPE", "PASSPORT", 98.0),
                idf(
                    "MRZ_CODE",
                    "P<USATRAVELER<<HAPPY<<<<<<<<<<<<<<<<<<<<<<<<\nE000077303USA6502056F3010149500101920<091824",
                    66.0,
                ),
            ],
            "Blocks": [],
        }
    ],
    "AnalyzeIDModelVersion": "1.0",
}


async def test_identity_request_and_output() -> None:
    async with aws_fake() as fake:
        fake.target("Textract.AnalyzeID", (200, PASSPORT))
        async with context(creds(fake), files=FILES) as ctx:
            result = await offer("ocr/identity_parser").run(DocumentInput(file="scan"), ctx)  # type: ignore[misc]
    [rec] = fake.ops("Textract.AnalyzeID")
    verify_sigv4(rec, fake, "textract")
    assert rec.json() == {"DocumentPages": [{"Bytes": base64.b64encode(JPEG).decode()}]}
    out = check_output("ocr/identity_parser", result.output)
    [doc] = out["extracted_data"]
    assert doc["last_name"] == {"value": "TRAVELER", "confidence": 0.74}
    assert doc["given_names"] == [{"value": "HAPPY", "confidence": 0.83}]  # the empty middle name is left out
    assert doc["birth_date"]["value"] == "1965-02-05" and doc["expire_date"]["value"] == "2030-10-14"
    assert doc["document_type"]["value"] == "PASSPORT" and doc["document_id"]["value"] == "E00007730"
    assert doc["country"] == {"name": None, "alpha2": None, "alpha3": "USA", "confidence": None}
    assert doc["mrz"]["value"].startswith("P<USA") and doc["gender"] == {"value": None, "confidence": None}
    assert result.usage == {"page": 1}


@pytest.mark.parametrize(
    ("subfeature", "usage", "cost"),
    [
        ("ocr/invoice_parser", {"page": 1}, Decimal("0.01")),  # $10 per 1,000 pages
        ("ocr/receipt_parser", {"page": 3}, Decimal("0.03")),
        ("ocr/identity_parser", {"page": 2}, Decimal("0.05")),  # $0.025 a page
    ],
)
def test_document_prices(subfeature: str, usage: dict[str, int], cost: Decimal) -> None:
    spec = offer(subfeature).model(None)
    assert spec is not None
    assert price_usage(spec.prices, usage) == cost
