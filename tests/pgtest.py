"""PostgreSQL for the tests: a fresh database per test on the server named by UNIGATE_TEST_POSTGRES_URL.

Start one with `scripts/pg-test-server` (it prints the URL). Without the variable, the PostgreSQL
tests skip, so the suite still runs on a machine without PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, make_url, text

from unigate.db.database import sync_url

PG_URL = os.environ.get("UNIGATE_TEST_POSTGRES_URL", "").strip()
requires_pg = pytest.mark.skipif(not PG_URL, reason="UNIGATE_TEST_POSTGRES_URL is not set")


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database (dropped afterwards); yields its SQLAlchemy URL."""
    if not PG_URL:
        pytest.skip("UNIGATE_TEST_POSTGRES_URL is not set")
    base = make_url(sync_url(PG_URL))
    name = f"ut_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
