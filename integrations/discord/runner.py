"""Run Kindred on Discord until asked to stop: `serve(app, settings, stop)`, called by bot.py.

Startup problems are reported as one plain sentence naming the setting to change (bad token, the
Server Members intent not enabled in the developer portal, bad sharding), never as a traceback with secrets, and
carry the exit code bot.py ends with: 2 for a setting, 3 when Discord refuses the token or the intents, 4 when
the API does not answer after `[discord] connect_attempts` tries with growing waits (core/retry.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from core.aio import bounded
from core.errors import ExitCode
from core.retry import reach
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
    freeze_heap: bool = True,
    **client_options: Any,
) -> None:
    """Connect with `[discord] token` and serve until `stop` is set; raise DiscordStartupError on bad setup.

    `ready` (optional) is set once the gateway session is ready; `client_options` go to discord.py.
    `freeze_heap` (see `_settle_heap`) is for a process that runs one bot; tests that start many turn it off.
    """
    config = settings.discord
    if config.token is None or not config.token.get_secret_value():
        raise DiscordStartupError("[discord] token is not set")
    configure_endpoints(config.api_base_url, config.gateway_url)
    client = build_client(app, config, **client_options)
    app.register_messenger(client.bridge.messenger)
    if freeze_heap:
        client.bridge.after_ready.append(_settle_heap)

    async def platform_ready() -> None:
        app.platform_ready(PLATFORM)

    client.bridge.after_ready.append(platform_ready)
    if ready is not None:
        _signal_ready(client, ready)
    connection: asyncio.Task[None] | None = None
    try:
        await _login(client, config.token.get_secret_value(), config.api_base_url, config.connect_attempts)
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
                await bounded(connection, CLOSE_TIMEOUT)


async def _settle_heap() -> None:
    """Once connected (the guilds and their members are cached), move what is alive to the collector's
    permanent generation (`gc.freeze`). Those long-lived objects are then no longer scanned by every full
    collection: with a large member cache each one paused the event loop for 100-150 ms, often in the middle of
    a burst of interactions."""
    gc.collect()
    gc.freeze()


def _signal_ready(client: KindredClient, ready: asyncio.Event) -> None:
    async def on_connected() -> None:
        ready.set()

    client.bridge.after_ready.append(on_connected)


def _transient(error: BaseException) -> bool:
    """A failure that may pass: no connection, a timeout, or Discord's own server error (5xx)."""
    return isinstance(error, OSError | aiohttp.ClientError | asyncio.TimeoutError | discord.DiscordServerError)


async def _login(client: discord.Client, token: str, api_base_url: str, attempts: int) -> None:
    try:
        await reach(lambda: client.login(token), what=f"the Discord API at {api_base_url}", attempts=attempts,
                    transient=_transient)
    except discord.LoginFailure:
        raise DiscordStartupError(
            "Discord rejected the bot token: check [discord] token (Developer Portal > Bot > Reset Token)",
            ExitCode.REJECTED,
        ) from None
    except discord.HTTPException as error:
        raise DiscordStartupError(f"Discord refused the login: HTTP {error.status}", ExitCode.REJECTED) from None


def _raise_startup_error(error: BaseException | None) -> None:
    if error is None:
        return
    if isinstance(error, discord.PrivilegedIntentsRequired):
        raise DiscordStartupError(
            "Discord refused the Server Members intent: enable 'Server Members Intent' (and 'Message Content "
            "Intent' if [discord] store_message_content is on) under Developer Portal > Bot > Privileged "
            "Gateway Intents",
            ExitCode.REJECTED,
        ) from None
    if isinstance(error, discord.ConnectionClosed):
        code = _GATEWAY_CLOSE_CODES.get(error.code, ExitCode.UNREACHABLE)
        raise DiscordStartupError(f"Discord closed the gateway connection (code {error.code})", code) from None
    raise error


# https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes
_GATEWAY_CLOSE_CODES = {
    4004: ExitCode.REJECTED,  # authentication failed
    4010: ExitCode.CONFIG,  # invalid shard
    4011: ExitCode.CONFIG,  # sharding required
    4012: ExitCode.CONFIG,  # invalid API version
    4013: ExitCode.CONFIG,  # invalid intents
    4014: ExitCode.REJECTED,  # disallowed (privileged) intents
}
