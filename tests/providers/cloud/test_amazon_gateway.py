"""The amazon provider through the whole gateway: registry, engine, pricing and envelope, with the
AWS environment variables pointing at a loopback fake."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.files.samples import image
from tests.providers.cloud.amazon_fixtures.fake import SECRET, aws_error, aws_fake, creds, verify_sigv4
from tests.providers.cloud.test_amazon_textract import DETECT
from unigate.gateway import Gateway
from unigate.providers.amazon import AmazonProvider
from unigate.providers.registry import ProviderRegistry
from unigate.settings import Settings


def registry() -> ProviderRegistry:
    return ProviderRegistry([AmazonProvider()])


async def test_sync_ocr_end_to_end(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan = tmp_path / "scan.png"
    scan.write_bytes(image("PNG", (60, 30)))
    async with aws_fake() as fake:
        fake.target("Textract.DetectDocumentText", (200, DETECT))
        for name, value in creds(fake).items():
            monkeypatch.setenv(name, value)
        async with Gateway(settings, registry=registry()) as gw:
            body = await gw.arun("ocr/ocr/amazon", file=str(scan), show_original_response=True)
    assert body["status"] == "success", body
    assert (body["provider"], body["model"]) == ("amazon", "detect-document-text")
    assert body["output"]["text"] == "Name: Jane Doe\nTotal 42.00"
    assert body["cost"] == "0.0015"  # one page at $1.50 per 1,000
    assert body["original_response"] == DETECT
    [rec] = fake.ops("Textract.DetectDocumentText")
    verify_sigv4(rec, fake, "textract")


async def test_vendor_failure_is_an_envelope_error(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan = tmp_path / "scan.png"
    scan.write_bytes(image("PNG", (60, 30)))
    async with aws_fake() as fake:
        fake.target("Textract.DetectDocumentText", aws_error(400, "ThrottlingException", "Rate exceeded"))
        for name, value in creds(fake).items():
            monkeypatch.setenv(name, value)
        async with Gateway(settings, registry=registry()) as gw:
            body = await gw.arun("ocr/ocr/amazon", file=str(scan))
    assert body["status"] == "fail"
    assert body["error"]["error_code"] == "provider_rate_limited"
    assert SECRET not in str(body)


async def test_missing_credentials_make_the_provider_unavailable(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    assert AmazonProvider().unavailable_reason({}) == "AWS_ACCESS_KEY_ID is not set"
    env = {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}
    assert "AWS_REGION" in (AmazonProvider().unavailable_reason(env) or "")
    assert AmazonProvider().unavailable_reason({**env, "AWS_DEFAULT_REGION": "us-east-1"}) is None
    scan = tmp_path / "scan.png"
    scan.write_bytes(image("PNG", (60, 30)))
    async with Gateway(settings, registry=registry()) as gw:
        body = await gw.arun("ocr/ocr/amazon", file=str(scan))
    assert body["status"] == "fail" and body["error"]["error_code"] == "provider_unavailable"
    assert "AWS_ACCESS_KEY_ID" in body["error"]["message"]


async def test_async_ocr_job_end_to_end(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Launch, a pending poll and the result through the job runner: the provider job id and the
    staging state are persisted between the short jobs and handed back to each poll."""
    from tests.files.samples import pdf
    from tests.providers.cloud.test_amazon_textract import PAGE_1, PAGE_2
    from unigate.providers.amazon import textract

    monkeypatch.setattr(textract, "LAUNCH_RETRY_S", 0.05)
    monkeypatch.setattr(textract, "POLL_RETRY_S", 0.05)
    doc = tmp_path / "report.pdf"
    doc.write_bytes(pdf(2))
    async with aws_fake() as fake:
        fake.on("PUT", "/unigate-staging/unigate/*", (200, b""))
        fake.on("DELETE", "/unigate-staging/unigate/*", (204, b""))
        fake.target("Textract.StartDocumentTextDetection", (200, {"JobId": "job-e2e"}))
        pending = (200, {"JobStatus": "IN_PROGRESS"})
        fake.target("Textract.GetDocumentTextDetection", pending, (200, PAGE_1), (200, PAGE_2))
        for name, value in creds(fake).items():
            monkeypatch.setenv(name, value)
        async with Gateway(settings, registry=registry()) as gw:
            body = await gw.arun("ocr/ocr_async/amazon", file=str(doc))
    assert body["status"] == "success", body
    assert body["output"]["number_of_pages"] == 2 and body["cost"] == "0.003"  # 2 pages at $1.50 / 1,000
    assert len(fake.ops("Textract.StartDocumentTextDetection")) == 1  # launched once
    gets = fake.ops("Textract.GetDocumentTextDetection")
    assert [g.json().get("NextToken") for g in gets] == [None, None, "token-2"]
    [put] = fake.under("PUT", "/unigate-staging/unigate/")
    [delete] = fake.under("DELETE", "/unigate-staging/unigate/")
    assert delete.path == put.path
