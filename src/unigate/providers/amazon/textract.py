"""Textract text and tables: ocr/ocr (DetectDocumentText), ocr/ocr_async (StartDocumentTextDetection
+ GetDocumentTextDetection) and ocr/ocr_tables_async (StartDocumentAnalysis with TABLES +
GetDocumentAnalysis). API version 2018-06-27, JSON 1.1, target prefix "Textract".

Long jobs read their document from S3: launch stages the file with PutObject, starts the job and
keeps the bucket/key in the job state; poll follows every NextToken page of the result and deletes
the staged file once the job has ended. A launch with a launch token sends it as ClientRequestToken
and stages under a key derived from it, so a launch repeated after a crash (vendor answered, our
commit lost) gets the first job's JobId back and overwrites the same staged object.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from unigate.providers.amazon import aws, s3
from unigate.providers.amazon import blocks as tb
from unigate.providers.base import CallContext, Launched, LoadedFile, Pending, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderError, UnsupportedFormat

IMAGE_MIME_TYPES = frozenset({"image/png", "image/jpeg"})
DOCUMENT_MIME_TYPES = IMAGE_MIME_TYPES | {"image/tiff", "application/pdf"}
SYNC_MAX_BYTES = 10 * 1024 * 1024  # synchronous operations
ASYNC_MAX_BYTES = 500 * 1024 * 1024  # PDF/TIFF in S3 for asynchronous operations
ASYNC_MAX_PAGES = 3000
# Printed-text languages Textract reads (handwriting is English only).
LANGUAGES = frozenset({"en", "fr", "de", "it", "pt", "es"})

LAUNCH_RETRY_S = 3.0
POLL_RETRY_S = 5.0
PAGE_SIZE = 1000  # the largest MaxResults the Get... operations accept


async def load(input: Any, ctx: CallContext) -> LoadedFile:
    return await ctx.files(input.file)


def document(loaded: LoadedFile) -> dict[str, Any]:
    return {"Bytes": base64.b64encode(loaded.data).decode("ascii")}


# ---------------------------------------------------------------------- ocr/ocr


def to_ocr(response: Mapping[str, Any]) -> dict[str, Any]:
    """Lines in reading order; boxes are ratios of the page (Textract gives no pixel size)."""
    lines = [b for b in response.get("Blocks") or () if b.get("BlockType") == "LINE"]
    pages: dict[int, list[str]] = {}
    boxes = []
    for line in lines:
        text = str(line.get("Text") or "")
        pages.setdefault(tb.page_of(line), []).append(text)
        boxes.append({"text": text, **tb.box(line)})
    text = "\n\n".join("\n".join(pages[p]) for p in sorted(pages))
    return {"text": text, "bounding_boxes": boxes}


async def run_ocr(input: Any, ctx: CallContext) -> ProviderResult:
    loaded = await load(input, ctx)
    response = await aws.json_api(ctx, aws.TEXTRACT, "DetectDocumentText", {"Document": document(loaded)})
    return ProviderResult(to_ocr(response), raw=response, usage={"page": tb.page_count(response)})


# ---------------------------------------------------------------------- asynchronous jobs


async def start(
    ctx: CallContext, input: Any, operation: str, extra: Mapping[str, Any] | None = None
) -> Launched:
    loaded = await load(input, ctx)
    token = aws.client_token(ctx)
    staged = await s3.put(ctx, loaded.data, loaded.name, loaded.mime, token=token)
    payload: dict[str, Any] = {
        "DocumentLocation": {"S3Object": {"Bucket": staged.bucket, "Name": staged.key}},
        **(extra or {}),
    }
    if token:
        # Idempotent start: the same token (with the same parameters, hence the deterministic
        # staging key) answers the JobId of the job it started first instead of a second job.
        payload["ClientRequestToken"] = token
    try:
        response = await aws.json_api(ctx, aws.TEXTRACT, operation, payload)
    except ProviderError:
        await s3.delete(ctx, staged.bucket, staged.key)
        raise
    job_id = response.get("JobId")
    if not isinstance(job_id, str) or not job_id:
        await s3.delete(ctx, staged.bucket, staged.key)
        raise ProviderBadResponse(f"amazon: {operation} answered no JobId")
    return Launched(job_id, LAUNCH_RETRY_S, {"bucket": staged.bucket, "key": staged.key})


async def collect(ctx: CallContext, operation: str, job_id: str) -> dict[str, Any] | None:
    """The whole result of a finished job (every NextToken page), or None while it runs."""
    request: dict[str, Any] = {"JobId": job_id, "MaxResults": PAGE_SIZE}
    first = await aws.json_api(ctx, aws.TEXTRACT, operation, request)
    status = first.get("JobStatus")
    if status == "IN_PROGRESS":
        return None
    if status not in ("SUCCEEDED", "PARTIAL_SUCCESS"):
        await cleanup(ctx)
        message = first.get("StatusMessage") or f"job ended {status}"
        upper = str(message).upper()
        if "UNSUPPORTED" in upper or "FORMAT" in upper or "BAD_DOCUMENT" in upper:
            raise UnsupportedFormat(f"amazon: Textract job {job_id} failed: {message}")
        raise ProviderError(f"amazon: Textract job {job_id} failed: {message}")
    blocks = list(first.get("Blocks") or ())
    warnings = list(first.get("Warnings") or ())
    token = first.get("NextToken")
    while token:
        page = await aws.json_api(ctx, aws.TEXTRACT, operation, {**request, "NextToken": token})
        blocks += page.get("Blocks") or ()
        warnings += page.get("Warnings") or ()
        token = page.get("NextToken")
    await cleanup(ctx)
    return {
        "JobStatus": status,
        "DocumentMetadata": first.get("DocumentMetadata") or {},
        "Warnings": warnings,
        "Blocks": blocks,
    }


async def cleanup(ctx: CallContext) -> None:
    await s3.delete(ctx, ctx.job_state.get("bucket"), ctx.job_state.get("key"))


# ---------------------------------------------------------------------- ocr/ocr_async


def to_ocr_async(response: Mapping[str, Any]) -> dict[str, Any]:
    all_blocks = list(response.get("Blocks") or ())
    index = tb.by_id(all_blocks)
    count = tb.page_count(response, all_blocks)
    pages: list[list[dict[str, Any]]] = [[] for _ in range(count)]
    texts: list[list[str]] = [[] for _ in range(count)]
    for block in all_blocks:
        if block.get("BlockType") != "LINE":
            continue
        number = min(max(tb.page_of(block), 1), count) - 1
        words = [
            {
                "text": w.get("Text"),
                "bounding_box": tb.box(w),
                "confidence": tb.confidence(w.get("Confidence")),
            }
            for w in tb.children(block, index)
            if w.get("BlockType") == "WORD"
        ]
        text = str(block.get("Text") or "")
        pages[number].append(
            {
                "text": text,
                "words": words,
                "bounding_box": tb.box(block),
                "confidence": tb.confidence(block.get("Confidence")),
            }
        )
        texts[number].append(text)
    raw_text = "\n\n".join("\n".join(t) for t in texts if t)
    return {"raw_text": raw_text, "pages": [{"lines": lines} for lines in pages], "number_of_pages": count}


async def launch_ocr_async(input: Any, ctx: CallContext) -> Launched:
    return await start(ctx, input, "StartDocumentTextDetection")


async def poll_ocr_async(job_id: str, ctx: CallContext) -> Pending | ProviderResult:
    response = await collect(ctx, "GetDocumentTextDetection", job_id)
    if response is None:
        return Pending(POLL_RETRY_S)
    return ProviderResult(to_ocr_async(response), raw=response, usage={"page": tb.page_count(response)})


# ---------------------------------------------------------------------- ocr/ocr_tables_async


def _cell_text(cell: tb.Block, index: Mapping[str, tb.Block]) -> str:
    words = []
    for child in tb.children(cell, index):
        if child.get("BlockType") == "WORD":
            words.append(str(child.get("Text") or ""))
        elif child.get("BlockType") == "SELECTION_ELEMENT" and child.get("SelectionStatus") == "SELECTED":
            words.append("[X]")
    return " ".join(w for w in words if w)


def _cell(block: tb.Block, text: str) -> dict[str, Any]:
    return {
        "text": text,
        "row_index": int(block.get("RowIndex") or 1) - 1,  # Textract counts from 1
        "col_index": int(block.get("ColumnIndex") or 1) - 1,
        "row_span": int(block.get("RowSpan") or 1),
        "col_span": int(block.get("ColumnSpan") or 1),
        "confidence": tb.confidence(block.get("Confidence")),
        "bounding_box": tb.box(block),
        "is_header": "COLUMN_HEADER" in (block.get("EntityTypes") or ()),
    }


def _table(table: tb.Block, index: Mapping[str, tb.Block]) -> dict[str, Any]:
    """Cells by row; a merged cell replaces the cells it covers (placed at its top-left one)."""
    cells = [c for c in tb.children(table, index) if c.get("BlockType") == "CELL"]
    merged = [m for m in tb.children(table, index, "MERGED_CELL") if m.get("BlockType") == "MERGED_CELL"]
    texts = {str(c["Id"]): _cell_text(c, index) for c in cells if "Id" in c}
    covered: set[str] = set()
    out: list[dict[str, Any]] = []
    for m in merged:
        parts = [c for c in tb.children(m, index) if c.get("BlockType") == "CELL"]
        covered |= {str(c.get("Id")) for c in parts}
        text = " ".join(texts.get(str(c.get("Id")), "") for c in parts).strip()
        out.append(_cell(m, text))
    out += [_cell(c, texts.get(str(c.get("Id")), "")) for c in cells if str(c.get("Id")) not in covered]
    rows: dict[int, list[dict[str, Any]]] = {}
    for cell in sorted(out, key=lambda c: (c["row_index"], c["col_index"])):
        rows.setdefault(cell["row_index"], []).append(cell)
    num_rows = max((c["row_index"] + c["row_span"] for c in out), default=0)
    num_cols = max((c["col_index"] + c["col_span"] for c in out), default=0)
    return {"rows": [{"cells": rows[r]} for r in sorted(rows)], "num_rows": num_rows, "num_cols": num_cols}


def to_ocr_tables(response: Mapping[str, Any]) -> dict[str, Any]:
    all_blocks = list(response.get("Blocks") or ())
    index = tb.by_id(all_blocks)
    count = tb.page_count(response, all_blocks)
    pages: list[list[dict[str, Any]]] = [[] for _ in range(count)]
    for block in all_blocks:
        if block.get("BlockType") == "TABLE":
            number = min(max(tb.page_of(block), 1), count) - 1
            pages[number].append(_table(block, index))
    return {"pages": [{"tables": tables} for tables in pages], "num_pages": count}


async def launch_tables(input: Any, ctx: CallContext) -> Launched:
    return await start(ctx, input, "StartDocumentAnalysis", {"FeatureTypes": ["TABLES"]})


async def poll_tables(job_id: str, ctx: CallContext) -> Pending | ProviderResult:
    response = await collect(ctx, "GetDocumentAnalysis", job_id)
    if response is None:
        return Pending(POLL_RETRY_S)
    return ProviderResult(to_ocr_tables(response), raw=response, usage={"page": tb.page_count(response)})
