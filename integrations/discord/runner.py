"""Run Kindred on Discord until asked to stop: `serve(app, settings, stop)`, called by bot.py.

Startup problems are reported as one plain sentence naming the setting to change (bad token, the
Server Members intent not enabled in the developer portal, bad sharding), never as a traceback with secrets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import discord

from core.settings import Settings
from integrations.discord.client import build_client
from integrations.discord.endpoints import configure_endpoints
from integrations.discord.errors import DiscordStartupError
from integrations.discord.refs import PLATFORM

if TYPE_CHECKING:
    from core.dispatcher import App
    from integrations.discord.client import KindredClient

log = logging.getLogger(__name__)

CLOSE_TIMEOUT = 10.0


async def serve(
    app: App,
    settings: Settings,
    stop: asyncio.Event,
    *,
    ready: asyncio.Event | None = None,
    **client_options: Any,
) -> None:
    """Connect with `[discord] token` and serve until `stop` is set; raise DiscordStartupError on bad setup.

    `ready` (optional) is set once the gateway session is ready; `client_options` go to discord.py.
    """
    config = settings.discord
    if config.token is None or not config.token.get_secret_value():
        raise DiscordStartupError("[discord] token is not set")
    configure_endpoints(config.api_base_url, config.gateway_url)
    client = build_client(app, config, **client_options)
    app.register_messenger(client.bridge.messenger)

    async def platform_ready() -> None:
        app.platform_ready(PLATFORM)

    client.bridge.after_ready.append(platform_ready)
    if ready is not None:
        _signal_ready(client, ready)
    connection: asyncio.Task[None] | None = None
    try:
        await _login(client, config.token.get_secret_value())
        connection = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
        stopping = asyncio.create_task(stop.wait(), name="discord-stop")
        done, _ = await asyncio.wait({connection, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if connection in done:
            _raise_startup_error(connection.exception())
    finally:
        await client.close()
        if connection is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(connection, CLOSE_TIMEOUT)


def _signal_ready(client: KindredClient, ready: asyncio.Event) -> None:
    async def on_connected() -> None:
        ready.set()

    client.bridge.after_ready.append(on_connected)


async def _login(client: discord.Client, token: str) -> None:
    try:
        await client.login(token)
    except discord.LoginFailure:
        raise DiscordStartupError(
            "Discord rejected the bot token: check [discord] token (Developer Portal > Bot > Reset Token)"
        ) from None
    except discord.HTTPException as error:
        raise DiscordStartupError(f"Discord login failed: HTTP {error.status}") from None


def _raise_startup_error(error: BaseException | None) -> None:
    if error is None:
        return
    if isinstance(error, discord.PrivilegedIntentsRequired):
        raise DiscordStartupError(
            "Discord refused the Server Members intent: enable 'Server Members Intent' (and 'Message Content "
            "Intent' if [discord] store_message_content is on) under Developer Portal > Bot > Privileged "
            "Gateway Intents"
        ) from None
    if isinstance(error, discord.ConnectionClosed):
        raise DiscordStartupError(f"Discord closed the gateway connection (code {error.code})") from None
    raise error
