"""People across platforms: accounts joined into persons, one-time link codes, rejected merge suggestions,
opt-outs, and erasing an account.

A member row is an *account* (one platform identity in one community). Accounts that the person linked themselves
(with a code, or by confirming a moderator's suggestion from each account) share a `person_id`; an unlinked
account is its own person. Metrics count persons, but only inside one linked group of communities (see
storage/engagement_groups.py): a link counts while both accounts' communities are in one group, and nothing is
suggested or linked across communities that are not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from core.ports import DataStore
from storage.engagement_schema import (
    engagement_group_codes,
    engagement_group_communities,
    engagement_group_log,
    engagement_link_codes,
    engagement_link_rejections,
    engagement_link_requests,
    engagement_optouts,
    engagement_person_accounts,
    engagement_persons,
)
from storage.engine import inserted_id, sql_store
from storage.members import MemberRow
from storage.schema import communities, members

pa = engagement_person_accounts
gc = engagement_group_communities


class LinkRefused(Exception):
    """Two accounts cannot be linked: `reason` is "same_account", "same_community" (also: the person would have two
    accounts in one community) or "not_joined" (their communities are not in one linked group)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Account(MemberRow):
    """A member row seen as one account of a person: the `members` row (fields of `MemberRow`, defined there
    only), the person it is linked to (None: its own person) and its community's name."""

    person_id: int | None = None
    community_name: str = ""

    @property
    def member_id(self) -> int:
        return self.id

    @property
    def person_key(self) -> str:
        """The person this account belongs to: `p<id>` when linked, else `m<member id>`."""
        return person_key(self.id, self.person_id)

    @property
    def present(self) -> bool:
        return self.active


def person_key(member_id: int, person_id: int | None) -> str:
    return f"p{person_id}" if person_id else f"m{member_id}"


def _accounts_query() -> sa.Select:
    return (
        sa.select(members, pa.c.person_id, communities.c.name.label("community_name"))
        .select_from(members.outerjoin(pa, pa.c.member_id == members.c.id)
                     .join(communities, communities.c.id == members.c.community_id))
        .order_by(members.c.id)
    )


class IdentityRepo:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

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
            return [Account.of(r) for r in await conn.execute(q)]

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
            return [Account.of(r) for r in rows]

    async def link_map(self) -> dict[int, int]:
        """member id -> person id for every linked account."""
        async with self.store.read() as conn:
            return {m: p for m, p in await conn.execute(sa.select(pa.c.member_id, pa.c.person_id))}

    async def scope(self, community_id: int) -> list[int]:
        """This community plus the communities in its linked group: where its people are counted once."""
        async with self.store.read() as conn:
            return await group_scope(conn, community_id)

    async def honoured_links(self, community_ids: Iterable[int] | None = None) -> dict[int, int]:
        """member id -> person id for the linked accounts (of these communities) that count as one person: the
        account's community is in a linked group and another account of the person is in the same group."""
        other = pa.alias("other")
        gm, go = gc.alias("gm"), gc.alias("go")
        mo = members.alias("mo")
        q = (sa.select(pa.c.member_id, pa.c.person_id).distinct()
             .join(members, members.c.id == pa.c.member_id)
             .join(gm, gm.c.community_id == members.c.community_id)
             .join(other, (other.c.person_id == pa.c.person_id) & (other.c.member_id != pa.c.member_id))
             .join(mo, mo.c.id == other.c.member_id)
             .join(go, (go.c.community_id == mo.c.community_id) & (go.c.group_id == gm.c.group_id)))
        if community_ids is not None:
            q = q.where(members.c.community_id.in_(sorted(set(community_ids))))
        async with self.store.read() as conn:
            return {int(m): int(p) for m, p in await conn.execute(q)}

    async def counted_accounts(self, member_id: int) -> list[Account]:
        """The accounts of this person that count together with this one: those in its linked group."""
        own = await self.account(member_id)
        if own is None:
            return []
        if own.person_id is None:
            return [own]
        async with self.store.read() as conn:
            scope = await group_scope(conn, own.community_id)
            rows = await conn.execute(_accounts_query().where(pa.c.person_id == own.person_id,
                                                              members.c.community_id.in_(scope)))
            return [Account.of(r) for r in rows]

    async def link(self, a: int, b: int, *, via: str, at: datetime) -> int:
        """Join two accounts (and everything already linked to either) into one person; returns its id.

        Only accounts in two different communities of one linked group are linked, and a person never gets two
        accounts in one community; anything else raises LinkRefused and changes nothing."""
        if a == b:
            raise LinkRefused("same_account")
        async with self.store.begin() as conn:
            places = dict((await conn.execute(
                sa.select(members.c.id, members.c.community_id).where(members.c.id.in_([a, b])))).all())
            if len(places) != 2:
                raise LinkRefused("same_account")
            if places[a] == places[b]:
                raise LinkRefused("same_community")
            if places[b] not in await group_scope(conn, places[a]):
                raise LinkRefused("not_joined")
            got = dict((await conn.execute(
                sa.select(pa.c.member_id, pa.c.person_id).where(pa.c.member_id.in_([a, b]))
            )).all())
            pa_, pb_ = got.get(a), got.get(b)
            if pa_ is not None and pa_ == pb_:
                return pa_
            persons = [p for p in (pa_, pb_) if p is not None]
            accounts = (await conn.execute(
                sa.select(members.c.id, members.c.community_id).join(pa, pa.c.member_id == members.c.id)
                .where(pa.c.person_id.in_(persons)))).all() if persons else []
            together = {int(m): int(c) for m, c in accounts} | {a: places[a], b: places[b]}
            if len(set(together.values())) != len(together):
                raise LinkRefused("same_community")
            if pa_ is None and pb_ is None:
                res = await conn.execute(engagement_persons.insert().values(created_at=at))
                person = inserted_id(res)
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
            await dissolve_single_persons(conn, [person])
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
            res = await conn.execute(c.delete().where(c.c.code_hash == code_hash))
        if not res.rowcount or row.expires_at <= now:  # used by a second confirmation at the same moment
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
        """(account here, account elsewhere in this community's linked group) pairs on different platforms with
        the same username or display name (case-insensitive), minus pairs already one person, rejected by a
        moderator or waiting for their owners' confirmation. Nothing when the community is in no group. Matched
        by dictionary in Python: one pass over each side instead of a quadratic self-join."""
        cols = (members.c.id, members.c.community_id, members.c.platform, members.c.username,
                members.c.display_name)
        present = members.c.left_at.is_(None) & members.c.is_bot.is_(False)
        r = engagement_link_rejections
        q = engagement_link_requests
        async with self.store.read() as conn:
            scope = [c for c in await group_scope(conn, community_id) if c != community_id]
            if not scope:
                return []
            here = (await conn.execute(sa.select(*cols).where(present, members.c.community_id == community_id)
                                       .order_by(members.c.id))).all()
            others = (await conn.execute(sa.select(*cols).where(present, members.c.community_id.in_(scope))
                                         .order_by(members.c.id))).all()
            rejected = {(int(a), int(b)) for a, b in await conn.execute(sa.select(r.c.member_a, r.c.member_b))}
            rejected |= {(int(a), int(b)) for a, b in await conn.execute(
                sa.select(q.c.member_a, q.c.member_b).where(q.c.status == "open"))}
        platforms = {row.platform for row in here}
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
        """Remove the account from persons, codes, suggestions, link requests and opt-outs, and blank it as the
        moderator named in the linked-group records."""
        async with self.store.begin() as conn:
            person = (await conn.execute(sa.select(pa.c.person_id).where(pa.c.member_id == member_id))).scalar()
            await conn.execute(pa.delete().where(pa.c.member_id == member_id))
            if person is not None:
                await dissolve_single_persons(conn, [person])
            await conn.execute(engagement_link_codes.delete().where(engagement_link_codes.c.member_id == member_id))
            r = engagement_link_rejections
            await conn.execute(r.delete().where((r.c.member_a == member_id) | (r.c.member_b == member_id)))
            q = engagement_link_requests
            await conn.execute(q.delete().where((q.c.member_a == member_id) | (q.c.member_b == member_id)))
            await conn.execute(q.update().where(q.c.requested_by == member_id).values(requested_by=None))
            await conn.execute(engagement_optouts.delete().where(engagement_optouts.c.member_id == member_id))
            await conn.execute(engagement_group_codes.delete().where(engagement_group_codes.c.member_id == member_id))
            await conn.execute(gc.update().where(gc.c.member_id == member_id).values(member_id=None))
            log = engagement_group_log
            await conn.execute(log.update().where(log.c.member_id == member_id).values(member_id=None))

    async def erase_member(self, member_id: int, at: datetime) -> None:
        """Blank the account row: no platform id, no names, marked as gone.

        The row itself stays so that its id is never given to someone else (SQLite reuses the highest freed
        rowid) and rows of other features that still point at it point at nobody. A person who comes back gets
        a new account, since the platform id no longer matches."""
        async with self.store.begin() as conn:
            await conn.execute(members.update().where(members.c.id == member_id).values(
                user_id=f"forgotten-{member_id}", display_name="", username="", is_staff=False,
                left_at=sa.func.coalesce(members.c.left_at, at)))

async def group_scope(conn: AsyncConnection, community_id: int) -> list[int]:
    """The communities of this community's linked group (just itself when it is in none), sorted."""
    group = sa.select(gc.c.group_id).where(gc.c.community_id == community_id).scalar_subquery()
    found = {int(c) for (c,) in await conn.execute(sa.select(gc.c.community_id).where(gc.c.group_id == group))}
    return sorted(found | {community_id})


async def dissolve_single_persons(conn: AsyncConnection, persons: Iterable[int]) -> None:
    """Dissolve those of these persons that are left with one account (or none)."""
    for person in set(persons):
        left = (await conn.execute(sa.select(pa.c.member_id).where(pa.c.person_id == person))).all()
        if len(left) <= 1:
            await conn.execute(pa.delete().where(pa.c.person_id == person))
            await conn.execute(engagement_persons.delete().where(engagement_persons.c.id == person))
