"""Azure AI Document Intelligence (API 2024-11-30) against a loopback fake speaking its wire format.

Wire format sources:
- analyze: https://learn.microsoft.com/en-us/rest/api/aiservices/document-models/analyze-document-from-stream?view=rest-aiservices-v4.0%20(2024-11-30)
  (POST .../documentModels/{modelId}:analyze, 202 + Operation-Location + Retry-After)
- result: https://learn.microsoft.com/en-us/rest/api/aiservices/document-models/get-analyze-result?view=rest-aiservices-v4.0%20(2024-11-30)
  (status notStarted|running|succeeded|failed; analyzeResult.pages/tables/documents; ErrorResponse)
- fields: https://github.com/Azure-Samples/document-intelligence-code-samples/tree/main/schema/2024-11-30-ga
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.files.samples import pdf
from tests.providers.cloud.harness import FakeVendor, Recorded
from tests.providers.cloud.microsoft_fixtures import (
    assert_canonical,
    call_context,
    offer,
    run,
    validated,
    vendor,
)
from unigate.providers.base import LoadedFile, Pending, ProviderResult
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
    UnsupportedFormat,
    UnsupportedLanguage,
)

SAMPLES = Path(__file__).parents[3] / "spec" / "outputs"
KEY = "di-key-0123456789"
PDF = pdf(2)
FILES = {"doc1": LoadedFile(PDF, "application/pdf", "doc.pdf", page_count=2)}
API = "2024-11-30"


def creds(base: str) -> dict[str, str]:
    return {"AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT": base + "/", "AZURE_DOCUMENT_INTELLIGENCE_KEY": KEY}


def analyze_path(model: str) -> str:
    return f"/documentintelligence/documentModels/{model}:analyze"


def result_path(model: str, rid: str = "3b31320d-8bab-4f88-b19c-2322a7f11034") -> str:
    return f"/documentintelligence/documentModels/{model}/analyzeResults/{rid}"


def accept(fake: FakeVendor, model: str) -> None:
    """The documented 202: no body, Operation-Location and Retry-After headers."""
    location = f"{fake.base_url}{result_path(model)}?api-version={API}"
    fake.on("POST", analyze_path(model), (202, b"", {"Operation-Location": location, "Retry-After": "0"}))


def succeeded(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": "succeeded",
        "createdDateTime": "2024-11-30T13:00:46Z",
        "lastUpdatedDateTime": "2024-11-30T13:00:49Z",
        "analyzeResult": {"apiVersion": API, "stringIndexType": "textElements", **result},
    }


RUNNING = (200, {"status": "running", "createdDateTime": "2024-11-30T13:00:46Z"}, {"Retry-After": "0"})

# prebuilt-read: a two-page PDF (sizes in inches); words map to lines through their spans.
READ = {
    "modelId": "prebuilt-read",
    "content": "Hello world\nSecond line\nPage two",
    "pages": [
        {
            "pageNumber": 1,
            "angle": 0,
            "width": 8.5,
            "height": 11,
            "unit": "inch",
            "words": [
                {"content": "Hello", "polygon": [1, 1, 2, 1, 2, 1.5, 1, 1.5], "confidence": 0.99,
                 "span": {"offset": 0, "length": 5}},
                {"content": "world", "polygon": [2.1, 1, 3, 1, 3, 1.5, 2.1, 1.5], "confidence": 0.97,
                 "span": {"offset": 6, "length": 5}},
                {"content": "Second", "polygon": [1, 2, 2, 2, 2, 2.5, 1, 2.5], "confidence": 0.9,
                 "span": {"offset": 12, "length": 6}},
                {"content": "line", "polygon": [2.1, 2, 2.8, 2, 2.8, 2.5, 2.1, 2.5], "confidence": 0.8,
                 "span": {"offset": 19, "length": 4}},
            ],
            "lines": [
                {"content": "Hello world", "polygon": [1, 1, 3, 1, 3, 1.5, 1, 1.5],
                 "spans": [{"offset": 0, "length": 11}]},
                {"content": "Second line", "polygon": [1, 2, 2.8, 2, 2.8, 2.5, 1, 2.5],
                 "spans": [{"offset": 12, "length": 11}]},
            ],
            "spans": [{"offset": 0, "length": 23}],
        },
        {
            "pageNumber": 2,
            "angle": 0,
            "width": 8.5,
            "height": 11,
            "unit": "inch",
            "words": [
                {"content": "Page", "polygon": [1, 1, 1.8, 1, 1.8, 1.4, 1, 1.4], "confidence": 0.95,
                 "span": {"offset": 24, "length": 4}},
                {"content": "two", "polygon": [1.9, 1, 2.4, 1, 2.4, 1.4, 1.9, 1.4], "confidence": 0.93,
                 "span": {"offset": 29, "length": 3}},
            ],
            "lines": [
                {"content": "Page two", "polygon": [1, 1, 2.4, 1, 2.4, 1.4, 1, 1.4],
                 "spans": [{"offset": 24, "length": 8}]},
            ],
            "spans": [{"offset": 24, "length": 8}],
        },
    ],
    "paragraphs": [],
    "styles": [],
    "contentFormat": "text",
}  # fmt: skip


async def test_ocr_async_launch_pending_done_keeps_state() -> None:
    async with vendor() as fake:
        accept(fake, "prebuilt-read")
        fake.on("GET", result_path("prebuilt-read"), RUNNING, (200, succeeded(READ)))
        the_offer = offer("ocr/ocr_async")
        assert the_offer.launch is not None and the_offer.poll is not None
        async with call_context(creds(fake.base_url), files=FILES) as ctx:
            launched = await the_offer.launch(validated("ocr/ocr_async", {"file": "doc1"}), ctx)
        assert launched.provider_job_id == "3b31320d-8bab-4f88-b19c-2322a7f11034"
        assert launched.retry_after == 0.0
        assert launched.state["operation"].startswith(fake.base_url)

        sent = fake.calls("POST", analyze_path("prebuilt-read"))[0]
        assert sent.query == {"api-version": API}
        assert sent.headers["Ocp-Apim-Subscription-Key"] == KEY
        assert sent.headers["Content-Type"] == "application/pdf"
        assert sent.body == PDF

        # A later poll (as after a restart): only the persisted state is known.
        async with call_context(creds(fake.base_url), job_state=dict(launched.state)) as ctx:
            first = await the_offer.poll(launched.provider_job_id, ctx)
            assert isinstance(first, Pending) and first.retry_after == 0.0
            done = await the_offer.poll(launched.provider_job_id, ctx)
        assert isinstance(done, ProviderResult)
        polled = fake.calls("GET", result_path("prebuilt-read"))
        assert len(polled) == 2 and polled[0].query == {"api-version": API}
        assert polled[0].headers["Ocp-Apim-Subscription-Key"] == KEY

    out = assert_canonical(SAMPLES, "ocr/ocr_async", done.output)
    assert done.usage == {"page": 2}
    assert out["number_of_pages"] == 2 and out["raw_text"] == READ["content"]
    first_line = out["pages"][0]["lines"][0]
    assert first_line["text"] == "Hello world"
    assert [w["text"] for w in first_line["words"]] == ["Hello", "world"]
    assert first_line["confidence"] == pytest.approx(0.98)
    assert first_line["bounding_box"]["left"] == pytest.approx(1 / 8.5, abs=1e-6)
    assert first_line["words"][1]["bounding_box"]["width"] == pytest.approx(0.9 / 8.5, abs=1e-6)
    assert [w["text"] for w in out["pages"][0]["lines"][1]["words"]] == ["Second", "line"]
    assert out["pages"][1]["lines"][0]["text"] == "Page two"


async def test_poll_without_state_rebuilds_the_result_url() -> None:
    async with vendor() as fake:
        fake.on("GET", result_path("prebuilt-read"), (200, succeeded(READ)))
        the_offer = offer("ocr/ocr_async")
        assert the_offer.poll is not None
        async with call_context(creds(fake.base_url), model="prebuilt-read") as ctx:
            done = await the_offer.poll("3b31320d-8bab-4f88-b19c-2322a7f11034", ctx)
        assert isinstance(done, ProviderResult) and done.usage == {"page": 2}


# prebuilt-layout: one table with a header row spanning two rows, on page 1 of 1.
LAYOUT = {
    "modelId": "prebuilt-layout",
    "content": "Station Latitude\nKishngarh 27.82",
    "pages": [{"pageNumber": 1, "width": 1000, "height": 500, "unit": "pixel", "words": [], "lines": []}],
    "tables": [
        {
            "rowCount": 3,
            "columnCount": 2,
            "cells": [
                {"kind": "columnHeader", "rowIndex": 0, "columnIndex": 0, "rowSpan": 2, "content": "Station",
                 "boundingRegions": [{"pageNumber": 1, "polygon": [0, 0, 200, 0, 200, 100, 0, 100]}],
                 "spans": [{"offset": 0, "length": 7}]},
                {"kind": "columnHeader", "rowIndex": 0, "columnIndex": 1, "rowSpan": 2, "content": "Latitude",
                 "boundingRegions": [{"pageNumber": 1, "polygon": [200, 0, 400, 0, 400, 100, 200, 100]}],
                 "spans": [{"offset": 8, "length": 8}]},
                {"rowIndex": 2, "columnIndex": 1, "content": "27.82",
                 "boundingRegions": [{"pageNumber": 1, "polygon": [200, 100, 400, 100, 400, 150, 200, 150]}],
                 "spans": [{"offset": 27, "length": 5}]},
                {"rowIndex": 2, "columnIndex": 0, "content": "Kishngarh",
                 "boundingRegions": [{"pageNumber": 1, "polygon": [0, 100, 200, 100, 200, 150, 0, 150]}],
                 "spans": [{"offset": 17, "length": 9}]},
            ],
            "boundingRegions": [{"pageNumber": 1, "polygon": [0, 0, 400, 0, 400, 150, 0, 150]}],
            "spans": [{"offset": 0, "length": 32}],
        }
    ],
}  # fmt: skip


async def test_tables_rows_cells_and_headers() -> None:
    async with vendor() as fake:
        accept(fake, "prebuilt-layout")
        fake.on("GET", result_path("prebuilt-layout"), (200, succeeded(LAYOUT)))
        the_offer = offer("ocr/ocr_tables_async")
        assert the_offer.launch is not None and the_offer.poll is not None
        async with call_context(creds(fake.base_url), files=FILES) as ctx:
            inp = validated("ocr/ocr_tables_async", {"file": "doc1", "language": "en"})
            launched = await the_offer.launch(inp, ctx)
            ctx.job_state = launched.state
            done = await the_offer.poll(launched.provider_job_id, ctx)
        assert fake.calls("POST", analyze_path("prebuilt-layout"))[0].query == {
            "api-version": API,
            "locale": "en",
        }
    assert isinstance(done, ProviderResult) and done.usage == {"page": 1}
    out = assert_canonical(SAMPLES, "ocr/ocr_tables_async", done.output)
    table = out["pages"][0]["tables"][0]
    assert (table["num_rows"], table["num_cols"], out["num_pages"]) == (3, 2, 1)
    header, body = table["rows"]
    assert [c["text"] for c in header["cells"]] == ["Station", "Latitude"]
    assert header["cells"][0]["is_header"] is True and header["cells"][0]["row_span"] == 2
    assert [c["text"] for c in body["cells"]] == ["Kishngarh", "27.82"]  # sorted by column
    assert body["cells"][0]["is_header"] is False and body["cells"][0]["col_span"] == 1
    assert body["cells"][1]["bounding_box"] == {"left": 0.2, "top": 0.2, "width": 0.2, "height": 0.1}


def currency(amount: float, code: str = "USD", content: str | None = None) -> dict[str, Any]:
    return {
        "type": "currency",
        "valueCurrency": {"currencySymbol": "$", "amount": amount, "currencyCode": code},
        "content": content or f"${amount:,.2f}",
        "confidence": 0.95,
    }


def string(value: str, confidence: float = 0.9) -> dict[str, Any]:
    return {"type": "string", "valueString": value, "content": value, "confidence": confidence}


def date(value: str, content: str) -> dict[str, Any]:
    return {"type": "date", "valueDate": value, "content": content, "confidence": 0.93}


def address(content: str) -> dict[str, Any]:
    return {
        "type": "address",
        "valueAddress": {"houseNumber": "123", "road": "Other St", "city": "Redmond", "state": "WA",
                         "postalCode": "98052", "streetAddress": "123 Other St"},
        "content": content,
        "confidence": 0.9,
    }  # fmt: skip


def obj(**fields: Any) -> dict[str, Any]:
    return {"type": "object", "valueObject": fields, "confidence": 0.9}


def array(*objects: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "valueArray": list(objects)}


INVOICE = {
    "modelId": "prebuilt-invoice",
    "content": "CONTOSO LTD.\nINVOICE",
    "pages": [{"pageNumber": 1, "width": 8.5, "height": 11, "unit": "inch", "words": [], "lines": []}],
    "documents": [
        {
            "docType": "invoice",
            "confidence": 1,
            "fields": {
                "CustomerName": string("MICROSOFT CORPORATION"),
                "CustomerId": string("CID-12345"),
                "CustomerAddress": address("123 Other St,\nRedmond WA, 98052"),
                "VendorName": string("CONTOSO LTD."),
                "VendorAddress": address("123 456th St,\nNew York, NY, 10001"),
                "VendorTaxId": string("123456-7"),
                "InvoiceId": string("INV-100"),
                "InvoiceDate": date("2019-11-15", "11/15/2019"),
                "DueDate": date("2019-12-15", "12/15/2019"),
                "PurchaseOrder": string("PO-3333"),
                "SubTotal": currency(100.0),
                "TotalTax": currency(10.0),
                "InvoiceTotal": currency(110.0),
                "AmountDue": currency(610.0),
                "PreviousUnpaidBalance": currency(500.0),
                "TaxDetails": array(obj(Amount=currency(10.0), Rate=string("10 %"))),
                "PaymentDetails": array(
                    obj(IBAN=string("DE94700700100029490000"), SWIFT=string("DEUTDEMMXXX"))
                ),
                "Items": array(
                    obj(
                        Description=string("Consulting Services"),
                        Quantity={"type": "number", "valueNumber": 2, "content": "2", "confidence": 0.9},
                        UnitPrice=currency(30.0),
                        Amount=currency(60.0),
                        ProductCode=string("A123"),
                        Date=date("2021-03-04", "3/4/2021"),
                        TaxRate=string("18 %"),
                    )
                ),
            },
        }
    ],
}


async def test_invoice_parser_polls_within_the_call() -> None:
    async with vendor() as fake:
        accept(fake, "prebuilt-invoice")
        fake.on("GET", result_path("prebuilt-invoice"), RUNNING, (200, succeeded(INVOICE)))
        async with call_context(creds(fake.base_url), files=FILES) as ctx:
            result = await run("ocr/invoice_parser", {"file": "doc1", "language": "en-US"}, ctx)
        assert fake.calls("POST", analyze_path("prebuilt-invoice"))[0].query["locale"] == "en-US"
        assert len(fake.calls("GET", result_path("prebuilt-invoice"))) == 2
    out = assert_canonical(SAMPLES, "ocr/invoice_parser", result.output)
    assert result.usage == {"page": 1}
    inv = out["extracted_data"][0]
    assert inv["invoice_number"] == "INV-100" and inv["invoice_total"] == 110.0
    assert inv["customer_information"]["customer_address"] == "123 Other St, Redmond WA, 98052"
    assert inv["merchant_information"]["merchant_name"] == "CONTOSO LTD."
    assert inv["date"] == "2019-11-15" and inv["locale"]["currency"] == "USD"
    assert inv["taxes"] == [{"value": 10.0, "rate": 10.0}]
    assert inv["bank_informations"]["iban"] == "DE94700700100029490000"
    line = inv["item_lines"][0]
    assert (line["quantity"], line["unit_price"], line["amount"], line["tax_rate"]) == (2.0, 30.0, 60.0, 18.0)


RECEIPT = {
    "modelId": "prebuilt-receipt",
    "content": "Contoso\n123 Main Street",
    "pages": [{"pageNumber": 1, "width": 1688, "height": 3000, "unit": "pixel", "words": [], "lines": []}],
    "documents": [
        {
            "docType": "receipt.retailMeal",
            "confidence": 0.99,
            "fields": {
                "MerchantName": string("Contoso"),
                "MerchantAddress": address("123 Main Street\nRedmond, WA 98052"),
                "MerchantPhoneNumber": {"type": "phoneNumber", "valuePhoneNumber": "+19876543210",
                                        "content": "987-654-3210", "confidence": 0.98},
                "TransactionDate": date("2019-06-10", "6/10/2019"),
                "TransactionTime": {"type": "time", "valueTime": "13:59:00", "content": "13:59",
                                    "confidence": 0.9},
                "Subtotal": currency(1098.99),
                "TotalTax": currency(104.4),
                "Tip": currency(5.0),
                "Total": currency(1203.39),
                "CountryRegion": {"type": "countryRegion", "valueCountryRegion": "USA", "confidence": 0.99},
                "ReceiptType": string("Meal"),
                "Items": array(
                    obj(Description=string("Surface Pro 6"),
                        Quantity={"type": "number", "valueNumber": 1, "content": "1", "confidence": 0.9},
                        Price=currency(999.0), TotalPrice=currency(999.0))
                ),
                "Payments": array(obj(Method=string("Cash"), Amount=currency(1210.0))),
            },
        }
    ],
}  # fmt: skip


async def test_receipt_parser() -> None:
    async with vendor() as fake:
        accept(fake, "prebuilt-receipt")
        fake.on("GET", result_path("prebuilt-receipt"), (200, succeeded(RECEIPT)))
        async with call_context(creds(fake.base_url), files=FILES) as ctx:
            result = await run("ocr/receipt_parser", {"file": "doc1"}, ctx)
        assert "locale" not in fake.calls("POST", analyze_path("prebuilt-receipt"))[0].query
    out = assert_canonical(SAMPLES, "ocr/receipt_parser", result.output)
    receipt = out["extracted_data"][0]
    assert receipt["invoice_total"] == 1203.39 and receipt["invoice_subtotal"] == 1098.99
    assert receipt["merchant_information"]["merchant_phone"] == "+19876543210"
    assert receipt["locale"] == {"currency": "USD", "language": None, "country": "USA"}
    assert receipt["taxes"] == [{"taxes": 104.4, "rate": None}]
    assert receipt["payment_information"]["cash"] == 1210.0 and receipt["payment_information"]["tip"] == 5.0
    assert receipt["item_lines"] == [
        {"description": "Surface Pro 6", "quantity": 1.0, "amount": 999.0, "unit_price": 999.0}
    ]
    assert receipt["receipt_infos"] == {"doc_type": "receipt.retailMeal", "receipt_type": "Meal"}
    assert (receipt["date"], receipt["time"]) == ("2019-06-10", "13:59:00")


PASSPORT = {
    "modelId": "prebuilt-idDocument",
    "content": "PASSPORT",
    "pages": [{"pageNumber": 1, "width": 1200, "height": 800, "unit": "pixel", "words": [], "lines": []}],
    "documents": [
        {
            "docType": "idDocument.passport",
            "confidence": 0.995,
            "fields": {
                "DocumentNumber": string("340020013", 0.97),
                "FirstName": string("JENNIFER", 0.83),
                "MiddleName": string("REYES", 0.8),
                "LastName": string("BROOKS", 0.74),
                "DateOfBirth": date("1980-01-01", "01 Jan 1980"),
                "DateOfExpiration": date("2019-05-05", "05 May 2019"),
                "DateOfIssue": date("2014-05-06", "06 May 2014"),
                "Sex": string("F"),
                "CountryRegion": {"type": "countryRegion", "valueCountryRegion": "USA", "confidence": 0.99},
                "Nationality": {"type": "countryRegion", "valueCountryRegion": "USA", "confidence": 0.98},
                "PlaceOfBirth": string("MASSACHUSETTS, U.S.A."),
                "IssuingAuthority": string("United States Department of State"),
                "MachineReadableZone": {
                    "type": "object",
                    "valueObject": {"LastName": string("BROOKS")},
                    "content": "P<USABROOKS<<JENNIFER<<<<<<<<<<<<<<<<<<<<<<<\n"
                    "3400200135USA8001014F1905054710000307<715816",
                    "confidence": 0.66,
                },
            },
        }
    ],
}


async def test_identity_parser() -> None:
    async with vendor() as fake:
        accept(fake, "prebuilt-idDocument")
        fake.on("GET", result_path("prebuilt-idDocument"), (200, succeeded(PASSPORT)))
        async with call_context(creds(fake.base_url), files=FILES) as ctx:
            result = await run("ocr/identity_parser", {"file": "doc1"}, ctx)
    out = assert_canonical(SAMPLES, "ocr/identity_parser", result.output)
    doc = out["extracted_data"][0]
    assert doc["last_name"] == {"value": "BROOKS", "confidence": 0.74}
    assert [g["value"] for g in doc["given_names"]] == ["JENNIFER", "REYES"]
    assert doc["document_type"] == {"value": "passport", "confidence": 0.995}
    assert doc["country"]["alpha3"] == "USA" and doc["nationality"]["value"] == "USA"
    assert doc["issuing_state"]["value"] == "United States Department of State"
    assert doc["mrz"]["value"].startswith("P<USABROOKS") and doc["mrz"]["confidence"] == 0.66
    assert doc["birth_date"]["value"] == "1980-01-01"


# --- errors ---------------------------------------------------------------------------------
# ErrorResponse bodies as documented: {"error": {"code", "message", "innererror": {"code", "message"}}}.


def error(code: str, message: str, inner: tuple[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if inner:
        body["innererror"] = {"code": inner[0], "message": inner[1]}
    return {"error": body}


@pytest.mark.parametrize(
    ("reply", "expected", "retry_after"),
    [
        (
            (401, error("401", f"Access denied due to invalid subscription key {KEY}.")),
            ProviderAuthError,
            None,
        ),
        ((403, error("403", "Out of call volume quota.")), ProviderAuthError, None),
        ((429, error("429", "Rate limit is exceeded."), {"Retry-After": "7"}), ProviderRateLimited, 7.0),
        (
            (400, error("InvalidRequest", "Invalid request.", ("InvalidContent", "The file is corrupted."))),
            UnsupportedFormat,
            None,
        ),
        (
            (
                400,
                error(
                    "InvalidRequest", "Invalid argument.", ("InvalidLocale", "Locale xx is not supported.")
                ),
            ),
            UnsupportedLanguage,
            None,
        ),
        (
            (
                400,
                error(
                    "InvalidRequest",
                    "Invalid request.",
                    ("InvalidParameter", "The parameter pages is invalid."),
                ),
            ),
            ProviderInvalidInput,
            None,
        ),
        ((500, error("InternalServerError", "An unexpected error occurred.")), ProviderServerError, None),
        ((503, "<html>Service Unavailable</html>"), ProviderServerError, None),
    ],
)
async def test_analyze_errors(reply: Any, expected: type[Exception], retry_after: float | None) -> None:
    async with vendor() as fake:
        fake.on("POST", analyze_path("prebuilt-invoice"), reply)
        async with call_context(creds(fake.base_url), files=FILES) as ctx:
            with pytest.raises(expected) as caught:
                await run("ocr/invoice_parser", {"file": "doc1"}, ctx)
    assert type(caught.value) is expected
    assert KEY not in str(caught.value)
    assert getattr(caught.value, "retry_after", None) == retry_after


async def test_failed_operation_and_bad_bodies() -> None:
    # A failed operation carries the error object itself under "error".
    failed = {
        "status": "failed",
        "error": error("InvalidRequest", "Invalid request.", ("InvalidContent", "Corrupt."))["error"],
    }
    async with vendor() as fake:
        accept(fake, "prebuilt-invoice")
        fake.on("GET", result_path("prebuilt-invoice"), (200, failed))
        async with call_context(creds(fake.base_url), files=FILES) as ctx:
            with pytest.raises(UnsupportedFormat, match="Corrupt"):
                await run("ocr/invoice_parser", {"file": "doc1"}, ctx)
        fake.on("GET", result_path("prebuilt-invoice"), (200, "{not json"))
        async with call_context(creds(fake.base_url), files=FILES) as ctx:
            with pytest.raises(ProviderBadResponse):
                await run("ocr/invoice_parser", {"file": "doc1"}, ctx)
        crashed = {"status": "failed", "error": error("InternalServerError", "Oops")["error"]}
        fake.on("GET", result_path("prebuilt-invoice"), (200, crashed))
        async with call_context(creds(fake.base_url), files=FILES) as ctx:
            with pytest.raises(ProviderServerError):
                await run("ocr/invoice_parser", {"file": "doc1"}, ctx)


async def test_operation_location_on_another_host_is_refused() -> None:
    async with vendor() as fake:
        where = "https://attacker.example/documentintelligence/documentModels/x/analyzeResults/1"
        fake.on("POST", analyze_path("prebuilt-invoice"), (202, b"", {"Operation-Location": where}))
        async with call_context(creds(fake.base_url), files=FILES) as ctx:
            with pytest.raises(ProviderBadResponse, match="Operation-Location"):
                await run("ocr/invoice_parser", {"file": "doc1"}, ctx)
        assert not fake.calls("GET", "/documentintelligence/documentModels/x/analyzeResults/1")


async def test_deadline() -> None:
    async def slow(_: Recorded) -> Any:
        await asyncio.sleep(0.6)
        return (202, b"")

    async with vendor() as fake:
        fake.on("POST", analyze_path("prebuilt-invoice"), slow)
        async with call_context(creds(fake.base_url), files=FILES, timeout_s=0.2) as ctx:
            with pytest.raises(ProviderTimeout):
                await run("ocr/invoice_parser", {"file": "doc1"}, ctx)
        # A job that keeps running past the deadline ends as a timeout too (no endless loop).
        accept(fake, "prebuilt-invoice")
        fake.on("GET", result_path("prebuilt-invoice"), (200, {"status": "running"}, {"Retry-After": "0.05"}))
        async with call_context(creds(fake.base_url), files=FILES, timeout_s=0.5) as ctx:
            with pytest.raises(ProviderTimeout):
                await run("ocr/invoice_parser", {"file": "doc1"}, ctx)


def test_offers_declare_models_constraints_and_availability() -> None:
    for sub, model in [
        ("ocr/ocr_async", "prebuilt-read"),
        ("ocr/ocr_tables_async", "prebuilt-layout"),
        ("ocr/invoice_parser", "prebuilt-invoice"),
        ("ocr/receipt_parser", "prebuilt-receipt"),
        ("ocr/identity_parser", "prebuilt-idDocument"),
    ]:
        found = offer(sub)
        assert found.default_model == model and found.compute == "io" and found.notes
        assert found.constraints.mime_types and "application/pdf" in found.constraints.mime_types
        assert found.unavailable_reason is not None
        reason = found.unavailable_reason({"AZURE_LANGUAGE_KEY": "x"})
        assert reason and "AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT" in reason
        assert found.unavailable_reason(creds("https://x.cognitiveservices.azure.com")) is None
