"""S3Storage against a real S3-compatible server on loopback: moto's server mode (`moto_server`,
PyPI `moto[server]`, a standalone HTTP server speaking the S3 wire protocol). Skipped when moto is
not installed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from unigate.files.s3 import S3Storage
from unigate.files.storage import Storage, storage_from_url

pytest.importorskip("moto.server", reason="moto[server] is not installed (pip install 'moto[server]')")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, "moto_server exited"
                assert time.monotonic() < deadline, "moto_server did not start"
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def bucket(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    name = f"b-{uuid.uuid4().hex[:12]}"
    store = S3Storage(name, endpoint_url=endpoint)
    store._client.create_bucket(Bucket=name)
    store.close()
    return name


@pytest.fixture
def store(endpoint: str, bucket: str) -> Iterator[S3Storage]:
    built = storage_from_url(f"s3://{bucket}/uploads/v1?endpoint={endpoint}&region=us-east-1")
    assert isinstance(built, S3Storage)
    yield built
    built.close()


async def test_round_trip_and_protocol(store: S3Storage) -> None:
    assert isinstance(store, Storage)
    assert store.local_path("abc") is None
    assert await store.exists("abc") is False
    await store.put("abc", b"hello")
    assert await store.exists("abc") is True
    assert await store.get("abc") == b"hello"
    await store.put("abc", b"replaced")
    assert await store.get("abc") == b"replaced"
    await store.delete("abc")
    await store.delete("abc")  # deleting a missing key is not an error
    assert await store.exists("abc") is False


async def test_missing_key_raises_file_not_found(store: S3Storage) -> None:
    with pytest.raises(FileNotFoundError):
        await store.get("nope")


async def test_keys_live_under_the_prefix(store: S3Storage, bucket: str) -> None:
    await store.put("k1", b"x")
    listed = store._client.list_objects_v2(Bucket=bucket)["Contents"]
    assert [o["Key"] for o in listed] == ["uploads/v1/k1"]


async def test_unsafe_keys_are_rejected(store: S3Storage) -> None:
    for key in ("../x", "a/b", ".hidden", ""):
        with pytest.raises(ValueError):
            await store.put(key, b"x")


async def test_large_object(store: S3Storage) -> None:
    data = os.urandom(6 * 1024 * 1024)
    await store.put("big", data)
    assert await store.get("big") == data


def test_url_options_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown s3 storage URL option"):
        storage_from_url("s3://b/p?endpointt=http://x")
    with pytest.raises(ValueError, match="has no bucket"):
        storage_from_url("s3:///p")


async def test_gateway_uploads_to_s3(tmp_path: Path, endpoint: str, bucket: str) -> None:
    """The whole file path through the facade: upload, read back for a job, delete."""
    from unigate.gateway import Gateway
    from unigate.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", storage_url=f"s3://{bucket}/files?endpoint={endpoint}")
    async with Gateway(settings, run_workers=False) as gw:
        owner = await gw.library_owner()
        rec = await gw.files.upload(owner, b"plain text body", "note.txt")
        loaded = await gw.files.load(owner, rec.id)
        assert loaded.data == b"plain text body"
        assert await gw.files.storage.exists(rec.storage_key)
        await gw.files.delete(owner, [rec.id])
        assert not await gw.files.storage.exists(rec.storage_key)


async def test_storage_keys_of_its_own_beside_the_amazon_providers(
    tmp_path: Path, endpoint: str, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """UNIGATE_STORAGE_ACCESS_KEY_ID/SECRET sign storage requests; AWS_* stay the provider's."""
    from unigate.gateway import Gateway
    from unigate.settings import Settings

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "provider-key")
    url = f"s3://{bucket}/files?endpoint={endpoint}"
    settings = Settings(
        data_dir=tmp_path / "data",
        storage_url=url,
        storage_access_key_id="storage-key",
        storage_secret_access_key="storage-secret",
    )
    async with Gateway(settings, run_workers=False) as gw:
        storage = gw.files.storage
        assert isinstance(storage, S3Storage)
        assert storage._client._request_signer._credentials.access_key == "storage-key"
        owner = await gw.library_owner()
        rec = await gw.files.upload(owner, b"kept apart", "note.txt")
        assert (await gw.files.load(owner, rec.id)).data == b"kept apart"
    with pytest.raises(ValueError, match="or neither"):
        Gateway(Settings(data_dir=tmp_path / "d2", storage_url=url, storage_access_key_id="only-id"))
