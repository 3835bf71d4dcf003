"""S3-compatible blob storage (AWS S3, MinIO, Ceph RGW, Garage...), for the distributed mode.

Selected by ``UNIGATE_STORAGE_URL=s3://bucket/prefix?endpoint=http://host:9000&region=us-east-1``.
Credentials come from botocore's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the
shared config files, instance roles), never from the URL, so they stay out of logs.

Why botocore in threads rather than an async client: botocore is already a dependency (the
`amazon` provider signs with it), blob calls are few and large, and a blocking client in a thread
pool adds one hop per call, not per byte. A PUT is atomic in S3: readers see the old or the new
object, never a partial one, which is the Storage contract.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from unigate.files.storage import validate_key

_THREADS = 16


class S3Storage:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        path_style: bool | None = None,
        access_key: tuple[str, str] | None = None,
    ) -> None:
        """`access_key`: (key id, secret) for storage alone; None uses botocore's default chain
        (environment, shared files, instance role), the one the `amazon` provider reads too."""
        try:
            import botocore.config  # type: ignore[import-untyped]
            import botocore.session  # type: ignore[import-untyped]
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ValueError("s3:// storage needs botocore: pip install 'unigate[s3]'") from exc
        if not bucket:
            raise ValueError("s3 storage URL has no bucket: use s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        # Custom endpoints (MinIO, moto, Ceph) rarely have per-bucket DNS names: path style there.
        style = "path" if (path_style if path_style is not None else endpoint_url is not None) else "auto"
        config = botocore.config.Config(
            s3={"addressing_style": style},
            retries={"max_attempts": 5, "mode": "standard"},
            max_pool_connections=_THREADS,
        )
        session = botocore.session.get_session()
        # botocore clients are thread-safe once created; creating one is not, so it happens here.
        keys = {}
        if access_key:
            keys = {"aws_access_key_id": access_key[0], "aws_secret_access_key": access_key[1]}
        self._client: Any = session.create_client(
            "s3", region_name=region or "us-east-1", endpoint_url=endpoint_url, config=config, **keys
        )
        self._pool = ThreadPoolExecutor(_THREADS, thread_name_prefix="unigate-s3")

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r}, endpoint={self.endpoint_url!r})"

    def _key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    async def _call(self, fn: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._pool, lambda: fn(**kwargs))

    def local_path(self, key: str) -> Path | None:
        validate_key(key)
        return None

    async def put(self, key: str, data: bytes) -> None:
        await self._call(self._client.put_object, Bucket=self.bucket, Key=self._key(key), Body=data)

    async def get(self, key: str) -> bytes:
        name = self._key(key)

        def read() -> bytes:
            try:
                resp = self._client.get_object(Bucket=self.bucket, Key=name)
            except self._client.exceptions.NoSuchKey:
                raise FileNotFoundError(f"s3://{self.bucket}/{name}") from None
            body = resp["Body"]
            try:
                data: bytes = body.read()
            finally:
                body.close()
            return data

        return await asyncio.get_running_loop().run_in_executor(self._pool, read)

    async def delete(self, key: str) -> None:
        # S3 answers 204 for a missing key too: deleting twice is not an error, as the contract says.
        await self._call(self._client.delete_object, Bucket=self.bucket, Key=self._key(key))

    async def exists(self, key: str) -> bool:
        name = self._key(key)

        def head() -> bool:
            from botocore.exceptions import ClientError  # type: ignore[import-untyped]

            try:
                self._client.head_object(Bucket=self.bucket, Key=name)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return False
                raise
            return True

        return bool(await asyncio.get_running_loop().run_in_executor(self._pool, head))

    def close(self) -> None:
        self._pool.shutdown(wait=False)
        self._client.close()


def s3_from_url(url: str, access_key: tuple[str, str] | None = None) -> S3Storage:
    """``s3://bucket[/prefix][?endpoint=URL&region=NAME&path_style=true|false]``."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"endpoint", "region", "path_style"}
    if unknown:
        raise ValueError(f"unknown s3 storage URL option(s) {sorted(unknown)} in {url!r}")
    path_style = query.get("path_style")
    return S3Storage(
        parts.netloc,
        parts.path,
        endpoint_url=query.get("endpoint") or None,
        region=query.get("region") or None,
        path_style=None if path_style is None else path_style.lower() in ("1", "true", "yes"),
        access_key=access_key,
    )
