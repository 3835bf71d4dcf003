"""text/summarize with Azure AI Language extractive or abstractive summarization (API 2024-11-01).

Summaries only exist in the long-running API: POST {endpoint}/language/analyze-text/jobs answers 202
and an `Operation-Location` (…/analyze-text/jobs/{jobId}); GET it until `status` is `succeeded`
(`notStarted`/`running` before; `failed`/`partiallyCompleted` with errors). The subfeature is sync,
so the job is polled inside the call, within its deadline.
References: https://learn.microsoft.com/en-us/rest/api/language/analyze-text-submit-job/submit-job?view=rest-language-2024-11-01
and https://learn.microsoft.com/en-us/rest/api/language/analyze-text-job-status/job-status?view=rest-language-2024-11-01
"""

from __future__ import annotations

from typing import Any

from unigate.providers.base import CallContext, Constraints, Offer, Pending, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderError
from unigate.providers.microsoft import azure, config
from unigate.providers.microsoft.language import (
    API_VERSION,
    ENDPOINT,
    KEY,
    raise_document_errors,
    text_records,
)
from unigate.providers.microsoft.pricing import model

MAX_TEXT_CHARS = 125_000  # per document in the long-running API
DEFAULT_POLL_S = 1.0
KINDS = {"extractive": "ExtractiveSummarization", "abstractive": "AbstractiveSummarization"}
_RUNNING = ("notStarted", "running", "cancelling")


def _base(ctx: CallContext) -> str:
    return config.endpoint(ctx, ENDPOINT)


def job_body(input: Any, kind: str) -> dict[str, Any]:
    parameters: dict[str, Any] = {"modelVersion": "latest"}
    if input.output_sentences:
        parameters["sentenceCount"] = input.output_sentences
    if kind == "ExtractiveSummarization":
        parameters["sortBy"] = "Offset"  # read in the text's order, not by rank
    document: dict[str, Any] = {"id": "1", "text": input.text}
    if input.language:
        document["language"] = input.language
    return {
        "displayName": "unigate text/summarize",
        "analysisInput": {"documents": [document]},
        "tasks": [{"kind": kind, "taskName": "summarize", "parameters": parameters}],
    }


def summary_of(job: dict[str, Any]) -> str:
    """The summary text from a succeeded job (extractive sentences or abstractive summaries)."""
    tasks = (job.get("tasks") or {}).get("items") or []
    if not tasks or not isinstance(tasks[0].get("results"), dict):
        raise ProviderBadResponse(f"{azure.VENDOR}: the summarization job has no task results")
    results = tasks[0]["results"]
    documents = results.get("documents") or []
    if not documents:
        raise ProviderBadResponse(f"{azure.VENDOR}: the summarization job returned no document")
    doc = documents[0]
    if "sentences" in doc:
        sentences = sorted(doc["sentences"] or (), key=lambda s: int(s.get("offset") or 0))
        return " ".join(str(s.get("text", "")).strip() for s in sentences).strip()
    return " ".join(str(s.get("text", "")).strip() for s in doc.get("summaries") or ()).strip()


async def _check(ctx: CallContext, operation: str) -> Pending | dict[str, Any]:
    result = await azure.request(ctx, "GET", operation, key_name=KEY)
    job = azure.json_object(result)
    status = job.get("status")
    if status in _RUNNING:
        return Pending(retry_after=azure.retry_after(result.headers, DEFAULT_POLL_S))
    if status == "succeeded":
        return job
    secrets = ctx.credentials.values()
    for task in (job.get("tasks") or {}).get("items") or ():
        if isinstance(task.get("results"), dict):
            raise_document_errors(task["results"], secrets)
    errors = job.get("errors") or []
    if errors and isinstance(errors[0], dict):
        raise azure.to_error(errors[0], 400, secrets=secrets)
    raise ProviderError(f"{azure.VENDOR}: the summarization job ended with status {status!r}")


async def run_summarize(input: Any, ctx: CallContext) -> ProviderResult:
    config.require(ctx, config.LANGUAGE)
    kind = KINDS.get(ctx.model or "extractive", KINDS["extractive"])
    submitted = await azure.request(
        ctx,
        "POST",
        f"{_base(ctx)}/language/analyze-text/jobs",
        key_name=KEY,
        params={"api-version": API_VERSION},
        json_body=job_body(input, kind),
    )
    operation = azure.header(submitted.headers, "Operation-Location")
    if not operation or not azure.same_origin(operation, _base(ctx)):
        raise ProviderBadResponse(f"{azure.VENDOR}: the job was accepted without a usable Operation-Location")
    job = await azure.until_done(
        ctx, azure.retry_after(submitted.headers, DEFAULT_POLL_S), lambda: _check(ctx, operation)
    )
    summary = summary_of(job)
    # Summaries are billed on the input and the summary together.
    return ProviderResult({"result": summary}, job, {"text": text_records(input.text + summary)})


def offer() -> Offer:
    sub = "text/summarize"
    return Offer(
        subfeature=sub,
        models=(
            model(sub, "extractive", "Azure AI Language extractive summarization (the text's key sentences)"),
            model(sub, "abstractive", "Azure AI Language abstractive summarization (generated summary)"),
        ),
        default_model="extractive",
        constraints=Constraints(max_text_chars=MAX_TEXT_CHARS),
        run=run_summarize,
        notes="Azure AI Language summarization jobs (API 2024-11-01), polled within the request. "
        "`extractive` returns the most relevant sentences in text order (output_sentences, default 3); "
        "`abstractive` writes a summary (output_sentences is a length hint). Without `language`, Azure "
        "assumes English. Billed per 1,000 characters of input plus summary.",
        unavailable_reason=config.LANGUAGE.missing,
    )
