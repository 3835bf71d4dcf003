"""Apply Alembic migrations at start (and from `unigate migrate`).

Alembic is imported only when the schema is behind: a server whose database is current starts
without paying for it.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
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
    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # no alembic_version table yet: a new database
        connection.rollback()
        return None


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return _current(conn)


def upgrade_sync(db: Database) -> bool:
    """Bring the schema to head; returns True when something was applied."""
    if current_revision(db) == head_revision():
        return False

    def run(connection: Connection) -> bool:
        from alembic import command

        command.upgrade(_config(connection), "head")
        return True

    return db.run_sync(run)


async def upgrade(db: Database) -> bool:
    return await asyncio.to_thread(upgrade_sync, db)
