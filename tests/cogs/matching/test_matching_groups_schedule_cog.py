"""Rounds per group, the schedule command, required profile facets, intro times in the future, a crash while
planning, and the scheduler's own job function firing in two processes at once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa

from cogs.matching.tables import matching_intros, matching_rounds
from integrations.console.community import KEY

from .conftest import FakeClock, Opener, cog, intros, join_all, last_reply, sent

DESIGN = ["ana", "ben", "chen", "dara"]
MAIN = ["eli", "gus", "hana", "ivo", "kofi"]  # all speak English: nobody is left out


def uid(console, name: str) -> str:  # type: ignore[no-untyped-def]
    member = console.by_name(name)
    assert member is not None
    return member.ref.user_id


async def test_groups_have_their_own_rounds(open_console: Opener) -> None:
    async with open_console(demo=12) as (app, console):
        await join_all(console, DESIGN, "group:Design")
        await join_all(console, MAIN)
        await console.handle("/as ana")
        await console.handle("/match status")
        assert "Group: design" in last_reply(console)
        await console.handle("/as admin")
        await console.handle("/match run-now group:design")
        assert "Round done. Introductions: 2. Members placed: 4." in last_reply(console)
        design = {uid(console, n) for n in DESIGN}
        assert {u for g in intros(console) for u in g} == design
        await console.handle("/match run-now")  # the main round is separate and still due
        assert "Round done. Introductions: 2. Members placed: 5." in last_reply(console)
        groups = intros(console)
        assert set(Counter(u for g in groups for u in g).values()) == {1}
        assert all(set(g) <= design or not set(g) & design for g in groups)  # groups never mix
        # The scheduled firing of this period finds both groups done.
        community = await app.community(KEY)
        assert await cog(app).runner.run_due(community.id) == []
        assert len(intros(console)) == 4


async def test_run_due_runs_every_group(open_console: Opener) -> None:
    async with open_console(demo=12) as (app, console):
        await join_all(console, DESIGN, "group:design")
        await join_all(console, MAIN)
        community = await app.community(KEY)
        done = await cog(app).runner.run_due(community.id)
        assert sorted(r.grp for r in done) == ["", "design"]
        assert sorted(len(g) for g in intros(console)) == [2, 2, 2, 3]


async def test_schedule_shows_next_round_cadence_and_last_round(open_console: Opener) -> None:
    async with open_console(demo=4) as (_app, console):  # clock: Tue 3 Mar 2026, 10:00 UTC
        await join_all(console, ["ana", "ben"])
        await console.handle("/match schedule")
        text = last_reply(console)
        assert "Next round: Mon 9 Mar 2026, 09:00 UTC" in text and "Cadence: weekly" in text
        assert "Taking part: 2" in text and "Last round" not in text
        await console.handle("/match run-now")
        await console.handle("/match schedule")
        assert "Last round: Tue 3 Mar 2026, 10:00 UTC: 1 intro" in last_reply(console)


async def test_schedule_skips_firings_of_a_period_that_ran(open_console: Opener) -> None:
    async with open_console(demo=4, cadence="monthly") as (_app, console):
        await join_all(console, ["ana", "ben"])
        await console.handle("/match run-now")
        await console.handle("/match schedule")
        assert "Next round: Mon 6 Apr 2026, 09:00 UTC" in last_reply(console)  # March's round is done


async def test_required_profile_facets_gate_joining(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await console.handle("/config set key:profiles.required_for_matching value:timezone,languages")
        await console.handle("/as newbie")
        await console.handle("/match join")
        assert "please fill in your profile: timezone, languages" in last_reply(console)
        await console.handle("/match status")
        assert "Not taking part" in last_reply(console)
        await console.handle("/profile set timezone:Europe/Berlin languages:de")
        await console.handle("/match join")
        assert "You're in (weekly)" in last_reply(console)


async def test_intro_suggests_times_that_have_not_passed(open_console: Opener) -> None:
    async with open_console(demo=4) as (_app, console):  # Tue 10:00 UTC: the morning is over
        await join_all(console, ["ana", "ben"])
        await console.handle("/match run-now")
        times = next(f.value for f in sent(console, "intro")[0].fields if f.name == "Times that suit everyone")
        assert "Wed, " in times and "Tue, " not in times


async def test_crash_while_planning_is_planned_and_sent_once(open_console: Opener, clock: FakeClock) -> None:
    async with open_console(demo=12) as (app, console):
        await join_all(console, ["ana", "ben", "chen", "dara", "eli", "fatima", "gus"])
        community = await app.community(KEY)
        runner = cog(app).runner
        # The process claims the round and dies before the plan is stored.
        assert await runner.repo.claim_round(community.id, "", "2026-W10", clock(), clock(), runner.token)
    clock.advance(minutes=10)
    async with open_console() as (app, console2):
        assert sorted(len(g) for g in intros(console2)) == [2, 2, 3]
        await cog(app).tick()
        assert len(intros(console2)) == 3
        async with app.services.store.read() as conn:
            rounds = [(r.status, r.groups_count) for r in await conn.execute(sa.select(matching_rounds))]
            statuses = [r.status for r in await conn.execute(sa.select(matching_intros))]
        assert rounds == [("done", 3)] and statuses == ["sent"] * 3


async def test_two_schedulers_fire_the_same_job_once(open_console: Opener, clock: FakeClock, store_url) -> None:  # type: ignore[no-untyped-def]
    url, connect_args = store_url
    clock.now = datetime(2026, 3, 9, 9, 0, 1, tzinfo=UTC)  # the default schedule's firing time
    async with open_console(demo=9, url=url, connect_args=connect_args) as (app, console):
        await join_all(console, ["ana", "ben", "chen", "dara", "eli", "fatima", "gus"])
        community = await app.community(KEY)
        async with open_console(url=url, connect_args=connect_args) as (app2, console2):
            jobs = [a.services.scheduler.get_job(f"match:round:{community.id}") for a in (app, app2)]
            assert all(j is not None for j in jobs)
            # Both processes' cron jobs fire at once (twice each, as after a restart), plus both catch-ups.
            await asyncio.gather(*(j.func(*j.args) for j in jobs + jobs),  # type: ignore[union-attr]
                                 cog(app).catch_up(), cog(app2).catch_up())
            both = intros(console) + intros(console2)
            assert sorted(len(g) for g in both) == [2, 2, 3]
            assert set(Counter(u for g in both for u in g).values()) == {1}
            async with app.services.store.read() as conn:
                assert (await conn.execute(sa.select(sa.func.count()).select_from(matching_rounds))).scalar() == 1


async def test_trio_members_get_priority_in_the_next_round(open_console: Opener, clock: FakeClock) -> None:
    # Nine English speakers: one trio a week, and enough people that a trio without last week's trio and
    # without last week's partners exists (priority never breaks the no-repeat rule).
    english = ["ana", "ben", "chen", "dara", "eli", "gus", "hana", "ivo", "kofi"]
    async with open_console(demo=12) as (app, console):
        await join_all(console, english)
        community = await app.community(KEY)
        await cog(app).runner.run_due(community.id)
        first = [g for g in intros(console) if len(g) == 3]
        assert len(first) == 1
        clock.advance(days=7)
        before = len(intros(console))
        await cog(app).runner.run_due(community.id)
        second = [g for g in intros(console)[before:] if len(g) == 3]
        assert len(second) == 1 and not set(second[0]) & set(first[0])


async def test_heartbeat_keeps_a_long_planning_round_from_being_taken_over(
        open_console: Opener, clock: FakeClock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cogs.matching import rounds as rounds_module

    monkeypatch.setattr(rounds_module, "HEARTBEAT_SECONDS", 0.01)
    async with open_console(demo=4) as (app, console):
        await join_all(console, ["ana", "ben"])
        community = await app.community(KEY)
        runner = cog(app).runner
        rnd = await runner.repo.claim_round(community.id, "", "2026-W10", clock(), clock(), runner.token)
        assert rnd is not None
        beat = asyncio.create_task(runner._beat(rnd.id))  # as while a big round is planned
        clock.advance(minutes=10)  # planning "takes" far longer than STALE
        for _ in range(1000):
            await asyncio.sleep(0.01)
            current = await runner.repo.round(rnd.id)
            if current is not None and current.heartbeat_at == clock():
                break
        current = await runner.repo.round(rnd.id)
        assert current is not None and current.heartbeat_at == clock()
        async with open_console() as (app2, _console2):
            assert await cog(app2).runner.recover() == 0  # the holder is alive: nobody takes over
        assert intros(console) == []
        # Once the round is no longer ours the beat stops by itself.
        assert await runner.repo.update_round(rnd.id, runner.token, claim="another-process")
        await asyncio.wait_for(beat, timeout=30)
