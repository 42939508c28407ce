"""Every intro, greeting and check-in is delivered exactly once, whatever moment the bot process dies.

The real bot runs in child processes against the fake Discord; the fake holds the n-th message the bot posts,
either before Discord carries it out ("before": the bot died before its call) or after Discord did and before
the bot saw the answer ("after": the call happened, its record did not). The test kills the bot with SIGKILL at
that moment, starts it again on the same store with a later clock, and checks on the fake's side that every
person has exactly one intro, one greeting, one check-in. Killing before the n+1-th call is killing after the
n-th call and its record. On SQLite and PostgreSQL, and with two processes sharing PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cogs.matching.tables import matching_intros, matching_rounds
from storage.delivery_schema import deliveries
from storage.engine import open_store
from tests.delivery.conftest import WAIT, Bots, Zygote, pg_store
from tests.fakes.discord import DefaultWorld, FakeDiscord, FakeUser, default_world, new_user

SHOWN_MARKER = re.compile(r"K-[0-9a-f]{16}")
MESSAGES = re.compile(r"/channels/\d+/messages")
MEMBERS = 6  # three intros
DAY = 86400.0


def marker_of(fake: FakeDiscord, message: dict[str, Any]) -> str | None:
    """The nonce a delivery was sent with (one per delivery and conversation; the fake's record, members and
    the history never see it)."""
    return fake.state.message_nonces.get(int(message["id"]))


def from_bot(fake: FakeDiscord, message: dict[str, Any]) -> bool:
    return message["author"]["id"] == str(fake.bot.id)


def is_checkin(message: dict[str, Any]) -> bool:
    return "match:met:" in str(message.get("components"))


def all_marked(fake: FakeDiscord) -> list[str]:
    """Every delivery nonce of a message of the bot (a message sent twice has its nonce twice)."""
    return [m for m in (marker_of(fake, x) for x in fake.state.messages.values() if from_bot(fake, x)) if m]


def shown_markers(fake: FakeDiscord) -> list[str]:
    """Marker text anywhere members can see it in the bot's messages (there must be none)."""
    return [found for m in fake.state.messages.values() if from_bot(fake, m)
            for found in SHOWN_MARKER.findall(str([m.get("content"), m.get("embeds"), m.get("components")]))]


def intros_of(fake: FakeDiscord, world: DefaultWorld) -> Counter[int]:
    """How many intro messages each member can see (in the intro threads they were added to)."""
    seen: Counter[int] = Counter()
    for thread in fake.threads():
        posts = [m for m in fake.messages_in(thread) if from_bot(fake, m) and marker_of(fake, m)]
        for user_id in thread.member_ids:
            if user_id != fake.bot.id:
                seen[user_id] += len(posts)
    return seen


def dms_of(fake: FakeDiscord, users: list[FakeUser], *, checkins: bool) -> Counter[int]:
    """How many marked DMs (check-ins, or else greetings) each user got."""
    return Counter({u.id: sum(1 for m in fake.dms_to(u)
                               if from_bot(fake, m) and marker_of(fake, m) and is_checkin(m) == checkins)
                    for u in users})


async def store_rows(url: str, query: sa.Select[Any]) -> list[Any]:
    store = await open_store(url, migrate=False)
    try:
        async with store.read() as conn:
            return list(await conn.execute(query))
    finally:
        await store.close()


@pytest.fixture
async def discord_world() -> AsyncIterator[tuple[FakeDiscord, DefaultWorld]]:
    world = default_world(member_count=MEMBERS)
    async with FakeDiscord(world) as fake:
        yield fake, world


@pytest.fixture
async def bots(zygote: Zygote, discord_world: tuple[FakeDiscord, DefaultWorld], crash_store: str,
               tmp_path: Path) -> AsyncIterator[Bots]:
    fake, world = discord_world
    intros = world.guild.channel_named("intros")
    running = Bots(zygote, fake, crash_store, tmp_path / "bots.log",
                   {"KINDRED_COMMUNITY__INTRO_CHANNEL": str(intros.id)})
    try:
        yield running
    finally:
        fake.state.nonce_window = 0
        for rule in fake.state.holds:
            rule.release.set()
        await running.stop_all()


async def ready(bots: Bots, pid: int, sessions: int) -> None:
    try:
        await bots.fake.wait_until_ready(sessions=sessions, timeout=WAIT)
    except AssertionError:
        raise AssertionError(f"bot {pid} did not connect:\n{bots.log_text()[-4000:]}") from None


async def settle(bots: Bots, what: str, done: Any) -> None:
    """Wait (bounded) until `done()` says the bot finished its work."""
    try:
        await bots.fake.wait_until(done, timeout=WAIT, what=what)
    except AssertionError:
        raise AssertionError(f"timed out waiting for {what}:\n{bots.log_text()[-6000:]}") from None


async def crash_at(bots: Bots, pid: int, nth: int, phase: str, path: re.Pattern[str] = MESSAGES,
                   method: str = "POST") -> Any:
    """Hold the nth matching call; returns a waiter that kills `pid` once it is held."""
    rule = bots.fake.hold(method, path, nth=nth, phase=phase)

    async def kill_when_held() -> None:
        try:
            await asyncio.wait_for(rule.held.wait(), WAIT)
        except TimeoutError:
            raise AssertionError(f"the bot never made call {nth}:\n{bots.log_text()[-4000:]}") from None
        await bots.kill(pid)
        rule.release.set()

    return kill_when_held()


async def join_round(bots: Bots, world: DefaultWorld) -> None:
    for member in world.members:
        record = await bots.fake.slash("match join", user=member)
        await bots.fake.wait_for_reply(record, timeout=WAIT)


async def rounds_done(bots: Bots) -> bool:
    rows = await store_rows(bots.store_url, sa.select(matching_rounds.c.status))
    return bool(rows) and all(r.status == "done" for r in rows)


async def wait_round_done(bots: Bots, world: DefaultWorld) -> None:
    await settle(bots, "every member's intro", lambda: all(intros_of(bots.fake, world)[m.id] for m in world.members))
    for _ in range(int(WAIT * 10)):
        if await rounds_done(bots):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the round never finished:\n{bots.log_text()[-4000:]}")


def assert_once(fake: FakeDiscord, counts: Counter[int], people: list[FakeUser], what: str) -> None:
    assert {p.username: counts[p.id] for p in people} == {p.username: 1 for p in people}, what
    repeated = [m for m, n in Counter(all_marked(fake)).items() if n > 1]
    assert repeated == [], f"sent twice: {repeated}"
    assert shown_markers(fake) == [], "a delivery marker is shown to members"


INTRO_KILLS = [pytest.param(n, phase, id=f"intro{n}-{phase}") for n in (1, 2, 3) for phase in ("before", "after")]


@pytest.mark.parametrize(("nth", "phase"), INTRO_KILLS)
async def test_round_intros_once_when_killed_mid_round(bots: Bots, discord_world: tuple[FakeDiscord, DefaultWorld],
                                                       nth: int, phase: str) -> None:
    fake, world = discord_world
    fake.state.nonce_window = 0  # Discord's own nonce check would hide a resend: prove the read-back alone
    first = bots.start()
    await ready(bots, first, 1)
    await join_round(bots, world)
    killer = await crash_at(bots, first, nth, phase)
    await fake.slash("match-admin run-now", user=world.moderator)
    await killer
    assert len(set(all_marked(fake))) == nth - (phase == "before")  # the crash came where it was meant to
    second = bots.start(offset=600)  # ten minutes later: the round's heartbeat is old, it is taken over
    await ready(bots, second, 2)
    await wait_round_done(bots, world)
    assert_once(fake, intros_of(fake, world), world.members, "intros")
    statuses = [r.status for r in await store_rows(bots.store_url, sa.select(matching_intros.c.status))]
    assert statuses == ["sent"] * (MEMBERS // 2)


async def test_round_intros_once_when_killed_after_every_record(
        bots: Bots, discord_world: tuple[FakeDiscord, DefaultWorld]) -> None:
    """The last intro and its record are written; the process dies before the round's answer to the moderator."""
    fake, world = discord_world
    fake.state.nonce_window = 0
    first = bots.start()
    await ready(bots, first, 1)
    await join_round(bots, world)
    killer = await crash_at(bots, first, 1, "before", re.compile(r"/webhooks/\d+/[^/]+/messages/@original"),
                            "PATCH")
    await fake.slash("match-admin run-now", user=world.moderator)
    await killer
    second = bots.start(offset=600)
    await ready(bots, second, 2)
    await wait_round_done(bots, world)
    assert_once(fake, intros_of(fake, world), world.members, "intros")


CHECKIN_KILLS = [pytest.param(n, phase, id=f"checkin{n}-{phase}") for n in (1, 4, 6) for phase in ("before", "after")]


@pytest.mark.parametrize(("nth", "phase"), CHECKIN_KILLS)
async def test_checkins_once_when_killed_mid_way(bots: Bots, discord_world: tuple[FakeDiscord, DefaultWorld],
                                                 nth: int, phase: str) -> None:
    fake, world = discord_world
    fake.state.nonce_window = 0
    first = bots.start()
    await ready(bots, first, 1)
    await join_round(bots, world)
    await fake.slash("match-admin run-now", user=world.moderator)
    await wait_round_done(bots, world)
    await bots.stop(first)
    second = bots.start(offset=4 * DAY)  # halfway through the week: the check-ins are due at start-up
    killer = await crash_at(bots, second, nth, phase)
    await killer
    third = bots.start(offset=4 * DAY + 600)
    await ready(bots, third, 3)
    await settle(bots, "every member's check-in",
                 lambda: all(dms_of(fake, world.members, checkins=True).values())
                 and len(dms_of(fake, world.members, checkins=True)) == MEMBERS)
    for _ in range(int(WAIT * 10)):  # ... and every check-in's record
        left = await store_rows(bots.store_url, sa.select(deliveries.c.key).where(
            deliveries.c.key.startswith("checkin:"), deliveries.c.state != "sent"))
        if not left:
            break
        await asyncio.sleep(0.1)
    assert_once(fake, dms_of(fake, world.members, checkins=True), world.members, "check-ins")
    assert_once(fake, intros_of(fake, world), world.members, "intros")


GREETING_KILLS = [pytest.param(n, phase, id=f"greeting{n}-{phase}") for n in (1, 3, 5) for phase in ("before", "after")]
NEWCOMERS = 4


@pytest.mark.parametrize(("nth", "phase"), GREETING_KILLS)
async def test_greetings_once_when_killed_mid_way(bots: Bots, discord_world: tuple[FakeDiscord, DefaultWorld],
                                                  nth: int, phase: str) -> None:
    fake, world = discord_world
    fake.state.nonce_window = 0
    general = world.guild.channel_named("general")
    # greeted two seconds after joining: every join is stored before the greetings start (a join event the bot
    # never handled is lost with it, as on Discord, and is not what this test is about)
    bots.settings.update({"KINDRED_WELCOME__DELAY_SECONDS": "2", "KINDRED_WELCOME__CHANNEL": str(general.id)})
    first = bots.start()
    await ready(bots, first, 1)
    killer = await crash_at(bots, first, nth, phase)
    newcomers = [new_user(f"newcomer{i}") for i in range(NEWCOMERS)]
    for user in newcomers:
        await fake.member_join(user)
    for _ in range(int(WAIT * 10)):
        if len(await store_rows(bots.store_url, sa.text("SELECT id FROM welcome_steps WHERE step = 'greeted'"))) \
                == NEWCOMERS:
            break
        await asyncio.sleep(0.1)
    await killer
    second = bots.start(offset=900)  # fifteen minutes later: the cut-off greetings are finished
    await ready(bots, second, 2)

    def named(user: FakeUser) -> int:
        return sum(1 for m in fake.messages_in(general) if from_bot(fake, m) and f"<@{user.id}>" in m["content"])

    await settle(bots, "every greeting", lambda: all(dms_of(fake, newcomers, checkins=False).values())
                 and all(named(u) for u in newcomers))
    for _ in range(int(WAIT * 10)):  # ... and every greeting's record
        left = await store_rows(bots.store_url, sa.text(
            "SELECT id FROM welcome_steps WHERE step = 'greeted' AND status <> 'done'"))
        if not left:
            break
        await asyncio.sleep(0.1)
    assert_once(fake, dms_of(fake, newcomers, checkins=False), newcomers, "greeting DMs")
    assert {u.username: named(u) for u in newcomers} == {u.username: 1 for u in newcomers}, "channel greetings"


@pg_store()
@pytest.mark.parametrize(("nth", "phase"), [pytest.param(2, "after", id="intro2-after"),
                                            pytest.param(3, "before", id="intro3-before")])
async def test_two_processes_sharing_postgresql_finish_the_round_once(
        bots: Bots, discord_world: tuple[FakeDiscord, DefaultWorld], nth: int, phase: str) -> None:
    fake, world = discord_world
    fake.state.nonce_window = 0
    first = bots.start()
    await ready(bots, first, 1)
    await join_round(bots, world)
    killer = await crash_at(bots, first, nth, phase)
    await fake.slash("match-admin run-now", user=world.moderator)
    await killer
    second, third = bots.start(offset=600), bots.start(offset=600)  # both recover at once
    await ready(bots, second, 3)
    await wait_round_done(bots, world)
    await asyncio.sleep(1.0)  # give the slower process every chance to send something twice
    assert_once(fake, intros_of(fake, world), world.members, "intros")
    assert third in bots.pids
