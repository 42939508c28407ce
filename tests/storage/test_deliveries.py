"""The delivery ledger (migration core_0002) on SQLite and PostgreSQL: one claimer wins, outcomes are written by the
claim holder only, a cut-off claim is taken over after the lease (or at once when forced), an intro's conversations
are kept, crash leftovers are found, and the migration goes down and up again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.delivery import LEASE, MAX_FINGERPRINTS, ClaimResult, Placement, Settlement, State
from core.refs import CommunityKey
from storage.communities import CommunityRepo
from storage.deliveries import DeliveryRepo, audience_of, audience_text, with_fingerprint
from storage.engine import Store, alembic_config, open_store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _community(store: Store) -> int:
    return (await CommunityRepo(store).ensure(CommunityKey("discord", "G1", "Guild"))).id


async def test_one_of_many_claimers_wins_and_the_others_are_told(stores: tuple[Store, Store]) -> None:
    one, two = stores
    cid = await _community(one)
    repos = [DeliveryRepo(one), DeliveryRepo(two)]
    claims = await asyncio.gather(*(repos[i % 2].claim(cid, "intro:1", "intro", f"token-{i}", T0)
                                    for i in range(8)))
    assert sorted(c.result for c in claims) == [ClaimResult.BUSY] * 7 + [ClaimResult.FRESH]
    assert len({c.marker for c in claims}) == 1 and claims[0].marker.startswith("K-")
    winner = next(i for i, c in enumerate(claims) if c.result is ClaimResult.FRESH)
    # only the holder records the outcome
    assert not await repos[0].settle(claims[0].id, "token-x", State.SENT, T0, message_id="m")
    assert await repos[winner % 2].settle(claims[winner].id, f"token-{winner}", State.SENT, T0, kind="thread",
                                          channel_id="c1", message_id="m1")
    again = await repos[1].claim(cid, "intro:1", "intro", "late", T0 + timedelta(days=1), force=True)
    assert (again.result, again.channel_id, again.message_id, again.kind) == (ClaimResult.SENT, "c1", "m1", "thread")


async def test_a_cut_off_claim_is_taken_over_after_the_lease_or_when_forced(stores: tuple[Store, Store]) -> None:
    one, two = stores
    cid = await _community(one)
    a, b = DeliveryRepo(one), DeliveryRepo(two)
    first = await a.claim(cid, "greet:7", "dm:U1", "dead", T0)
    assert first.result is ClaimResult.FRESH
    assert (await b.claim(cid, "greet:7", "dm:U1", "alive", T0 + LEASE - timedelta(seconds=1))).result \
        is ClaimResult.BUSY
    taken = await b.claim(cid, "greet:7", "dm:U1", "alive", T0 + LEASE)
    assert taken.result is ClaimResult.RESUME and taken.marker == first.marker  # the same marker is looked for
    assert not await a.settle(first.id, "dead", State.SENT, T0 + LEASE)  # the dead holder cannot write any more
    forced = await a.claim(cid, "greet:7", "dm:U1", "recovery", T0 + LEASE, force=True)
    assert forced.result is ClaimResult.RESUME
    # a platform refusal can be tried again (nothing went out), an unverifiable one never
    assert await a.settle(forced.id, "recovery", State.FAILED, T0, detail="dm_closed")
    retry = await b.claim(cid, "greet:7", "dm:U1", "next", T0)
    assert retry.result is ClaimResult.FRESH
    assert await b.settle(retry.id, "next", State.UNKNOWN, T0, detail="unverified:missing_scope")
    final = await a.claim(cid, "greet:7", "dm:U1", "later", T0 + timedelta(days=2), force=True)
    assert (final.result, final.detail) == (ClaimResult.UNKNOWN, "unverified:missing_scope")
    # a release (rate limited) makes the row pending again: the next claim is fresh, not a resume
    row = await a.claim(cid, "greet:8", "dm:U2", "t", T0)
    assert await a.settle(row.id, "t", State.PENDING, T0, detail="rate_limited")
    assert (await b.claim(cid, "greet:8", "dm:U2", "u", T0)).result is ClaimResult.FRESH


async def test_what_each_attempt_sent_is_kept_until_proven_absent(stores: tuple[Store, Store]) -> None:
    """A fresh claim keeps its own fingerprint and starts `since`; a resumed one adds its fingerprint (it may have
    rendered the message anew) and keeps `since` at the first attempt, whose message may be out there."""
    one, two = stores
    cid = await _community(one)
    a, b = DeliveryRepo(one), DeliveryRepo(two)
    first = await a.claim(cid, "greet:9", "dm:U1", "dead", T0, fingerprint="f1")
    assert (first.fingerprints, first.since) == (("f1",), T0)
    later = T0 + LEASE
    second = await b.claim(cid, "greet:9", "dm:U1", "dead-too", later, fingerprint="f2")
    assert (second.result, second.fingerprints, second.since) == (ClaimResult.RESUME, ("f1", "f2"), T0)
    third = await a.claim(cid, "greet:9", "dm:U1", "alive", later + LEASE, fingerprint="f1")  # f1 again
    assert (third.fingerprints, third.since) == (("f2", "f1"), T0)
    reconciled = await b.claim(cid, "greet:9", "dm:U1", "reconcile", later + 2 * LEASE)  # no fingerprint
    assert (reconciled.fingerprints, reconciled.since) == (("f2", "f1"), T0)
    row = await a.get(cid, "greet:9", "dm:U1")
    assert row is not None and (row.fingerprints, row.since) == (("f2", "f1"), T0)
    # proven absent (failed, or released): the next attempt starts afresh
    assert await b.settle(reconciled.id, "reconcile", State.FAILED, later, detail="absent")
    retry = await a.claim(cid, "greet:9", "dm:U1", "next", later + 3 * LEASE, fingerprint="f3")
    assert (retry.result, retry.fingerprints, retry.since) == (ClaimResult.FRESH, ("f3",), later + 3 * LEASE)
    # a row keeps at most MAX_FINGERPRINTS, the newest
    for n in range(MAX_FINGERPRINTS + 2):
        kept = await a.claim(cid, "greet:9", "dm:U1", f"t{n}", later + (4 + n) * LEASE, fingerprint=f"g{n:023d}")
    assert len(kept.fingerprints) == MAX_FINGERPRINTS and kept.fingerprints[-1] == f"g{MAX_FINGERPRINTS + 1:023d}"
    assert kept.since == later + 3 * LEASE
    # an intro's row gets its fingerprint and since when its first record creates it
    await a.record(cid, "intro:8", "t", T0, create="K-0000000000000008", fingerprint="fi")
    made = await b.claim(cid, "intro:8", "intro", "u", T0, force=True, fingerprint="fj")
    assert (made.result, made.fingerprints, made.since) == (ClaimResult.RESUME, ("fi", "fj"), T0)
    assert with_fingerprint(("a", "b"), "") == ("a", "b")


async def test_conversations_of_an_intro_and_what_a_crash_left(stores: tuple[Store, Store]) -> None:
    one, _two = stores
    cid = await _community(one)
    repo = DeliveryRepo(one)
    assert not await repo.peek(cid, "intro:3", "intro")
    made = await repo.record(cid, "intro:3", "t", T0, create="K-0000000000000003",
                             placements=[Placement("TH1", ("U1", "U2"), "thread")])
    assert made and await repo.peek(cid, "intro:3", "intro")
    assert await repo.record(cid, "intro:3", "u", T0, create="K-0000000000000004") is None  # made already
    await repo.record(cid, "intro:3", "t", T0, placements=[Placement("DM9", ("U3",), "dm")])
    await repo.record(cid, "intro:3", "t", T0, placements=[Placement("DM9", ("U3",), "dm", "M9")])
    places = await repo.placements(cid, "intro:3")
    assert places == [Placement("TH1", ("U1", "U2"), "thread", "", True), Placement("DM9", ("U3",), "dm", "M9", True)]
    await repo.record(cid, "intro:3", "u", T0, settle=Settlement(State.SENT, "thread", "TH1"))  # not the holder
    assert (await repo.get(cid, "intro:3", "intro")).state == "sending"  # type: ignore[union-attr]
    await repo.prepare(cid, [("checkin:3:1", "dm:U1"), ("checkin:3:2", "dm:U2")], T0)
    await repo.prepare(cid, [("checkin:3:1", "dm:U1")], T0)  # again: nothing new
    assert [r.key for r in await repo.unfinished("checkin:", T0 - timedelta(seconds=1))] == []
    left = await repo.unfinished("checkin:", T0)
    assert [(r.key, r.state) for r in left] == [("checkin:3:1", "pending"), ("checkin:3:2", "pending")]
    assert [r.key for r in await repo.unfinished("intro:", T0 + LEASE)] == ["intro:3"]  # not its conversations
    assert await repo.existing(cid, ["intro:3", "intro:4", "checkin:3:2"]) == {"intro:3", "checkin:3:2"}
    # LIKE wildcards in a prefix are taken literally
    await repo.prepare(cid, [("drip:buddy_reminded:5", "dm:U1"), ("drip:buddyXreminded:6", "dm:U1")], T0)
    assert [r.key for r in await repo.unfinished("drip:buddy_", T0)] == ["drip:buddy_reminded:5"]
    # finished rows are dropped after a while, unfinished ones never
    done = await repo.claim(cid, "greet:1", "dm:U9", "t", T0)
    assert await repo.settle(done.id, "t", State.SENT, T0)
    assert await repo.purge(T0) == 0
    assert await repo.purge(T0 + timedelta(seconds=1)) == 2  # the greeting and the intro's posted DM
    assert await repo.get(cid, "greet:1", "dm:U9") is None and await repo.peek(cid, "intro:3", "intro")
    assert [p.channel_id for p in await repo.placements(cid, "intro:3")] == ["TH1"]
    # forgetting an account erases its DMs and the conversations it was in
    await repo.record(cid, "intro:3", "t", T0, placements=[Placement("DM9", ("U3",), "dm", "M9")])
    await repo.forget(cid, "U3")
    assert [p.channel_id for p in await repo.placements(cid, "intro:3")] == ["TH1"]
    await repo.forget(cid, "U1")
    assert await repo.placements(cid, "intro:3") == []
    assert [r.key for r in await repo.unfinished("checkin:", T0)] == ["checkin:3:2"]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.text(alphabet="UC0123456789,%_", min_size=0, max_size=12), max_size=6))
def test_audience_round_trips(ids: list[str]) -> None:
    clean = [i for i in ids if i and "," not in i]
    assert list(audience_of(audience_text(clean))) == clean


async def test_the_migration_goes_down_and_up(store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    store = await open_store(url, connect_args=connect_args)
    try:
        cid = await _community(store)
        await DeliveryRepo(store).claim(cid, "intro:1", "intro", "t", T0)

        def step(sync: sa.Connection, target: str, down: bool) -> None:
            (command.downgrade if down else command.upgrade)(alembic_config(sync), target)

        async with store.engine.begin() as conn:
            await conn.run_sync(step, "core_0001", True)
            names = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        assert "deliveries" not in names and "communities" in names
        async with store.engine.begin() as conn:
            await conn.run_sync(step, "heads", False)
        claim = await DeliveryRepo(store).claim(cid, "intro:1", "intro", "t", T0)
        assert claim.result is ClaimResult.FRESH
    finally:
        await store.close()
