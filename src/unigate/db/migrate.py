"""Apply Alembic migrations at start (and from `unigate migrate`).

Alembic is imported only when the schema is behind: a server whose database is current starts
without paying for it.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from unigate.db.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision, read from the migration files (each declares `down_revision`)."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text()
        rev = re.search(r'^revision = "([^"]+)"', source, re.M)
        down = re.search(r'^down_revision = (None|"([^"]+)")', source, re.M)
        if rev and down:
            revisions[rev.group(1)] = down.group(2)
    parents = {d for d in revisions.values() if d}
    heads = [r for r in revisions if r not in parents]
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {heads}")
    return heads[0]


def _current(connection: Connection) -> str | None:
    # Look before reading: on PostgreSQL a failed SELECT would abort the enclosing transaction.
    if not inspect(connection).has_table("alembic_version"):  # a new database
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return _current(conn)


class SchemaOutdated(RuntimeError):
    """The database schema is behind this release (distributed mode: run `unigate migrate`)."""


# Any constant: serialises `unigate migrate` runs started at once on several machines.
_PG_MIGRATION_LOCK = 0x756E6967


def upgrade_sync(db: Database) -> bool:
    """Bring the schema to head; returns True when something was applied."""
    if current_revision(db) == head_revision():
        return False

    def run(connection: Connection) -> bool:
        from alembic import command

        if db.is_postgres:
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            if _current(connection) == head_revision():  # another process migrated meanwhile
                return False
        command.upgrade(_config(connection), "head")
        return True

    return db.run_sync(run)


def check_current(db: Database) -> None:
    """Raise SchemaOutdated unless the schema is exactly at this release's head."""
    current, head = current_revision(db), head_revision()
    if current != head:
        raise SchemaOutdated(
            f"database schema is at revision {current or '(empty)'}, this release needs {head}: "
            "run `unigate migrate` (with the same UNIGATE_DATABASE_URL) before starting servers and workers"
        )


async def upgrade(db: Database) -> bool:
    return await asyncio.to_thread(upgrade_sync, db)
