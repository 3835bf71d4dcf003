"""Launch tokens on AWS provider-side jobs: a launch repeated after a crash (the vendor answered,
our commit of its job id was lost) must find the job it started, not start and pay for a second.

- Textract Start...: `ClientRequestToken` "... If you use the same token with multiple
  StartDocumentTextDetection requests, the same JobId is returned" (1-64 chars, [a-zA-Z0-9-_]);
  reusing it with other parameters is IdempotentParameterMismatchException, so the staging key must
  be the same too.
  https://docs.aws.amazon.com/textract/latest/APIReference/API_StartDocumentTextDetection.html
  https://docs.aws.amazon.com/textract/latest/APIReference/API_StartDocumentAnalysis.html
- Transcribe StartTranscriptionJob: job names are unique per account; an existing name answers 400
  `ConflictException` ("The requested job name already exists. Use a different job name.").
  https://docs.aws.amazon.com/transcribe/latest/APIReference/API_StartTranscriptionJob.html
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.providers.cloud.amazon_fixtures.fake import BUCKET, AwsFake, aws_error, aws_fake, creds
from tests.providers.cloud.harness import Recorded, Reply, context
from unigate.catalog.schemas.audio import SpeechToTextInput
from unigate.catalog.schemas.ocr import DocumentInput, OcrTablesInput
from unigate.providers.amazon import AmazonProvider, aws, s3
from unigate.providers.base import Launched, LoadedFile, Offer, Pending, ProviderResult
from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.http import HttpResult

TOKEN = "0b9e2c4e-7f1a-4c33-9d2b-5a8e6f1c2d3e-0"  # "<job uuid>-<route index>"
OTHER = "0b9e2c4e-7f1a-4c33-9d2b-5a8e6f1c2d3e-1"
PDF = b"%PDF-1.4\n" + b"0" * 128
MP3 = b"ID3\x03\x00\x00\x00" + b"\xff\xfb" * 200
FILES = {
    "doc": LoadedFile(PDF, "application/pdf", "My report (final).pdf"),
    "talk": LoadedFile(MP3, "audio/mpeg", "talk.mp3"),
}
S3_PREFIX = f"/{BUCKET}/unigate/"


def offer(subfeature: str) -> Offer:
    [found] = [o for o in AmazonProvider().offers() if o.subfeature == subfeature]
    return found


def idempotent_textract() -> Any:
    """Start... as Textract answers it: one JobId per ClientRequestToken, a mismatch error when the
    token comes back with other parameters, a fresh JobId without a token."""
    seen: dict[str, tuple[str, str]] = {}
    count = 0

    def start(rec: Recorded) -> Reply:
        nonlocal count
        body = rec.json()
        token = body.pop("ClientRequestToken", None)
        params = json.dumps(body, sort_keys=True)
        if token is None or token not in seen:
            count += 1
            job_id = f"job-{count}"
            if token is not None:
                seen[token] = (job_id, params)
            return 200, {"JobId": job_id}
        job_id, first = seen[token]
        if params != first:
            return aws_error(400, "IdempotentParameterMismatchException", "token reused")
        return 200, {"JobId": job_id}

    return start


TEXTRACT_CASES = [
    ("ocr/ocr_async", "StartDocumentTextDetection", "GetDocumentTextDetection", DocumentInput(file="doc")),
    ("ocr/ocr_tables_async", "StartDocumentAnalysis", "GetDocumentAnalysis", OcrTablesInput(file="doc")),
]
DONE = {"JobStatus": "SUCCEEDED", "DocumentMetadata": {"Pages": 1}, "Blocks": []}


def textract_fake(fake: AwsFake, start_op: str, get_op: str) -> None:
    fake.on("PUT", S3_PREFIX + "*", (200, b""))
    fake.on("DELETE", S3_PREFIX + "*", (204, b""))
    fake.target(f"Textract.{start_op}", idempotent_textract())
    fake.target(f"Textract.{get_op}", (200, {"JobStatus": "IN_PROGRESS"}), (200, DONE))


@pytest.mark.parametrize(("subfeature", "start_op", "get_op", "input"), TEXTRACT_CASES)
async def test_textract_repeated_launch_gets_the_same_job_and_staged_key(
    subfeature: str, start_op: str, get_op: str, input: Any
) -> None:
    async with aws_fake() as fake:
        textract_fake(fake, start_op, get_op)
        o = offer(subfeature)
        assert o.launch is not None and o.poll is not None
        async with context(creds(fake), files=FILES, launch_token=TOKEN) as ctx:
            first = await o.launch(input, ctx)
            # The process dies before `first` is committed; the job is claimed again and relaunched.
            again = await o.launch(input, ctx)
            assert isinstance(again, Launched)
            assert again.provider_job_id == first.provider_job_id == "job-1"
            key = f"unigate/{TOKEN}/My_report_final_.pdf"
            assert again.state == first.state == {"bucket": BUCKET, "key": key}
            assert not fake.under("DELETE", S3_PREFIX)  # the job reads that object
            ctx.job_state = again.state
            assert isinstance(await o.poll(again.provider_job_id, ctx), Pending)
            assert isinstance(await o.poll(again.provider_job_id, ctx), ProviderResult)
    puts = fake.under("PUT", S3_PREFIX)
    assert [p.path for p in puts] == [f"/{BUCKET}/{key}"] * 2  # overwritten, not a second object
    starts = fake.ops(f"Textract.{start_op}")
    assert [s.json()["ClientRequestToken"] for s in starts] == [TOKEN, TOKEN]
    assert starts[0].json() == starts[1].json()
    assert [r.json()["JobId"] for r in fake.ops(f"Textract.{get_op}")] == ["job-1", "job-1"]
    [delete] = fake.under("DELETE", S3_PREFIX)
    assert delete.path == f"/{BUCKET}/{key}"


async def test_textract_other_routes_and_untokened_launches_stay_apart() -> None:
    async with aws_fake() as fake:
        textract_fake(fake, "StartDocumentTextDetection", "GetDocumentTextDetection")
        o = offer("ocr/ocr_async")
        assert o.launch is not None
        launched = []
        for token in (TOKEN, OTHER, None, None):
            async with context(creds(fake), files=FILES, launch_token=token) as ctx:
                launched.append(await o.launch(DocumentInput(file="doc"), ctx))
    assert [x.provider_job_id for x in launched] == ["job-1", "job-2", "job-3", "job-4"]
    keys = [x.state["key"] for x in launched]
    assert keys[:2] == [f"unigate/{TOKEN}/My_report_final_.pdf", f"unigate/{OTHER}/My_report_final_.pdf"]
    assert len(set(keys)) == 4 and all(k.startswith("unigate/") for k in keys)
    bodies = [s.json() for s in fake.ops("Textract.StartDocumentTextDetection")]
    assert [b.get("ClientRequestToken") for b in bodies] == [TOKEN, OTHER, None, None]
    assert "ClientRequestToken" not in bodies[2] and "ClientRequestToken" not in bodies[3]


async def test_client_token_fits_the_aws_pattern() -> None:
    async with context({}, launch_token=TOKEN) as ctx:
        assert aws.client_token(ctx) == TOKEN
        ctx.launch_token = None
        assert aws.client_token(ctx) is None
        ctx.launch_token = "job:7/route 1"  # outside [A-Za-z0-9_-]: hashed, stable, 64 characters
        hashed = aws.client_token(ctx)
        assert hashed is not None and len(hashed) == 64 and hashed.isalnum()
        assert aws.client_token(ctx) == hashed
    assert s3.staging_key("a b.pdf", TOKEN) == f"unigate/{TOKEN}/a_b.pdf"
    assert s3.staging_key("a.pdf") != s3.staging_key("a.pdf")


# ---------------------------------------------------------------------- Transcribe

T = "Transcribe."
CONFLICT = aws_error(
    400, "ConflictException", "The requested job name already exists. Use a different job name."
)


def transcription(name: str, status: str, **extra: Any) -> dict[str, Any]:
    return {"TranscriptionJob": {"TranscriptionJobName": name, "TranscriptionJobStatus": status, **extra}}


def echo_start(rec: Recorded) -> Reply:
    return 200, transcription(rec.json()["TranscriptionJobName"], "IN_PROGRESS")


TRANSCRIPT = {
    "jobName": f"unigate-{TOKEN}",
    "status": "COMPLETED",
    "results": {
        "transcripts": [{"transcript": "Hello."}],
        "items": [
            {
                "type": "pronunciation",
                "start_time": "0.1",
                "end_time": "0.6",
                "alternatives": [{"confidence": "0.99", "content": "Hello"}],
            },
            {"type": "punctuation", "alternatives": [{"confidence": "0.0", "content": "."}]},
        ],
    },
}


async def test_transcribe_repeated_launch_conflict_is_the_launched_job() -> None:
    name = f"unigate-{TOKEN}"
    key = f"unigate/{TOKEN}/talk.mp3"
    async with aws_fake() as fake:
        fake.on("PUT", S3_PREFIX + "*", (200, b""))
        fake.on("DELETE", S3_PREFIX + "*", (204, b""))
        fake.on("GET", "/transcripts/out.json", (200, TRANSCRIPT))
        fake.target(T + "StartTranscriptionJob", echo_start, CONFLICT)
        uri = f"{fake.base_url}/transcripts/out.json"
        fake.target(
            T + "GetTranscriptionJob",
            (200, transcription(name, "IN_PROGRESS")),
            (200, transcription(name, "COMPLETED", Transcript={"TranscriptFileUri": uri})),
        )
        fake.target(T + "DeleteTranscriptionJob", (200, {}))
        o = offer("audio/speech_to_text_async")
        assert o.launch is not None and o.poll is not None
        input = SpeechToTextInput(file="talk", language="en", speakers=1)
        async with context(creds(fake), files=FILES, launch_token=TOKEN) as ctx:
            first = await o.launch(input, ctx)
            again = await o.launch(input, ctx)  # after a crash: the name exists -> ConflictException
            assert isinstance(again, Launched)
            assert again.provider_job_id == first.provider_job_id == name
            assert again.state == first.state == {"bucket": BUCKET, "key": key}
            assert not fake.under("DELETE", S3_PREFIX)  # the running job reads that object
            ctx.job_state = again.state
            assert isinstance(await o.poll(again.provider_job_id, ctx), Pending)
            done = await o.poll(again.provider_job_id, ctx)
    assert isinstance(done, ProviderResult) and done.output["text"] == "Hello."
    assert [p.path for p in fake.under("PUT", S3_PREFIX)] == [f"/{BUCKET}/{key}"] * 2
    starts = [s.json() for s in fake.ops(T + "StartTranscriptionJob")]
    assert [s["TranscriptionJobName"] for s in starts] == [name, name]
    assert starts[0]["Media"] == {"MediaFileUri": f"s3://{BUCKET}/{key}"} and starts[0] == starts[1]
    assert [r.json() for r in fake.ops(T + "GetTranscriptionJob")] == [{"TranscriptionJobName": name}] * 2
    [delete] = fake.under("DELETE", S3_PREFIX)
    assert delete.path == f"/{BUCKET}/{key}"
    assert [r.json() for r in fake.ops(T + "DeleteTranscriptionJob")] == [{"TranscriptionJobName": name}]


@pytest.mark.parametrize(
    ("token", "reply"),
    [
        (None, CONFLICT),  # a fresh uuid name was taken: not a job of ours
        (TOKEN, aws_error(400, "BadRequestException", "The S3 URI can't be accessed.")),
    ],
)
async def test_transcribe_other_refusals_still_fail_and_clean_up(token: str | None, reply: Reply) -> None:
    async with aws_fake() as fake:
        fake.on("PUT", S3_PREFIX + "*", (200, b""))
        fake.on("DELETE", S3_PREFIX + "*", (204, b""))
        fake.target(T + "StartTranscriptionJob", reply)
        o = offer("audio/speech_to_text_async")
        assert o.launch is not None
        async with context(creds(fake), files=FILES, launch_token=token) as ctx:
            with pytest.raises(ProviderInvalidInput) as info:
                await o.launch(SpeechToTextInput(file="talk", language="en"), ctx)
    assert info.value.error_code == "provider_invalid_input"
    assert len(fake.under("DELETE", S3_PREFIX)) == 1


async def test_transcribe_without_a_token_names_each_launch_afresh() -> None:
    async with aws_fake() as fake:
        fake.on("PUT", S3_PREFIX + "*", (200, b""))
        fake.target(T + "StartTranscriptionJob", echo_start)
        o = offer("audio/speech_to_text_async")
        assert o.launch is not None
        async with context(creds(fake), files=FILES) as ctx:
            a = await o.launch(SpeechToTextInput(file="talk", language="en"), ctx)
            b = await o.launch(SpeechToTextInput(file="talk", language="en"), ctx)
    assert a.provider_job_id != b.provider_job_id
    assert all(x.provider_job_id.startswith("unigate-") for x in (a, b))
    assert a.state["key"] != b.state["key"]


def test_conflict_exception_is_typed_and_still_invalid_input() -> None:
    body = json.dumps({"__type": "ConflictException", "message": "The requested job name already exists."})
    err = aws.aws_error(HttpResult(400, {}, body.encode()), [])
    assert isinstance(err, aws.ResourceConflict) and isinstance(err, ProviderInvalidInput)
    assert err.error_code == "provider_invalid_input" and err.status == 400
    assert "already exists" in err.message and "(ConflictException)" in err.message
