"""The audit trail of settings changes: who changed which key, when, from what to what (`/config history`).

Values are the effective ones before and after the change (config.toml default or override), so the history reads
the way moderators experienced it. Rows belong to one community and are only ever read for that community.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from core.ports import DataStore
from storage.config_schema import config_audit
from storage.engine import sql_store


@dataclass(frozen=True, slots=True)
class AuditChange:
    """One key's change, as recorded."""

    key: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    community_id: int
    key: str
    action: str
    old: Any
    new: Any
    member_id: int | None
    who: str
    at: datetime


def _row(r: sa.Row) -> AuditRow:
    return AuditRow(r.id, r.community_id, r.key, r.action, r.old_value, r.new_value, r.member_id, r.who, r.at)


class ConfigAuditRepo:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    async def record(self, community_id: int, changes: Sequence[AuditChange], *, action: str,
                     member_id: int | None, who: str, at: datetime) -> None:
        """Store several changes made together (one `/config import` or `/setup`) in one transaction."""
        if not changes:
            return
        rows = [
            {"community_id": community_id, "key": c.key[:100], "action": action[:16], "old_value": c.old,
             "new_value": c.new, "member_id": member_id or None, "who": who[:200], "at": at}
            for c in changes
        ]
        async with self.store.begin() as conn:
            await conn.execute(config_audit.insert(), rows)

    async def history(self, community_id: int, *, key: str | None = None, prefix: str | None = None,
                      limit: int = 20, before_id: int | None = None) -> list[AuditRow]:
        """Newest first; `key` picks one key, `prefix` a section (`matching.`)."""
        q = sa.select(config_audit).where(config_audit.c.community_id == community_id)
        if key is not None:
            q = q.where(config_audit.c.key == key)
        if prefix is not None:
            q = q.where(config_audit.c.key.startswith(prefix, autoescape=True))
        if before_id is not None:
            q = q.where(config_audit.c.id < before_id)
        q = q.order_by(config_audit.c.id.desc()).limit(max(1, min(limit, 500)))
        async with self.store.read() as conn:
            return [_row(r) for r in await conn.execute(q)]

    async def editors(self, community_id: int, limit: int = 20) -> list[int]:
        """Members who changed this community's settings, most recent first (each once)."""
        q = (sa.select(config_audit.c.member_id, sa.func.max(config_audit.c.id).label("last"))
             .where((config_audit.c.community_id == community_id) & config_audit.c.member_id.is_not(None))
             .group_by(config_audit.c.member_id).order_by(sa.desc("last")).limit(limit))
        async with self.store.read() as conn:
            return [int(r.member_id) for r in await conn.execute(q)]

    async def last_change(self, community_id: int, key: str) -> AuditRow | None:
        rows = await self.history(community_id, key=key, limit=1)
        return rows[0] if rows else None

    async def forget_member(self, community_id: int, member_id: int) -> int:
        """Keep the trail (moderators need it) but drop who made the changes."""
        async with self.store.begin() as conn:
            res = await conn.execute(
                config_audit.update()
                .where((config_audit.c.community_id == community_id) & (config_audit.c.member_id == member_id))
                .values(member_id=None, who="")
            )
        return int(res.rowcount or 0)
