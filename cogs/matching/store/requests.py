"""Intro requests and blocks: one person asks to be introduced to another, who accepts or declines; a block keeps
two people apart in rounds and requests alike (and cancels what is open between them).

The store's partial unique key (one open request per pair, matching_0002) makes a double press one request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cogs.matching.tables import matching_blocks, matching_requests
from core.ports import DataStore
from storage.engine import inserted_id, sql_store

_B = matching_blocks.c
_Q = matching_requests.c


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: int
    community_id: int
    requester_id: int
    target_id: int
    status: str
    reason: list[Any]
    created_at: datetime
    decided_at: datetime | None
    intro_id: int | None


def _request(r: sa.Row) -> RequestRow:
    return RequestRow(r.id, r.community_id, r.requester_id, r.target_id, r.status, list(r.reason or []),
                      r.created_at, r.decided_at, r.intro_id)


class RequestRepo:
    """Blocks and intro requests (usable alone; `cogs.matching.store.repo.MatchingRepo` includes it)."""

    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    # ------------------------------------------------------------------ blocks
    async def block(self, community_id: int, member_id: int, blocked_id: int, now: datetime) -> bool:
        try:
            async with self.store.begin() as conn:
                await conn.execute(matching_blocks.insert().values(
                    community_id=community_id, member_id=member_id, blocked_id=blocked_id, created_at=now))
                await conn.execute(matching_requests.update().where(
                    _Q.community_id == community_id, _Q.status == "open",
                    ((_Q.requester_id == member_id) & (_Q.target_id == blocked_id))
                    | ((_Q.requester_id == blocked_id) & (_Q.target_id == member_id)),
                ).values(status="cancelled", decided_at=now))
        except sa.exc.IntegrityError:
            return False
        return True

    async def blocks(self, community_id: int) -> list[tuple[int, int]]:
        q = sa.select(_B.member_id, _B.blocked_id).where(_B.community_id == community_id)
        async with self.store.read() as conn:
            return [(r.member_id, r.blocked_id) for r in await conn.execute(q)]

    # ------------------------------------------------------------------ intro requests
    async def sent_since(self, community_id: int, requester_id: int, since: datetime) -> int:
        q = sa.select(sa.func.count()).select_from(matching_requests).where(
            _Q.community_id == community_id, _Q.requester_id == requester_id, _Q.created_at >= since,
            _Q.status.not_in(("failed", "cancelled")))
        async with self.store.read() as conn:
            return int((await conn.execute(q)).scalar_one())

    async def open_counts(self, community_id: int, since: datetime) -> dict[int, int]:
        """Open (undecided, not expired) requests each member has received."""
        q = (sa.select(_Q.target_id, sa.func.count().label("n")).where(
            _Q.community_id == community_id, _Q.status == "open", _Q.created_at >= since).group_by(_Q.target_id))
        async with self.store.read() as conn:
            return {r.target_id: int(r.n) for r in await conn.execute(q)}

    async def declined_by(self, community_id: int, requester_id: int, since: datetime) -> set[int]:
        """Members who declined a request of `requester_id` decided since `since`."""
        q = sa.select(_Q.target_id).where(
            _Q.community_id == community_id, _Q.requester_id == requester_id, _Q.status == "declined",
            _Q.decided_at >= since).distinct()
        async with self.store.read() as conn:
            return {r.target_id for r in await conn.execute(q)}

    async def open_requests_for(self, community_id: int, target_id: int, since: datetime,
                                limit: int = 3) -> list[RequestRow]:
        """The oldest open requests a member has received and not answered yet (not expired)."""
        q = (sa.select(matching_requests).where(
            _Q.community_id == community_id, _Q.target_id == target_id, _Q.status == "open",
            _Q.created_at >= since).order_by(_Q.created_at, _Q.id).limit(limit))
        async with self.store.read() as conn:
            return [_request(r) for r in await conn.execute(q)]

    async def open_request_between(self, community_id: int, requester_id: int, target_id: int,
                                   since: datetime) -> RequestRow | None:
        q = sa.select(matching_requests).where(
            _Q.community_id == community_id, _Q.requester_id == requester_id, _Q.target_id == target_id,
            _Q.status == "open", _Q.created_at >= since)
        async with self.store.read() as conn:
            row = (await conn.execute(q)).first()
        return _request(row) if row else None

    async def create_request(self, community_id: int, requester_id: int, target_id: int, reason: list[Any],
                             now: datetime, since: datetime | None = None) -> int | None:
        """A new open request; None when one between the two is open already (the store's unique key makes
        this race-free: two presses at once make one request). Open requests older than `since` have expired
        and are marked so first."""
        pair = (_Q.community_id == community_id) & (_Q.requester_id == requester_id) & (_Q.target_id == target_id)
        try:
            async with self.store.begin() as conn:
                if since is not None:
                    await conn.execute(matching_requests.update().where(
                        pair, _Q.status == "open", _Q.created_at < since).values(status="expired", decided_at=now))
                r = await conn.execute(matching_requests.insert().values(
                    community_id=community_id, requester_id=requester_id, target_id=target_id, status="open",
                    reason=reason, created_at=now))
        except sa.exc.IntegrityError:
            return None
        return inserted_id(r)

    async def request(self, request_id: int) -> RequestRow | None:
        async with self.store.read() as conn:
            row = (await conn.execute(sa.select(matching_requests).where(_Q.id == request_id))).first()
        return _request(row) if row else None

    async def decide_request(self, request_id: int, status: str, now: datetime, *, since: datetime | None = None,
                             intro_id: int | None = None) -> bool:
        """Move an open request to `status` (once: a second press finds it decided). Requests older than
        `since` have expired and cannot be decided any more."""
        q = matching_requests.update().where(_Q.id == request_id, _Q.status == "open")
        if since is not None:
            q = q.where(_Q.created_at >= since)
        async with self.store.begin() as conn:
            res = await conn.execute(q.values(status=status, decided_at=now, intro_id=intro_id))
        return res.rowcount > 0

    async def attach_intro(self, request_id: int, intro_id: int) -> None:
        async with self.store.begin() as conn:
            await conn.execute(matching_requests.update().where(_Q.id == request_id).values(intro_id=intro_id))
