"""The welcome repository on SQLite and (when reachable) PostgreSQL: exactly-once claims and the funnel."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from cogs.welcome.store.repo import Status, Step, WelcomeRepo
from core.refs import CommunityKey, MemberRef
from storage.communities import CommunityRepo
from storage.engine import open_store
from storage.members import MemberRepo

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


async def test_welcome_repository(store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    store = await open_store(url, connect_args=connect_args)
    try:
        community = await CommunityRepo(store).ensure(CommunityKey("discord", "1", "Guild"))
        members = MemberRepo(store)
        ana = await members.upsert(community.id, MemberRef("discord", "10", "Ana"))
        ben = await members.upsert(community.id, MemberRef("discord", "11", "Ben"))
        gil = await members.upsert(community.id, MemberRef("discord", "12", "Gil"))
        repo = WelcomeRepo(store)

        assert await repo.start(community.id, ana.id, "join", T0, T0 + timedelta(seconds=60))
        assert not await repo.start(community.id, ana.id, "join", T0, T0)  # once per member
        assert await repo.start(community.id, ben.id, "join", T0, T0 + timedelta(seconds=60))
        assert await repo.due_greetings(community.id, T0) == []
        due = await repo.due_greetings(community.id, T0 + timedelta(seconds=61))
        assert [r.member_id for r in due] == [ana.id, ben.id]
        assert await repo.next_due(["discord"]) == T0 + timedelta(seconds=60)
        assert await repo.next_due(["slack"]) is None

        # two processes claim the same rows at once: each row goes to exactly one of them
        one, two = await asyncio.gather(repo.claim([r.id for r in due], T0), repo.claim([r.id for r in due], T0))
        assert sorted(r.id for r in one + two) == sorted(r.id for r in due)
        assert await repo.claim([r.id for r in due], T0) == []
        await repo.finish_each([(due[0].id, Status.CHANNEL, "dm"), (due[1].id, Status.DONE, "dm")], T0)
        assert [r.member_id for r in await repo.channel_queue(community.id, 20)] == [ana.id]
        assert await repo.communities_waiting_for_channel(["discord"]) == [community.id]

        # a step is recorded once, whoever tries
        results = await asyncio.gather(*(repo.claim_step(community.id, ana.id, Step.NUDGED, T0) for _ in range(5)))
        assert results.count(True) == 1
        later = T0 + timedelta(days=3)
        assert [n.member_id for n in await repo.newcomers_without(community.id, Step.NUDGED, later,
                                                                  later - timedelta(days=10))] == [ben.id]

        # greeters and buddies
        await repo.greeter_join(community.id, gil.id, 2, T0)
        await repo.greeter_join(community.id, gil.id, 3, T0)
        assert [(g.member_id, g.capacity) for g in await repo.greeters(community.id)] == [(gil.id, 3)]
        assert await repo.assign_buddy(community.id, ben.id, gil.id, T0)
        assert not await repo.assign_buddy(community.id, ben.id, ana.id, T0)
        assert await repo.loads(community.id, T0 - timedelta(days=30)) == {gil.id: 1}
        waiting = await repo.buddies_awaiting_reminder(community.id, T0 + timedelta(days=2), T0 - timedelta(days=1))
        assert [b.newcomer_id for b in waiting] == [ben.id]
        assert await repo.mark_contacted(community.id, ben.id, T0)
        assert not await repo.mark_contacted(community.id, ben.id, T0)
        assert await repo.buddies_awaiting_reminder(community.id, T0 + timedelta(days=2),
                                                    T0 - timedelta(days=1)) == []
        assert await repo.greeter_leave(community.id, gil.id)
        assert not await repo.greeter_leave(community.id, gil.id)
        assert await repo.greeters(community.id) == []

        started, counts = await repo.funnel(community.id, T0 - timedelta(days=1))
        assert started == 2
        assert counts["greeted"] == {"channel": 1, "done": 1}
        assert counts["nudged"] == {"done": 1}

        # leaving: a greeting already sent by DM counts, one not sent yet is dropped and restarts on return
        assert await repo.member_left(community.id, ana.id, T0) == 0
        assert (await repo.steps_of(community.id, ana.id))["greeted"].status == Status.DONE
        cy = await members.upsert(community.id, MemberRef("discord", "13", "Cy"))
        assert await repo.start(community.id, cy.id, "join", T0, T0 + timedelta(seconds=60))
        assert await repo.member_left(community.id, cy.id, T0) == 1
        assert not await repo.start(community.id, ana.id, "join", T0, T0)  # greeted before: not again
        assert await repo.start(community.id, cy.id, "join", T0, T0)  # back again: starts afresh
        # an interrupted claim goes back to pending (the delivery ledger decides what is sent again)
        claimed = await repo.claim([r.id for r in await repo.due_greetings(community.id, T0)], T0)
        assert [r.member_id for r in claimed] == [cy.id]
        assert await repo.requeue_interrupted(T0, T0 - timedelta(seconds=1)) == []  # not stuck yet
        assert [r.id for r in await repo.requeue_interrupted(T0, T0)] == [claimed[0].id]
        assert (await repo.steps_of(community.id, cy.id))["greeted"].status == Status.PENDING

        await repo.forget(community.id, ben.id)
        assert await repo.steps_of(community.id, ben.id) == {}
        assert await repo.buddy_of(community.id, ben.id) is None
        assert await repo.newcomer(community.id, ben.id) is None
    finally:
        await store.close()
