"""A moderator's "same person" as a request to both account owners: nothing is linked before both confirm.

Each request names two accounts (stored in id order, so that one pair has at most one open request), the
community where a moderator asked, and when each owner confirmed. It is open until both confirmed (linked), one
declined, it expired, or the communities stopped being one linked group (cancelled). Every change of status is
one guarded UPDATE, so that two presses at the same moment (two bot processes on one PostgreSQL) decide once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from core.ports import DataStore
from storage.engagement_schema import engagement_link_requests
from storage.engine import inserted_id, sql_store

r = engagement_link_requests


@dataclass(frozen=True, slots=True)
class LinkRequest:
    id: int
    member_a: int
    member_b: int
    community_id: int
    requested_by: int | None
    status: str
    a_confirmed_at: datetime | None
    b_confirmed_at: datetime | None
    created_at: datetime
    expires_at: datetime

    def confirmed(self, member_id: int) -> bool:
        return (self.a_confirmed_at if member_id == self.member_a else self.b_confirmed_at) is not None

    @property
    def both_confirmed(self) -> bool:
        return self.a_confirmed_at is not None and self.b_confirmed_at is not None

    def other(self, member_id: int) -> int:
        return self.member_b if member_id == self.member_a else self.member_a


class LinkRequestRepo:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    async def create(self, a: int, b: int, community_id: int, by: int | None, at: datetime,
                     expires_at: datetime) -> int | None:
        """A new open request for the pair; None when one is open already (requests past their time are marked
        expired first, so that they do not block a new one)."""
        lo, hi = sorted((a, b))
        try:
            async with self.store.begin() as conn:
                await conn.execute(r.update().where(r.c.member_a == lo, r.c.member_b == hi, r.c.status == "open",
                                                    r.c.expires_at <= at).values(status="expired"))
                res = await conn.execute(r.insert().values(
                    member_a=lo, member_b=hi, community_id=community_id, requested_by=by, status="open",
                    created_at=at, expires_at=expires_at))
                return inserted_id(res)
        except sa.exc.IntegrityError:
            return None

    async def get(self, request_id: int) -> LinkRequest | None:
        async with self.store.read() as conn:
            row = (await conn.execute(sa.select(r).where(r.c.id == request_id))).first()
        return LinkRequest(**row._mapping) if row is not None else None

    async def confirm(self, request_id: int, member_id: int, at: datetime) -> LinkRequest | None:
        """Note this owner's confirmation while the request is open and in time; returns the request as it is
        afterwards (None when it does not exist)."""
        req = await self.get(request_id)
        if req is None or member_id not in (req.member_a, req.member_b):
            return req
        column = r.c.a_confirmed_at if member_id == req.member_a else r.c.b_confirmed_at
        async with self.store.begin() as conn:
            await conn.execute(r.update().where(r.c.id == request_id, r.c.status == "open", r.c.expires_at > at,
                                                column.is_(None)).values({column.key: at}))
        return await self.get(request_id)

    async def finish(self, request_id: int, status: str, *, now: datetime | None = None) -> bool:
        """Move an open request to `status`; True only for the one caller whose update changed it (with `now`,
        only while it is in time)."""
        q = r.update().where(r.c.id == request_id, r.c.status == "open")
        if now is not None:
            q = q.where(r.c.expires_at > now)
        async with self.store.begin() as conn:
            res = await conn.execute(q.values(status=status))
        return bool(res.rowcount)

    async def expire(self, now: datetime) -> int:
        """Mark open requests past their time as expired (daily, with the other purges)."""
        async with self.store.begin() as conn:
            res = await conn.execute(r.update().where(r.c.status == "open", r.c.expires_at <= now)
                                     .values(status="expired"))
        return int(res.rowcount or 0)
