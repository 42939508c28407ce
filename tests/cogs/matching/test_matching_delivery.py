"""Intros, unplaced notices and check-ins through the delivery ledger, on the console: what a process killed in the
middle leaves behind (a claim, a conversation opened, a message sent but not recorded) is finished once by the next
process, which reads the console's transcript back (kept across the restart, as a chat platform keeps its history).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogs.matching.store.repo import PlannedIntro
from cogs.matching.tables import matching_intros
from core.delivery import Journal, Placement, State
from core.messages import Message
from integrations.console.community import KEY, Outbox
from storage.delivery_schema import deliveries

from .conftest import FakeClock, Opener, cog, intros, join_all, sent

NAMES = ["ana", "ben", "chen", "dara", "eli", "fatima", "gus", "hana"]


async def test_a_round_cut_off_in_every_way_gives_everyone_one_intro(open_console: Opener, clock: FakeClock) -> None:
    async with open_console(demo=10) as (app, console):
        await join_all(console, NAMES)
        community = await app.community(KEY)
        runner = cog(app).runner
        rnd = await runner.repo.claim_round(community.id, "", "2026-W10", clock(), clock(), runner.token)
        assert rnd is not None
        cfg = await app.services.config.get(community.id)
        prepared = await runner.prepare(community.id, "", cfg, clock())
        plans = [PlannedIntro(i.members, i.score, [list(p) for p in i.reason], [list(p) for p in i.starters])
                 for i in prepared.plan.intros]
        assert await runner.repo.save_plan(rnd, runner.token, plans, {m: ("pair", "") for i in plans
                                                                      for m in i.members}, clock(), None)
        first, second, third, _fourth = await runner.repo.round_intros(rnd.id, "pending")
        assert await runner.send_intro(community, first, cfg)  # sent and recorded
        # the second: its conversation opened and the intro posted, then the process died (nothing recorded after)
        assert await runner.repo.claim_intro(second.id, runner.token)
        refs = await runner.refs(second.members)
        key = f"intro:{second.id}"
        made = await runner.ledger.record(community.id, key, runner.token, clock(), create="K-00000000000000a2",
                                          placements=[Placement("intro-held", tuple(r.user_id for r in refs),
                                                                "group")])
        assert made
        earlier = [Placement("intro-held", tuple(r.user_id for r in refs), "group", "", True)]
        await console.messenger.introduce(community, refs, Message(text="Meet!", ref="K-00000000000000a2"),
                                          journal=Journal("K-00000000000000a2", earlier))
        # the third: claimed, nothing sent
        assert await runner.repo.claim_intro(third.id, runner.token)
        transcript = console.outbox
    clock.advance(minutes=5)
    async with open_console(outbox=transcript) as (app, console):
        await cog(app).tick()
        seen = Counter(u for group in intros(console) for u in group)
        assert set(seen.values()) == {1} and len(seen) == len(NAMES)
        async with app.services.store.read() as conn:
            statuses = [r.status for r in await conn.execute(sa.select(matching_intros.c.status))]
            states = {r.key: r.state for r in await conn.execute(
                sa.select(deliveries.c.key, deliveries.c.state).where(deliveries.c.recipient == "intro"))}
        assert statuses == ["sent"] * 4 and set(states.values()) == {State.SENT}


async def test_a_request_intro_cut_off_is_finished_once_by_one_of_two_processes(
        open_console: Opener, clock: FakeClock) -> None:
    async with open_console(demo=4) as (app, console):
        community = await app.community(KEY)
        runner = cog(app).runner
        ana, ben = console.by_name("ana"), console.by_name("ben")
        assert ana is not None and ben is not None
        intro_id = await runner.repo.create_intro(community.id, "request", [ana.ref.id, ben.ref.id], [], [], clock(),
                                                  None)
        assert await runner.repo.claim_intro(intro_id, "a-process-that-died")
        transcript = console.outbox
    clock.advance(minutes=1)
    async with open_console(outbox=transcript) as (app, console):
        await cog(app).tick()
        assert intros(console) == []  # its holder may still be sending it
    clock.advance(minutes=10)
    async with open_console(outbox=transcript) as (app, console), open_console(outbox=transcript) as (app2, _c2):
        await asyncio.gather(cog(app).tick(), cog(app2).tick())
        assert intros(console) == [(ana.ref.user_id, ben.ref.user_id)]
        intro = await cog(app).runner.repo.intro(intro_id)
        assert intro is not None and intro.status == "sent"


async def test_an_unplaced_member_is_told_once_even_across_a_take_over(open_console: Opener,
                                                                       clock: FakeClock) -> None:
    async with open_console(demo=4) as (app, console):
        await join_all(console, ["ana", "ben"])
        await console.handle("/as ana")
        await console.handle("/match block ben")
        await console.handle("/as admin")
        await console.handle("/match run-now")
        community = await app.community(KEY)
        runner = cog(app).runner
        [rnd] = await runner.repo.rounds(community.id)
        # the round is done; a process that took it over would tell the unplaced again: the ledger says no
        await runner._tell_unplaced(community, rnd, await app.services.config.get(community.id))
        told = [m for m in sent(console, "dm") if "recent partner or is blocked" in m.plain_text()]
        assert len(told) == 2


async def test_checkins_cut_off_halfway_reach_everyone_once(open_console: Opener, clock: FakeClock) -> None:
    async with open_console(demo=6) as (app, console):
        await join_all(console, NAMES[:4])
        await console.handle("/match run-now")
        clock.advance(days=4)
        community = await app.community(KEY)
        runner = cog(app).runner
        [intro, other] = await runner.repo.due_checkins(clock())
        refs = await runner.refs(intro.members)
        # the dying process: rows prepared, the intro's check-in claimed, the first member's DM sent unrecorded
        await runner.ledger.prepare(community.id, [(f"checkin:{intro.id}:{r.id}", f"dm:{r.user_id}") for r in refs],
                                    clock())
        assert await runner.repo.claim_checkin(intro.id, clock())
        claim = await runner.ledger.claim(community.id, f"checkin:{intro.id}:{refs[0].id}", f"dm:{refs[0].user_id}",
                                          runner.token, clock())
        await console.messenger.dm(community, refs[0], Message(text="Did you meet?", ref=claim.marker))
        transcript = console.outbox
    clock.advance(minutes=10)
    async with open_console(outbox=transcript) as (app, console):
        await cog(app).tick()
        await cog(app).tick()
        per_member = Counter(t for k, t, _m in console.outbox.sent if k == "dm")  # only check-ins go by DM here
        everyone = {r.user_id for r in refs} | {r.user_id for r in await cog(app).runner.refs(other.members)}
        assert set(per_member) == everyone and set(per_member.values()) == {1}


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(["untouched", "claimed", "opened", "posted", "recorded"]), min_size=4, max_size=4))
def test_any_mix_of_cut_off_intros_is_finished_once(open_console: Opener, clock: FakeClock, tmp_path: Path,
                                                    states: list[str]) -> None:
    """Each intro of a round is left by the dying process at another point (never started, claimed, its
    conversation opened, posted but not recorded, or finished); the next process finishes the round with
    exactly one intro for everyone."""

    async def scenario(url: str) -> None:
        transcript = Outbox()
        async with open_console(demo=10, url=url, outbox=transcript) as (app, console):
            community = await app.community(KEY)
            await join_all(console, NAMES)
            runner = cog(app).runner
            rnd = await runner.repo.claim_round(community.id, "", "2026-W10", clock(), clock(), runner.token)
            assert rnd is not None
            cfg = await app.services.config.get(community.id)
            prepared = await runner.prepare(community.id, "", cfg, clock())
            plans = [PlannedIntro(i.members, i.score, [], []) for i in prepared.plan.intros]
            assert await runner.repo.save_plan(rnd, runner.token, plans, {m: ("pair", "") for i in plans
                                                                          for m in i.members}, clock(), None)
            for intro, state in zip(await runner.repo.round_intros(rnd.id, "pending"), states, strict=True):
                if state == "recorded":
                    assert await runner.send_intro(community, intro, cfg)
                    continue
                if state == "untouched":
                    continue
                assert await runner.repo.claim_intro(intro.id, runner.token)
                if state == "claimed":
                    continue
                refs = await runner.refs(intro.members)
                marker = f"K-{intro.id:016x}"
                place = Placement(f"intro-x{intro.id}", tuple(r.user_id for r in refs), "group")
                assert await runner.ledger.record(community.id, f"intro:{intro.id}", runner.token, clock(),
                                                  create=marker, placements=[place])
                if state == "posted":
                    earlier = [Placement(place.channel_id, place.user_ids, "group", "", True)]
                    await console.messenger.introduce(community, refs, Message(text="Meet!", ref=marker),
                                                      journal=Journal(marker, earlier))
        clock.advance(minutes=5)
        async with open_console(url=url, outbox=transcript) as (app, console):
            await cog(app).tick()
            seen = Counter(u for group in intros(console) for u in group)
            assert len(seen) == len(NAMES) and set(seen.values()) == {1}
            async with app.services.store.read() as conn:
                statuses = [r.status for r in await conn.execute(sa.select(matching_intros.c.status))]
            assert statuses == ["sent"] * 4

    with tempfile.TemporaryDirectory(dir=tmp_path) as work:
        asyncio.run(scenario(f"sqlite+aiosqlite:///{Path(work) / 'round.db'}"))
