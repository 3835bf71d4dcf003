"""Alembic environment: migrations run on a connection handed in by `unigate.db.migrate`."""

from __future__ import annotations

from alembic import context

from unigate.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `unigate migrate` or unigate.db.migrate.upgrade()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
