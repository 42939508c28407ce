"""Alembic environment: migrations run on the connection Kindred hands over (see storage.engine).

`target_metadata` is every table of every feature (`storage.schema.all_tables`), so autogenerate compares the
whole schema whichever repositories happen to be imported."""

from __future__ import annotations

from alembic import context

from storage.engine import COMPARE_OPTIONS
from storage.schema import all_tables

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - Kindred always passes its own connection
    raise RuntimeError("run migrations through `uv run bot.py migrate`")

context.configure(connection=connection, target_metadata=all_tables(), render_as_batch=True, **COMPARE_OPTIONS)
with context.begin_transaction():
    context.run_migrations()
