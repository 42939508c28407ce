"""The matching store's unique keys (migration matching_0002), on SQLite and PostgreSQL: round numbers stay
unique when periods are claimed at the same moment, two presses of "request intro" make one request, and the
migration goes down and up again with rows in place."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command

from core.refs import CommunityKey, MemberRef
from storage.communities import CommunityRepo
from storage.engine import Store, alembic_config, open_store
from storage.matching import MatchingRepo
from storage.matching_schema import matching_requests, matching_rounds
from storage.members import MemberRepo

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _setup(store: Store) -> tuple[int, int, int]:
    c = await CommunityRepo(store).ensure(CommunityKey("discord", "G1", "Guild"))
    ana = await MemberRepo(store).upsert(c.id, MemberRef("discord", "U1", "Ana"))
    ben = await MemberRepo(store).upsert(c.id, MemberRef("discord", "U2", "Ben"))
    return c.id, ana.id, ben.id


async def test_concurrent_claims_of_other_periods_get_distinct_round_numbers(
        store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    one = await open_store(url, connect_args=connect_args)
    two = await open_store(url, connect_args=connect_args, migrate=False)  # a second bot process
    try:
        cid, _ana, _ben = await _setup(one)
        repos = [MatchingRepo(one), MatchingRepo(two)]
        periods = [f"2026-W{w:02d}" for w in range(10, 22)]
        claims = await asyncio.gather(*(repos[i % 2].claim_round(cid, "", p, T0, T0, f"token-{i}")
                                        for i, p in enumerate(periods)))
        assert all(c is not None for c in claims)
        assert sorted(c.round_index for c in claims if c) == list(range(1, len(periods) + 1))
        # the same period twice at once: one claim wins, the other learns it exists
        again = await asyncio.gather(repos[0].claim_round(cid, "", "2026-W30", T0, T0, "a"),
                                     repos[1].claim_round(cid, "", "2026-W30", T0, T0, "b"))
        assert sum(c is not None for c in again) == 1
        assert await repos[0].claim_round(cid, "", "2026-W10", T0, T0, "late") is None
    finally:
        await two.close()
        await one.close()


async def test_two_presses_at_once_make_one_open_request(store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    one = await open_store(url, connect_args=connect_args)
    two = await open_store(url, connect_args=connect_args, migrate=False)
    try:
        cid, ana, ben = await _setup(one)
        repos = [MatchingRepo(one), MatchingRepo(two)]
        made = await asyncio.gather(*(repos[i % 2].create_request(cid, ana, ben, [], T0) for i in range(6)))
        assert sum(r is not None for r in made) == 1
        assert await repos[0].create_request(cid, ben, ana, [], T0) is not None  # the other way round is another
        # a request left unanswered past the window has expired: asking again makes a new one
        later = T0 + timedelta(days=30)
        again = await repos[0].create_request(cid, ana, ben, [], later, since=later - timedelta(days=7))
        assert again is not None and again not in made
        first = await repos[0].request(next(r for r in made if r is not None))
        assert first is not None and first.status == "expired"
        # decided requests do not block a new one either
        assert await repos[0].decide_request(again, "declined", later)
        assert await repos[0].create_request(cid, ana, ben, [], later) is not None
    finally:
        await two.close()
        await one.close()


async def test_the_migration_goes_down_and_up_with_rows_in_place(store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    store = await open_store(url, connect_args=connect_args)
    try:
        cid, ana, ben = await _setup(store)
        repo = MatchingRepo(store)
        for w in (10, 11):
            assert await repo.claim_round(cid, "", f"2026-W{w}", T0, T0, "t")
        assert await repo.create_request(cid, ana, ben, [], T0)

        def step(sync: sa.Connection, target: str, down: bool) -> None:
            cfg = alembic_config(sync)
            (command.downgrade if down else command.upgrade)(cfg, target)

        async with store.engine.begin() as conn:
            await conn.run_sync(step, "matching_0001", True)
        async with store.engine.begin() as conn:  # without the keys, duplicates can be written...
            await conn.execute(matching_rounds.insert().values(
                community_id=cid, grp="", period="2026-W12", round_index=2, status="done", claim="x",
                scheduled_for=T0, started_at=T0, heartbeat_at=T0))
            await conn.execute(matching_requests.insert().values(
                community_id=cid, requester_id=ana, target_id=ben, status="open", reason=[], created_at=T0))
        async with store.engine.begin() as conn:  # ...and the upgrade puts them right before adding the keys
            await conn.run_sync(step, "heads", False)
        async with store.read() as conn:
            numbers = [r for (r,) in await conn.execute(
                sa.select(matching_rounds.c.round_index).order_by(matching_rounds.c.id))]
            statuses = sorted(s for (s,) in await conn.execute(sa.select(matching_requests.c.status)))
        assert numbers == [1, 2, 3]
        assert statuses == ["expired", "open"]
        assert await repo.create_request(cid, ana, ben, [], T0) is None
    finally:
        await store.close()
