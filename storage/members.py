"""Members: one row per account in a community, kept in sync as people join, leave or rename.

Accounts seen for the first time are written together: when hundreds of people join, or run their first
command, at the same moment, their rows go into the store in one transaction per batch instead of one each
(a transaction each would keep every one of them, and every other writer, queueing for SQLite's one writer).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.refs import MemberRef
from storage.engine import Store
from storage.schema import members


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: int
    community_id: int
    platform: str
    user_id: str
    display_name: str
    username: str
    is_bot: bool
    is_staff: bool
    joined_at: datetime | None
    left_at: datetime | None
    first_seen_at: datetime

    @property
    def ref(self) -> MemberRef:
        return MemberRef(
            platform=self.platform,
            user_id=self.user_id,
            display_name=self.display_name,
            id=self.id,
            username=self.username,
            is_bot=self.is_bot,
        )

    @property
    def active(self) -> bool:
        return self.left_at is None


def _row(r: sa.Row) -> MemberRow:
    return MemberRow(**{k: getattr(r, k) for k in MemberRow.__dataclass_fields__})


NEW_BATCH = 500  # new accounts written per transaction


class _New(NamedTuple):
    """An account waiting to be written for the first time, and who waits for its row."""

    community_id: int
    ref: MemberRef
    joined_at: datetime | None
    done: asyncio.Future[MemberRow]


class MemberRepo:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._new: list[_New] = []
        self._writer: asyncio.Task[None] | None = None

    async def upsert(
        self, community_id: int, ref: MemberRef, *, joined_at: datetime | None = None
    ) -> MemberRow:
        """Record the account (or refresh its names); returns the stored row with its id."""
        where = (members.c.community_id == community_id) & (members.c.user_id == ref.user_id)
        async with self.store.read() as conn:
            row = (await conn.execute(sa.select(members).where(where))).first()
        if row is not None:
            changes: dict[str, object] = {}
            if ref.display_name and ref.display_name[:200] != row.display_name:
                changes["display_name"] = ref.display_name[:200]
            if ref.username and ref.username[:200] != row.username:
                changes["username"] = ref.username[:200]
            if joined_at is not None and (row.left_at is not None or row.joined_at is None):
                changes.update(joined_at=joined_at, left_at=None)
            if changes:
                async with self.store.begin() as conn:
                    await conn.execute(members.update().where(where).values(**changes))
                async with self.store.read() as conn:
                    row = (await conn.execute(sa.select(members).where(where))).one()
            return _row(row)
        return await self._first_sight(community_id, ref, joined_at)

    async def _first_sight(self, community_id: int, ref: MemberRef, joined_at: datetime | None) -> MemberRow:
        """Queue a new account for the next batch and wait for its row."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[MemberRow] = loop.create_future()
        self._new.append(_New(community_id, ref, joined_at, done))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_new(), name="members-first-sight")
        return await asyncio.shield(done)

    async def _write_new(self) -> None:
        """Write the queued new accounts, a batch per transaction, until none are left. Callers that arrive
        while a batch is being written make up the next one."""
        while self._new:
            batch, self._new = self._new[:NEW_BATCH], self._new[NEW_BATCH:]
            try:
                rows = await self._insert_many(batch)
            except Exception as exc:  # every waiter gets the store's error, as a write of its own would
                for item in batch:
                    if not item.done.done():
                        item.done.set_exception(exc)
                continue
            for item in batch:
                if not item.done.done():
                    item.done.set_result(rows[(item.community_id, item.ref.user_id)])

    async def _insert_many(self, batch: list[_New]) -> dict[tuple[int, str], MemberRow]:
        now = datetime.now(UTC)
        values: dict[tuple[int, str], dict[str, Any]] = {}
        for item in batch:  # the first sighting of an account wins, as separate inserts would have it
            values.setdefault((item.community_id, item.ref.user_id), {
                "community_id": item.community_id,
                "platform": item.ref.platform,
                "user_id": item.ref.user_id,
                "display_name": (item.ref.display_name or item.ref.username or item.ref.user_id)[:200],
                "username": item.ref.username[:200],
                "is_bot": item.ref.is_bot,
                "joined_at": item.joined_at,
                "first_seen_at": now,
            })
        insert = sqlite_insert if self.store.dialect == "sqlite" else pg_insert
        found: dict[tuple[int, str], MemberRow] = {}
        async with self.store.begin() as conn:
            await conn.execute(insert(members).on_conflict_do_nothing(
                index_elements=["community_id", "user_id"]), list(values.values()))
            for community_id in {c for c, _u in values}:
                user_ids = [u for c, u in values if c == community_id]
                for i in range(0, len(user_ids), 500):
                    q = sa.select(members).where((members.c.community_id == community_id)
                                                 & members.c.user_id.in_(user_ids[i:i + 500]))
                    found.update({(r.community_id, r.user_id): _row(r) for r in await conn.execute(q)})
            # A join whose account was created a moment earlier (by a command, say) still records the join.
            for item in batch:
                key = (item.community_id, item.ref.user_id)
                row = found[key]
                if item.joined_at is not None and (row.joined_at is None or row.left_at is not None):
                    where = (members.c.community_id == item.community_id) & (members.c.user_id == item.ref.user_id)
                    await conn.execute(members.update().where(where).values(joined_at=item.joined_at, left_at=None))
                    found[key] = _row((await conn.execute(sa.select(members).where(where))).one())
        return found

    async def get(self, member_id: int) -> MemberRow | None:
        async with self.store.read() as conn:
            row = (await conn.execute(sa.select(members).where(members.c.id == member_id))).first()
        return _row(row) if row else None

    async def by_user_id(self, community_id: int, user_id: str) -> MemberRow | None:
        where = (members.c.community_id == community_id) & (members.c.user_id == user_id)
        async with self.store.read() as conn:
            row = (await conn.execute(sa.select(members).where(where))).first()
        return _row(row) if row else None

    async def find(self, community_id: int, text: str) -> MemberRow | None:
        """A member by platform id, username or display name (case-insensitive), present members first."""
        text = text.strip().lstrip("@")
        if not text:
            return None
        found = await self.by_user_id(community_id, text)
        if found:
            return found
        low = text.lower()
        q = (
            sa.select(members)
            .where(members.c.community_id == community_id)
            .where(
                (sa.func.lower(members.c.username) == low) | (sa.func.lower(members.c.display_name) == low)
            )
            .order_by(members.c.left_at.is_not(None), members.c.id)
            .limit(1)
        )
        async with self.store.read() as conn:
            row = (await conn.execute(q)).first()
        return _row(row) if row else None

    async def list(self, community_id: int, *, present_only: bool = True, humans_only: bool = True) -> list[MemberRow]:
        q = sa.select(members).where(members.c.community_id == community_id).order_by(members.c.id)
        if present_only:
            q = q.where(members.c.left_at.is_(None))
        if humans_only:
            q = q.where(members.c.is_bot.is_(False))
        async with self.store.read() as conn:
            return [_row(r) for r in await conn.execute(q)]

    async def staff(self, community_id: int) -> list[MemberRow]:
        """Present members tagged as staff (`/stats staff`)."""
        q = (sa.select(members)
             .where((members.c.community_id == community_id) & members.c.is_staff.is_(True)
                    & members.c.left_at.is_(None))
             .order_by(members.c.id))
        async with self.store.read() as conn:
            return [_row(r) for r in await conn.execute(q)]

    async def count(self, community_id: int) -> int:
        q = (
            sa.select(sa.func.count())
            .select_from(members)
            .where(members.c.community_id == community_id, members.c.left_at.is_(None), members.c.is_bot.is_(False))
        )
        async with self.store.read() as conn:
            return int((await conn.execute(q)).scalar_one())

    async def mark_left(self, member_id: int, at: datetime | None = None) -> None:
        async with self.store.begin() as conn:
            await conn.execute(
                members.update().where(members.c.id == member_id).values(left_at=at or datetime.now(UTC))
            )

    async def set_staff(self, member_id: int, staff: bool) -> None:
        async with self.store.begin() as conn:
            await conn.execute(members.update().where(members.c.id == member_id).values(is_staff=staff))
