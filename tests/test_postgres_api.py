"""The API's database paths on PostgreSQL: the Universal AI API tests again, on a fresh database.

Skipped unless UNIGATE_TEST_POSTGRES_URL is set (scripts/pg-test-server prints one).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pgtest import fresh_database, requires_pg
from tests.test_api_universal import *  # noqa: F403  (re-run every API test on PostgreSQL)
from unigate.db.database import Database
from unigate.db.migrate import SchemaOutdated, current_revision, head_revision, upgrade_sync
from unigate.gateway import Gateway
from unigate.jobs.procrastinate_queue import apply_schema
from unigate.settings import Settings

pytestmark = requires_pg


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, pg_url: str) -> Settings:
    """conftest's settings on a migrated PostgreSQL database (what `unigate migrate` leaves): the
    gateway runs the Procrastinate backend in-process."""
    db = Database(pg_url)
    try:
        upgrade_sync(db)
        apply_schema(db)
    finally:
        db.engine.dispose()
    return Settings(
        data_dir=tmp_path / "data",
        database_url=pg_url,
        url_allow=["127.0.0.0/8"],
        job_lease_s=5.0,
        job_heartbeat_s=1.0,
    )


async def test_migrations_reach_head_and_are_idempotent(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        assert current_revision(db) is None
        assert upgrade_sync(db) is True
        assert current_revision(db) == head_revision()
        assert upgrade_sync(db) is False
    finally:
        await db.close()


async def test_server_refuses_an_outdated_schema(tmp_path: Path, pg_url: str) -> None:
    gw = Gateway(Settings(data_dir=tmp_path / "data", database_url=pg_url), run_workers=False)
    with pytest.raises(SchemaOutdated, match="unigate migrate"):
        await gw.start()
    await gw.aclose()
