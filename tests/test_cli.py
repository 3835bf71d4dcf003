"""The `unigate` command, run for real as a subprocess on a temporary data directory."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.files.samples import image, pdf
from tests.serverproc import FAKE_PROVIDERS, ServerProcess, run_cli, unigate_env
from unigate.accounts.keys import KeyStore
from unigate.db.database import Database
from unigate.providers.local import LocalProvider
from unigate.settings import Settings

KEY_LINE = re.compile(r"^\s+(ug_\S+)\s*$", re.M)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def env(data: Path) -> dict[str, str]:
    return unigate_env(data)


@pytest.fixture
def fake_env(data: Path) -> dict[str, str]:
    return unigate_env(data, UNIGATE_EXTRA_PROVIDERS=FAKE_PROVIDERS)


def _authenticate(data: Path, secret: str) -> bool:
    async def go() -> bool:
        db = Database(Settings(data_dir=data).resolved_database_url)
        try:
            return await KeyStore(db).authenticate(secret) is not None
        finally:
            await db.close()

    return asyncio.run(go())


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (
        f"rc={result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    out: str = result.stdout
    return out


# ---------------------------------------------------------------------------------------- keys


def test_keys_create_list_revoke(data: Path, env: dict[str, str]) -> None:
    out = _ok(run_cli(["keys", "create", "ci-bot"], env))
    fields = dict(line.split(": ", 1) for line in out.strip().splitlines())
    assert fields["name"] == "ci-bot" and fields["admin"] == "False"
    key_id, secret = fields["id"], fields["key"]
    assert secret.startswith("ug_") and len(secret) > 30
    assert _authenticate(data, secret)

    other = dict(
        line.split(": ", 1) for line in _ok(run_cli(["keys", "create", "ops", "--admin"], env)).splitlines()
    )
    assert other["admin"] == "True"

    listing = _ok(run_cli(["keys", "list"], env))
    lines = {line.split()[0]: line for line in listing.strip().splitlines()}
    assert set(lines) == {key_id, other["id"]}
    assert "ci-bot" in lines[key_id] and lines[key_id].endswith("active")
    assert secret[:10] in lines[key_id]  # the displayed prefix...
    assert secret not in listing and other["key"] not in listing  # ...never the secret
    assert secret[10:20] not in listing

    assert _ok(run_cli(["keys", "revoke", key_id], env)).strip() == f"revoked {key_id}"
    listing = _ok(run_cli(["keys", "list"], env))
    states = {line.split()[0]: line.split()[-1] for line in listing.strip().splitlines()}
    assert states == {key_id: "revoked", other["id"]: "active"}
    assert not _authenticate(data, secret)
    assert _authenticate(data, other["key"])

    again = run_cli(["keys", "revoke", key_id], env)
    assert again.returncode == 1 and "no active key" in again.stderr


def test_migrate_is_idempotent(data: Path, env: dict[str, str]) -> None:
    assert _ok(run_cli(["migrate"], env)).strip() == "migrations applied"
    db_file = data / "unigate.db"
    with sqlite3.connect(db_file) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {"jobs", "api_keys", "files", "alembic_version"} <= tables
    assert len(version) == 1

    for _ in range(2):
        assert _ok(run_cli(["migrate"], env)).strip() == "schema already up to date"
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == version


# -------------------------------------------------------------------------------------- models


def test_models_json(env: dict[str, str], fake_env: dict[str, str]) -> None:
    rows = json.loads(_ok(run_cli(["models", "--json"], env)))
    models = {r["model"] for r in rows}
    assert all(r["available"] for r in rows if r["model"].split("/")[2] == "local")
    local_subs = {o.subfeature for o in LocalProvider().offers()}
    if "text/embeddings" in local_subs:
        assert any(m.startswith("text/embeddings/local/") for m in models), models
    assert not any("/fake/" in m for m in models)

    rows = json.loads(_ok(run_cli(["models", "--json"], fake_env)))
    by_model = {r["model"]: r for r in rows}
    for m in (
        "text/embeddings/fake/small",
        "text/embeddings/fake/org/large-v2",
        "translation/language_detection/fake/lid",
        "ocr/ocr/fake/v1",
        "ocr/ocr_async/fake/v1",
    ):
        assert m in by_model, sorted(by_model)
    assert by_model["text/embeddings/fake/small"]["default"] is True
    assert by_model["text/embeddings/fake/org/large-v2"]["default"] is False
    assert by_model["ocr/ocr_async/fake/v1"]["mode"] == "async"
    assert models <= set(by_model)  # the built-in providers are still there

    text = _ok(run_cli(["models", "--feature", "ocr"], fake_env))
    assert "ocr/ocr/fake/v1 (default)  sync" in text.splitlines()
    assert all(line.startswith("ocr/") for line in text.strip().splitlines())


# ----------------------------------------------------------------------------------------- run


def test_run_sync_subfeature(fake_env: dict[str, str]) -> None:
    body = json.loads(_ok(run_cli(["run", "text/embeddings/fake", "--set", 'texts=["a","bb"]'], fake_env)))
    assert body["status"] == "success"
    assert body["provider"] == "fake" and body["model"] == "small"
    assert body["output"] == {"items": [{"embedding": [1.0, 1.0, 0.5]}, {"embedding": [2.0, 1.0, 0.5]}]}
    assert body["cost"] == "0.00001"  # 3 characters billed as one 100-character step
    assert body["error"] is None


def test_run_invalid_input_exits_2(fake_env: dict[str, str]) -> None:
    result = run_cli(["run", "text/embeddings/fake", "--input", '{"texts": "not a list"}'], fake_env)
    assert result.returncode == 2, result.stdout
    detail = json.loads(result.stderr)["detail"]
    assert any("texts" in item["loc"] for item in detail), detail
    result = run_cli(["run", "text/embeddings/fake", "--set", 'texts=["a"]', "--set", "nokeyvalue"], fake_env)
    assert result.returncode == 2 and "key=value" in result.stderr


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("text/embedings/fake", "text/embeddings"),
        ("text/embeddings/fakee", "fake"),
    ],
)
def test_run_bad_model_names_closest_choices(fake_env: dict[str, str], model: str, expected: str) -> None:
    result = run_cli(["run", model, "--set", 'texts=["a"]'], fake_env)
    assert result.returncode == 2, result.stdout
    detail = json.loads(result.stderr)["detail"]
    message = detail[0]["msg"]
    assert detail[0]["loc"] == ["body", "model"]
    assert "closest" in message and expected in message.split("closest", 1)[1], message
    assert result.stdout == ""


def test_run_with_local_file(tmp_path: Path, fake_env: dict[str, str]) -> None:
    png = tmp_path / "scan.png"
    png.write_bytes(image("PNG", (32, 16)))
    body = json.loads(_ok(run_cli(["run", "ocr/ocr/fake", "--file", str(png)], fake_env)))
    assert body["status"] == "success", body
    # The fake echoes the stored file's detected type and size: the local file was uploaded.
    assert body["output"]["text"] == f"image/png:{png.stat().st_size}"

    missing = run_cli(["run", "ocr/ocr/fake", "--file", str(tmp_path / "nope.png")], fake_env)
    assert missing.returncode != 0 and "nope.png" in missing.stderr


def test_run_async_subfeature_waits_for_the_job(tmp_path: Path, fake_env: dict[str, str]) -> None:
    doc = tmp_path / "doc.pdf"
    doc.write_bytes(pdf(2))
    body = json.loads(_ok(run_cli(["run", "ocr/ocr_async/fake", "--file", str(doc)], fake_env)))
    assert body["status"] == "success", body
    assert body["public_id"]
    assert body["output"]["raw_text"].startswith("done fake-job-")
    # The library's own key owns that work, and `keys list` does not show it.
    assert _ok(run_cli(["keys", "list"], fake_env)).strip() == ""


# --------------------------------------------------------------------------------------- serve


def test_serve_prints_a_first_admin_key_once(tmp_path: Path, data: Path, fake_env: dict[str, str]) -> None:
    data.mkdir()
    server = ServerProcess(data, fake_env, tmp_path / "first.log")
    try:
        server.wait_until(lambda: KEY_LINE.search(server.output()), 30.0, "the admin key line")
        match = KEY_LINE.search(server.output())
        assert match is not None
        secret = match.group(1)
        assert "shown only once" in server.output()
        server.wait_ready(secret)
        r = httpx.post(
            f"{server.base_url}/v3/universal-ai",
            json={"model": "text/embeddings/fake", "input": {"texts": ["hi"]}},
            headers={"Authorization": "Bearer ug_not_a_key"},
            timeout=10.0,
        )
        assert r.status_code == 401
        [line] = _ok(run_cli(["keys", "list"], fake_env)).strip().splitlines()
        assert line.split()[1:] == [f"{secret[:10]}…", "admin", "admin", "active"]  # prefix, name, role
        server.terminate()
    finally:
        server.stop()

    again = ServerProcess(data, fake_env, tmp_path / "second.log")
    try:
        again.wait_ready(secret)  # the same key still works (the key is printed before serving)
        out = again.output()
        assert "unigate listening on" in out
        assert "ug_" not in out and "admin key was created" not in out, out
        again.terminate()
    finally:
        again.stop()
    assert len(_ok(run_cli(["keys", "list"], fake_env)).strip().splitlines()) == 1
