"""/setup drafts: the settings a moderator chose, kept between the summary and the "Switch on" button.

A draft is looked up by its id *and* the community it was made in, so a button can never apply one community's
draft to another. Drafts are short-lived; old ones are dropped whenever a new one is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from core.ports import DataStore
from storage.config_schema import config_drafts
from storage.engine import inserted_id, sql_store

DRAFT_TTL = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Draft:
    id: int
    community_id: int
    member_id: int | None
    values: dict[str, Any]
    created_at: datetime


class DraftRepo:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    async def save(self, community_id: int, member_id: int | None, values: dict[str, Any], at: datetime) -> int:
        async with self.store.begin() as conn:
            await conn.execute(config_drafts.delete().where(
                (config_drafts.c.community_id == community_id) & (config_drafts.c.created_at < at - DRAFT_TTL)))
            res = await conn.execute(config_drafts.insert().values(
                community_id=community_id, member_id=member_id or None, data=values, created_at=at))
            return inserted_id(res)

    async def get(self, community_id: int, draft_id: int) -> Draft | None:
        q = sa.select(config_drafts).where(
            (config_drafts.c.id == draft_id) & (config_drafts.c.community_id == community_id))
        async with self.store.read() as conn:
            r = (await conn.execute(q)).first()
        return Draft(r.id, r.community_id, r.member_id, dict(r.data), r.created_at) if r else None

    async def delete(self, community_id: int, draft_id: int) -> bool:
        async with self.store.begin() as conn:
            res = await conn.execute(config_drafts.delete().where(
                (config_drafts.c.id == draft_id) & (config_drafts.c.community_id == community_id)))
        return bool(res.rowcount)

    async def forget_member(self, community_id: int, member_id: int) -> None:
        async with self.store.begin() as conn:
            await conn.execute(config_drafts.delete().where(
                (config_drafts.c.community_id == community_id) & (config_drafts.c.member_id == member_id)))
