"""Members: one row per account in a community, kept in sync as people join, leave or rename."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from core.refs import MemberRef
from core.text import clean_line
from storage.engine import Store
from storage.schema import members
from storage.types import UTCDateTime


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


class MemberRepo:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def upsert(
        self, community_id: int, ref: MemberRef, *, joined_at: datetime | None = None
    ) -> MemberRow:
        """Record the account (or refresh its names); returns the stored row with its id."""
        where = (members.c.community_id == community_id) & (members.c.user_id == ref.user_id)
        now = datetime.now(UTC)
        display_name, username = clean_line(ref.display_name)[:200], clean_line(ref.username)[:200]
        async with self.store.read() as conn:
            row = (await conn.execute(sa.select(members).where(where))).first()
        if row is not None:
            changes: dict[str, object] = {}
            if display_name and display_name != row.display_name:
                changes["display_name"] = display_name
            if username and username != row.username:
                changes["username"] = username
            if joined_at is not None and (row.left_at is not None or row.joined_at is None):
                changes.update(joined_at=joined_at, left_at=None)
            if changes:
                async with self.store.begin() as conn:
                    await conn.execute(members.update().where(where).values(**changes))
                async with self.store.read() as conn:
                    row = (await conn.execute(sa.select(members).where(where))).one()
            return _row(row)
        try:
            async with self.store.begin() as conn:
                await conn.execute(
                    members.insert().values(
                        community_id=community_id,
                        platform=ref.platform,
                        user_id=ref.user_id,
                        display_name=(display_name or username or ref.user_id)[:200],
                        username=username,
                        is_bot=ref.is_bot,
                        joined_at=joined_at,
                        first_seen_at=now,
                    )
                )
        except sa.exc.IntegrityError:
            pass  # created concurrently
        async with self.store.read() as conn:
            return _row((await conn.execute(sa.select(members).where(where))).one())

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
