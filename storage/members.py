"""Members: one row per account in a community, kept in sync as people join, leave or rename.

Upserts are answered in batches: when hundreds of people join, or run their first command, at the same moment,
their accounts are looked up with one query and the new or changed ones written in one transaction per batch
instead of one each (a transaction each would keep every one of them, and every other writer, queueing for
SQLite's one writer).
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, Self

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from core.ports import DataStore
from core.refs import MemberRef
from core.text import clean_line
from storage.engine import sql_store
from storage.schema import members
from storage.types import UTCDateTime


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One row of `members`: the one row type of that table (engagement's `Account` is this row with its person).
    Build it with `of`, from any result row that has the members columns."""

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

    @classmethod
    def of(cls, r: sa.Row) -> Self:
        """The row (or a subclass's) from a result row that has a column for every field."""
        return cls(**{k: getattr(r, k) for k in cls.__dataclass_fields__})



BATCH = 500  # accounts looked up (and written) together


class _Pending(NamedTuple):
    """An upsert waiting for the next batch, and the future its caller waits on."""

    community_id: int
    ref: MemberRef
    joined_at: datetime | None
    done: asyncio.Future[MemberRow]


def _changes(row: MemberRow, ref: MemberRef, joined_at: datetime | None) -> dict[str, Any]:
    """What the stored row lacks: a new display name or username, or a join after leaving (or never seen)."""
    changes: dict[str, Any] = {}
    display_name, username = clean_line(ref.display_name)[:200], clean_line(ref.username)[:200]
    if display_name and display_name != row.display_name:
        changes["display_name"] = display_name
    if username and username != row.username:
        changes["username"] = username
    if joined_at is not None and (row.left_at is not None or row.joined_at is None):
        changes.update(joined_at=joined_at, left_at=None)
    return changes


class MemberRepo:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)
        self._pending: list[_Pending] = []
        self._resolver: asyncio.Task[None] | None = None

    async def upsert(
        self, community_id: int, ref: MemberRef, *, joined_at: datetime | None = None
    ) -> MemberRow:
        """Record the account (or refresh its names, or its return after leaving); returns the stored row.

        Calls that arrive together are answered together: one read for all of them, and one transaction for
        those whose row is missing or out of date."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[MemberRow] = loop.create_future()
        self._pending.append(_Pending(community_id, ref, joined_at, done))
        if self._resolver is None or self._resolver.done():
            self._resolver = loop.create_task(self._resolve_pending(), name="members-upsert")
        return await asyncio.shield(done)

    async def _resolve_pending(self) -> None:
        """Resolve the waiting calls a batch at a time until none are left; calls that arrive while a batch is
        in the store make up the next one."""
        while self._pending:
            batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
            try:
                rows = await self._upsert_many(batch)
            except Exception as exc:  # every caller gets the store's error, as a call of its own would
                for item in batch:
                    if not item.done.done():
                        item.done.set_exception(exc)
                continue
            for item in batch:
                if not item.done.done():
                    item.done.set_result(rows[(item.community_id, item.ref.user_id)])

    async def _select(self, conn: AsyncConnection, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], MemberRow]:
        by_community: dict[int, list[str]] = {}
        for community_id, user_id in keys:
            by_community.setdefault(community_id, []).append(user_id)
        found: dict[tuple[int, str], MemberRow] = {}
        for community_id, user_ids in by_community.items():
            for i in range(0, len(user_ids), BATCH):
                q = sa.select(members).where((members.c.community_id == community_id)
                                             & members.c.user_id.in_(user_ids[i:i + BATCH]))
                found.update({(r.community_id, r.user_id): MemberRow.of(r) for r in await conn.execute(q)})
        return found

    async def _upsert_many(self, batch: list[_Pending]) -> dict[tuple[int, str], MemberRow]:
        keys = list(dict.fromkeys((item.community_id, item.ref.user_id) for item in batch))
        async with self.store.read() as conn:
            found = await self._select(conn, keys)
        if all(k in found and not _changes(found[k], item.ref, item.joined_at)
               for item in batch for k in [(item.community_id, item.ref.user_id)]):
            return found  # the common case: every account is known and up to date, nothing to write
        now = datetime.now(UTC)
        new: dict[tuple[int, str], dict[str, Any]] = {}
        for item in batch:  # the first sighting of an account wins, as separate inserts would have it
            key = (item.community_id, item.ref.user_id)
            if key not in found and key not in new:
                new[key] = {
                    "community_id": item.community_id,
                    "platform": item.ref.platform,
                    "user_id": item.ref.user_id,
                    "display_name": (clean_line(item.ref.display_name) or clean_line(item.ref.username)
                                     or item.ref.user_id)[:200],
                    "username": clean_line(item.ref.username)[:200],
                    "is_bot": item.ref.is_bot,
                    "joined_at": item.joined_at,
                    "first_seen_at": now,
                }
        insert = sqlite_insert if self.store.dialect == "sqlite" else pg_insert
        async with self.store.begin() as conn:
            if new:
                # in key order, so two processes inserting overlapping newcomers never wait on each other in a cycle
                await conn.execute(insert(members).on_conflict_do_nothing(
                    index_elements=["community_id", "user_id"]), [new[k] for k in sorted(new)])
                found.update(await self._select(conn, new))
            for item in batch:  # in arrival order: a rename or a return seen by a later call wins
                key = (item.community_id, item.ref.user_id)
                changes = _changes(found[key], item.ref, item.joined_at)
                if changes:
                    where = (members.c.community_id == item.community_id) & (members.c.user_id == item.ref.user_id)
                    await conn.execute(members.update().where(where).values(**changes))
                    found[key] = MemberRow.of((await conn.execute(sa.select(members).where(where))).one())
        return found

    async def get(self, member_id: int) -> MemberRow | None:
        async with self.store.read() as conn:
            row = (await conn.execute(sa.select(members).where(members.c.id == member_id))).first()
        return MemberRow.of(row) if row else None

    async def by_user_id(self, community_id: int, user_id: str) -> MemberRow | None:
        where = (members.c.community_id == community_id) & (members.c.user_id == user_id)
        async with self.store.read() as conn:
            row = (await conn.execute(sa.select(members).where(where))).first()
        return MemberRow.of(row) if row else None

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
        return MemberRow.of(row) if row else None

    async def list(self, community_id: int, *, present_only: bool = True, humans_only: bool = True) -> list[MemberRow]:
        q = sa.select(members).where(members.c.community_id == community_id).order_by(members.c.id)
        if present_only:
            q = q.where(members.c.left_at.is_(None))
        if humans_only:
            q = q.where(members.c.is_bot.is_(False))
        async with self.store.read() as conn:
            return [MemberRow.of(r) for r in await conn.execute(q)]

    async def staff(self, community_id: int) -> builtins.list[MemberRow]:  # `list` here is the method above
        """Present members tagged as staff (`/stats staff`)."""
        q = (sa.select(members)
             .where((members.c.community_id == community_id) & members.c.is_staff.is_(True)
                    & members.c.left_at.is_(None))
             .order_by(members.c.id))
        async with self.store.read() as conn:
            return [MemberRow.of(r) for r in await conn.execute(q)]

    async def count(self, community_id: int) -> int:
        q = (
            sa.select(sa.func.count())
            .select_from(members)
            .where(members.c.community_id == community_id, members.c.left_at.is_(None), members.c.is_bot.is_(False))
        )
        async with self.store.read() as conn:
            return int((await conn.execute(q)).scalar_one())

    async def mark_left(self, member_id: int, at: datetime | None = None) -> None:
        """The member left (or was deactivated). A second word of the same departure keeps the first time; a
        join (``upsert`` with ``joined_at``) clears it again."""
        async with self.store.begin() as conn:
            await conn.execute(
                members.update().where(members.c.id == member_id)
                .values(left_at=sa.func.coalesce(members.c.left_at, sa.literal(at or datetime.now(UTC), UTCDateTime)))
            )

    async def departed(self, community_id: int) -> set[int]:
        """Ids of the community's members who left and have not come back."""
        q = sa.select(members.c.id).where(members.c.community_id == community_id, members.c.left_at.is_not(None))
        async with self.store.read() as conn:
            return {r.id for r in await conn.execute(q)}

    async def set_staff(self, member_id: int, staff: bool) -> None:
        async with self.store.begin() as conn:
            await conn.execute(members.update().where(members.c.id == member_id).values(is_staff=staff))
