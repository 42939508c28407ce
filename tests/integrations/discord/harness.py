"""Run the real Kindred bot (real App, cogs, store, discord.py) against the fake Discord, and stop it cleanly.

`KindredOnDiscord` starts `integrations.discord.runner.serve` exactly as bot.py does, with settings that point
`api_base_url` and `gateway_url` at the fake, and waits until the gateway session is ready.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bootstrap.runtime import running_app
from core.affordances import shown_path
from core.commands import Cog
from core.dispatcher import App
from core.settings import Settings
from core.settings.platforms import DiscordSettings
from integrations.discord.endpoints import reset_endpoints
from integrations.discord.runner import serve
from tests.fakes.discord import FakeDiscord

TIMEOUT = 5.0


def as_registered(app: App, path: str) -> str:
    """A neutral command path as Discord shows it: a moderator subcommand of a mixed group under its own command
    (`match run-now` -> `match-admin run-now`, core/affordances.py)."""
    command = app.find(path.split())
    return " ".join(shown_path(app.tree, command, split=True)) if command is not None else path


def discord_settings(settings: Settings, fake: FakeDiscord, **changes: Any) -> Settings:
    """The test settings with a [discord] section pointing at the fake."""
    guild_ids = [g.id for g in fake.state.guilds.values()]
    values: dict[str, Any] = {
        "token": fake.token,
        "api_base_url": fake.api_base_url,
        "gateway_url": fake.gateway_url,
        "guild_ids": guild_ids,
        **changes,
    }
    return settings.model_copy(update={"discord": DiscordSettings(**values)})


@dataclass
class KindredOnDiscord:
    """A running bot: its App, the serve() task and the event that stops it."""

    app: App
    task: asyncio.Task[None]
    stop: asyncio.Event

    async def shutdown(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, TIMEOUT)


@contextlib.asynccontextmanager
async def kindred_on_discord(
    settings: Settings,
    fake: FakeDiscord,
    *,
    cogs: Iterable[type[Cog]] | None = None,
    auto_defer_after: float | None = 2.2,
    ready_timeout: float = TIMEOUT,
    clock: Callable[[], datetime] | None = None,
    connect_args: dict[str, Any] | None = None,
    **discord_changes: Any,
) -> AsyncIterator[KindredOnDiscord]:
    """Start the App and the Discord integration on the fake; yield once READY was processed (on every shard:
    discord.py paces each further shard's IDENTIFY by five seconds, as Discord asks, so pass a longer
    `ready_timeout` for several shards). `clock` and `connect_args` go to the app (a hand-moved clock, the
    PostgreSQL schema of the `store_url` fixture)."""
    configured = discord_settings(settings, fake, **discord_changes)
    extra: dict[str, Any] = {"clock": clock} if clock is not None else {}
    async with running_app(configured, cogs=cogs, start_scheduler=False, connect_args=connect_args,
                           **extra) as app:
        stop = asyncio.Event()
        ready = asyncio.Event()
        task = asyncio.create_task(
            serve(app, configured, stop, ready=ready, guild_ready_timeout=0.05, auto_defer_after=auto_defer_after,
                  freeze_heap=False)  # many bots start in one test process: keep their garbage collectable
        )
        waiter = asyncio.create_task(ready.wait())
        try:
            done, _ = await asyncio.wait({task, waiter}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                task.result()  # raises the startup error
            if waiter not in done:
                raise AssertionError("the bot did not become ready on the fake Discord")
            bot = KindredOnDiscord(app, task, stop)
            yield bot
        finally:
            waiter.cancel()
            stop.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, TIMEOUT)
            reset_endpoints()
