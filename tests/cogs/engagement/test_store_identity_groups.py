"""Linked groups and person links in the store: random joins, leaves, links and unlinks never let a scope, a
person or a suggestion cross communities that are not in one group; and the engagement_0002 migration."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogs.engagement.store.groups import GroupError, GroupRepo
from cogs.engagement.store.identity import IdentityRepo, LinkRefused
from cogs.engagement.store.link_requests import LinkRequestRepo
from cogs.engagement.tables import engagement_person_accounts, engagement_persons
from core.refs import CommunityKey, MemberRef
from storage.communities import CommunityRepo
from storage.engine import Store, alembic_config, open_store
from storage.members import MemberRepo

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
_runs = itertools.count(1)


@pytest.fixture
async def store(store_url: tuple[str, dict[str, Any]]) -> AsyncIterator[Store]:
    url, connect_args = store_url
    s = await open_store(url, connect_args=connect_args)
    try:
        yield s
    finally:
        await s.close()


async def world(store: Store, communities: int = 4) -> tuple[list[int], list[tuple[int, int]]]:
    """Fresh communities (alternately Discord and Slack) with two look-alike accounts each: ana and ben."""
    run = next(_runs)
    cids, accounts = [], []
    for i in range(communities):
        platform = ("discord", "slack")[i % 2]
        c = await CommunityRepo(store).ensure(CommunityKey(platform, f"R{run}C{i}", f"Community {i}"))
        cids.append(c.id)
        for name in ("ana", "ben"):
            row = await MemberRepo(store).upsert(c.id, MemberRef(platform, f"{name}-{run}-{i}", name.title(),
                                                                 username=name))
            accounts.append((row.id, c.id))
    return cids, accounts


Op = tuple[str, int, int]
OPS = st.lists(st.one_of(
    st.tuples(st.just("join"), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("leave"), st.integers(0, 3), st.just(0)),
    st.tuples(st.just("link"), st.integers(0, 7), st.integers(0, 7)),
    st.tuples(st.just("unlink"), st.integers(0, 7), st.just(0)),
), max_size=30)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
async def test_nothing_crosses_communities_that_are_not_joined(store: Store, ops: list[Op]) -> None:
    cids, accounts = await world(store)
    groups, ids = GroupRepo(store), IdentityRepo(store)
    model: dict[int, int] = {}  # community -> group number, as the moderators joined them
    number = itertools.count(1)

    def together(a: int, b: int) -> bool:
        return a == b or (a in model and model.get(b) == model[a])

    for op, x, y in ops:
        if op == "join":
            a, b = cids[x], cids[y]
            expect = ("same" if a == b else "already" if together(a, b)
                      else "other_group" if a in model and b in model else None)
            try:
                await groups.join(a, 0, b, 0, T0)
                assert expect is None
                g = model.get(a) or model.get(b) or next(number)
                model[a] = model[b] = g
            except GroupError as exc:
                assert exc.reason == expect
        elif op == "leave":
            c = cids[x]
            assert await groups.leave(c, 0, T0) == (c in model)
            g = model.pop(c, None)
            rest = [k for k, v in model.items() if v == g]
            if len(rest) == 1:
                model.pop(rest[0])
        elif op == "link":
            (ma, ca), (mb, cb) = accounts[x], accounts[y]
            try:
                await ids.link(ma, mb, via="code", at=T0)
                assert ca != cb and together(ca, cb)
            except LinkRefused as exc:
                assert exc.reason in ("same_account", "same_community") or not together(ca, cb)
        else:
            await ids.unlink(accounts[x][0])

        for c in cids:  # after every step
            assert set(await ids.scope(c)) == {k for k in cids if together(c, k)}
        where = dict(accounts)
        person_of = {m: p for m, p in (await ids.link_map()).items() if m in where}
        for m, p in person_of.items():
            mates = [o for o, q in person_of.items() if q == p]
            assert len(mates) >= 2 and all(together(where[m], where[o]) for o in mates)
            assert len({where[o] for o in mates}) == len(mates)  # one account per community
        honoured = await ids.honoured_links(cids)
        assert all(together(where[m], where[o]) for m in honoured for o in honoured if honoured[m] == honoured[o])
        for c in cids:
            for here, other in await ids.look_alikes(c):
                assert where[here] == c and where[other] != c and together(c, where[other])


async def test_joining_splits_old_links_at_the_groups_edge_and_leaving_undoes_links(store: Store) -> None:
    cids, accounts = await world(store, 3)
    (a0, _), _b0, (a1, _), _b1, (a2, _), _b2 = accounts
    async with store.begin() as conn:  # a link from before linked groups: ana in all three communities
        person = (await conn.execute(engagement_persons.insert().values(created_at=T0))).inserted_primary_key[0]
        await conn.execute(engagement_person_accounts.insert(), [
            {"member_id": m, "person_id": person, "linked_at": T0, "via": "code"} for m in (a0, a1, a2)])
    ids, groups = IdentityRepo(store), GroupRepo(store)
    assert await ids.honoured_links(cids) == {}  # counted nowhere while no community is joined
    assert [a.member_id for a in await ids.counted_accounts(a0)] == [a0]
    assert len(await ids.person_accounts(a0)) == 3  # but still the person's own, for /privacy
    await groups.join(cids[0], 0, cids[1], 0, T0)
    honoured = await ids.honoured_links(cids)
    assert set(honoured) == {a0, a1}
    assert a2 not in await ids.link_map()  # split off: a link to a community outside the group
    with pytest.raises(GroupError, match="already"):
        await groups.join(cids[1], 0, cids[0], 0, T0)
    with pytest.raises(GroupError, match="same"):
        await groups.join(cids[2], 0, cids[2], 0, T0)
    await groups.join(cids[2], 0, cids[1], 0, T0 + timedelta(minutes=1))  # the third joins the group
    assert await ids.scope(cids[2]) == sorted(cids)
    await ids.link(a2, a0, via="code", at=T0)
    requests = LinkRequestRepo(store)
    b2 = accounts[5][0]
    pending = await requests.create(a0, b2, cids[0], None, T0, T0 + timedelta(days=7))
    assert pending is not None and await requests.create(b2, a0, cids[0], None, T0, T0 + timedelta(days=7)) is None
    assert await groups.leave(cids[2], 0, T0 + timedelta(minutes=2))
    assert a2 not in await ids.link_map() and set(await ids.honoured_links(cids)) == {a0, a1}
    req = await requests.get(pending)
    assert req is not None and req.status == "cancelled"  # a request across the leaving community ends
    assert [(e.action, e.member_id) for e in await groups.log(cids[2])] == [("joined", 0), ("left", 0)]
    assert await groups.leave(cids[1], 0, T0) and await ids.scope(cids[0]) == [cids[0]]  # one left: group ends
    assert await ids.link_map() == {}
    assert [e.action for e in await groups.log(cids[0])] == ["joined", "left"]


async def test_codes_are_used_once_and_expire(store: Store) -> None:
    cids, _accounts = await world(store, 2)
    groups = GroupRepo(store)
    await groups.put_code(cids[0], 7, "h1", T0 + timedelta(minutes=15))
    await groups.put_code(cids[0], 7, "h2", T0 + timedelta(minutes=15))  # replaces the first
    assert await groups.take_code("h1", T0) is None
    assert await groups.take_code("h2", T0) == (cids[0], 7)
    assert await groups.take_code("h2", T0) is None
    await groups.put_code(cids[1], 8, "h3", T0 + timedelta(minutes=15))
    assert await groups.take_code("h3", T0 + timedelta(minutes=16)) is None


async def test_the_migration_undoes_moderator_links_and_goes_down_and_up(store: Store) -> None:
    cids, accounts = await world(store, 2)
    (a0, _), (b0, _), (a1, _), (b1, _) = accounts

    def step(sync: sa.Connection, target: str, down: bool) -> None:
        cfg = alembic_config(sync)
        (command.downgrade if down else command.upgrade)(cfg, target)

    async with store.engine.begin() as conn:
        await conn.run_sync(step, "engagement_0001", True)
    async with store.engine.begin() as conn:  # the old rows: a member's own link, and a moderator's alone
        for i, (m, n, via) in enumerate(((a0, a1, "code"), (b0, b1, "moderator"))):
            await conn.execute(engagement_persons.insert().values(id=100 + i, created_at=T0))
            await conn.execute(engagement_person_accounts.insert(), [
                {"member_id": x, "person_id": 100 + i, "linked_at": T0, "via": via} for x in (m, n)])
    async with store.engine.begin() as conn:
        await conn.run_sync(step, "heads", False)
    ids = IdentityRepo(store)
    assert await ids.link_map() == {a0: 100, a1: 100}  # the moderator's link is gone, the member's stays
    assert await ids.honoured_links() == {}  # and counts only once the communities are joined
    await GroupRepo(store).join(cids[0], a0, cids[1], a1, T0)
    assert await ids.honoured_links() == {a0: 100, a1: 100}
    async with store.engine.begin() as conn:
        await conn.run_sync(step, "engagement_0001", True)
    async with store.engine.begin() as conn:
        await conn.run_sync(step, "heads", False)
    assert await ids.scope(cids[0]) == [cids[0]]  # the group went with its tables
