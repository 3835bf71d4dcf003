"""Textract: ocr/ocr (DetectDocumentText), ocr/ocr_async and ocr/ocr_tables_async (Start.../Get...
jobs with the document staged in S3), against an AWS-shaped loopback fake.

Wire format sources:
- https://docs.aws.amazon.com/textract/latest/APIReference/API_DetectDocumentText.html
- https://docs.aws.amazon.com/textract/latest/APIReference/API_StartDocumentTextDetection.html
- https://docs.aws.amazon.com/textract/latest/APIReference/API_GetDocumentTextDetection.html
- https://docs.aws.amazon.com/textract/latest/APIReference/API_StartDocumentAnalysis.html
- https://docs.aws.amazon.com/textract/latest/APIReference/API_GetDocumentAnalysis.html
- https://docs.aws.amazon.com/textract/latest/APIReference/API_Block.html
- https://docs.aws.amazon.com/textract/latest/APIReference/CommonErrors.html
- https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (staging), API_DeleteObject.html
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from decimal import Decimal
from typing import Any

import pytest

from tests.providers.cloud.amazon_fixtures.fake import (
    BUCKET,
    SECRET,
    AwsFake,
    aws_error,
    aws_fake,
    check_output,
    creds,
    header,
    s3_error,
    verify_sigv4,
)
from tests.providers.cloud.harness import Recorded, context
from unigate.catalog.schemas.ocr import DocumentInput, DocumentLanguageInput, OcrTablesInput
from unigate.engine.pricing import price_usage
from unigate.providers.amazon import AmazonProvider
from unigate.providers.base import Launched, LoadedFile, Offer, Pending, ProviderResult
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
    ProviderUnavailable,
    UnsupportedFormat,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 128
FILES = {
    "img": LoadedFile(PNG, "image/png", "scan.png"),
    "doc": LoadedFile(PDF, "application/pdf", "My report (final).pdf"),
}


def offer(subfeature: str) -> Offer:
    found = [o for o in AmazonProvider().offers() if o.subfeature == subfeature]
    assert len(found) == 1
    return found[0]


def geometry(left: float, top: float, width: float, height: float) -> dict[str, Any]:
    return {
        "BoundingBox": {"Width": width, "Height": height, "Left": left, "Top": top},
        "Polygon": [
            {"X": left, "Y": top},
            {"X": left + width, "Y": top},
            {"X": left + width, "Y": top + height},
            {"X": left, "Y": top + height},
        ],
    }


def word(id: str, text: str, left: float, top: float, page: int | None = None) -> dict[str, Any]:
    block = {
        "BlockType": "WORD",
        "Confidence": 99.52,
        "Text": text,
        "TextType": "PRINTED",
        "Geometry": geometry(left, top, 0.05, 0.012),
        "Id": id,
    }
    return block | ({"Page": page} if page else {})


def line(id: str, text: str, words: list[str], top: float, page: int | None = None) -> dict[str, Any]:
    block = {
        "BlockType": "LINE",
        "Confidence": 99.1,
        "Text": text,
        "Geometry": geometry(0.1, top, 0.4, 0.013),
        "Id": id,
        "Relationships": [{"Type": "CHILD", "Ids": words}],
    }
    return block | ({"Page": page} if page else {})


def page_block(id: str, children: list[str], page: int | None = None) -> dict[str, Any]:
    block = {
        "BlockType": "PAGE",
        "Geometry": geometry(0.0, 0.0, 1.0, 1.0),
        "Id": id,
        "Relationships": [{"Type": "CHILD", "Ids": children}],
    }
    return block | ({"Page": page} if page else {})


# DetectDocumentText answer for a one-page image (API_DetectDocumentText.html, API_Block.html).
DETECT = {
    "DocumentMetadata": {"Pages": 1},
    "Blocks": [
        page_block("p1", ["l1", "l2"]),
        line("l1", "Name: Jane Doe", ["w1", "w2", "w3"], 0.08),
        word("w1", "Name:", 0.1, 0.08),
        word("w2", "Jane", 0.16, 0.08),
        word("w3", "Doe", 0.22, 0.08),
        line("l2", "Total 42.00", ["w4", "w5"], 0.2),
        word("w4", "Total", 0.1, 0.2),
        word("w5", "42.00", 0.16, 0.2),
    ],
    "DetectDocumentTextModelVersion": "1.0",
}


# ---------------------------------------------------------------------- ocr/ocr


async def test_ocr_request_signature_and_output() -> None:
    async with aws_fake() as fake:
        fake.target("Textract.DetectDocumentText", (200, DETECT))
        async with context(creds(fake), files=FILES) as ctx:
            result = await offer("ocr/ocr").run(DocumentLanguageInput(file="img"), ctx)  # type: ignore[misc]
    [rec] = fake.ops("Textract.DetectDocumentText")
    assert rec.method == "POST" and rec.path == "/" and rec.query == {}
    assert header(rec, "Content-Type") == "application/x-amz-json-1.1"
    verify_sigv4(rec, fake, "textract")
    assert rec.json() == {"Document": {"Bytes": base64.b64encode(PNG).decode()}}
    out = check_output("ocr/ocr", result.output)
    assert out["text"] == "Name: Jane Doe\nTotal 42.00"
    assert out["bounding_boxes"][0] == {
        "text": "Name: Jane Doe",
        "left": 0.1,
        "top": 0.08,
        "width": 0.4,
        "height": 0.013,
    }
    assert result.usage == {"page": 1}
    assert result.raw == DETECT


ERRORS = [
    # (reply, expected error class, retry_after)
    (
        aws_error(
            400, "UnrecognizedClientException", "The security token included in the request is invalid."
        ),
        ProviderAuthError,
        None,
    ),
    (
        aws_error(
            403, "AccessDeniedException", "User is not authorized to perform: textract:DetectDocumentText"
        ),
        ProviderAuthError,
        None,
    ),
    (
        aws_error(400, "InvalidSignatureException", "The request signature we calculated does not match"),
        ProviderAuthError,
        None,
    ),
    (
        aws_error(400, "ProvisionedThroughputExceededException", "Provisioned rate exceeded"),
        ProviderRateLimited,
        None,
    ),
    (aws_error(429, "ThrottlingException", "Rate exceeded", {"Retry-After": "7"}), ProviderRateLimited, 7.0),
    (
        aws_error(400, "InvalidParameterException", "Request has invalid parameters"),
        ProviderInvalidInput,
        None,
    ),
    (
        aws_error(400, "UnsupportedDocumentException", "Request has unsupported document format"),
        UnsupportedFormat,
        None,
    ),
    (aws_error(400, "BadDocumentException", "Unable to read the document"), UnsupportedFormat, None),
    (aws_error(500, "InternalServerError", "Internal server error"), ProviderServerError, None),
    (aws_error(503, "ServiceUnavailable", "Service unavailable"), ProviderServerError, None),
    ((502, b"<html>Bad Gateway</html>"), ProviderServerError, None),
    ((200, b"{not json"), ProviderBadResponse, None),
]


@pytest.mark.parametrize(("reply", "kind", "retry_after"), ERRORS)
async def test_ocr_errors_are_typed(reply: Any, kind: type[ProviderError], retry_after: float | None) -> None:
    async with aws_fake() as fake:
        fake.target("Textract.DetectDocumentText", reply)
        async with context(creds(fake), files=FILES) as ctx:
            with pytest.raises(kind) as info:
                await offer("ocr/ocr").run(DocumentLanguageInput(file="img"), ctx)  # type: ignore[misc]
    assert type(info.value) is kind
    assert info.value.retry_after == retry_after
    assert SECRET not in info.value.message and "amazon" in info.value.message


async def test_ocr_error_message_names_the_aws_code() -> None:
    async with aws_fake() as fake:
        reply = aws_error(
            400, "com.amazonaws.textract#InvalidParameterException", "Request has invalid parameters"
        )
        fake.target("Textract.DetectDocumentText", reply)
        async with context(creds(fake), files=FILES) as ctx:
            with pytest.raises(ProviderInvalidInput) as info:
                await offer("ocr/ocr").run(DocumentLanguageInput(file="img"), ctx)  # type: ignore[misc]
    assert info.value.message == "amazon: Request has invalid parameters (InvalidParameterException)"
    assert info.value.status == 400


async def test_ocr_timeout_with_a_slow_vendor() -> None:
    async def slow(_: Recorded) -> Any:
        await asyncio.sleep(0.6)
        return 200, DETECT

    async with aws_fake() as fake:
        fake.target("Textract.DetectDocumentText", slow)
        async with context(creds(fake), files=FILES, timeout_s=0.1) as ctx:
            with pytest.raises(ProviderTimeout):
                await offer("ocr/ocr").run(DocumentLanguageInput(file="img"), ctx)  # type: ignore[misc]


def test_ocr_constraints() -> None:
    c = offer("ocr/ocr").constraints
    assert c.max_pages == 1 and c.mime_types is not None and "application/pdf" in c.mime_types
    assert c.languages is not None and "en" in c.languages and "ja" not in c.languages
    assert offer("ocr/ocr").compute == "io"


# ---------------------------------------------------------------------- ocr/ocr_async

PAGE_1 = {
    "JobStatus": "SUCCEEDED",
    "DocumentMetadata": {"Pages": 2},
    "NextToken": "token-2",
    "Blocks": [
        page_block("p1", ["l1"], page=1),
        line("l1", "Chapter one", ["w1", "w2"], 0.05, page=1),
        word("w1", "Chapter", 0.1, 0.05, page=1),
        word("w2", "one", 0.16, 0.05, page=1),
    ],
    "DetectDocumentTextModelVersion": "1.0",
}
PAGE_2 = {
    "JobStatus": "SUCCEEDED",
    "DocumentMetadata": {"Pages": 2},
    "Blocks": [
        page_block("p2", ["l2"], page=2),
        line("l2", "The end", ["w3", "w4"], 0.9, page=2),
        word("w3", "The", 0.1, 0.9, page=2),
        word("w4", "end", 0.16, 0.9, page=2),
    ],
    "DetectDocumentTextModelVersion": "1.0",
}
S3_PREFIX = f"/{BUCKET}/unigate/"


def staged_key(fake: AwsFake) -> str:
    [put] = fake.under("PUT", S3_PREFIX)
    return put.path.removeprefix(f"/{BUCKET}/")


async def test_ocr_async_launch_pending_done_follows_pages_and_cleans_up() -> None:
    async with aws_fake() as fake:
        fake.on("PUT", S3_PREFIX + "*", (200, b"", {"ETag": '"6805f2cfc46c0f04559748bb039d69ae"'}))
        fake.on("DELETE", S3_PREFIX + "*", (204, b""))
        fake.target("Textract.StartDocumentTextDetection", (200, {"JobId": "job-123"}))
        fake.target(
            "Textract.GetDocumentTextDetection",
            (200, {"JobStatus": "IN_PROGRESS", "DocumentMetadata": {"Pages": 2}}),
            (200, PAGE_1),
            (200, PAGE_2),
        )
        o = offer("ocr/ocr_async")
        assert o.launch is not None and o.poll is not None
        async with context(creds(fake), files=FILES) as ctx:
            launched = await o.launch(DocumentInput(file="doc"), ctx)
            assert isinstance(launched, Launched) and launched.provider_job_id == "job-123"
            key = staged_key(fake)
            assert launched.state == {"bucket": BUCKET, "key": key}
            assert key.startswith("unigate/") and key.endswith("/My_report_final_.pdf")
            # The engine persists the state and hands it back to every poll.
            ctx.job_state = launched.state
            pending = await o.poll("job-123", ctx)
            assert isinstance(pending, Pending) and pending.retry_after > 0
            assert not fake.under("DELETE", S3_PREFIX)  # the job still reads its input
            done = await o.poll("job-123", ctx)
    assert isinstance(done, ProviderResult)
    [put] = fake.under("PUT", S3_PREFIX)
    assert put.body == PDF and header(put, "Content-Type") == "application/pdf"
    assert header(put, "X-Amz-Content-SHA256") == hashlib.sha256(PDF).hexdigest()
    verify_sigv4(put, fake, "s3")
    [start] = fake.ops("Textract.StartDocumentTextDetection")
    verify_sigv4(start, fake, "textract")
    assert start.json() == {"DocumentLocation": {"S3Object": {"Bucket": BUCKET, "Name": key}}}
    gets = fake.ops("Textract.GetDocumentTextDetection")
    assert [g.json() for g in gets] == [
        {"JobId": "job-123", "MaxResults": 1000},
        {"JobId": "job-123", "MaxResults": 1000},
        {"JobId": "job-123", "MaxResults": 1000, "NextToken": "token-2"},
    ]
    [delete] = fake.under("DELETE", S3_PREFIX)
    assert delete.path == f"/{BUCKET}/{key}"
    verify_sigv4(delete, fake, "s3")
    out = check_output("ocr/ocr_async", done.output)
    assert out["number_of_pages"] == 2 and out["raw_text"] == "Chapter one\n\nThe end"
    assert [p["lines"][0]["text"] for p in out["pages"]] == ["Chapter one", "The end"]
    first_word = out["pages"][0]["lines"][0]["words"][0]
    assert first_word["text"] == "Chapter" and first_word["confidence"] == 0.9952
    assert first_word["bounding_box"] == {"left": 0.1, "top": 0.05, "width": 0.05, "height": 0.012}
    assert done.usage == {"page": 2}


async def test_ocr_async_failed_job_is_typed_and_cleans_up() -> None:
    async with aws_fake() as fake:
        fake.on("PUT", S3_PREFIX + "*", (200, b""))
        fake.on("DELETE", S3_PREFIX + "*", (204, b""))
        fake.target("Textract.StartDocumentTextDetection", (200, {"JobId": "job-9"}))
        failed = {"JobStatus": "FAILED", "StatusMessage": "UNSUPPORTED_DOCUMENT", "DocumentMetadata": {}}
        fake.target("Textract.GetDocumentTextDetection", (200, failed))
        o = offer("ocr/ocr_async")
        assert o.launch is not None and o.poll is not None
        async with context(creds(fake), files=FILES) as ctx:
            ctx.job_state = (await o.launch(DocumentInput(file="doc"), ctx)).state
            with pytest.raises(UnsupportedFormat, match="UNSUPPORTED_DOCUMENT"):
                await o.poll("job-9", ctx)
    assert len(fake.under("DELETE", S3_PREFIX)) == 1


async def test_ocr_async_start_refused_removes_the_staged_file() -> None:
    async with aws_fake() as fake:
        fake.on("PUT", S3_PREFIX + "*", (200, b""))
        fake.on("DELETE", S3_PREFIX + "*", (204, b""))
        fake.target(
            "Textract.StartDocumentTextDetection", aws_error(400, "LimitExceededException", "Too many jobs")
        )
        o = offer("ocr/ocr_async")
        assert o.launch is not None
        async with context(creds(fake), files=FILES) as ctx:
            with pytest.raises(ProviderRateLimited):
                await o.launch(DocumentInput(file="doc"), ctx)
    assert len(fake.under("DELETE", S3_PREFIX)) == 1


async def test_s3_staging_errors_are_typed() -> None:
    async with aws_fake() as fake:
        fake.on("PUT", S3_PREFIX + "*", s3_error(403, "AccessDenied", "Access Denied"))
        o = offer("ocr/ocr_async")
        assert o.launch is not None
        async with context(creds(fake), files=FILES) as ctx:
            with pytest.raises(ProviderAuthError, match=r"Access Denied \(AccessDenied\)"):
                await o.launch(DocumentInput(file="doc"), ctx)
    assert not fake.ops("Textract.StartDocumentTextDetection")


async def test_async_offers_need_a_bucket() -> None:
    o = offer("ocr/ocr_async")
    assert o.unavailable_reason is not None
    assert "AWS_S3_BUCKET" in (o.unavailable_reason({}) or "")
    assert o.unavailable_reason({"AWS_S3_BUCKET": "b"}) is None
    async with aws_fake() as fake:
        no_bucket = {k: v for k, v in creds(fake).items() if k != "AWS_S3_BUCKET"}
        async with context(no_bucket, files=FILES) as ctx:
            assert o.launch is not None
            with pytest.raises(ProviderUnavailable):
                await o.launch(DocumentInput(file="doc"), ctx)


# ---------------------------------------------------------------------- ocr/ocr_tables_async


def cell(id: str, row: int, col: int, words: list[str], header_: bool = False) -> dict[str, Any]:
    block: dict[str, Any] = {
        "BlockType": "CELL",
        "Confidence": 87.5,
        "RowIndex": row,
        "ColumnIndex": col,
        "RowSpan": 1,
        "ColumnSpan": 1,
        "Geometry": geometry(0.1 * col, 0.05 * row, 0.1, 0.05),
        "Id": id,
        "Page": 1,
    }
    if words:
        block["Relationships"] = [{"Type": "CHILD", "Ids": words}]
    if header_:
        block["EntityTypes"] = ["COLUMN_HEADER"]
    return block


# A 3x2 table whose first column header spans two rows (MERGED_CELL over c11 and c21).
TABLES = {
    "JobStatus": "SUCCEEDED",
    "DocumentMetadata": {"Pages": 1},
    "Blocks": [
        page_block("p1", ["t1"], page=1),
        {
            "BlockType": "TABLE",
            "Confidence": 99.0,
            "Geometry": geometry(0.1, 0.05, 0.2, 0.15),
            "Id": "t1",
            "Page": 1,
            "EntityTypes": ["STRUCTURED_TABLE"],
            "Relationships": [
                {"Type": "CHILD", "Ids": ["c11", "c12", "c21", "c22", "c31", "c32"]},
                {"Type": "MERGED_CELL", "Ids": ["m1"]},
            ],
        },
        cell("c11", 1, 1, ["w1"], header_=True),
        cell("c12", 1, 2, ["w2"], header_=True),
        cell("c21", 2, 1, [], header_=True),
        cell("c22", 2, 2, ["w3"]),
        cell("c31", 3, 1, ["w4"]),
        cell("c32", 3, 2, ["w5"]),
        {
            "BlockType": "MERGED_CELL",
            "Confidence": 80.0,
            "RowIndex": 1,
            "ColumnIndex": 1,
            "RowSpan": 2,
            "ColumnSpan": 1,
            "Geometry": geometry(0.1, 0.05, 0.1, 0.1),
            "Id": "m1",
            "Page": 1,
            "EntityTypes": ["COLUMN_HEADER"],
            "Relationships": [{"Type": "CHILD", "Ids": ["c11", "c21"]}],
        },
        word("w1", "Station", 0.1, 0.05, page=1),
        word("w2", "Latitude", 0.2, 0.05, page=1),
        word("w3", "27.82", 0.2, 0.1, page=1),
        word("w4", "Kishngarh", 0.1, 0.15, page=1),
        word("w5", "76.72", 0.2, 0.15, page=1),
    ],
    "AnalyzeDocumentModelVersion": "1.0",
}


async def test_tables_async_request_and_output() -> None:
    async with aws_fake() as fake:
        fake.on("PUT", S3_PREFIX + "*", (200, b""))
        fake.on("DELETE", S3_PREFIX + "*", (204, b""))
        fake.target("Textract.StartDocumentAnalysis", (200, {"JobId": "tables-1"}))
        fake.target("Textract.GetDocumentAnalysis", (200, {"JobStatus": "IN_PROGRESS"}), (200, TABLES))
        o = offer("ocr/ocr_tables_async")
        assert o.launch is not None and o.poll is not None
        async with context(creds(fake), files=FILES) as ctx:
            launched = await o.launch(OcrTablesInput(file="doc"), ctx)
            ctx.job_state = launched.state
            assert isinstance(await o.poll(launched.provider_job_id, ctx), Pending)
            done = await o.poll(launched.provider_job_id, ctx)
    [start] = fake.ops("Textract.StartDocumentAnalysis")
    verify_sigv4(start, fake, "textract")
    body = start.json()
    assert body["FeatureTypes"] == ["TABLES"]
    assert body["DocumentLocation"]["S3Object"]["Bucket"] == BUCKET
    assert fake.ops("Textract.GetDocumentAnalysis")[-1].json() == {"JobId": "tables-1", "MaxResults": 1000}
    assert isinstance(done, ProviderResult)
    out = check_output("ocr/ocr_tables_async", done.output)
    assert out["num_pages"] == 1
    [table] = out["pages"][0]["tables"]
    assert (table["num_rows"], table["num_cols"]) == (3, 2)
    rows = [
        [(c["text"], c["row_index"], c["col_index"], c["row_span"]) for c in r["cells"]]
        for r in table["rows"]
    ]
    assert rows == [
        [("Station", 0, 0, 2), ("Latitude", 0, 1, 1)],
        [("27.82", 1, 1, 1)],
        [("Kishngarh", 2, 0, 1), ("76.72", 2, 1, 1)],
    ]
    assert table["rows"][0]["cells"][0]["is_header"] is True
    assert table["rows"][2]["cells"][0]["confidence"] == 0.875
    assert len(fake.under("DELETE", S3_PREFIX)) == 1
    assert done.usage == {"page": 1}


# ---------------------------------------------------------------------- prices


def prices(subfeature: str) -> Any:
    o = offer(subfeature)
    spec = o.model(None)
    assert spec is not None
    return spec.prices


@pytest.mark.parametrize(
    ("subfeature", "usage", "cost"),
    [
        ("ocr/ocr", {"page": 1}, Decimal("0.0015")),  # $1.50 per 1,000 pages
        ("ocr/ocr_async", {"page": 120}, Decimal("0.18")),
        ("ocr/ocr_tables_async", {"page": 3}, Decimal("0.045")),  # $15 per 1,000 pages
    ],
)
def test_textract_prices(subfeature: str, usage: dict[str, int], cost: Decimal) -> None:
    assert price_usage(prices(subfeature), usage) == cost
