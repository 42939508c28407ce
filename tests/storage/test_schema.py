"""The schema is whole: Alembic sees every table, and the migrations at head build exactly the tables defined."""

from __future__ import annotations

from typing import Any

from storage.engine import open_store, schema_drift
from storage.schema import all_tables, table_modules


def test_every_table_module_is_found() -> None:
    modules = table_modules()
    assert "storage.matching_schema" in modules and "storage.engagement_schema" in modules
    tables = set(all_tables().tables)
    assert {"communities", "members", "matching_intros", "engagement_events", "welcome_steps", "deliveries",
            "seen_events", "config_audit"} <= tables


async def test_migrations_at_head_match_every_table(store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    store = await open_store(url, connect_args=connect_args)
    try:
        async with store.engine.connect() as conn:
            diff = await conn.run_sync(schema_drift)
    finally:
        await store.close()
    assert diff == []
