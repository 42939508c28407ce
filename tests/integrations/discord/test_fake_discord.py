"""The fake Discord speaks well enough for an unmodified discord.py 2.7 client.

A plain `discord.Client` with Kindred's intents is pointed at the fake through `configure_endpoints`, logs
in over REST, connects to the gateway (zlib-stream), receives READY + GUILD_CREATE and injected events, and
sends messages the fake records; a 429 from the fake is retried by discord.py itself.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest

from integrations.discord.endpoints import configure_endpoints, current_endpoints, reset_endpoints
from tests.fakes.discord import (
    CANNOT_DM_USER,
    FakeDiscord,
    FakeUser,
    Intents,
    default_world,
    new_user,
)

TIMEOUT = 5.0


def kindred_intents() -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.guild_messages = True
    intents.guild_reactions = True
    return intents


@dataclass
class Seen:
    """Events the client received, each with an asyncio.Event to await."""

    events: dict[str, list[Any]] = field(default_factory=dict)
    signals: dict[str, asyncio.Event] = field(default_factory=dict)

    def add(self, name: str, value: Any) -> None:
        self.events.setdefault(name, []).append(value)
        self.signal(name).set()

    def signal(self, name: str) -> asyncio.Event:
        return self.signals.setdefault(name, asyncio.Event())

    async def wait(self, name: str, count: int = 1) -> list[Any]:
        async with asyncio.timeout(TIMEOUT):
            while len(self.events.get(name, [])) < count:
                self.signal(name).clear()
                await self.signal(name).wait()
        return self.events[name]


class RecordingClient(discord.Client):
    def __init__(self, seen: Seen) -> None:
        super().__init__(intents=kindred_intents(), guild_ready_timeout=0.05)
        self.seen = seen

    async def on_ready(self) -> None:
        self.seen.add("ready", [g.id for g in self.guilds])

    async def on_message(self, message: discord.Message) -> None:
        self.seen.add("message", message)

    async def on_member_join(self, member: discord.Member) -> None:
        self.seen.add("member_join", member)

    async def on_member_remove(self, member: discord.Member) -> None:
        self.seen.add("member_remove", member)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.seen.add("reaction", payload)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.seen.add("guild_join", guild)

    async def on_resumed(self) -> None:
        self.seen.add("resumed", True)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(default_world()) as server:
        configure_endpoints(server.api_base_url, server.gateway_url)
        yield server
    reset_endpoints()


@pytest.fixture
async def client(fake: FakeDiscord) -> AsyncIterator[RecordingClient]:
    seen = Seen()
    bot = RecordingClient(seen)
    task = asyncio.create_task(bot.start(fake.token))
    try:
        await seen.wait("ready")
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(task, TIMEOUT)


async def test_configure_endpoints_points_discord_py_at_the_fake(fake: FakeDiscord) -> None:
    api, gateway = current_endpoints()
    assert api == fake.api_base_url
    assert gateway == fake.gateway_url
    route = discord.http.Route("GET", "/users/@me")
    assert route.url == fake.api_base_url + "/users/@me"


def test_configure_endpoints_rejects_unusable_urls() -> None:
    with pytest.raises(ValueError, match="api_base_url"):
        configure_endpoints("ftp://example.invalid/api", None)
    with pytest.raises(ValueError, match="gateway_url"):
        configure_endpoints("http://127.0.0.1:1/api/v10", "http://127.0.0.1:1/gateway")
    reset_endpoints()
    assert current_endpoints() == ("https://discord.com/api/v10", "wss://gateway.discord.gg/")


async def test_client_logs_in_and_receives_ready_and_guild(fake: FakeDiscord, client: RecordingClient) -> None:
    world = fake.world
    assert world is not None
    assert client.seen.events["ready"] == [[world.guild.id]]
    assert client.user is not None and client.user.id == world.bot.id
    guild = client.get_guild(world.guild.id)
    assert guild is not None
    assert {c.name for c in guild.text_channels} == {"general", "intros", "mod-log"}
    assert guild.get_member(world.moderator.id) is not None
    assert guild.chunked
    assert any(r.name == "Moderator" for r in guild.roles)
    # discord.py asked for compression and sent the intents we configured; privileged: members only.
    identify = fake.gateway.identifies[0]
    assert identify["intents"] == kindred_intents().value
    assert not identify["intents"] & Intents.MESSAGE_CONTENT
    assert [r.path for r in fake.requests("GET")][:2] == ["/users/@me", "/oauth2/applications/@me"]


async def test_injected_message_and_member_join_arrive(fake: FakeDiscord, client: RecordingClient) -> None:
    world = fake.world
    assert world is not None
    author = world.members[0]
    await fake.post_message(author, "hello everyone, secret plans", channel="general")
    [message] = await client.seen.wait("message")
    assert message.author.id == author.id
    assert message.channel.name == "general"
    assert message.content == ""  # no MESSAGE_CONTENT intent: Discord strips it, so does the fake

    newcomer = new_user("newcomer", global_name="New Comer")
    await fake.member_join(newcomer)
    [member] = await client.seen.wait("member_join")
    assert member.id == newcomer.id and member.guild.id == world.guild.id

    await fake.member_leave(newcomer)
    [gone] = await client.seen.wait("member_remove")
    assert gone.id == newcomer.id


async def test_reaction_and_new_guild(fake: FakeDiscord, client: RecordingClient) -> None:
    world = fake.world
    assert world is not None
    message = await fake.post_message(world.members[1], "nice", channel="general")
    await fake.add_reaction(world.members[0], message, "🎉")
    [reaction] = await client.seen.wait("reaction")
    assert reaction.user_id == world.members[0].id and str(reaction.emoji) == "🎉"

    other = default_world(guild_name="Second Community").guild
    await fake.join_guild(other)
    [joined] = await client.seen.wait("guild_join")
    assert joined.id == other.id and joined.name == "Second Community"


async def test_client_sends_a_message_the_fake_records(fake: FakeDiscord, client: RecordingClient) -> None:
    world = fake.world
    assert world is not None
    channel = client.get_channel(world.guild.channel_named("intros").id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send(
        f"Welcome <@{world.members[0].id}> @everyone",
        allowed_mentions=discord.AllowedMentions(everyone=False),
    )
    stored = fake.messages_in(world.guild.channel_named("intros"))
    assert [m["id"] for m in stored] == [str(sent.id)]
    assert stored[0]["mention_everyone"] is False
    assert [u["id"] for u in stored[0]["mentions"]] == [str(world.members[0].id)]
    request = fake.requests("POST", f"/channels/{channel.id}/messages")[0]
    assert request.json["content"].startswith("Welcome")
    assert request.json["allowed_mentions"]["parse"] == ["users", "roles"]


async def test_files_thread_and_dm_closed(fake: FakeDiscord, client: RecordingClient) -> None:
    world = fake.world
    assert world is not None
    intros = client.get_channel(world.guild.channel_named("intros").id)
    assert isinstance(intros, discord.TextChannel)
    thread = await intros.create_thread(name="Intro: A & B", type=discord.ChannelType.private_thread, invitable=False)
    await thread.add_user(discord.Object(world.members[0].id))
    await thread.send("hi", file=discord.File(__import__("io").BytesIO(b"a,b\n"), filename="export.csv"))
    [fake_thread] = fake.threads()
    assert fake_thread.member_ids == [world.bot.id, world.members[0].id]
    [posted] = fake.messages_in(fake_thread)
    assert posted["attachments"][0]["filename"] == "export.csv"
    upload = fake.requests("POST", f"/channels/{thread.id}/messages")[0]
    assert upload.files[0].content == b"a,b\n"

    shy: FakeUser = world.members[1]
    shy.dms_open = False
    user = await client.fetch_user(shy.id)
    with pytest.raises(discord.Forbidden) as caught:
        await user.send("hello")
    assert caught.value.code == CANNOT_DM_USER
    assert fake.dms_to(shy) == []


async def test_rate_limit_is_retried_by_discord_py(fake: FakeDiscord, client: RecordingClient) -> None:
    world = fake.world
    assert world is not None
    general = world.guild.channel_named("general")
    path = f"/channels/{general.id}/messages"
    fake.rate_limit("POST", path, count=2, retry_after=0.01)
    channel = client.get_channel(general.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.send("after the storm")
    statuses = [r.status for r in fake.requests("POST", path)]
    assert statuses == [429, 429, 200]
    assert [m["content"] for m in fake.messages_in(general)] == ["after the storm"]


async def test_global_rate_limit_on_interaction_callback_is_retried(fake: FakeDiscord, client: RecordingClient) -> None:
    tree = discord.app_commands.CommandTree(client)

    @tree.command(name="ping", description="Check the bot answers")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong", ephemeral=True)

    world = fake.world
    assert world is not None
    tree.copy_global_to(guild=discord.Object(world.guild.id))
    await tree.sync(guild=discord.Object(world.guild.id))
    assert [c["name"] for c in fake.registered_commands(world.guild)] == ["ping"]
    fake.rate_limit("POST", re.compile(r"/interactions/\d+/[^/]+/callback"), retry_after=0.01, is_global=True)
    record = await fake.slash("ping", user=world.members[0])
    reply = await fake.wait_for_reply(record)
    assert reply["content"] == "pong" and reply["flags"] & 64
    assert [r.status for r in fake.requests("POST", re.compile(r"/interactions/.*"))] == [429, 200]


async def test_reconnect_resumes_the_session(fake: FakeDiscord, client: RecordingClient) -> None:
    await fake.request_reconnect()
    await client.seen.wait("resumed")
    assert len(fake.gateway.resumes) == 1
    world = fake.world
    assert world is not None
    await fake.post_message(world.members[0], "still here")
    await client.seen.wait("message")


async def test_wrong_token_is_refused(fake: FakeDiscord) -> None:
    bot = discord.Client(intents=kindred_intents())
    with pytest.raises(discord.LoginFailure):
        await asyncio.wait_for(bot.login("not-the-token"), TIMEOUT)
    await bot.close()


async def test_missing_privileged_intent_closes_with_4014() -> None:
    world = default_world()
    async with FakeDiscord(world, privileged_intents=0) as server:
        configure_endpoints(server.api_base_url, server.gateway_url)
        bot = discord.Client(intents=kindred_intents())
        try:
            with pytest.raises(discord.PrivilegedIntentsRequired):
                await asyncio.wait_for(bot.start(server.token), TIMEOUT)
        finally:
            await bot.close()
            reset_endpoints()


async def test_fake_rejects_a_second_interaction_response(fake: FakeDiscord, client: RecordingClient) -> None:
    tree = discord.app_commands.CommandTree(client)
    errors: list[BaseException] = []

    @tree.command(name="twice", description="Answers twice, wrongly")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        try:
            await client.http.request(
                discord.http.Route("POST", "/interactions/{i}/{t}/callback", i=interaction.id, t=interaction.token),
                json={"type": 4, "data": {"content": "again"}},
            )
        except discord.HTTPException as exc:
            errors.append(exc)
        await interaction.followup.send("done")

    world = fake.world
    assert world is not None
    await tree.sync()
    record = await fake.slash("twice", user=world.members[0])
    await fake.wait_until(lambda: fake.followups(record), what="the followup")
    assert isinstance(errors[0], discord.HTTPException) and errors[0].code == 40060
    assert fake.followups(record)[0]["content"] == "done"


async def test_fake_refuses_what_discord_would_refuse(fake: FakeDiscord, client: RecordingClient) -> None:
    world = fake.world
    assert world is not None
    channel = client.get_channel(world.guild.channel_named("general").id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)
    assert too_long.value.code == 50035
    view = discord.ui.View()
    for i in range(5):
        view.add_item(discord.ui.Button(label=str(i), custom_id="same" if i < 2 else f"b{i}"))
    with pytest.raises(discord.HTTPException, match="duplicate custom_id"):
        await channel.send("dupes", view=view)
    assert fake.messages_in(world.guild.channel_named("general")) == []
