"""Apply Alembic migrations at start (and from `unigate migrate`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from unigate.db.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as conn:
        return await conn.run_sync(_current)


async def upgrade(db: Database) -> bool:
    """Bring the schema to head; returns True when something was applied."""
    head = head_revision()

    def run(connection: Connection) -> bool:
        if _current(connection) == head:
            return False
        command.upgrade(_config(connection), "head")
        return True

    async with db.engine.begin() as conn:
        return await conn.run_sync(run)
