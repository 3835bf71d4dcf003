"""Migrations: a database made by an older release is brought to head at start, data kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from unigate.db.database import Database
from unigate.db.migrate import _config, current_revision, head_revision, upgrade


async def test_upgrade_from_the_first_revision_keeps_data(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "old.db"
    db = Database(f"sqlite:///{path}")
    db.run_sync(lambda conn: command.upgrade(_config(conn), "0001"))
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO api_keys VALUES ('k', 'old', 'ug_x', 'h', 0, 1.0, NULL)")
    raw.commit()
    raw.close()
    assert current_revision(db) == "0001"
    assert await upgrade(db) is True
    assert current_revision(db) == head_revision()
    assert await upgrade(db) is False  # idempotent
    raw = sqlite3.connect(path)
    cols = {row[1] for row in raw.execute("PRAGMA table_info(files)")}
    assert "duration_s" in cols
    assert raw.execute("SELECT name FROM api_keys").fetchall() == [("old",)]
    raw.close()
    await db.close()
