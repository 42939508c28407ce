"""CRM records imported from a CSV (`uv run bot.py import-members`): attributes of people, keyed by the
organisation's own identifier (email, Discord or Slack id/username).

Records are store-wide (a CRM describes an organisation, not one chat community). Identifier columns stay in the
attributes (`discord`, `slack`, `console`, `email`), which is how records are matched to accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from core.ports import DataStore
from storage.engagement_schema import engagement_crm_records
from storage.engine import sql_store

crm = engagement_crm_records


@dataclass(frozen=True, slots=True)
class CrmRecord:
    key_kind: str
    key_value: str
    attributes: dict[str, str] = field(default_factory=dict)
    id: int = 0


class CrmRepo:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    async def upsert_many(self, records: Sequence[CrmRecord], at: datetime) -> tuple[int, int]:
        """Insert new records and replace the attributes of known keys, in one transaction.
        Returns (inserted, updated)."""
        inserted = updated = 0
        async with self.store.begin() as conn:
            existing: dict[tuple[str, str], int] = {}
            keys = sorted({r.key_value for r in records})
            for i in range(0, len(keys), 500):
                q = sa.select(crm.c.id, crm.c.key_kind, crm.c.key_value).where(crm.c.key_value.in_(keys[i:i + 500]))
                existing.update({(k, v): rid for rid, k, v in await conn.execute(q)})
            new = []
            for r in records:
                rid = existing.get((r.key_kind, r.key_value))
                if rid is None:
                    new.append({"key_kind": r.key_kind, "key_value": r.key_value, "attributes": r.attributes,
                                "imported_at": at})
                else:
                    await conn.execute(crm.update().where(crm.c.id == rid).values(attributes=r.attributes,
                                                                                   imported_at=at))
                    updated += 1
            if new:
                await conn.execute(crm.insert(), new)
                inserted = len(new)
        return inserted, updated

    async def all(self) -> list[CrmRecord]:
        async with self.store.read() as conn:
            return [CrmRecord(r.key_kind, r.key_value, dict(r.attributes or {}), r.id)
                    for r in await conn.execute(sa.select(crm).order_by(crm.c.id))]

    async def delete_ids(self, ids: Sequence[int]) -> int:
        if not ids:
            return 0
        async with self.store.begin() as conn:
            res = await conn.execute(crm.delete().where(crm.c.id.in_(list(ids))))
        return int(res.rowcount or 0)

    async def count(self) -> int:
        async with self.store.read() as conn:
            return int((await conn.execute(sa.select(sa.func.count()).select_from(crm))).scalar_one())
