"""People across platforms: accounts joined into persons, one-time link codes, rejected merge suggestions,
opt-outs, and erasing an account.

A member row is an *account* (one platform identity in one community). Accounts that the person linked (or a
moderator confirmed) share a `person_id`; an unlinked account is its own person. Metrics count persons.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.engagement_schema import (
    engagement_link_codes,
    engagement_link_rejections,
    engagement_optouts,
    engagement_person_accounts,
    engagement_persons,
)
from storage.engine import Store
from storage.schema import communities, members

pa = engagement_person_accounts


@dataclass(frozen=True, slots=True)
class Account:
    member_id: int
    community_id: int
    platform: str
    user_id: str
    display_name: str
    username: str
    is_bot: bool
    is_staff: bool
    joined_at: datetime | None
    left_at: datetime | None
    first_seen_at: datetime | None
    person_id: int | None = None
    community_name: str = ""

    @property
    def person_key(self) -> str:
        """The person this account belongs to: `p<id>` when linked, else `m<member id>`."""
        return person_key(self.member_id, self.person_id)

    @property
    def present(self) -> bool:
        return self.left_at is None


def person_key(member_id: int, person_id: int | None) -> str:
    return f"p{person_id}" if person_id else f"m{member_id}"


def _accounts_query() -> sa.Select:
    return (
        sa.select(
            members.c.id.label("member_id"), members.c.community_id, members.c.platform, members.c.user_id,
            members.c.display_name, members.c.username, members.c.is_bot, members.c.is_staff,
            members.c.joined_at, members.c.left_at, members.c.first_seen_at, pa.c.person_id,
            communities.c.name.label("community_name"),
        )
        .select_from(members.outerjoin(pa, pa.c.member_id == members.c.id)
                     .join(communities, communities.c.id == members.c.community_id))
        .order_by(members.c.id)
    )


def _account(r: sa.Row) -> Account:
    return Account(**r._mapping)


class IdentityRepo:
    def __init__(self, store: Store) -> None:
        self.store = store

    # ------------------------------------------------------------------ accounts and persons
    async def accounts(
        self, community_ids: Iterable[int] | None = None, *, member_ids: Iterable[int] | None = None
    ) -> list[Account]:
        q = _accounts_query()
        if community_ids is not None:
            q = q.where(members.c.community_id.in_(sorted(set(community_ids))))
        if member_ids is not None:
            q = q.where(members.c.id.in_(sorted(set(member_ids))))
        async with self.store.read() as conn:
            return [_account(r) for r in await conn.execute(q)]

    async def account(self, member_id: int) -> Account | None:
        found = await self.accounts(member_ids=[member_id])
        return found[0] if found else None

    async def person_accounts(self, member_id: int) -> list[Account]:
        """Every account of the person this account belongs to (just itself when not linked)."""
        async with self.store.read() as conn:
            person = (await conn.execute(sa.select(pa.c.person_id).where(pa.c.member_id == member_id))).scalar()
            if person is None:
                rows = await conn.execute(_accounts_query().where(members.c.id == member_id))
            else:
                rows = await conn.execute(_accounts_query().where(pa.c.person_id == person))
            return [_account(r) for r in rows]

    async def link_map(self) -> dict[int, int]:
        """member id -> person id for every linked account."""
        async with self.store.read() as conn:
            return {m: p for m, p in await conn.execute(sa.select(pa.c.member_id, pa.c.person_id))}

    async def scope(self, community_id: int) -> list[int]:
        """This community plus every community joined to it through people who linked accounts there."""
        async with self.store.read() as conn:
            rows = (await conn.execute(
                sa.select(members.c.community_id, pa.c.person_id).join(pa, pa.c.member_id == members.c.id)
            )).all()
        by_person: dict[int, set[int]] = {}
        for c, p in rows:
            by_person.setdefault(p, set()).add(c)
        found = {community_id}
        changed = True
        while changed:
            changed = False
            for comms in by_person.values():
                if comms & found and not comms <= found:
                    found |= comms
                    changed = True
        return sorted(found)

    async def link(self, a: int, b: int, *, via: str, at: datetime) -> int:
        """Join two accounts (and everything already linked to either) into one person; returns its id."""
        if a == b:
            raise ValueError("cannot link an account to itself")
        async with self.store.begin() as conn:
            got = dict((await conn.execute(
                sa.select(pa.c.member_id, pa.c.person_id).where(pa.c.member_id.in_([a, b]))
            )).all())
            pa_, pb_ = got.get(a), got.get(b)
            if pa_ is not None and pa_ == pb_:
                return pa_
            if pa_ is None and pb_ is None:
                res = await conn.execute(engagement_persons.insert().values(created_at=at))
                person = int(res.inserted_primary_key[0])
                await conn.execute(pa.insert(), [
                    {"member_id": a, "person_id": person, "linked_at": at, "via": via},
                    {"member_id": b, "person_id": person, "linked_at": at, "via": via},
                ])
                return person
            if pb_ is None:
                assert pa_ is not None
                await conn.execute(pa.insert().values(member_id=b, person_id=pa_, linked_at=at, via=via))
                return pa_
            if pa_ is None:
                await conn.execute(pa.insert().values(member_id=a, person_id=pb_, linked_at=at, via=via))
                return pb_
            await conn.execute(pa.update().where(pa.c.person_id == pb_).values(person_id=pa_))
            await conn.execute(engagement_persons.delete().where(engagement_persons.c.id == pb_))
            return pa_

    async def unlink(self, member_id: int) -> bool:
        """Take this account out of its person; a person left with one account is dissolved."""
        async with self.store.begin() as conn:
            person = (await conn.execute(sa.select(pa.c.person_id).where(pa.c.member_id == member_id))).scalar()
            if person is None:
                return False
            await conn.execute(pa.delete().where(pa.c.member_id == member_id))
            await _dissolve_if_single(conn, person)
        return True

    # ------------------------------------------------------------------ one-time codes
    async def put_code(self, member_id: int, community_id: int, code_hash: str, expires_at: datetime) -> None:
        """Store a new code for the account, replacing any earlier one."""
        async with self.store.begin() as conn:
            await conn.execute(engagement_link_codes.delete().where(engagement_link_codes.c.member_id == member_id))
            await conn.execute(engagement_link_codes.insert().values(
                code_hash=code_hash, member_id=member_id, community_id=community_id, expires_at=expires_at))

    async def take_code(self, code_hash: str, now: datetime) -> tuple[int, int] | None:
        """Use a code once: returns (member id, community id), or None when unknown or expired."""
        c = engagement_link_codes
        async with self.store.begin() as conn:
            row = (await conn.execute(sa.select(c).where(c.c.code_hash == code_hash))).first()
            if row is None:
                return None
            await conn.execute(c.delete().where(c.c.code_hash == code_hash))
        if row.expires_at <= now:
            return None
        return int(row.member_id), int(row.community_id)

    async def purge_codes(self, now: datetime) -> int:
        async with self.store.begin() as conn:
            res = await conn.execute(engagement_link_codes.delete().where(engagement_link_codes.c.expires_at <= now))
        return int(res.rowcount or 0)

    # ------------------------------------------------------------------ merge suggestions
    async def reject(self, a: int, b: int, at: datetime) -> None:
        lo, hi = sorted((a, b))
        r = engagement_link_rejections
        async with self.store.begin() as conn:
            exists = (await conn.execute(
                sa.select(r.c.member_a).where(r.c.member_a == lo, r.c.member_b == hi))).first()
            if exists is None:
                await conn.execute(r.insert().values(member_a=lo, member_b=hi, at=at))

    async def look_alikes(self, community_id: int, limit: int = 200) -> list[tuple[int, int]]:
        """(account here, account elsewhere) pairs on different platforms with the same username or display
        name (case-insensitive), minus pairs already one person or rejected by a moderator. Matched by
        dictionary in Python: one pass over each side instead of a quadratic self-join."""
        cols = (members.c.id, members.c.community_id, members.c.platform, members.c.username,
                members.c.display_name)
        present = members.c.left_at.is_(None) & members.c.is_bot.is_(False)
        r = engagement_link_rejections
        async with self.store.read() as conn:
            here = (await conn.execute(sa.select(*cols).where(present, members.c.community_id == community_id)
                                       .order_by(members.c.id))).all()
            platforms = {row.platform for row in here}
            others = (await conn.execute(sa.select(*cols).where(present, members.c.community_id != community_id)
                                         .order_by(members.c.id))).all()
            rejected = {(int(a), int(b)) for a, b in await conn.execute(sa.select(r.c.member_a, r.c.member_b))}
        by_name: dict[str, list[sa.Row]] = {}
        for o in others:
            if o.platform in platforms and len(platforms) == 1:
                continue
            for key in {(o.username or "").lower(), (o.display_name or "").lower()}:
                if len(key) >= 3:
                    by_name.setdefault(key, []).append(o)
        links = await self.link_map()
        out: list[tuple[int, int]] = []
        for h in here:
            seen: set[int] = set()
            for key in {(h.username or "").lower(), (h.display_name or "").lower()}:
                for o in by_name.get(key, ()) if len(key) >= 3 else ():
                    if o.id in seen or o.platform == h.platform:
                        continue
                    seen.add(o.id)
                    if tuple(sorted((h.id, o.id))) in rejected:
                        continue
                    if links.get(h.id) is not None and links.get(h.id) == links.get(o.id):
                        continue
                    out.append((int(h.id), int(o.id)))
                    if len(out) >= limit:
                        return out
        return out

    # ------------------------------------------------------------------ opt-out
    async def set_optout(self, member_id: int, community_id: int, on: bool, at: datetime) -> bool:
        """Switch the opt-out; returns whether anything changed."""
        o = engagement_optouts
        async with self.store.begin() as conn:
            exists = (await conn.execute(sa.select(o.c.member_id).where(o.c.member_id == member_id))).first()
            if on and exists is None:
                await conn.execute(o.insert().values(member_id=member_id, community_id=community_id, at=at))
                return True
            if not on and exists is not None:
                await conn.execute(o.delete().where(o.c.member_id == member_id))
                return True
        return False

    async def optouts(self, community_id: int) -> set[int]:
        o = engagement_optouts
        async with self.store.read() as conn:
            return {int(m) for (m,) in await conn.execute(
                sa.select(o.c.member_id).where(o.c.community_id == community_id))}

    async def is_opted_out(self, member_id: int) -> bool:
        o = engagement_optouts
        async with self.store.read() as conn:
            return (await conn.execute(sa.select(o.c.member_id).where(o.c.member_id == member_id))).first() is not None

    # ------------------------------------------------------------------ erasure
    async def forget(self, member_id: int) -> None:
        """Remove the account from persons, codes, suggestions and opt-outs."""
        async with self.store.begin() as conn:
            person = (await conn.execute(sa.select(pa.c.person_id).where(pa.c.member_id == member_id))).scalar()
            await conn.execute(pa.delete().where(pa.c.member_id == member_id))
            if person is not None:
                await _dissolve_if_single(conn, person)
            await conn.execute(engagement_link_codes.delete().where(engagement_link_codes.c.member_id == member_id))
            r = engagement_link_rejections
            await conn.execute(r.delete().where((r.c.member_a == member_id) | (r.c.member_b == member_id)))
            await conn.execute(engagement_optouts.delete().where(engagement_optouts.c.member_id == member_id))

    async def erase_member(self, member_id: int, at: datetime) -> None:
        """Blank the account row: no platform id, no names, marked as gone.

        The row itself stays so that its id is never given to someone else (SQLite reuses the highest freed
        rowid) and rows of other features that still point at it point at nobody. A person who comes back gets
        a new account, since the platform id no longer matches."""
        async with self.store.begin() as conn:
            await conn.execute(members.update().where(members.c.id == member_id).values(
                user_id=f"forgotten-{member_id}", display_name="", username="", is_staff=False,
                left_at=sa.func.coalesce(members.c.left_at, at)))

async def _dissolve_if_single(conn: AsyncConnection, person: int) -> None:
    left = (await conn.execute(sa.select(pa.c.member_id).where(pa.c.person_id == person))).all()
    if len(left) <= 1:
        await conn.execute(pa.delete().where(pa.c.person_id == person))
        await conn.execute(engagement_persons.delete().where(engagement_persons.c.id == person))

