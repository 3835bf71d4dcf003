"""An AWS-shaped FakeVendor for the amazon tests: JSON 1.1 operations routed by X-Amz-Target,
REST paths with a trailing-`*` prefix match (S3 keys carry a fresh uuid), AWS error bodies, and a
SigV4 check that recomputes the signature of what the fake actually received."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Awaitable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.providers.cloud.harness import FakeVendor, Handler, Recorded, Reply, serve
from unigate.catalog import get_subfeature
from unigate.catalog.shapes import shape_errors

SPEC = Path(__file__).parents[4] / "spec" / "outputs"

KEY_ID = "AKIDEXAMPLE123456"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN"
REGION = "eu-west-3"
BUCKET = "unigate-staging"

AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/"
    r"(?P<service>[a-z0-9-]+)/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


class PrefixRoutes(dict[tuple[str, str], list[Reply | Handler]]):
    """Exact (method, path) first, then routes whose path ends with `*` as a prefix."""

    def get(self, key: tuple[str, str], default: Any = None) -> Any:
        if key in self:
            return self[key]
        method, path = key
        for (m, p), replies in self.items():
            if m == method and p.endswith("*") and path.startswith(p[:-1]):
                return replies
        return default


@dataclass
class AwsFake(FakeVendor):
    targets: dict[str, list[Reply | Handler]] = field(default_factory=dict)
    raw_paths: list[str] = field(default_factory=list)  # as on the wire, beside `requests`

    def __post_init__(self) -> None:
        self.routes = PrefixRoutes(self.routes)
        self.on("POST", "/", self._dispatch)

    def target(self, name: str, *replies: Reply | Handler, source: str = "") -> None:
        """Replies for one JSON 1.1 operation, e.g. "Textract.DetectDocumentText"."""
        self.targets[name] = list(replies)

    def ops(self, name: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/" and header(r, "X-Amz-Target") == name]

    def under(self, method: str, prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        # The harness records the decoded path; SigV4 is checked against the encoded one. The body
        # is read first so that the harness records this request right after (same order).
        await request.read()
        self.raw_paths.append(request.raw_path.split("?", 1)[0])
        return await super()._handle(request)

    def raw_path(self, rec: Recorded) -> str:
        return self.raw_paths[next(i for i, r in enumerate(self.requests) if r is rec)]

    async def _dispatch(self, rec: Recorded) -> Reply:
        name = header(rec, "X-Amz-Target") or ""
        replies = self.targets.get(name)
        if not replies:
            return aws_error(400, "UnknownOperationException", f"no fake for {name}")
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if callable(reply):
            out = reply(rec)
            return await out if isinstance(out, Awaitable) else out
        return reply


@asynccontextmanager
async def aws_fake() -> AsyncIterator[AwsFake]:
    async with serve(AwsFake()) as fake:
        yield fake


def creds(fake: FakeVendor, **extra: str) -> dict[str, str]:
    """What AmazonProvider.credentials() gives for an environment pointing at the fake."""
    return {
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": TOKEN,
        "AWS_REGION": REGION,
        "AWS_S3_BUCKET": BUCKET,
        "UNIGATE_AWS_ENDPOINT_URL": fake.base_url,
        **extra,
    }


def header(rec: Recorded, name: str) -> str | None:
    for key, value in rec.headers.items():
        if key.lower() == name.lower():
            return value
    return None


def aws_error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> tuple[int, Any, Mapping[str, str]]:
    """A JSON-protocol AWS error: `__type` + `message` body and the x-amzn-ErrorType header."""
    return status, {"__type": code, "message": message}, {"x-amzn-ErrorType": f"{code}:", **(headers or {})}


def s3_error(status: int, code: str, message: str) -> tuple[int, bytes, Mapping[str, str]]:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
        f"<RequestId>4442587FB7D0A2F9</RequestId></Error>"
    )
    return status, body.encode(), {"Content-Type": "application/xml"}


def verify_sigv4(rec: Recorded, fake: AwsFake, service: str, region: str = REGION) -> dict[str, str]:
    """Check the Authorization header's shape, then recompute the signature over what was received."""
    from botocore.auth import SigV4Auth  # type: ignore[import-untyped]
    from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
    from botocore.credentials import Credentials  # type: ignore[import-untyped]

    auth = header(rec, "Authorization") or ""
    found = AUTH.match(auth)
    assert found, auth
    parts = found.groupdict()
    assert (parts["key"], parts["region"], parts["service"]) == (KEY_ID, region, service)
    signed = parts["signed"].split(";")
    assert {"host", "x-amz-date"} <= set(signed)
    amz_date = header(rec, "X-Amz-Date") or ""
    assert amz_date.startswith(parts["date"])
    if service == "s3":
        assert header(rec, "X-Amz-Content-SHA256") == hashlib.sha256(rec.body).hexdigest()
    assert header(rec, "X-Amz-Security-Token") == TOKEN and "x-amz-security-token" in signed
    query = "&".join(f"{k}={v}" for k, v in rec.query.items())
    url = fake.base_url + fake.raw_path(rec) + (f"?{query}" if query else "")
    headers = {name: header(rec, name) or "" for name in signed}
    request = AWSRequest(method=rec.method, url=url, data=rec.body, headers=headers)
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(KEY_ID, SECRET, TOKEN), service, region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    assert parts["signature"] == expected, "signature does not match the request received"
    return parts


def check_output(key: str, output: Any) -> dict[str, Any]:
    """Zero shape errors against spec/outputs and valid for the catalog's output model."""
    feature, name = key.split("/")
    sub = get_subfeature(feature, name)
    assert sub is not None
    data = output.model_dump(mode="json") if hasattr(output, "model_dump") else dict(output)
    sample = json.loads((SPEC / feature / f"{name}.json").read_text())
    assert shape_errors(data, sample, sub.dynamic_keys) == []
    sub.output_model.model_validate(data)
    return data
