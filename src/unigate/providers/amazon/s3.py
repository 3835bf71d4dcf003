"""Staging inputs in S3 for provider-side jobs (Textract Start..., Transcribe): a signed PutObject,
and a best-effort DeleteObject once the job has ended.

Keys are unique per launch, so two jobs on the same file never delete each other's input:
`unigate/<launch token>/<name>` when the launch has a token (stable per job and route: a launch
repeated after a crash overwrites the object it staged before instead of leaving a second one, and
sends the vendor the same location, which an idempotent Start... needs), else `unigate/<uuid>/<name>`.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from dataclasses import dataclass

from unigate.providers.amazon import aws
from unigate.providers.base import CallContext
from unigate.providers.errors import ProviderError, ProviderUnavailable

KEY_PREFIX = "unigate"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Staged:
    bucket: str
    key: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def safe_name(name: str, default: str = "input") -> str:
    """A key segment that needs no percent-encoding (what we sign is exactly what we send)."""
    cleaned = _UNSAFE.sub("_", name).strip("._")[:100]
    return cleaned or default


def object_url(ctx: CallContext, staged: Staged) -> str:
    base = aws.endpoint(ctx.credentials, aws.S3)
    if aws.is_overridden(ctx.credentials, aws.S3):
        return f"{base}/{staged.bucket}/{staged.key}"  # path style: S3-compatible stores, tests
    scheme, _, host = base.partition("://")
    return f"{scheme}://{staged.bucket}.{host}/{staged.key}"  # virtual-hosted style


def staging_key(name: str, token: str | None = None) -> str:
    """`unigate/<token>/<name>` (the same for the same token and name), else a fresh uuid."""
    folder = safe_name(token, "") if token else ""
    return f"{KEY_PREFIX}/{folder or uuid.uuid4().hex}/{safe_name(name)}"


async def put(ctx: CallContext, data: bytes, name: str, mime: str, *, token: str | None = None) -> Staged:
    """Stage `data`; with a `token` the key is deterministic (a repeated PUT overwrites the object)."""
    bucket = aws.bucket_of(ctx.credentials)
    if not bucket:
        raise ProviderUnavailable(aws.missing_bucket(ctx.credentials) or "no S3 bucket")
    staged = Staged(bucket, staging_key(name, token))
    headers = {"Content-Type": mime or "application/octet-stream"}
    await aws.send(ctx, aws.S3, "PUT", object_url(ctx, staged), body=data, headers=headers)
    return staged


async def delete(ctx: CallContext, bucket: str | None, key: str | None) -> None:
    """Remove a staged input; a failure here must not fail a finished job."""
    if not bucket or not key:
        return
    with contextlib.suppress(ProviderError):
        await aws.send(ctx, aws.S3, "DELETE", object_url(ctx, Staged(bucket, key)))
