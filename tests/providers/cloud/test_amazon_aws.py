"""The amazon provider's shared plumbing: configuration, endpoints, error codes, the price table.

Error body sources: https://docs.aws.amazon.com/textract/latest/APIReference/CommonErrors.html (JSON
`__type` + `message`), https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (S3 XML),
https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html (x-amzn-ErrorType header).
"""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from types import SimpleNamespace
from typing import Any, cast

import pytest

from tests.providers.cloud.amazon_fixtures.fake import SECRET
from unigate.providers.amazon import AmazonProvider, aws, s3
from unigate.providers.amazon.offers import price_table
from unigate.providers.base import CallContext
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
    UnsupportedFormat,
)
from unigate.providers.http import HttpResult

BASE = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": "eu-central-1"}


def test_credentials_take_only_the_aws_variables() -> None:
    env = {
        **BASE,
        "AWS_SESSION_TOKEN": "tok",
        "AWS_S3_BUCKET": "b",
        "HOME": "/root",
        "OPENAI_API_KEY": "sk-x",
    }
    creds = AmazonProvider().credentials(env)
    assert creds == {k: v for k, v in env.items() if k not in ("HOME", "OPENAI_API_KEY")}
    assert AmazonProvider().unavailable_reason(env) is None
    assert (
        AmazonProvider().unavailable_reason({**BASE, "AWS_REGION": ""})
        == "AWS_REGION (or AWS_DEFAULT_REGION) is not set"
    )
    assert (
        AmazonProvider().unavailable_reason({"AWS_ACCESS_KEY_ID": "x"}) == "AWS_SECRET_ACCESS_KEY is not set"
    )


def test_endpoints() -> None:
    assert aws.endpoint(BASE, aws.TEXTRACT) == "https://textract.eu-central-1.amazonaws.com"
    assert aws.endpoint(BASE, aws.BEDROCK_RUNTIME) == "https://bedrock-runtime.eu-central-1.amazonaws.com"
    assert (
        aws.endpoint({**BASE, "AWS_REGION": "cn-north-1"}, aws.POLLY)
        == "https://polly.cn-north-1.amazonaws.com.cn"
    )
    assert aws.endpoint({"AWS_DEFAULT_REGION": "us-west-2"}, aws.S3) == "https://s3.us-west-2.amazonaws.com"
    everything = {**BASE, "AWS_ENDPOINT_URL": "http://global:1", "UNIGATE_AWS_ENDPOINT_URL": "http://fake:2/"}
    assert aws.endpoint(everything, aws.COMPREHEND) == "http://fake:2"
    assert aws.endpoint({**BASE, "AWS_ENDPOINT_URL": "http://global:1"}, aws.COMPREHEND) == "http://global:1"
    one = {**everything, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "https://vpce-1.bedrock-runtime.example"}
    assert aws.endpoint(one, aws.BEDROCK_RUNTIME) == "https://vpce-1.bedrock-runtime.example"
    assert aws.endpoint(one, aws.TEXTRACT) == "http://fake:2"
    assert "AWS_ENDPOINT_URL_BEDROCK_RUNTIME" in aws.config_keys()


def test_s3_addressing() -> None:
    def ctx(creds: dict[str, str]) -> CallContext:
        return cast(CallContext, SimpleNamespace(credentials=creds))

    staged = s3.Staged("my-bucket", "unigate/abc/doc.pdf")
    virtual_hosted = "https://my-bucket.s3.eu-central-1.amazonaws.com/unigate/abc/doc.pdf"
    assert s3.object_url(ctx(BASE), staged) == virtual_hosted
    path_style = ctx({**BASE, "AWS_ENDPOINT_URL_S3": "http://minio:9000"})
    assert s3.object_url(path_style, staged) == "http://minio:9000/my-bucket/unigate/abc/doc.pdf"
    assert staged.uri == "s3://my-bucket/unigate/abc/doc.pdf"
    assert s3.safe_name("Relevé n°3 (copie).PDF") == "Relev_n_3_copie_.PDF"
    assert s3.safe_name("...") == "input"


@pytest.mark.parametrize(
    ("status", "body", "headers", "kind", "code"),
    [
        (400, b'{"__type":"com.amazon.coral.service#ExpiredTokenException","message":"expired"}', {},
         ProviderAuthError, "ExpiredTokenException"),
        (400, b'{"message":"Rate exceeded"}', {"x-amzn-ErrorType": "ThrottlingException:http://internal/"},
         ProviderRateLimited, "ThrottlingException"),
        (503, b"<?xml version='1.0'?><Error><Code>SlowDown</Code><Message>Slower</Message></Error>", {},
         ProviderRateLimited, "SlowDown"),
        (403, b"<Error><Code>SignatureDoesNotMatch</Code><Message>bad sig</Message></Error>", {},
         ProviderAuthError, "SignatureDoesNotMatch"),
        (400, b'{"__type":"InvalidS3ObjectException","Message":"Unable to get object"}', {},
         ProviderInvalidInput, "InvalidS3ObjectException"),
        (400, b'{"__type":"ValidationError","message":"bad"}', {}, ProviderInvalidInput, "ValidationError"),
        (500, b'{"__type":"InternalFailure"}', {}, ProviderServerError, "InternalFailure"),
        (400, b'{"__type":"InvalidImageFormatException","Message":"bad image"}', {}, UnsupportedFormat,
         "InvalidImageFormatException"),
    ],
)  # fmt: skip
def test_error_codes(status: int, body: bytes, headers: dict[str, str], kind: type, code: str) -> None:
    error = aws.aws_error(HttpResult(status, headers, body), [SECRET])
    assert type(error) is kind and error.message.endswith(f"({code})") and error.status == status


def test_error_messages_are_redacted() -> None:
    body = json.dumps({"__type": "UnrecognizedClientException", "message": f"bad key {SECRET}"}).encode()
    error = aws.aws_error(HttpResult(400, {}, body), [SECRET])
    assert SECRET not in error.message and "***" in error.message


def test_price_table_entries_are_complete_and_used() -> None:
    doc = json.loads(resources.files("unigate.providers.amazon").joinpath("prices.json").read_text())
    assert doc["vendor"] == "amazon" and doc["currency"] == "USD"
    for entry in doc["entries"]:
        assert entry["source"].startswith("https://aws.amazon.com/") and entry["date"] == "2026-11-22"
        assert isinstance(entry["amount"], str) and Decimal(entry["amount"]) > 0
        assert entry["unit"].split(":")[0] in {
            "page",
            "char",
            "request",
            "second",
            "token_in",
            "token_out",
            "image",
        }
    offered = {(o.subfeature, m.name) for o in AmazonProvider().offers() for m in o.models}
    priced = {(e.subfeature, e.model) for e in price_table()}
    assert priced == offered  # every model has a price, every price a model
    assert all(o.compute == "io" for o in AmazonProvider().offers())


async def test_big_payloads_are_signed_off_the_event_loop() -> None:
    from tests.providers.cloud.amazon_fixtures.fake import aws_fake, creds, verify_sigv4
    from tests.providers.cloud.harness import context

    blocking: list[str] = []
    big = b"x" * (aws.SIGN_INLINE_MAX + 1)
    async with aws_fake() as fake:
        fake.on("PUT", "/unigate-staging/*", (200, b""))
        async with context(creds(fake)) as ctx:
            run_blocking = ctx.run_blocking

            async def counting(fn: Any, *args: Any) -> Any:
                blocking.append(fn.__name__)
                return await run_blocking(fn, *args)

            ctx.run_blocking = counting
            staged = await s3.put(ctx, big, "big.bin", "application/octet-stream")
            await s3.put(ctx, b"small", "small.txt", "text/plain")
    assert blocking == ["sign"]
    assert staged.key.endswith("/big.bin")
    for rec in fake.requests:
        verify_sigv4(rec, fake, "s3")
