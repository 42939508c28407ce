"""The matching store's unique keys (migration matching_0002), on SQLite and PostgreSQL: round numbers stay
unique when periods are claimed at the same moment, two presses of "request intro" make one request, and the
migration goes down and up again with rows in place."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command

from cogs.matching.store.repo import MatchingRepo
from cogs.matching.tables import matching_requests, matching_rounds
from core.refs import CommunityKey, MemberRef
from storage.communities import CommunityRepo
from storage.engine import Store, alembic_config, open_store
from storage.members import MemberRepo

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _setup(store: Store) -> tuple[int, int, int]:
    c = await CommunityRepo(store).ensure(CommunityKey("discord", "G1", "Guild"))
    ana = await MemberRepo(store).upsert(c.id, MemberRef("discord", "U1", "Ana"))
    ben = await MemberRepo(store).upsert(c.id, MemberRef("discord", "U2", "Ben"))
    return c.id, ana.id, ben.id


async def test_concurrent_claims_of_other_periods_get_distinct_round_numbers(
        stores: tuple[Store, Store]) -> None:
    one, two = stores
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


async def test_two_presses_at_once_make_one_open_request(stores: tuple[Store, Store]) -> None:
    one, two = stores
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
            newer = (await conn.execute(matching_requests.insert().values(
                community_id=cid, requester_id=ana, target_id=ben, status="open", reason=[],
                created_at=T0 + timedelta(days=8)))).inserted_primary_key[0]
        async with store.engine.begin() as conn:  # ...and the upgrade puts them right before adding the keys
            await conn.run_sync(step, "heads", False)
        async with store.read() as conn:
            numbers = [r for (r,) in await conn.execute(
                sa.select(matching_rounds.c.round_index).order_by(matching_rounds.c.id))]
            statuses = {i: s for i, s in await conn.execute(sa.select(matching_requests.c.id,
                                                                        matching_requests.c.status))}
        assert numbers == [1, 2, 3]
        # the newest request stays open (its buttons are the ones the target can still answer)
        assert sorted(statuses.values()) == ["expired", "open"] and statuses[newer] == "open"
        assert await repo.create_request(cid, ana, ben, [], T0) is None
        # down and up once more: the keys come back, and claims keep numbering after the last round
        async with store.engine.begin() as conn:
            await conn.run_sync(step, "matching_0001", True)
        async with store.engine.begin() as conn:
            await conn.run_sync(step, "heads", False)
        claimed = await repo.claim_round(cid, "", "2026-W13", T0, T0, "t")
        assert claimed is not None and claimed.round_index == 4
        assert await repo.claim_round(cid, "", "2026-W13", T0, T0, "t") is None
        assert await repo.create_request(cid, ana, ben, [], T0) is None
    finally:
        await store.close()


def _interleave(store: Store, marker: str, meanwhile: Any) -> list[bool]:
    """Run `meanwhile()` (a coroutine function: another process's work) right after `store` has executed its
    first statement containing `marker`, before its transaction goes on. That is the exact moment two
    processes race at, made to happen every time instead of now and then. Returns a list that holds True
    once it ran."""
    from sqlalchemy.util import await_only

    ran: list[bool] = []

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if marker in statement and not ran:
            ran.append(True)
            await_only(meanwhile())  # this hook runs inside SQLAlchemy's greenlet: it may await

    sa.event.listen(store.engine.sync_engine, "after_cursor_execute", after)
    return ran


async def test_a_round_number_taken_between_reading_and_writing_is_claimed_again(
        stores: tuple[Store, Store]) -> None:
    one, two = stores
    cid, _ana, _ben = await _setup(one)
    other: list[Any] = []

    async def second_process() -> None:
        other.append(await MatchingRepo(two).claim_round(cid, "", "2026-W11", T0, T0, "two"))

    # Process one reads "the last round is 0"; process two claims round 1 for another period and commits;
    # then process one writes round 1 too: the unique key refuses it and the claim is tried with 2.
    ran = _interleave(one, "max(matching_rounds.round_index)", second_process)
    mine = await MatchingRepo(one).claim_round(cid, "", "2026-W10", T0, T0, "one")
    assert ran == [True]
    assert other[0] is not None and other[0].round_index == 1 and other[0].period == "2026-W11"
    assert mine is not None and mine.round_index == 2 and mine.period == "2026-W10" and mine.claim == "one"


async def test_the_same_period_claimed_between_reading_and_writing_is_lost_not_renumbered(
        stores: tuple[Store, Store]) -> None:
    one, two = stores
    cid, _ana, _ben = await _setup(one)
    other: list[Any] = []

    async def second_process() -> None:
        other.append(await MatchingRepo(two).claim_round(cid, "", "2026-W10", T0, T0, "two"))

    ran = _interleave(one, "max(matching_rounds.round_index)", second_process)
    assert await MatchingRepo(one).claim_round(cid, "", "2026-W10", T0, T0, "one") is None
    assert ran == [True] and other[0] is not None and other[0].claim == "two"
    async with one.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(matching_rounds))).scalar() == 1


async def test_a_request_made_between_the_check_and_the_insert_is_already_requested(
        stores: tuple[Store, Store]) -> None:
    one, two = stores
    cid, ana, ben = await _setup(one)
    since = T0 - timedelta(days=7)
    repos = [MatchingRepo(one), MatchingRepo(two)]
    # Both presses pass the cog's "already asked?" check before either writes ...
    assert [await r.open_request_between(cid, ana, ben, since) for r in repos] == [None, None]
    # ... the second process writes first, and the first one's insert is refused by the store.
    made = await repos[1].create_request(cid, ana, ben, [], T0, since)
    assert made is not None
    assert await repos[0].create_request(cid, ana, ben, [], T0, since) is None
    async with one.read() as conn:
        rows = [(r.id, r.status) for r in await conn.execute(sa.select(matching_requests))]
    assert rows == [(made, "open")]
