"""Alembic environment: migrations run on the connection Kindred hands over (see storage.engine)."""

from __future__ import annotations

from alembic import context

from storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - Kindred always passes its own connection
    raise RuntimeError("run migrations through `uv run bot.py migrate`")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
