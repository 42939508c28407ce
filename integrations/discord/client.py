"""The discord.py client Kindred runs: minimal intents, command registration, and listeners that delegate.

The client holds no feature logic. It forwards gateway events to `EventBridge`, interactions to
`InteractionRouter`, and at start-up registers the neutral command tree (per guild when `guild_ids` is set,
which is instant, otherwise globally) only when it differs from what Discord already has.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from core import metrics
from core.affordances import user_commands
from core.settings.platforms import DiscordSettings
from integrations.discord.commands import command_payloads, same_commands
from integrations.discord.errors import DiscordStartupError, reason_of
from integrations.discord.events import EventBridge
from integrations.discord.interactions import InteractionRouter
from integrations.discord.messenger import DiscordMessenger
from integrations.discord.responder import AUTO_DEFER_AFTER

if TYPE_CHECKING:
    from core.dispatcher import App

log = logging.getLogger(__name__)

HTTP_CONNECTIONS = 64
"""Connections to Discord's API kept open and reused. discord.py's default has no limit, so a burst of
interactions opens one new connection per answer (a TCP and TLS handshake each, on both sides); a bounded pool
answers the burst over connections that are already open."""


def kindred_intents(settings: DiscordSettings) -> discord.Intents:
    """Guilds, members (privileged), guild messages and reactions; message content only when configured."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.guild_messages = True
    intents.guild_reactions = True
    intents.message_content = settings.store_message_content
    return intents


class KindredBridge:
    """Everything Kindred wires into a discord.py client (composition: the App is wrapped, not inherited)."""

    def __init__(
        self,
        app: App,
        settings: DiscordSettings,
        client: discord.Client,
        *,
        auto_defer_after: float | None = AUTO_DEFER_AFTER,
    ) -> None:
        self.app = app
        self.settings = settings
        self.client = client
        self.messenger = DiscordMessenger(app, client)
        self.events = EventBridge(app, client, with_text=settings.store_message_content)
        self.router = InteractionRouter(app, self.messenger, auto_defer_after=auto_defer_after)
        self.synced: dict[int | None, bool] = {}
        self.after_ready: list[Callable[[], Awaitable[None]]] = []

    async def setup(self) -> None:
        """After login, before the gateway: plan shards and gateway address, register commands."""
        await self._plan_gateway()
        await self.sync_commands()

    async def _plan_gateway(self) -> None:
        """Ask the API for the recommended shard count and gateway address, unless both are configured.

        discord.py's own gateway address would bypass `api_base_url`; asking the API keeps proxies and the
        test fake in the loop, and an explicit `gateway_url` always wins.
        """
        need_count = self.client.shard_count is None
        need_url = self.settings.gateway_url is None
        if not (need_count or need_url):
            return
        shards, url = 1, ""
        try:
            shards, url, _limits = await self.client.http.get_bot_gateway()
        except (discord.HTTPException, discord.GatewayNotFound):
            log.warning("could not ask Discord for its gateway; using one shard and the default address")
        if need_count:
            self.client.shard_count = max(1, int(shards))
        if need_url and url:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url).with_query(None)

    async def sync_commands(self) -> None:
        """Upload the command tree where it differs (per configured guild, else globally)."""
        app_id = self.client.application_id
        if app_id is None:
            raise DiscordStartupError("Discord did not tell Kindred its application id")
        wanted = command_payloads(self.app.tree, user_commands(self.app.cogs).values())
        http = self.client.http
        scopes: list[int | None] = list(self.settings.guild_ids) or [None]
        for guild_id in scopes:
            where = f"guild {guild_id}" if guild_id else "globally"
            try:
                current = await self._registered(app_id, guild_id)
                if same_commands(current, wanted):
                    log.info("Discord commands %s are up to date (%d)", where, len(wanted))
                    self.synced[guild_id] = False
                    continue
                if guild_id is None:
                    await http.bulk_upsert_global_commands(app_id, payload=wanted)
                else:
                    await http.bulk_upsert_guild_commands(app_id, guild_id, payload=wanted)
                self.synced[guild_id] = True
                log.info("registered %d Discord commands %s", len(wanted), where)
            except discord.HTTPException as error:
                log.error(
                    "could not register Discord commands %s: HTTP %s, code %s (%s). Is the bot in that guild, "
                    "invited with the applications.commands scope?",
                    where,
                    error.status,
                    error.code,
                    reason_of(error),
                )

    async def _registered(self, app_id: int, guild_id: int | None) -> list[dict[str, Any]]:
        """Commands Discord has now, with localisations (which it leaves out unless asked)."""
        if guild_id is None:
            route = Route("GET", "/applications/{application_id}/commands", application_id=app_id)
        else:
            route = Route(
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                application_id=app_id,
                guild_id=guild_id,
            )
        return list(await self.client.http.request(route, params={"with_localizations": "true"}))


def api_trace() -> aiohttp.TraceConfig:
    """Every REST call discord.py makes, counted (core/metrics.py): a 429 as rate limited (discord.py waits and
    tries again, so it is not the call's end), anything else as a call, failed from status 400 on."""

    async def ended(_session: Any, _context: Any, params: aiohttp.TraceRequestEndParams) -> None:
        if params.response.status == 429:
            metrics.rate_limited("discord")
        else:
            metrics.platform_call("discord", failed=params.response.status >= 400)

    async def failed(_session: Any, _context: Any, _params: aiohttp.TraceRequestExceptionParams) -> None:
        metrics.platform_call("discord", failed=True)

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(ended)
    trace.on_request_exception.append(failed)
    return trace


class KindredClient(discord.AutoShardedClient):
    """The gateway connection(s): one shard for most communities, `[discord] shard_count` for large bots.

    discord.py calls `on_<event>` methods; these hand every event to the bridge.
    """

    bridge: KindredBridge

    async def login(self, token: str) -> None:
        self.http.connector = aiohttp.TCPConnector(limit=HTTP_CONNECTIONS)
        await super().login(token)

    async def setup_hook(self) -> None:
        await self.bridge.setup()

    async def on_ready(self) -> None:
        await self.bridge.events.on_ready()
        for hook in self.bridge.after_ready:
            await hook()

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.bridge.events.on_guild_join(guild)

    async def on_member_join(self, member: discord.Member) -> None:
        await self.bridge.events.on_member_join(member)

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        await self.bridge.events.on_member_update(before, after)

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.bridge.events.on_raw_member_remove(payload)

    async def on_message(self, message: discord.Message) -> None:
        await self.bridge.events.on_message(message)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self.bridge.events.on_raw_reaction_add(payload)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.bridge.router.handle(interaction)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("Discord event %s failed", event_method)


def build_client(
    app: App,
    settings: DiscordSettings,
    *,
    auto_defer_after: float | None = AUTO_DEFER_AFTER,
    **options: Any,
) -> KindredClient:
    """The configured client with its bridge attached. `options` go to discord.py (e.g. guild_ready_timeout)."""
    if settings.shard_ids is not None and settings.shard_count is None:
        raise DiscordStartupError("[discord] shard_ids needs shard_count as well")
    if settings.shard_count is not None and any(s >= settings.shard_count for s in settings.shard_ids or []):
        raise DiscordStartupError("[discord] shard_ids must be below shard_count")
    base: dict[str, Any] = {
        "intents": kindred_intents(settings),
        "allowed_mentions": discord.AllowedMentions.none(),
        "http_trace": api_trace(),
        **options,
    }
    client = KindredClient(shard_count=settings.shard_count, shard_ids=settings.shard_ids, **base)
    client.bridge = KindredBridge(app, settings, client, auto_defer_after=auto_defer_after)
    return client
