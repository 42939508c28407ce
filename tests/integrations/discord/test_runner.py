"""Starting and stopping on Discord: plain-words startup errors, gateway discovery, idempotent registration."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest

from core.dispatcher import App
from core.errors import DMClosed
from core.messages import Message
from core.refs import MemberRef
from core.settings import Settings
from core.settings.platforms import DiscordSettings
from integrations.discord.client import KindredClient, build_client, kindred_intents
from integrations.discord.endpoints import current_endpoints, reset_endpoints
from integrations.discord.errors import DiscordStartupError
from integrations.discord.invite import client_id_from_token, invite_url, kindred_permissions
from integrations.discord.runner import serve
from tests.fakes.discord import DefaultWorld, FakeDiscord, Intents, default_world
from tests.integrations.discord.harness import discord_settings, kindred_on_discord

TIMEOUT = 5.0


async def test_wrong_token_is_a_plain_startup_error(app: App, settings: Settings, fake: FakeDiscord) -> None:
    configured = discord_settings(settings, fake, token="not-the-token-at-all")
    with pytest.raises(DiscordStartupError, match=r"\[discord\] token") as caught:
        await asyncio.wait_for(serve(app, configured, asyncio.Event()), TIMEOUT)
    assert "not-the-token-at-all" not in str(caught.value)
    reset_endpoints()


async def test_missing_members_intent_says_where_to_enable_it(app: App, settings: Settings) -> None:
    async with FakeDiscord(default_world(), privileged_intents=0) as strict:
        configured = discord_settings(settings, strict)
        with pytest.raises(DiscordStartupError, match="Server Members Intent"):
            await asyncio.wait_for(serve(app, configured, asyncio.Event(), guild_ready_timeout=0.05), TIMEOUT)
    reset_endpoints()


async def test_gateway_is_discovered_from_the_api_when_not_configured(
    settings: Settings, fake: FakeDiscord, world: DefaultWorld
) -> None:
    async with kindred_on_discord(settings, fake, gateway_url=None) as bot:
        assert fake.requests("GET", "/gateway/bot")
        client = bot.app.messenger("discord").client  # type: ignore[attr-defined]
        assert client.shard_count == 1 and fake.gateway.identifies[0]["shard"] == [0, 1]
        assert current_endpoints()[1] == fake.gateway_url
        assert fake.gateway.identifies[0]["intents"] & Intents.GUILD_MEMBERS
        assert not fake.gateway.identifies[0]["intents"] & Intents.MESSAGE_CONTENT


async def test_restart_with_the_same_tree_uploads_nothing_and_global_mode_works(
    settings: Settings, fake: FakeDiscord, world: DefaultWorld
) -> None:
    async with kindred_on_discord(settings, fake, guild_ids=[]):
        pass
    async with kindred_on_discord(settings, fake, guild_ids=[]):
        pass
    assert len(fake.requests("PUT", re.compile(r"/applications/\d+/commands"))) == 1
    assert fake.registered_commands() and fake.registered_commands(world.guild) == []
    assert fake.requests("GET", re.compile(r"/applications/\d+/commands"))[0].query == {"with_localizations": "true"}


async def test_stop_closes_the_gateway(settings: Settings, fake: FakeDiscord) -> None:
    async with kindred_on_discord(settings, fake) as bot:
        assert fake.gateway.live_sessions()
        await bot.shutdown()
        assert bot.task.done() and bot.task.exception() is None
    await fake.wait_until(lambda: not fake.gateway.live_sessions(), what="the gateway to close")


async def test_nothing_secret_is_logged(
    settings: Settings, fake: FakeDiscord, world: DefaultWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="integrations.discord")
    async with kindred_on_discord(settings, fake) as bot:
        shy = world.members[1]
        shy.dms_open = False
        fake.rate_limit("POST", re.compile(r"/interactions/.*"), retry_after=0.01)
        record = await fake.slash("profile show", user=world.members[0])
        await fake.wait_for_reply(record)
        community = (await bot.app.services.communities.all("discord"))[0]
        with pytest.raises(DMClosed):
            await bot.app.messenger("discord").dm(community, MemberRef("discord", str(shy.id)), Message(text="hi"))
    text = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("integrations.discord"))
    assert "code 50007" in text
    assert fake.token not in text and record.token not in text


def test_sharding_settings_choose_the_sharded_client(app: App) -> None:
    sharded = build_client(app, DiscordSettings(token="x", shard_count=2, shard_ids=[1]))
    assert isinstance(sharded, KindredClient)
    assert sharded.shard_count == 2 and sharded.shard_ids == [1]
    assert build_client(app, DiscordSettings(token="x")).shard_count is None  # automatic: asks Discord
    with pytest.raises(DiscordStartupError, match="shard_count"):
        build_client(app, DiscordSettings(token="x", shard_ids=[0]))
    with pytest.raises(DiscordStartupError, match="below"):
        build_client(app, DiscordSettings(token="x", shard_count=2, shard_ids=[2]))


def test_intents_are_minimal() -> None:
    intents = kindred_intents(DiscordSettings())
    assert intents.guilds and intents.members and intents.guild_messages and intents.guild_reactions
    assert not intents.message_content and not intents.presences and not intents.dm_messages
    assert kindred_intents(DiscordSettings(store_message_content=True)).message_content


def test_invite_url_has_both_scopes_and_only_the_needed_permissions() -> None:
    url = invite_url(1234567890)
    assert "scope=bot+applications.commands" in url
    permissions = kindred_permissions()
    assert permissions.create_private_threads and permissions.send_messages_in_threads
    assert not permissions.administrator and not permissions.mention_everyone and not permissions.manage_guild
    assert f"permissions={permissions.value}" in url
    assert client_id_from_token("MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.x.y") == 1234567890123456789
    assert client_id_from_token("garbage") is None


async def test_sharding_is_automatic_or_as_configured_on_the_gateway(settings: Settings, world: DefaultWorld) -> None:
    async with FakeDiscord(world, shard_count=2) as fake:
        # Automatic: Discord recommends two shards; the second IDENTIFY comes five seconds after the first.
        async with kindred_on_discord(settings, fake, gateway_url=None, ready_timeout=20):
            assert sorted(i["shard"] for i in fake.gateway.identifies) == [[0, 2], [1, 2]]
            reply = await fake.wait_for_reply(await fake.slash("help", user=world.members[0]))
            assert reply["embeds"] or reply["content"]
        before = len(fake.gateway.identifies)
        mine = (world.guild.id >> 22) % 2  # the shard Discord routes this guild's events to
        async with kindred_on_discord(settings, fake, shard_count=2, shard_ids=[mine]):
            assert [i["shard"] for i in fake.gateway.identifies[before:]] == [[mine, 2]]
            reply = await fake.wait_for_reply(await fake.slash("help", user=world.members[0]))
            assert reply["embeds"] or reply["content"]
