"""Azure AI Document Intelligence v4.0 (REST API 2024-11-30): prebuilt read, layout, invoice,
receipt and ID document models.

POST {endpoint}/documentintelligence/documentModels/{model}:analyze?api-version=2024-11-30 with the
file as the body answers 202 and an `Operation-Location` (…/analyzeResults/{resultId}); GET it until
`status` is `succeeded` (`notStarted`/`running` before, `failed` with an `error` object).
Reference: https://learn.microsoft.com/en-us/rest/api/aiservices/document-models/analyze-document-from-stream?view=rest-aiservices-v4.0%20(2024-11-30)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from unigate.providers.base import CallContext, Constraints, Launched, Offer, Pending, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderError
from unigate.providers.microsoft import azure, config, document_fields, document_ocr
from unigate.providers.microsoft.pricing import model

API_VERSION = "2024-11-30"
ENDPOINT = "AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT"
KEY = "AZURE_DOCUMENT_INTELLIGENCE_KEY"
DEFAULT_POLL_S = 2.0

PDF_AND_IMAGES = frozenset(
    {"application/pdf", "image/jpeg", "image/png", "image/bmp", "image/tiff", "image/heif", "image/heic"}
)
# Read and layout also take Office files and HTML (the prebuilt field models do not).
OFFICE_AND_HTML = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "text/html",
    }
)
MAX_FILE_BYTES = 500 * 1024 * 1024  # S0 tier
MAX_PAGES = 2000  # S0 tier; only the first 2 pages are read on the free tier
# Failed operations carry their error in a 200 body; these codes are the service's fault.
_SERVER_CODES = frozenset({"InternalServerError", "ServiceUnavailable", "Timeout"})

Normalizer = Callable[[Mapping[str, Any]], dict[str, Any]]


def _base(ctx: CallContext) -> str:
    return config.endpoint(ctx, ENDPOINT)


async def start(input: Any, ctx: CallContext, model_id: str) -> Launched:
    """Send the document; the Operation-Location is kept in the job state for `check`."""
    config.require(ctx, config.DOCUMENTS)
    loaded = await ctx.files(input.file)
    params = {"api-version": API_VERSION}
    if getattr(input, "language", None):
        params["locale"] = input.language  # a hint; the models detect the language anyway
    result = await azure.request(
        ctx,
        "POST",
        f"{_base(ctx)}/documentintelligence/documentModels/{model_id}:analyze",
        key_name=KEY,
        params=params,
        headers={"Content-Type": loaded.mime or "application/octet-stream"},
        data=loaded.data,
    )
    operation = azure.header(result.headers, "Operation-Location")
    if not operation:
        raise ProviderBadResponse(f"{azure.VENDOR}: analyze answered without an Operation-Location")
    if not azure.same_origin(operation, _base(ctx)):
        raise ProviderBadResponse(f"{azure.VENDOR}: Operation-Location is not on the configured endpoint")
    result_id = operation.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return Launched(
        provider_job_id=result_id,
        retry_after=azure.retry_after(result.headers, DEFAULT_POLL_S),
        state={"operation": operation, "model": model_id},
    )


def _operation_url(job_id: str, ctx: CallContext, state: Mapping[str, Any]) -> str:
    url = state.get("operation")
    if not isinstance(url, str):  # state lost: the result URL is derivable from the id
        model_id = state.get("model") or ctx.model
        url = (
            f"{_base(ctx)}/documentintelligence/documentModels/{model_id}/analyzeResults/{job_id}"
            f"?api-version={API_VERSION}"
        )
    if not azure.same_origin(url, _base(ctx)):
        raise ProviderBadResponse(f"{azure.VENDOR}: the operation URL is not on the configured endpoint")
    return url


async def check(job_id: str, ctx: CallContext, state: Mapping[str, Any]) -> Pending | dict[str, Any]:
    """One look at the operation: Pending, or the `analyzeResult` once it succeeded."""
    config.require(ctx, config.DOCUMENTS)
    result = await azure.request(ctx, "GET", _operation_url(job_id, ctx, state), key_name=KEY)
    body = azure.json_object(result)
    status = body.get("status")
    if status in ("notStarted", "running"):
        return Pending(retry_after=azure.retry_after(result.headers, DEFAULT_POLL_S))
    if status == "succeeded":
        analyzed = body.get("analyzeResult")
        if not isinstance(analyzed, dict):
            raise ProviderBadResponse(f"{azure.VENDOR}: succeeded without analyzeResult")
        return analyzed
    if status == "failed":
        err = azure.error_object(body)
        codes = azure.error_codes(err)
        failed_status = 500 if codes and codes[0] in _SERVER_CODES else 400
        raise azure.to_error(err, failed_status, secrets=ctx.credentials.values())
    raise ProviderError(f"{azure.VENDOR}: the analysis ended with status {status!r}")


def _result(analyzed: Mapping[str, Any], normalize: Normalizer) -> ProviderResult:
    return ProviderResult(
        output=normalize(analyzed), raw=analyzed, usage={"page": document_ocr.page_count(analyzed)}
    )


async def analyze(input: Any, ctx: CallContext, model_id: str) -> dict[str, Any]:
    """Launch and poll inside one call, until the deadline (for the sync subfeatures)."""
    launched = await start(input, ctx, model_id)
    return await azure.until_done(
        ctx, launched.retry_after, lambda: check(launched.provider_job_id, ctx, launched.state)
    )


def sync_offer(
    subfeature: str, model_id: str, normalize: Normalizer, description: str, notes: str, mimes: frozenset[str]
) -> Offer:
    async def run(input: Any, ctx: CallContext) -> ProviderResult:
        return _result(await analyze(input, ctx, model_id), normalize)

    return Offer(
        subfeature=subfeature,
        models=(model(subfeature, model_id, description),),
        default_model=model_id,
        constraints=Constraints(mime_types=mimes, max_file_bytes=MAX_FILE_BYTES, max_pages=MAX_PAGES),
        run=run,
        notes=notes,
        unavailable_reason=config.DOCUMENTS.missing,
    )


def async_offer(
    subfeature: str, model_id: str, normalize: Normalizer, description: str, notes: str, mimes: frozenset[str]
) -> Offer:
    async def launch(input: Any, ctx: CallContext) -> Launched:
        return await start(input, ctx, model_id)

    async def poll(job_id: str, ctx: CallContext) -> Pending | ProviderResult:
        polled = await check(job_id, ctx, ctx.job_state)
        return polled if isinstance(polled, Pending) else _result(polled, normalize)

    return Offer(
        subfeature=subfeature,
        models=(model(subfeature, model_id, description),),
        default_model=model_id,
        constraints=Constraints(mime_types=mimes, max_file_bytes=MAX_FILE_BYTES, max_pages=MAX_PAGES),
        launch=launch,
        poll=poll,
        notes=notes,
        unavailable_reason=config.DOCUMENTS.missing,
    )


def offers() -> list[Offer]:
    everything = PDF_AND_IMAGES | OFFICE_AND_HTML
    return [
        async_offer(
            "ocr/ocr_async",
            "prebuilt-read",
            document_ocr.to_ocr_async,
            "Document Intelligence read model (printed and handwritten text, 300+ languages)",
            "Azure AI Document Intelligence prebuilt-read (API 2024-11-30), run as a provider-side job. "
            "PDF, images, Office files and HTML. Word boxes and confidences come from the service; a "
            "line's confidence is the mean of its words'. Billed per page analysed.",
            everything,
        ),
        async_offer(
            "ocr/ocr_tables_async",
            "prebuilt-layout",
            document_ocr.to_tables,
            "Document Intelligence layout model (tables, with row/column spans and header cells)",
            "Azure AI Document Intelligence prebuilt-layout (API 2024-11-30). Tables are listed on the "
            "page where they start; cell boxes are normalized to that page; cells carry no confidence.",
            everything,
        ),
        sync_offer(
            "ocr/invoice_parser",
            "prebuilt-invoice",
            document_fields.to_invoices,
            "Document Intelligence prebuilt invoice model",
            "Azure AI Document Intelligence prebuilt-invoice (API 2024-11-30); `language` is sent as the "
            "locale hint. The analysis runs as a provider job polled within the request's deadline.",
            PDF_AND_IMAGES,
        ),
        sync_offer(
            "ocr/receipt_parser",
            "prebuilt-receipt",
            document_fields.to_receipts,
            "Document Intelligence prebuilt receipt model (retail, meal, hotel, fuel, parking...)",
            "Azure AI Document Intelligence prebuilt-receipt (API 2024-11-30). receipt_infos holds the "
            "document type and receipt type. Polled within the request's deadline.",
            PDF_AND_IMAGES,
        ),
        sync_offer(
            "ocr/identity_parser",
            "prebuilt-idDocument",
            document_fields.to_identities,
            "Document Intelligence prebuilt ID document model (passports, ID cards, driver licences)",
            "Azure AI Document Intelligence prebuilt-idDocument (API 2024-11-30). country gives the ISO "
            "3166-1 alpha-3 code the service returns; images and age are not extracted.",
            PDF_AND_IMAGES,
        ),
    ]
