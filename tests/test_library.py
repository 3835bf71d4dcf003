"""`from unigate import Gateway`: the Python library, sync and async, without a server."""

from __future__ import annotations

from pathlib import Path

import pytest

import unigate
from tests.fakes import FakeProvider
from tests.files.samples import image, pdf
from unigate import Gateway
from unigate.engine.errors import RequestError
from unigate.providers.registry import ProviderRegistry
from unigate.settings import Settings


@pytest.fixture
def png(tmp_path: Path) -> Path:
    path = tmp_path / "scan.png"
    path.write_bytes(image("PNG", (40, 20)))
    return path


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf(2))
    return path


def test_public_api_is_the_gateway() -> None:
    assert unigate.__all__ == ["Gateway"]
    from unigate.gateway import Gateway as Facade

    assert Gateway is Facade
    with pytest.raises(AttributeError):
        _ = unigate.Nope


def test_sync_run(settings: Settings, registry: ProviderRegistry, fakes: tuple[FakeProvider, ...]) -> None:
    with Gateway(settings, registry=registry) as gw:
        body = gw.run("text/embeddings/fake", {"texts": ["a", "bb"]})
        assert body["status"] == "success"
        assert body["output"] == {"items": [{"embedding": [1.0, 1.0, 0.5]}, {"embedding": [2.0, 1.0, 0.5]}]}
        assert body["cost"] == "0.00001" and body["provider"] == "fake" and body["model"] == "small"
        # Input fields may also be keyword arguments; a model part picks the model.
        body = gw.run("text/embeddings/fake/org/large-v2", texts=["abcd"])
        assert (body["status"], body["model"], body["cost"]) == ("success", "org/large-v2", "0.0000052")
    assert fakes[0].calls["embeddings"] == 2
    assert gw._loop_thread is None  # closed: no thread left behind


def test_sync_run_uploads_local_files(
    settings: Settings, registry: ProviderRegistry, png: Path, doc: Path
) -> None:
    with Gateway(settings, registry=registry) as gw:
        body = gw.run("ocr/ocr/fake", file=str(png))
        assert body["status"] == "success", body
        # The fake echoes the stored file's detected type and size.
        assert body["output"]["text"] == f"image/png:{png.stat().st_size}"
        body = gw.run("ocr/ocr/fake", {"file": doc})  # a Path works too
        assert body["output"]["text"] == f"application/pdf:{doc.stat().st_size}"
        rec = gw.upload(png)
        assert rec.id and rec.size == png.stat().st_size
        assert gw.run("ocr/ocr/fake", file=rec.id)["status"] == "success"  # a file id is used as is


async def test_sync_run_inside_a_running_event_loop(settings: Settings, registry: ProviderRegistry) -> None:
    # Notebooks: the sync methods run on the gateway's own loop thread, not this one.
    with Gateway(settings, registry=registry) as gw:
        assert gw.run("text/embeddings/fake", texts=["x"])["status"] == "success"


async def test_async_run(settings: Settings, registry: ProviderRegistry, png: Path) -> None:
    async with Gateway(settings, registry=registry) as gw:
        body = await gw.arun("translation/language_detection/fake", {"text": "hello there"})
        assert body["status"] == "success"
        assert body["output"]["items"][0]["language"] == "en"
        body = await gw.arun("ocr/ocr/fake", file=str(png))
        assert body["output"]["text"] == f"image/png:{png.stat().st_size}"


async def test_async_subfeature_waits_for_the_job(
    settings: Settings, registry: ProviderRegistry, fakes: tuple[FakeProvider, ...], doc: Path
) -> None:
    async with Gateway(settings, registry=registry) as gw:
        body = await gw.arun(
            "ocr/ocr_async/fake", file=str(doc), provider_params={"polls": 3, "retry_after": 0.05}
        )
        assert body["status"] == "success", body
        assert body["public_id"]
        assert body["output"]["raw_text"] == f"done {fakes[0].launches[0]} after 3 polls"
        assert body["output"]["number_of_pages"] == 1
        assert body["cost"] == "0.0045"  # 3 pages at $1.5 per 1000
        assert len(fakes[0].launches) == 1 and fakes[0].calls["poll"] == 3
        job = await gw.job(await gw.library_owner(), body["public_id"])
        assert job.status == "success" and job.state == "done"


async def test_provider_failure_returns_fail(
    settings: Settings, registry: ProviderRegistry, fakes: tuple[FakeProvider, ...], doc: Path
) -> None:
    async with Gateway(settings, registry=registry) as gw:
        body = await gw.arun("text/embeddings/fake", texts=["a"], provider_params={"fail": "server"})
        assert body["status"] == "fail"
        assert body["output"] is None
        assert body["error"] and body["error"]["message"]
        assert "secret-never-shown" not in str(body)
        assert fakes[0].calls["embeddings"] >= 1

        body = await gw.arun("ocr/ocr_async/fake", file=str(doc), provider_params={"fail": "invalid"})
        assert body["status"] == "fail" and body["public_id"], body
        assert body["error"]["message"]
        assert fakes[0].launches == []  # the launch itself failed


def test_sync_provider_failure_returns_fail(settings: Settings, registry: ProviderRegistry) -> None:
    with Gateway(settings, registry=registry) as gw:
        body = gw.run("text/embeddings/fake", texts=["a"], provider_params={"fail": "auth"})
        assert body["status"] == "fail" and body["error"]["message"]


@pytest.mark.parametrize(
    ("model", "data", "status"),
    [
        ("text/embedings/fake", {"texts": ["a"]}, 422),  # unknown subfeature
        ("text/embeddings/nobody", {"texts": ["a"]}, 422),  # unknown provider
        ("text/embeddings/fake", {"texts": "not a list"}, 422),  # invalid input
        ("ocr/ocr/fake", {"file": "no-such-file-id"}, 404),  # neither a local path nor a file id
    ],
)
async def test_client_errors_raise(
    settings: Settings,
    registry: ProviderRegistry,
    fakes: tuple[FakeProvider, ...],
    model: str,
    data: dict[str, object],
    status: int,
) -> None:
    async with Gateway(settings, registry=registry) as gw:
        with pytest.raises(RequestError) as info:
            await gw.arun(model, data)
        assert info.value.status == status, info.value.detail
    assert sum(fakes[0].calls.values()) == 0  # refused before any provider call


def test_sync_client_error_raises(settings: Settings, registry: ProviderRegistry) -> None:
    with Gateway(settings, registry=registry) as gw, pytest.raises(RequestError) as info:
        gw.run("text/embeddings/fakee", texts=["a"])
    assert "fake" in str(info.value)


async def test_without_workers_an_async_subfeature_is_only_queued(
    settings: Settings, registry: ProviderRegistry, doc: Path
) -> None:
    async with Gateway(settings, registry=registry, run_workers=False) as gw:
        with pytest.raises(RuntimeError, match="queued"):
            await gw.arun("ocr/ocr_async/fake", file=str(doc))
        # The sync path needs no worker.
        assert (await gw.arun("text/embeddings/fake", texts=["a"]))["status"] == "success"
