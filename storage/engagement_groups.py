"""Linked groups of communities: the only way people are counted, suggested or linked across communities.

A moderator of one community makes a one-time code (`/link communities start`), a moderator of another community
uses it (`/link communities confirm`): the two communities are then in one group. A community is in at most one
group and can leave it at any time. Person links follow the groups, so that one person never spans two groups:

- when a community joins, links of its accounts to accounts outside the (new) group are split off: they never
  count anywhere until their communities are joined too;
- when a community leaves, every link between one of its accounts and an account elsewhere is undone (the people
  link again, with their own confirmation, if the communities join again); open link requests across end.

Every join and leave is logged with the moderator and the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from core.ports import DataStore
from storage.engagement_identity import dissolve_single_persons
from storage.engagement_schema import (
    engagement_group_codes,
    engagement_group_communities,
    engagement_group_log,
    engagement_groups,
    engagement_link_requests,
    engagement_person_accounts,
    engagement_persons,
)
from storage.engine import inserted_id, sql_store
from storage.schema import communities, members

gc = engagement_group_communities
codes = engagement_group_codes
pa = engagement_person_accounts


class GroupError(Exception):
    """Two communities cannot be joined: `reason` is "same", "already" (one group already) or "other_group"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class GroupCommunity:
    community_id: int
    platform: str
    name: str
    joined_at: datetime
    member_id: int | None  # the moderator who joined it (None once forgotten)


@dataclass(frozen=True, slots=True)
class LogEntry:
    group_id: int
    community_id: int
    action: str
    member_id: int | None
    at: datetime


class GroupRepo:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    # ------------------------------------------------------------------ reading
    async def group_of(self, community_id: int) -> int | None:
        async with self.store.read() as conn:
            return await _group_of(conn, community_id)

    async def communities(self, community_id: int) -> list[GroupCommunity]:
        """The communities in this community's group (empty when it is in none), in the order they joined."""
        q = (sa.select(gc.c.community_id, communities.c.platform, communities.c.name, gc.c.joined_at,
                       gc.c.member_id)
             .join(communities, communities.c.id == gc.c.community_id)
             .where(gc.c.group_id == sa.select(gc.c.group_id).where(gc.c.community_id == community_id)
                    .scalar_subquery())
             .order_by(gc.c.joined_at, gc.c.community_id))
        async with self.store.read() as conn:
            return [GroupCommunity(int(r[0]), r[1], r[2] or "", r[3], r[4]) for r in await conn.execute(q)]

    async def log(self, community_id: int) -> list[LogEntry]:
        """This community's own joins and leaves, oldest first."""
        q = engagement_group_log
        async with self.store.read() as conn:
            rows = await conn.execute(sa.select(q.c.group_id, q.c.community_id, q.c.action, q.c.member_id, q.c.at)
                                      .where(q.c.community_id == community_id).order_by(q.c.id))
            return [LogEntry(*r) for r in rows]

    # ------------------------------------------------------------------ one-time codes
    async def put_code(self, community_id: int, member_id: int, code_hash: str, expires_at: datetime) -> None:
        """Store a new code for the community, replacing any earlier one."""
        async with self.store.begin() as conn:
            await conn.execute(codes.delete().where(codes.c.community_id == community_id))
            await conn.execute(codes.insert().values(code_hash=code_hash, community_id=community_id,
                                                     member_id=member_id, expires_at=expires_at))

    async def take_code(self, code_hash: str, now: datetime) -> tuple[int, int] | None:
        """Use a code once: (community id, moderator's member id), or None when unknown, expired or just used by
        someone else (two uses at the same moment: only the one whose delete removed the row wins)."""
        async with self.store.begin() as conn:
            row = (await conn.execute(sa.select(codes).where(codes.c.code_hash == code_hash))).first()
            if row is None:
                return None
            res = await conn.execute(codes.delete().where(codes.c.code_hash == code_hash))
        if not res.rowcount or row.expires_at <= now:
            return None
        return int(row.community_id), int(row.member_id)

    async def purge_codes(self, now: datetime) -> int:
        async with self.store.begin() as conn:
            res = await conn.execute(codes.delete().where(codes.c.expires_at <= now))
        return int(res.rowcount or 0)

    # ------------------------------------------------------------------ joining and leaving
    async def join(self, started: int, started_by: int, confirmed: int, confirmed_by: int, at: datetime) -> int:
        """Put the community that made the code and the one that used it into one group; returns the group id.

        A community in a group takes the other one in; two communities in no group start a new one. Raises
        GroupError when they are one community, already in one group, or each in another group."""
        if started == confirmed:
            raise GroupError("same")
        try:
            async with self.store.begin() as conn:
                g1, g2 = await _group_of(conn, started), await _group_of(conn, confirmed)
                if g1 is not None and g1 == g2:
                    raise GroupError("already")
                if g1 is not None and g2 is not None:
                    raise GroupError("other_group")
                if g1 is not None:
                    group, joining = g1, [(confirmed, confirmed_by)]
                elif g2 is not None:
                    group, joining = g2, [(started, started_by)]
                else:
                    res = await conn.execute(engagement_groups.insert().values(created_at=at))
                    group = inserted_id(res)
                    joining = [(started, started_by), (confirmed, confirmed_by)]
                for cid, by in joining:
                    await conn.execute(gc.insert().values(community_id=cid, group_id=group, joined_at=at,
                                                          member_id=by))
                    await conn.execute(engagement_group_log.insert().values(
                        group_id=group, community_id=cid, action="joined", member_id=by, at=at))
                inside = await _members_of_group(conn, group)
                for cid, _by in joining:
                    await _confine_persons(conn, cid, inside, at)
                return group
        except sa.exc.IntegrityError:  # the same community joined elsewhere at the same moment
            raise GroupError("already") from None

    async def leave(self, community_id: int, member_id: int | None, at: datetime) -> bool:
        """Take the community out of its group (a group left with one community ends); links between its
        accounts and accounts elsewhere are undone and open link requests across end. False when in no group."""
        async with self.store.begin() as conn:
            group = await _group_of(conn, community_id)
            if group is None:
                return False
            res = await conn.execute(gc.delete().where(gc.c.community_id == community_id))
            if not res.rowcount:
                return False
            await conn.execute(engagement_group_log.insert().values(
                group_id=group, community_id=community_id, action="left", member_id=member_id, at=at))
            rest = await _members_of_group(conn, group)
            if len(rest) <= 1:
                for cid in rest:
                    await conn.execute(gc.delete().where(gc.c.community_id == cid))
                    await conn.execute(engagement_group_log.insert().values(
                        group_id=group, community_id=cid, action="left", member_id=None, at=at))
                await conn.execute(engagement_groups.delete().where(engagement_groups.c.id == group))
            await _cut_persons(conn, community_id)
            here = sa.select(members.c.id).where(members.c.community_id == community_id)
            r = engagement_link_requests
            await conn.execute(r.update().where(r.c.status == "open", r.c.member_a.in_(here) | r.c.member_b.in_(here))
                               .values(status="cancelled"))
        return True


async def _group_of(conn: AsyncConnection, community_id: int) -> int | None:
    found = (await conn.execute(sa.select(gc.c.group_id).where(gc.c.community_id == community_id))).scalar()
    return int(found) if found is not None else None


async def _members_of_group(conn: AsyncConnection, group: int) -> set[int]:
    return {int(c) for (c,) in await conn.execute(sa.select(gc.c.community_id).where(gc.c.group_id == group))}


async def _person_rows(conn: AsyncConnection, community_id: int) -> dict[int, list[tuple[int, int]]]:
    """person id -> [(member id, community id)] for every person with an account in this community."""
    persons = (sa.select(pa.c.person_id).join(members, members.c.id == pa.c.member_id)
               .where(members.c.community_id == community_id))
    rows = await conn.execute(sa.select(pa.c.person_id, pa.c.member_id, members.c.community_id)
                              .join(members, members.c.id == pa.c.member_id).where(pa.c.person_id.in_(persons)))
    out: dict[int, list[tuple[int, int]]] = {}
    for p, m, c in rows:
        out.setdefault(int(p), []).append((int(m), int(c)))
    return out


async def _confine_persons(conn: AsyncConnection, community_id: int, group: set[int], at: datetime) -> None:
    """Split the persons of a joining community at the group's edge: accounts in the group stay one person,
    accounts outside it become a person of their own (or none, when one is left)."""
    touched: set[int] = set()
    for person, rows in (await _person_rows(conn, community_id)).items():
        outside = [m for m, c in rows if c not in group]
        if not outside:
            continue
        if len(outside) >= 2:
            res = await conn.execute(engagement_persons.insert().values(created_at=at))
            await conn.execute(pa.update().where(pa.c.member_id.in_(outside))
                               .values(person_id=inserted_id(res)))
        else:
            await conn.execute(pa.delete().where(pa.c.member_id.in_(outside)))
        touched.add(person)
    await dissolve_single_persons(conn, touched)


async def _cut_persons(conn: AsyncConnection, community_id: int) -> None:
    """Undo every link between an account of this community and an account of another one."""
    touched: set[int] = set()
    for person, rows in (await _person_rows(conn, community_id)).items():
        if all(c == community_id for _m, c in rows):
            continue
        here = [m for m, c in rows if c == community_id]
        await conn.execute(pa.delete().where(pa.c.member_id.in_(here)))
        touched.add(person)
    await dissolve_single_persons(conn, touched)
