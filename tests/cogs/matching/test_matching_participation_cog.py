"""Suggestions only of people who take part, recent partners ranked lower, caps that hold, and intros people can
act on (their group named, times on working days): through the console, the real cog and the real store."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa

from cogs.matching import messages as msgs
from cogs.matching.tables import matching_requests
from integrations.console.community import GENERAL, KEY, ConsoleResponder

from .conftest import FakeClock, Opener, intros, last_reply, mentoring, sent
from .test_matching_find_mentor_cog import last_message, press, profile

SAME = "role:production topics:smart factories offers:kubernetes timezone:Europe/Berlin languages:en"


def suggested(console) -> list[str]:  # type: ignore[no-untyped-def]
    msg = last_message(console)
    return [f.name for f in msg.fields] if msg.title == "People you could meet" else []


async def test_only_members_who_take_part_are_suggested(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await profile(console, "me", "topics:smart factories wants:kubernetes timezone:Europe/Berlin languages:en")
        for name in ("paused", "left", "optedout", "departed", "blocker", "blocked", "fine"):
            await profile(console, name, SAME, join=name != "optedout")  # optedout never joined the intros
        await console.handle("/as paused")
        await console.handle("/match pause weeks:2")
        await console.handle("/as left")
        await console.handle("/match leave")
        await console.handle("/leave departed")  # gone from the community (Slack: deactivated)
        await console.handle("/as blocker")
        await console.handle("/match block me")  # blocked me: not suggested to me
        await console.handle("/as me")
        await console.handle("/match block blocked")  # I blocked them
        await console.handle("/match find topic:smart factories")
        assert suggested(console) == ["fine"]
        # each of them comes back as a suggestion once they take part again
        await console.handle("/as paused")
        await console.handle("/match join")
        await console.handle("/as optedout")
        await console.handle("/match join")
        await console.handle("/as me")
        await console.handle("/match find topic:smart factories")
        assert sorted(suggested(console)) == ["fine", "optedout", "paused"]


async def test_a_pause_after_the_suggestion_stops_the_request(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await profile(console, "me", "topics:smart factories languages:en")
        await profile(console, "ana", SAME)
        await console.handle("/as me")
        await console.handle("/match find topic:smart factories")
        found = last_message(console)
        await console.handle("/as ana")
        await console.handle("/match pause")
        await console.handle("/as me")
        await press(console, found, "ana")
        assert "ana is not taking part in intros right now." in last_reply(console)
        assert sent(console, "dm", "ana") == []


async def test_a_recent_partner_ranks_below_an_otherwise_equal_stranger(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await profile(console, "me", "topics:smart factories wants:kubernetes timezone:Europe/Berlin languages:en")
        await profile(console, "old", SAME)  # created first: without the history it would rank first (its id)
        await console.handle("/as admin")
        await console.handle("/match run-now")
        assert len(intros(console)) == 1  # me and old met in last week's round
        await profile(console, "new", SAME)
        await console.handle("/as me")
        await console.handle("/match find topic:smart factories")
        assert suggested(console) == ["new", "old"]  # old can still be asked, but comes second


async def test_a_recent_partner_met_on_request_ranks_lower_too(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await profile(console, "me", "topics:smart factories wants:kubernetes timezone:Europe/Berlin languages:en")
        await profile(console, "old", SAME)
        await profile(console, "new", SAME)
        await console.handle("/as me")
        await console.handle("/match find topic:smart factories")
        assert suggested(console) == ["old", "new"]
        await press(console, last_message(console), "old")
        await console.handle("/as old")
        await press(console, sent(console, "dm", "old")[-1], "Accept")
        await console.handle("/as me")
        await console.handle("/match find topic:smart factories")
        assert suggested(console) == ["new", "old"]


async def test_never_more_than_three_and_caps_hold_under_a_burst(open_console: Opener) -> None:
    askers = ["a1", "a2", "a3", "a4", "a5"]
    async with open_console(max_open_requests=2, requests_per_week=10) as (app, console):
        for name in askers:
            await profile(console, name, SAME)
        await profile(console, "star", SAME)
        for name in askers:
            await console.handle(f"/as {name}")
            await console.handle("/match find topic:smart factories")
            assert len(suggested(console)) == 3  # five others fit: three are shown
        # five members press "request intro" for `star` at the same moment (the cap is two open requests)
        star = console.by_name("star")
        assert star is not None
        button = msgs.REQUEST_ID.format(target_id=star.ref.id)
        replies: list[str] = []

        async def press_as(name: str) -> None:
            member = console.by_name(name)
            assert member is not None
            responder = ConsoleResponder(console.screen, console.outbox, member.ref)
            await app.press(KEY, member.ref, GENERAL, button, responder, console.messenger, values=[])

        before = len(console.outbox.sent)
        await asyncio.gather(*(press_as(n) for n in askers))
        replies = [m.plain_text() for k, _t, m in console.outbox.sent[before:] if k in ("reply", "ephemeral")]
        assert sum("Request sent to star" in r for r in replies) == 2
        assert sum("many open requests" in r for r in replies) == 3
        async with app.services.store.read() as conn:
            statuses = Counter(r.status for r in await conn.execute(
                sa.select(matching_requests).where(matching_requests.c.target_id == star.ref.id)))
        assert statuses["open"] == 2
        assert len([m for m in sent(console, "dm", "star") if "would like to be introduced" in (m.text or "")]) == 2
        # and star is not suggested to anyone else while the two requests are open
        await profile(console, "late", SAME)
        await console.handle("/match find topic:smart factories")
        assert "star" not in suggested(console)


async def test_a_paused_left_or_blocked_mentor_is_not_proposed(open_console: Opener) -> None:
    async with open_console() as (app, console):
        for mentor in ("mia", "max", "moe"):
            await profile(console, mentor, "languages:en")
            await console.handle("/mentor offer topics:rust capacity:1")
        await console.handle("/as mia")
        await console.handle("/match pause weeks:1")
        await console.handle("/as max")
        await console.handle("/match leave")
        await profile(console, "tom", "languages:en")
        await console.handle("/match block moe")
        await console.handle("/mentor request topic:rust")
        assert "busy right now" in last_reply(console)  # mentors exist, none free for tom
        assert not [m for who in ("mia", "max", "moe") for m in sent(console, "dm", who)
                    if "looking for a mentor" in (m.text or "")]
        # max joins again: offered at the next assignment
        await console.handle("/as max")
        await console.handle("/match join")
        await console.handle("/mentor offer capacity:1")
        assert "tom is looking for a mentor in rust." in (sent(console, "dm", "max")[-1].text or "")
        community = await app.community(KEY)
        assert await mentoring(app).assign(community) == {}


async def test_the_intro_names_its_group_and_suggests_working_days(open_console: Opener, clock: FakeClock) -> None:
    clock.now = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)  # a Friday afternoon: the weekend is next
    async with open_console() as (_app, console):
        await profile(console, "ana", "timezone:Pacific/Kiritimati languages:en", join=False)
        await console.handle("/match join group:design team")
        await profile(console, "ben", "timezone:Pacific/Honolulu languages:en", join=False)
        await console.handle("/match join group:design team")
        await console.handle("/as admin")
        await console.handle("/match run-now group:design team")
        intro = sent(console, "intro")[-1]
        assert (intro.text or "").startswith("From the intro round of the group “design team”.")
        times = next(f.value for f in intro.fields if f.name == "Times that suit everyone")
        lines = times.splitlines()
        assert len(lines) == 3
        for line in lines:
            for part, zone in zip(line.split("; "), ("Pacific/Kiritimati", "Pacific/Honolulu"), strict=True):
                day = part.split(",")[0]
                assert day in ("Mon", "Tue", "Wed", "Thu", "Fri"), (line, zone)
        # Kiritimati is a day ahead of Honolulu on the same clock
        assert lines[0].startswith("Tue") and lines[0].split("; ")[1].startswith("Mon")


async def test_a_mentor_back_from_a_pause_gets_the_waiting_mentee(open_console: Opener, clock: FakeClock) -> None:
    async with open_console() as (app, console):
        await profile(console, "mia", "languages:en")
        await console.handle("/mentor offer topics:rust capacity:1")
        await console.handle("/match pause weeks:1")
        await profile(console, "tom", "languages:en")
        await console.handle("/mentor request topic:rust")
        assert "busy right now" in last_reply(console)
        await mentoring(app).retry()  # the hourly retry: still paused, nothing is proposed
        assert sent(console, "dm", "mia") == []
        clock.advance(days=7, hours=1)
        await mentoring(app).retry()
        assert "tom is looking for a mentor in rust." in (sent(console, "dm", "mia")[-1].text or "")


async def test_who_declined_is_not_suggested_to_the_same_requester_again(open_console: Opener,
                                                                        clock: FakeClock) -> None:
    async with open_console() as (_app, console):
        await profile(console, "me", "topics:smart factories languages:en")
        await profile(console, "ana", SAME)
        await profile(console, "ben", SAME)
        await console.handle("/as me")
        await console.handle("/match find topic:smart factories")
        found = last_message(console)
        await press(console, found, "ana")
        await console.handle("/as ana")
        await press(console, sent(console, "dm", "ana")[-1], "Not now")
        await console.handle("/as me")
        await console.handle("/match find topic:smart factories")
        assert suggested(console) == ["ben"]  # ana said "not now": asking again would only press her
        await press(console, found, "ana")  # the old button
        assert "ana could not take on an intro with you lately" in last_reply(console)
        assert len([m for m in sent(console, "dm", "ana") if "would like to be introduced" in (m.text or "")]) == 1
        await console.handle("/as ben")  # others still see ana
        await console.handle("/match find topic:smart factories")
        assert "ana" in suggested(console)
        clock.advance(days=29)
        await console.handle("/as me")
        await console.handle("/match find topic:smart factories")
        assert sorted(suggested(console)) == ["ana", "ben"]


async def test_a_mentor_the_mentee_met_lately_comes_after_a_new_one(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await profile(console, "mia", "languages:en timezone:UTC")  # first: without the history, mia would win
        await profile(console, "tom", "languages:en timezone:UTC")
        await console.handle("/as admin")
        await console.handle("/match run-now")
        assert len(intros(console)) == 1  # tom and mia met in last week's round
        await profile(console, "max", "languages:en timezone:UTC")
        for mentor in ("mia", "max"):
            await console.handle(f"/as {mentor}")
            await console.handle("/mentor offer topics:rust capacity:1")
        await console.handle("/as tom")
        await console.handle("/mentor request topic:rust")
        assert "tom is looking for a mentor in rust." in (sent(console, "dm", "max")[-1].text or "")
        assert not [m for m in sent(console, "dm", "mia") if "looking for a mentor" in (m.text or "")]
