"""Rounds end to end through the console: join, run, intros exactly once (also across restarts and with two
processes on one store), catch-up of missed rounds, no repeats, blocks, pauses, cadences, check-ins."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from cogs.matching.engine import REASON_TEMPLATES, STARTER_TEMPLATES
from cogs.matching.tables import matching_feedback, matching_intros, matching_rounds
from cogs.matching.texts import REASONS, STARTERS
from integrations.console.community import KEY

from .conftest import FakeClock, Opener, cog, intros, join_all, last_reply, sent

NAMES = ["ana", "ben", "chen", "dara", "eli", "fatima", "gus", "hana", "ivo", "jule", "kofi"]


def user_id(console, name: str) -> str:  # type: ignore[no-untyped-def]
    member = console.by_name(name)
    assert member is not None
    return member.ref.user_id


async def test_run_now_gives_every_member_exactly_one_intro(open_console: Opener) -> None:
    async with open_console(demo=20) as (_app, console):
        await join_all(console, NAMES)  # 11 members: one trio
        await console.handle("/match run-now")
        assert "Round done. Introductions: 5. Members placed: 11." in last_reply(console)
        groups = intros(console)
        seen = Counter(u for g in groups for u in g)
        assert set(seen) == {user_id(console, n) for n in NAMES}
        assert set(seen.values()) == {1}
        assert sorted(len(g) for g in groups) == [2, 2, 2, 2, 3]
        text = sent(console, "intro")[0].plain_text()
        assert "Meet " in text and "Conversation starters" in text and "Times that suit everyone" in text
        # once per period: a second run is refused, force makes an extra round
        await console.handle("/match run-now")
        assert "already ran" in last_reply(console)
        assert len(intros(console)) == 5
        await console.handle("/match run-now force:yes")
        assert len(intros(console)) == 10


async def test_preview_sends_nothing_and_members_see_status(open_console: Opener) -> None:
    async with open_console(demo=10) as (_app, console):
        await join_all(console, NAMES[:4])
        await console.handle("/match preview")
        assert "Preview (nothing was sent)" in last_reply(console) and "Intros: 2" in last_reply(console)
        assert intros(console) == []
        await console.handle("/as ana")
        await console.handle("/match status")
        assert "Taking part (weekly)" in last_reply(console) and "Next round" in last_reply(console)
        await console.handle("/match history")
        assert "No intros yet" in last_reply(console)


async def test_two_processes_on_one_store_run_a_round_once(open_console: Opener, clock: FakeClock) -> None:
    async with open_console(demo=12) as (app, console):
        await join_all(console, NAMES[:10])
        async with open_console() as (app2, console2):
            community = await app.community(KEY)
            runs = await asyncio.gather(
                cog(app).runner.run_due(community.id),
                cog(app2).runner.run_due(community.id),
                cog(app).runner.run_due(community.id),
            )
            assert sum(len(r) for r in runs) == 1
            both = intros(console) + intros(console2)
            assert len(both) == 5
            assert set(Counter(u for g in both for u in g).values()) == {1}


async def test_scheduled_round_runs_once_per_period(open_console: Opener, clock: FakeClock) -> None:
    clock.now = datetime(2026, 3, 9, 9, 0, 30, tzinfo=UTC)  # Monday 09:00 UTC: the default schedule
    async with open_console(demo=6) as (app, console):
        await join_all(console, NAMES[:4])
        community = await app.community(KEY)
        job = app.services.scheduler.get_job(f"match:round:{community.id}")
        assert job is not None and "day_of_week='mon'" in str(job.trigger) and "hour='9'" in str(job.trigger)
        await cog(app)._fire(community.id)
        await cog(app)._fire(community.id)  # a second firing in the same week is a no-op
        assert len(intros(console)) == 2
        clock.advance(days=7)
        await cog(app)._fire(community.id)
        assert len(intros(console)) == 4


async def test_restart_mid_round_sends_the_rest_exactly_once(open_console: Opener, clock: FakeClock) -> None:
    async with open_console(demo=12) as (app, console):
        await join_all(console, NAMES[:10])
        community = await app.community(KEY)
        runner = cog(app).runner
        # The process claims the round and stores its plan, then dies before sending anything.
        rnd = await runner.repo.claim_round(community.id, "", "2026-W10", clock(), clock(), runner.token)
        assert rnd is not None
        cfg = await app.services.config.get(community.id)
        prepared = await runner.prepare(community.id, "", cfg, clock())
        from cogs.matching.store.repo import PlannedIntro

        plans = [PlannedIntro(i.members, i.score, [list(p) for p in i.reason], [list(p) for p in i.starters])
                 for i in prepared.plan.intros]
        outcomes = {m: ("pair", "") for i in plans for m in i.members}
        assert await runner.repo.save_plan(rnd, runner.token, plans, outcomes, clock(), None)
        first = (await runner.repo.round_intros(rnd.id, "pending"))[0]
        assert await runner.send_intro(community, first, cfg)  # one intro made it out before the crash
    clock.advance(minutes=1)
    async with open_console() as (app, console2):
        await cog(app).tick()
        assert intros(console2) == []  # the holder may still be alive: not taken over yet
    clock.advance(minutes=5)
    async with open_console() as (app, console3):
        assert len(intros(console3)) == 4  # the start-up catch-up took the round over
        await cog(app).tick()
        assert len(intros(console3)) == 4
        async with app.services.store.read() as conn:
            statuses = [r.status for r in await conn.execute(sa.select(matching_intros))]
            rounds = [r.status for r in await conn.execute(sa.select(matching_rounds))]
        assert statuses == ["sent"] * 5 and rounds == ["done"]
        all_members = [u for g in intros(console) + intros(console3) for u in g]
        assert len(all_members) == len(set(all_members)) == 10


async def test_missed_round_runs_at_start_up_within_grace(open_console: Opener, clock: FakeClock) -> None:
    clock.now = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    async with open_console(demo=6) as (_app, console):
        await join_all(console, NAMES[:4])
    clock.now = datetime(2026, 3, 9, 20, 0, tzinfo=UTC)  # the bot was down at 09:00
    async with open_console(grace_hours=24) as (_app, console):
        assert len(intros(console)) == 2
    async with open_console(grace_hours=24) as (_app, console):
        assert intros(console) == []  # not twice
    clock.now = datetime(2026, 3, 16, 15, 0, tzinfo=UTC)
    async with open_console(grace_hours=2) as (_app, console):
        assert intros(console) == []  # 6 hours late is beyond a 2-hour grace window


async def test_no_repeat_partners_and_blocks(open_console: Opener, clock: FakeClock) -> None:
    async with open_console(demo=6, exclude_recent_rounds=2) as (app, console):
        await join_all(console, NAMES[:6])
        community = await app.community(KEY)
        partners: list[set[frozenset[str]]] = []
        for _week in range(3):
            before = len(intros(console))
            await cog(app).runner.run_due(community.id)
            partners.append({frozenset(g) for g in intros(console)[before:]})
            clock.advance(days=7)
        assert not partners[0] & partners[1] and not partners[1] & partners[2] and not partners[0] & partners[2]

    async with open_console(demo=6) as (app, console):
        await console.handle("/as ana")
        dms_before = len(sent(console, "dm", user_id(console, "ben")))
        await console.handle("/match block ben")
        assert "You will not be paired with" in last_reply(console)
        assert len(sent(console, "dm", user_id(console, "ben"))) == dms_before  # ben is not told
        community = await app.community(KEY)
        for _week in range(3):
            await cog(app).runner.run_due(community.id)
            clock.advance(days=7)
        ana, ben = user_id(console, "ana"), user_id(console, "ben")
        assert not any(ana in g and ben in g for g in intros(console))


async def test_unplaceable_member_is_told_and_gets_priority(open_console: Opener) -> None:
    async with open_console(demo=4) as (_app, console):
        await join_all(console, ["ana", "ben"])
        await console.handle("/as ana")
        await console.handle("/match block ben")
        await console.handle("/as admin")
        await console.handle("/match run-now")
        assert "Introductions: 0. Members placed: 0. Not placed: 2." in last_reply(console)
        told = sent(console, "dm", user_id(console, "ana"))
        assert any("recent partner or is blocked" in m.plain_text() for m in told)


async def test_pause_leave_and_cadence(open_console: Opener, clock: FakeClock) -> None:
    async with open_console(demo=8) as (app, console):
        await join_all(console, ["ana", "ben", "chen", "dara"])
        await join_all(console, ["eli", "fatima"], "cadence:biweekly")
        await console.handle("/as chen")
        await console.handle("/match pause weeks:1")
        assert "Paused until" in last_reply(console)
        await console.handle("/as dara")
        await console.handle("/match leave")
        community = await app.community(KEY)
        await cog(app).runner.run_due(community.id)
        week1 = {u for g in intros(console) for u in g}
        assert week1 == {user_id(console, n) for n in ("ana", "ben", "eli", "fatima")}
        clock.advance(days=7, hours=1)
        before = len(intros(console))
        await cog(app).runner.run_due(community.id)
        week2 = {u for g in intros(console)[before:] for u in g}
        assert week2 == {user_id(console, n) for n in ("ana", "ben", "chen")}  # chen is back, biweekly rest
        await console.handle("/as dara")
        await console.handle("/match leave")
        assert "not taking part" in last_reply(console)


async def test_checkin_once_and_feedback(open_console: Opener, clock: FakeClock) -> None:
    async with open_console(demo=4) as (app, console):
        await join_all(console, ["ana", "ben"])
        await console.handle("/match run-now")
        ana = user_id(console, "ana")
        await cog(app).tick()
        assert sent(console, "dm", ana) == []
        clock.advance(days=4)
        await cog(app).tick()
        await cog(app).tick()
        checkins = sent(console, "dm", ana)
        assert len(checkins) == 1 and "Did you meet ben?" in checkins[0].text
        assert [b.custom_id.rsplit(":", 1)[1] for b in checkins[0].buttons] == ["yes", "later", "no"]
        await console.handle("/as ana")
        console.screen.choices.clear()
        console.screen.message("check-in", checkins[0])
        await console.handle("1")
        assert "Great, thanks" in last_reply(console)
        await console.handle("/as ben")
        console.screen.message("check-in", checkins[0])
        await console.handle("1")
        assert "not for you" not in last_reply(console)
        await console.handle("/as chen")
        console.screen.message("check-in", checkins[0])
        await console.handle("1")
        assert "This button is not for you." in last_reply(console)
        await console.handle("/as ana")
        await console.handle("/match feedback note:Lovely chat about rust")
        assert "Thanks, noted." in last_reply(console)
        await console.handle("/match history")
        assert "ben — you met" in last_reply(console)
        async with app.services.store.read() as conn:
            rows = {(r.answer, r.note) for r in await conn.execute(sa.select(matching_feedback))}
        assert ("yes", "Lovely chat about rust") in rows and ("yes", "") in rows


async def test_settings_change_moves_the_schedule(open_console: Opener) -> None:
    async with open_console(demo=2) as (app, console):
        await join_all(console, ["ana"])
        community = await app.community(KEY)
        await app.services.overrides.set_many(community.id, {"matching.hour": 15}, "test")
        await app.services.config.changed(community.id, {"matching.hour"})
        job = app.services.scheduler.get_job(f"match:round:{community.id}")
        assert job is not None and "hour='15'" in str(job.trigger)


def test_engine_texts_are_marked_for_translation() -> None:
    assert REASONS == REASON_TEMPLATES
    assert STARTERS == STARTER_TEMPLATES


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/match pause weeks:0", "at least 1"),
        ("/match pause weeks:soon", "whole number"),
        ("/match join cadence:daily", "not allowed"),
        ("/match join group:$$$", "A group name"),
        ("/match leave", "not taking part"),
        ("/match feedback", "no intro"),
        ("/match block nobody-here", "can't find a member"),
        ("/match block admin", "cannot block yourself"),
        ("/match find", "Tell me what you are looking for"),
        ("/match find colour:red", "Unknown option"),
        ("/match run-now", "Nobody takes part"),
        ("/match preview", "Nobody takes part"),
    ],
)
async def test_bad_input_gets_a_clear_message_and_changes_nothing(open_console: Opener, line: str,
                                                                  expected: str) -> None:
    async with open_console(demo=2) as (app, console):
        await console.handle(line)
        assert expected in last_reply(console), last_reply(console)
        assert intros(console) == []
        from cogs.matching.tables import matching_blocks, matching_participants

        async with app.services.store.read() as conn:
            assert (await conn.execute(sa.select(sa.func.count()).select_from(matching_participants))).scalar() == 0
            assert (await conn.execute(sa.select(sa.func.count()).select_from(matching_blocks))).scalar() == 0


async def test_members_cannot_run_moderator_commands(open_console: Opener) -> None:
    async with open_console(demo=2) as (_app, console):
        await console.handle("/as ana")
        for line in ("/match run-now", "/match preview", "/match schedule"):
            await console.handle(line)
            assert "Only a moderator" in last_reply(console)


async def test_forget_member(open_console: Opener) -> None:
    async with open_console(demo=4) as (app, console):
        await join_all(console, ["ana", "ben"])
        await console.handle("/match run-now")
        community = await app.community(KEY)
        ana = console.by_name("ana")
        assert ana is not None
        await cog(app).forget_member(community.id, ana.ref.id)
        assert await cog(app).repo.participant(community.id, ana.ref.id) is None
        assert await cog(app).repo.intros_of(community.id, ana.ref.id) == []


def test_schedule_functions() -> None:
    from cogs.matching.schedule import last_fire, member_due, next_fire, period_key

    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
    assert last_fire(now, "mon", 9, "Europe/Berlin") == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert next_fire(now, "mon", 9, "Europe/Berlin") == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    assert next_fire(datetime(2026, 3, 9, 8, 0, tzinfo=UTC), "mon", 9, "Europe/Berlin") == datetime(
        2026, 3, 16, 8, 0, tzinfo=UTC)
    # Summer time: 09:00 in Berlin is 07:00 UTC on 30 March 2026.
    assert next_fire(datetime(2026, 3, 28, tzinfo=UTC), "mon", 9, "Europe/Berlin") == datetime(
        2026, 3, 30, 7, 0, tzinfo=UTC)
    assert period_key(now, "weekly", "UTC") == "2026-W10"
    assert period_key(now, "biweekly", "UTC") == period_key(now + timedelta(days=7), "biweekly", "UTC") or \
        period_key(now, "biweekly", "UTC") == period_key(now - timedelta(days=7), "biweekly", "UTC")
    assert period_key(now, "monthly", "UTC") == "2026-03"
    assert member_due("biweekly", now - timedelta(days=7), now) is False
    assert member_due("biweekly", now - timedelta(days=14), now) is True
    assert member_due("weekly", now - timedelta(days=1), now) is True


async def test_exactly_once_on_both_stores_with_two_processes(open_console: Opener, store_url) -> None:  # type: ignore[no-untyped-def]
    url, connect_args = store_url
    async with open_console(demo=9, url=url, connect_args=connect_args) as (app, console):
        await join_all(console, NAMES[:9])
        community = await app.community(KEY)
        async with open_console(url=url, connect_args=connect_args) as (app2, console2):
            runs = await asyncio.gather(*(cog(a).runner.run_due(community.id) for a in (app, app2, app, app2)))
            assert sum(len(r) for r in runs) == 1
            both = intros(console) + intros(console2)
            assert sorted(len(g) for g in both) == [2, 2, 2, 3]
            assert set(Counter(u for g in both for u in g).values()) == {1}
