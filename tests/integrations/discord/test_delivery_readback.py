"""Reading a delivery back on Discord: the real bot (discord.py) against the fake, which keeps channel history,
enforces nonces and Read Message History as Discord does.

A crash is simulated in this process by cancelling a delivery while the fake holds one of its calls (before
Discord carried it out, or after): nothing of the delivery's own code runs after that moment, as after a kill
(tests/delivery kills real processes).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest

from bootstrap.discovery import discover
from cogs.matching.messages import checkin_message
from core.delivery import Deliverer, State
from core.errors import DeliveryUnverified
from core.messages import Message
from core.refs import ChannelRef, CommunityRef, MemberRef
from core.settings import Settings
from integrations.discord.trace import delivery_nonce
from storage.deliveries import DeliveryRepo
from tests.fakes.discord import DefaultWorld, FakeDiscord, FakeUser, Permissions, default_world
from tests.integrations.discord.harness import KindredOnDiscord, kindred_on_discord

MESSAGES = re.compile(r"/channels/\d+/messages")


@pytest.fixture
async def running(settings: Settings) -> AsyncIterator[tuple[KindredOnDiscord, FakeDiscord, DefaultWorld]]:
    world = default_world(member_count=3)
    async with FakeDiscord(world) as fake, kindred_on_discord(settings, fake, cogs=discover()) as bot:
        fake.state.nonce_window = 0  # unless a test is about Discord's own nonce check
        yield bot, fake, world


async def community_of(bot: KindredOnDiscord) -> CommunityRef:
    return (await bot.app.services.communities.all("discord"))[0]


def ref(user: FakeUser) -> MemberRef:
    return MemberRef("discord", str(user.id), user.username)


def deliverer(bot: KindredOnDiscord) -> Deliverer:
    """A new process's view of the ledger (its own token)."""
    return Deliverer(DeliveryRepo(bot.app.services.store), bot.app.services.clock)


def posts_by_bot(fake: FakeDiscord, channel_id: int) -> list[dict[str, Any]]:
    return [m for m in fake.messages_in(channel_id) if m["author"]["id"] == str(fake.bot.id)]


async def revoke_history(fake: FakeDiscord, world: DefaultWorld, bot: KindredOnDiscord) -> None:
    """Take Read Message History away from the bot (its role and @everyone), as a server admin might."""
    guild = world.guild
    for role in (guild.role_named("Kindred"), next(r for r in guild.roles if r.id == guild.id)):
        role.permissions &= ~Permissions.READ_MESSAGE_HISTORY
        await fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.payload()}, guild.id)
    client = bot.app.messenger("discord").client  # type: ignore[attr-defined]
    await fake.wait_until(lambda: not client.get_guild(guild.id).me.guild_permissions.read_message_history,
                          what="the role update")


async def cut_off(fake: FakeDiscord, work: Any, *, nth: int = 1, phase: str) -> None:
    """Run `work` until the fake holds its nth message post, then stop it there for good."""
    rule = fake.hold("POST", MESSAGES, nth=nth, phase=phase)
    task = asyncio.create_task(work)
    await asyncio.wait_for(rule.held.wait(), 10)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    rule.release.set()


async def test_history_pages_like_discord(running: tuple[KindredOnDiscord, FakeDiscord, DefaultWorld]) -> None:
    bot, fake, world = running
    client = bot.app.messenger("discord").client  # type: ignore[attr-defined]
    general = world.guild.channel_named("general")
    community = await community_of(bot)
    for i in range(7):
        await bot.app.messenger("discord").send(community, ChannelRef("discord", str(general.id)),
                                                Message(text=f"m{i}"))
    channel = client.get_channel(general.id)
    newest = [m.content async for m in channel.history(limit=3)]
    assert newest == ["m6", "m5", "m4"]
    everything = [m.content async for m in channel.history(limit=None)]  # pages of 100 with `before`
    assert everything == [f"m{i}" for i in range(6, -1, -1)]
    ids = [int(m["id"]) for m in sorted(fake.messages_in(general), key=lambda m: int(m["id"]))]
    anchor = channel.get_partial_message(ids[1])
    after = [m.content async for m in channel.history(limit=3, after=anchor)]
    assert after == ["m2", "m3", "m4"]  # discord.py asks with `after` and turns the page around
    listed = fake.requests("GET", f"/channels/{general.id}/messages")
    assert listed and all(1 <= int(r.query.get("limit", 50)) <= 100 for r in listed)


async def test_without_read_message_history_nothing_is_shown_and_nothing_is_resent(
        running: tuple[KindredOnDiscord, FakeDiscord, DefaultWorld]) -> None:
    bot, fake, world = running
    community = await community_of(bot)
    general = ChannelRef("discord", str(world.guild.channel_named("general").id))
    messenger = bot.app.messenger("discord")
    hello = Message(text="hello", ref="K-00000000000000aa")
    await messenger.send(community, general, hello)
    printed = [messenger.fingerprint(hello)]
    assert await messenger.find_delivered(community, general, hello.ref, fingerprints=printed) is not None
    other = [messenger.fingerprint(Message(text="hello again"))]
    assert await messenger.find_delivered(community, general, "K-00000000000000bb", fingerprints=other) is None
    await revoke_history(fake, world, bot)
    channel = bot.app.messenger("discord").client.get_channel(int(general.channel_id))  # type: ignore[attr-defined]
    assert [m async for m in channel.history(limit=10)] == []  # Discord's answer: no messages, no error
    with pytest.raises(DeliveryUnverified):
        await messenger.find_delivered(community, general, hello.ref, fingerprints=printed)


async def test_discord_enforces_a_nonce_for_a_few_minutes(
        running: tuple[KindredOnDiscord, FakeDiscord, DefaultWorld]) -> None:
    bot, fake, world = running
    fake.state.nonce_window = 300
    community = await community_of(bot)
    ana = world.members[0]
    messenger = bot.app.messenger("discord")
    first = await messenger.dm(community, ref(ana), Message(text="hi", ref="K-00000000000000cc"))
    again = await messenger.dm(community, ref(ana), Message(text="hi", ref="K-00000000000000cc"))
    assert first == again and len(fake.dms_to(ana)) == 1
    [post] = [r for r in fake.requests("POST", MESSAGES)][-1:]
    assert post.json["nonce"] == delivery_nonce("K-00000000000000cc", first.channel_id)
    assert post.json["enforce_nonce"] is True and len(post.json["nonce"]) <= 25
    assert "nonce" not in fake.dms_to(ana)[0]  # kept only in the answer, as on Discord
    assert fake.dms_to(ana)[0]["content"] == "hi"  # and nothing of the marker is shown
    fake.state.clock_offset = 301  # a few minutes on, Discord has forgotten the nonce
    later = await messenger.dm(community, ref(ana), Message(text="hi", ref="K-00000000000000cc"))
    assert len(fake.dms_to(ana)) == 2
    made = [discord.utils.snowflake_time(int(r.message_id)) for r in (first, later)]
    assert timedelta(seconds=300) < made[1] - made[0] < timedelta(seconds=330)  # ids carry Discord's time


@pytest.mark.parametrize("phase", ["before", "after"])
async def test_a_cut_off_dm_is_sent_once(running: tuple[KindredOnDiscord, FakeDiscord, DefaultWorld],
                                         phase: str) -> None:
    bot, fake, world = running
    community = await community_of(bot)
    ana = world.members[0]
    messenger = bot.app.messenger("discord")
    message = Message(text="Did you meet?")
    await cut_off(fake, deliverer(bot).send(messenger, community, "checkin:1:1", ref(ana), message), phase=phase)
    assert len(fake.dms_to(ana)) == (phase == "after")
    done = await deliverer(bot).send(messenger, community, "checkin:1:1", ref(ana), message, force=True)
    assert done.status == ("found" if phase == "after" else "sent")
    assert len(fake.dms_to(ana)) == 1
    row = await DeliveryRepo(bot.app.services.store).get(community.id, "checkin:1:1", f"dm:{ana.id}")
    assert row is not None and row.state == State.SENT and row.message_id == fake.dms_to(ana)[0]["id"]
    again = await deliverer(bot).send(messenger, community, "checkin:1:1", ref(ana), message, force=True)
    assert again.status == "earlier" and len(fake.dms_to(ana)) == 1


@pytest.mark.parametrize("phase", ["before", "after"])
async def test_a_cut_off_thread_intro_goes_on_in_its_thread(
        settings: Settings, phase: str) -> None:
    world = default_world(member_count=3)
    intros = world.guild.channel_named("intros")
    configured = settings.model_copy(update={"community": settings.community.model_copy(
        update={"intro_channel": str(intros.id)})})
    async with FakeDiscord(world) as fake, kindred_on_discord(configured, fake, cogs=discover()) as bot:
        fake.state.nonce_window = 0
        community = await community_of(bot)
        people = [ref(u) for u in world.members[:2]]
        messenger = bot.app.messenger("discord")
        intro = Message(text="Meet each other!", title="Intro")
        await cut_off(fake, deliverer(bot).introduce(messenger, community, "intro:9", people, intro), phase=phase)
        [thread] = fake.threads()
        assert len(posts_by_bot(fake, thread.id)) == (phase == "after")
        done = await deliverer(bot).introduce(messenger, community, "intro:9", people, intro, force=True)
        assert fake.threads() == [thread]  # no second thread
        assert len(posts_by_bot(fake, thread.id)) == 1 and done.conversation is not None
        assert done.conversation.channel_ids == (str(thread.id),)
        assert set(thread.member_ids) == {fake.bot.id, *(u.id for u in world.members[:2])}


async def test_an_intro_that_cannot_be_read_back_is_not_resent(settings: Settings) -> None:
    world = default_world(member_count=3)
    intros = world.guild.channel_named("intros")
    configured = settings.model_copy(update={"community": settings.community.model_copy(
        update={"intro_channel": str(intros.id)})})
    async with FakeDiscord(world) as fake, kindred_on_discord(configured, fake, cogs=discover()) as bot:
        fake.state.nonce_window = 0
        community = await community_of(bot)
        people = [ref(u) for u in world.members[:2]]
        messenger = bot.app.messenger("discord")
        intro = Message(text="Meet each other!")
        await cut_off(fake, deliverer(bot).introduce(messenger, community, "intro:5", people, intro), phase="after")
        await revoke_history(fake, world, bot)
        with pytest.raises(DeliveryUnverified):
            await deliverer(bot).introduce(messenger, community, "intro:5", people, intro, force=True)
        [thread] = fake.threads()
        assert len(posts_by_bot(fake, thread.id)) == 1
        row = await DeliveryRepo(bot.app.services.store).get(community.id, "intro:5", "intro")
        assert row is not None and row.state == State.UNKNOWN
        with pytest.raises(DeliveryUnverified):  # and it stays so: never sent again
            await deliverer(bot).introduce(messenger, community, "intro:5", people, intro, force=True)
        assert len(posts_by_bot(fake, thread.id)) == 1


def later_by(seconds: float) -> Any:
    """A process's clock `seconds` on from now (the fake's clock must be moved on with it)."""
    return lambda: datetime.now(UTC) + timedelta(seconds=seconds)


@pytest.mark.parametrize("phase", ["before", "after"])
async def test_an_earlier_identical_message_is_not_taken_for_the_cut_off_one(
        running: tuple[KindredOnDiscord, FakeDiscord, DefaultWorld], phase: str) -> None:
    bot, fake, world = running
    community = await community_of(bot)
    ana = world.members[0]
    messenger = bot.app.messenger("discord")
    message = Message(text="You could not be placed this round; you come first next time.")
    await messenger.dm(community, ref(ana), message)  # last time's, word for word
    fake.state.clock_offset = 600  # ten minutes later, for Discord and for the bot
    repo = DeliveryRepo(bot.app.services.store)
    work = Deliverer(repo, later_by(600)).send(messenger, community, "unplaced:2:1", ref(ana), message)
    await cut_off(fake, work, phase=phase)
    assert len(fake.dms_to(ana)) == 1 + (phase == "after")
    done = await Deliverer(repo, later_by(600)).send(messenger, community, "unplaced:2:1", ref(ana), message,
                                                     force=True)
    assert done.status == ("found" if phase == "after" else "sent")
    assert len(fake.dms_to(ana)) == 2  # the earlier one and this one
    assert done.ref is not None and done.ref.message_id == fake.dms_to(ana)[-1]["id"]


async def test_a_resumed_delivery_rendered_anew_finds_what_an_earlier_attempt_sent(
        running: tuple[KindredOnDiscord, FakeDiscord, DefaultWorld]) -> None:
    """The first attempt sent its greeting and died; the second (its buddy picked anew) died after its claim; the
    third still finds the first one's message and sends nothing."""
    bot, fake, world = running
    community = await community_of(bot)
    ana = world.members[0]
    messenger = bot.app.messenger("discord")
    greetings = [Message(text=f"Welcome, Ana! {name} is your buddy.") for name in ("Ben", "Cleo", "Dan")]
    await cut_off(fake, deliverer(bot).send(messenger, community, "greet:5", ref(ana), greetings[0]), phase="after")
    repo = DeliveryRepo(bot.app.services.store)
    second = await repo.claim(community.id, "greet:5", f"dm:{ana.id}", "died-after-its-claim",
                              bot.app.services.clock(), force=True, fingerprint=messenger.fingerprint(greetings[1]))
    assert len(second.fingerprints) == 2
    done = await deliverer(bot).send(messenger, community, "greet:5", ref(ana), greetings[2], force=True)
    assert done.status == "found" and [m["content"] for m in fake.dms_to(ana)] == [greetings[0].text]


@pytest.mark.parametrize("nth", [1, 2])
async def test_an_intro_by_dm_reaches_each_person_once_while_discord_enforces_nonces(
        running: tuple[KindredOnDiscord, FakeDiscord, DefaultWorld], nth: int) -> None:
    """No intro channel: one DM each under one delivery marker. Discord enforces a nonce per author, so each
    conversation gets its own; cut off after the nth DM, the intro goes on without a second DM to anyone."""
    bot, fake, world = running
    fake.state.nonce_window = 300
    community = await community_of(bot)
    people = world.members[:2]
    messenger = bot.app.messenger("discord")
    intro = Message(text="Meet each other!", title="Intro")
    work = deliverer(bot).introduce(messenger, community, "intro:11", [ref(u) for u in people], intro)
    await cut_off(fake, work, nth=nth, phase="after")
    fake.state.nonce_window = 0  # prove the read-back alone
    done = await deliverer(bot).introduce(messenger, community, "intro:11", [ref(u) for u in people], intro,
                                          force=True)
    assert done.conversation is not None and done.conversation.kind == "dms"
    assert [len(fake.dms_to(u)) for u in people] == [1, 1]
    nonces = {fake.state.message_nonces[int(fake.dms_to(u)[0]["id"])] for u in people}
    assert len(nonces) == 2


async def test_delivered_intros_greetings_and_checkins_show_no_marker(
        running: tuple[KindredOnDiscord, FakeDiscord, DefaultWorld]) -> None:
    bot, fake, world = running
    community = await community_of(bot)
    ana, ben = world.members[:2]
    general = ChannelRef("discord", str(world.guild.channel_named("general").id))
    messenger = bot.app.messenger("discord")
    send = deliverer(bot)
    await send.send(messenger, community, "checkin:42:1", ref(ana), checkin_message("en", 42, ["Ben"]))
    await send.send(messenger, community, "greet:1", ref(ben), Message(text="Welcome, Ben!"))
    await send.send(messenger, community, "welcome:post:1", general, Message(text=f"Welcome <@{ben.id}>!",
                                                                               mentions=(str(ben.id),)))
    await send.introduce(messenger, community, "intro:12", [ref(ana), ref(ben)], Message(text="Meet!", title="Hi"))
    delivered = [m for m in fake.state.messages.values() if m["author"]["id"] == str(fake.bot.id)]
    assert len(delivered) == 5 and all(int(m["id"]) in fake.state.message_nonces for m in delivered)
    shown = [str([m["content"], m["embeds"], m["components"]]) for m in delivered]
    assert [s for s in shown if re.search(r"K-[0-9a-f]{16}", s)] == []
    assert fake.dms_to(ben)[0]["content"] == "Welcome, Ben!"
