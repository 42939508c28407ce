"""Per-community settings overrides made by moderators (`/config set`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from core.ports import DataStore
from storage.engine import sql_store
from storage.schema import settings_overrides


class OverrideRepo:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    async def all(self, community_id: int) -> dict[str, Any]:
        q = sa.select(settings_overrides.c.key, settings_overrides.c.value).where(
            settings_overrides.c.community_id == community_id
        )
        async with self.store.read() as conn:
            return {r.key: r.value for r in await conn.execute(q)}

    async def set_many(self, community_id: int, values: dict[str, Any], by: str) -> None:
        """Store several overrides in one transaction (replacing existing ones)."""
        now = datetime.now(UTC)
        async with self.store.begin() as conn:
            for key, value in values.items():
                await conn.execute(
                    settings_overrides.delete().where(
                        (settings_overrides.c.community_id == community_id) & (settings_overrides.c.key == key)
                    )
                )
                await conn.execute(
                    settings_overrides.insert().values(
                        community_id=community_id, key=key, value=value, updated_by=by, updated_at=now
                    )
                )

    async def delete(self, community_id: int, key: str) -> bool:
        async with self.store.begin() as conn:
            res = await conn.execute(
                settings_overrides.delete().where(
                    (settings_overrides.c.community_id == community_id) & (settings_overrides.c.key == key)
                )
            )
        return bool(res.rowcount)
