"""One Kindred process serving a Discord guild and a Slack workspace at once, as `bot.py` does with both
credentials: the real App and store, discord.py against the fake Discord and slack-bolt against the fake Slack.

`two_platforms(store_url)` starts both integrations on one App (the store on SQLite or PostgreSQL) and yields a
`TwoPlatforms` with small helpers to act as a person on either side and read what the bot answered.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from bootstrap.runtime import running_app
from core.dispatcher import App
from core.settings import load_settings
from integrations.discord.endpoints import reset_endpoints
from integrations.discord.runner import serve
from integrations.slack.integration import SlackIntegration
from tests.fakes.discord import DefaultWorld, FakeDiscord, FakeMember, FakeUser, default_world
from tests.fakes.slack import FakeSlack
from tests.integrations.discord.harness import TIMEOUT, as_registered, discord_settings
from tests.integrations.slack.conftest import Bot
from tests.integrations.slack.test_slack_commands import action_ids, texts

GUILD = "Test Guild"
SLACK_MOD = "U0SLMOD"
SLACK_SAME = "U0SAME"
SLACK_OTHER = "U0OTHER"


def discord_ids(message: dict[str, Any]) -> list[str]:
    """The custom ids of a Discord message's buttons, as rendered (DM buttons carry their guild)."""
    return [c["custom_id"] for row in message.get("components") or [] for c in row.get("components") or []]


def discord_text(message: dict[str, Any]) -> str:
    parts = [str(message.get("content") or "")]
    for embed in message.get("embeds") or []:
        parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        parts += [f"{f.get('name')} {f.get('value')}" for f in embed.get("fields") or []]
    return "\n".join(parts)


@dataclass
class TwoPlatforms:
    app: App
    discord: FakeDiscord
    world: DefaultWorld
    same_discord: FakeUser
    slack: FakeSlack
    slack_bot: Bot

    # ------------------------------------------------------------------ Discord side
    async def on_discord(self, path: str, user: FakeUser, **options: Any) -> str:
        """Run a slash command on Discord; the text of the (ephemeral) reply."""
        record = await self.discord.slash(as_registered(self.app, path), user=user, options=options)
        return discord_text(await self.discord.wait_for_reply(record))

    async def click_discord(self, custom_id: str, user: FakeUser, message: dict[str, Any]) -> str:
        record = await self.discord.click(custom_id, user=user, message=message)
        return discord_text(await self.discord.wait_for_reply(record))

    def discord_dms(self, user: FakeUser) -> list[dict[str, Any]]:
        return self.discord.dms_to(user)

    # ------------------------------------------------------------------ Slack side
    async def on_slack(self, command: str, text: str, user_id: str) -> str:
        """Run a slash command on Slack; the text of what the bot answered to it."""
        before = len(self.slack.responses)
        await self.slack_bot.command(command, text, user_id=user_id)
        return "\n".join(texts(r.body) for r in self.slack.responses[before:])

    async def slack_reply_buttons(self) -> list[str]:
        return action_ids(self.slack.responses[-1].body)

    async def press_slack(self, action_id: str, user_id: str, channel_id: str | None = "C0GENERAL") -> str:
        before = len(self.slack.responses)
        await self.slack_bot.interactive(self.slack.payloads.block_action(action_id, value=action_id, user_id=user_id,
                                                                          channel_id=channel_id))
        return "\n".join(texts(r.body) for r in self.slack.responses[before:])

    def slack_dms(self, user_id: str) -> list[Any]:
        channel = self.slack.workspace.dm_channel_of(user_id)
        return self.slack.workspace.messages_in(channel.id)

    # ------------------------------------------------------------------ the store
    async def member_id(self, platform: str, user_id: str) -> int:
        for community in await self.app.services.communities.all(platform):
            row = await self.app.services.members.by_user_id(community.id, user_id)
            if row is not None:
                return row.id
        raise AssertionError(f"{platform}:{user_id} is not in the store")

    async def community_id(self, platform: str) -> int:
        [community] = await self.app.services.communities.all(platform)
        return community.id


@contextlib.asynccontextmanager
async def two_platforms(store_url: tuple[str, dict[str, Any]]) -> AsyncIterator[TwoPlatforms]:
    """Both fakes, and one bot serving both on the given store."""
    url, connect_args = store_url
    world = default_world(guild_name=GUILD)
    same = FakeUser("samesame", global_name="samesame")
    world.guild.members.append(FakeMember(same))
    fake_slack = FakeSlack()
    fake_slack.workspace.team_name = "Kindred Slack"
    fake_slack.workspace.add_user(SLACK_MOD, "slackmod", real_name="Sam Moderator", is_admin=True)
    fake_slack.workspace.add_user(SLACK_SAME, "samesame", real_name="samesame")
    fake_slack.workspace.add_user(SLACK_OTHER, "otto", real_name="Otto Other")
    fake_slack.workspace.channels["C0GENERAL"].members.extend([SLACK_MOD, SLACK_SAME, SLACK_OTHER])
    async with FakeDiscord(world) as fake_discord, fake_slack:
        base = load_settings(None, storage={"url": url}, slack={
            "bot_token": fake_slack.bot_token, "app_token": fake_slack.app_token,
            "signing_secret": fake_slack.signing_secret, "mode": "socket", "api_base_url": fake_slack.api_url})
        settings = discord_settings(base, fake_discord)
        async with running_app(settings, connect_args=connect_args, start_scheduler=False) as app:
            stop, ready = asyncio.Event(), asyncio.Event()
            task = asyncio.create_task(serve(app, settings, stop, ready=ready, guild_ready_timeout=0.05))
            integration = SlackIntegration(app, settings.slack)
            try:
                waiter = asyncio.create_task(ready.wait())
                done, _ = await asyncio.wait({task, waiter}, timeout=TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
                if task in done:
                    task.result()
                if waiter not in done:
                    waiter.cancel()
                    raise AssertionError("the bot did not become ready on the fake Discord")
                await integration.start()
                await fake_slack.wait_for_socket(count=1)
                yield TwoPlatforms(app, fake_discord, world, same, fake_slack, Bot(app, integration, fake_slack))
            finally:
                await integration.stop()
                stop.set()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(task, TIMEOUT)
                reset_endpoints()
