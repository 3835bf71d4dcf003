from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest

from unigate.files import storage as storage_module
from unigate.files.storage import LocalDiskStorage, Storage, storage_from_url, validate_key

KEY = "3f2a9c0d8e7b4a1f9c2d3e4f5a6b7c8d"


@pytest.fixture
def store(tmp_path: Path) -> LocalDiskStorage:
    return LocalDiskStorage(tmp_path / "blobs")


def _all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def test_round_trip(store: LocalDiskStorage) -> None:
    assert isinstance(store, Storage)
    assert not await store.exists(KEY)
    await store.put(KEY, b"hello")
    assert await store.exists(KEY)
    assert await store.get(KEY) == b"hello"
    await store.put(KEY, b"replaced")
    assert await store.get(KEY) == b"replaced"
    await store.delete(KEY)
    assert not await store.exists(KEY)
    await store.delete(KEY)  # deleting again is fine


async def test_layout_is_sharded_by_key_prefix(store: LocalDiskStorage) -> None:
    await store.put(KEY, b"x")
    expected = store.root / "3f" / "2a" / KEY
    assert store.local_path(KEY) == expected
    assert expected.read_bytes() == b"x"
    assert _all_files(store.root) == [expected]  # no temp file left behind


async def test_short_keys_are_padded_into_shards(store: LocalDiskStorage) -> None:
    await store.put("ab", b"x")
    assert store.local_path("ab") == store.root / "ab" / "__" / "ab"
    assert await store.get("ab") == b"x"


async def test_get_missing_raises_file_not_found(store: LocalDiskStorage) -> None:
    with pytest.raises(FileNotFoundError):
        await store.get(KEY)


@pytest.mark.parametrize(
    "key",
    ["", "../etc/passwd", "..", ".hidden", "a/b", "a\\b", "/abs", "a\x00b", "a b", "k" * 201, "é"],
)
async def test_unsafe_keys_are_rejected(store: LocalDiskStorage, key: str) -> None:
    with pytest.raises(ValueError):
        validate_key(key)
    with pytest.raises(ValueError):
        await store.put(key, b"x")
    with pytest.raises(ValueError):
        await store.get(key)
    with pytest.raises(ValueError):
        store.local_path(key)
    assert not store.root.exists() or _all_files(store.root) == []


async def test_failed_write_leaves_previous_content_and_no_temp_file(
    store: LocalDiskStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.put(KEY, b"old")

    def crash(*_args: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk on fire"):
        await store.put(KEY, b"new" * 1000)
    assert await store.get(KEY) == b"old"
    assert _all_files(store.root) == [store.local_path(KEY)]


async def test_crash_before_rename_never_shows_a_partial_file(
    store: LocalDiskStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(_fd: int) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="power cut"):
        await store.put(KEY, b"partial")
    assert not await store.exists(KEY)
    assert _all_files(store.root) == []


async def test_disk_io_runs_off_the_event_loop(
    store: LocalDiskStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    real_write = storage_module._write_atomic

    def spy(path: Path, data: bytes) -> None:
        threads.append(threading.get_ident())
        real_write(path, data)

    monkeypatch.setattr(storage_module, "_write_atomic", spy)
    await store.put(KEY, os.urandom(4 << 20))
    assert threads and threads[0] != threading.get_ident()
    assert len(await store.get(KEY)) == 4 << 20


async def test_concurrent_writers_to_one_key(store: LocalDiskStorage) -> None:
    payloads = [bytes([i]) * 100_000 for i in range(8)]
    await asyncio.gather(*(store.put(KEY, p) for p in payloads))
    assert await store.get(KEY) in payloads  # one whole payload, never a mix
    assert _all_files(store.root) == [store.local_path(KEY)]


@pytest.mark.parametrize("form", ["file://{p}", "file://localhost{p}", "{p}", "  {p}  "])
def test_storage_from_url_local_forms(tmp_path: Path, form: str) -> None:
    built = storage_from_url(form.format(p=tmp_path / "store"))
    assert isinstance(built, LocalDiskStorage)
    assert built.root == (tmp_path / "store").resolve()


def test_storage_from_url_decodes_file_urls(tmp_path: Path) -> None:
    built = storage_from_url(f"file://{tmp_path}/my%20files")
    assert isinstance(built, LocalDiskStorage)
    assert built.root == (tmp_path / "my files").resolve()


def test_storage_from_url_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    built = storage_from_url("data/files")
    assert isinstance(built, LocalDiskStorage)
    assert built.root == tmp_path / "data" / "files"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3:///prefix", "has no bucket"),
        ("gs://bucket", "unsupported storage URL scheme 'gs'"),
        ("http://example.com/x", "unsupported storage URL scheme 'http'"),
        ("file://otherhost/data", "must be local"),
        ("", "empty storage URL"),
    ],
)
def test_storage_from_url_rejects(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        storage_from_url(url)
