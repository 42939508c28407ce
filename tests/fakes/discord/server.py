"""`FakeDiscord`: REST + gateway on one loopback aiohttp server, and the API tests drive it with.

Start it (`async with FakeDiscord(default_world()) as fake:`), point discord.py at `fake.api_base_url` and
`fake.gateway_url`, then inject gateway events / interactions and read back what the bot sent. Every wait
is bounded (default 5 s) so a broken bot fails a test instead of hanging it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Self

from aiohttp import web

from . import interactions as build
from .gateway import OP_RECONNECT, GatewayHub, Intents
from .records import FailureRule, HoldRule, RecordedRequest, compile_path
from .rest import RestApi, make_middleware
from .state import FakeState, InteractionRecord
from .world import DefaultWorld, FakeChannel, FakeGuild, FakeMember, FakeUser, now_iso, snowflake

DEFAULT_TIMEOUT = 5.0
PathSpec = str | re.Pattern[str]


class FakeDiscord:
    """A local fake of Discord's REST API and gateway for one test."""

    def __init__(
        self,
        world: DefaultWorld | None = None,
        *,
        bot: FakeUser | None = None,
        guilds: Sequence[FakeGuild] = (),
        token: str = "fake-bot-token.for.tests",
        application_id: int | None = None,
        heartbeat_interval_ms: int = 41_250,
        privileged_intents: int = Intents.GUILD_MEMBERS,
        shard_count: int = 1,
    ) -> None:
        if world is not None:
            bot = world.bot
            guilds = [world.guild, *guilds]
        if bot is None:
            bot = FakeUser("kindred", bot=True)
        self.world = world
        self.state = FakeState(bot=bot, guilds=list(guilds), token=token, application_id=application_id)
        self.gateway = GatewayHub(
            self.state,
            heartbeat_interval_ms=heartbeat_interval_ms,
            privileged_intents=privileged_intents,
            resume_url=lambda: self.gateway_url,
        )
        self.rest = RestApi(self.state, self.gateway.dispatch, lambda: self.gateway_url, shard_count)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(middlewares=[make_middleware(self.state)], client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/", self.gateway.handle)
        self.rest.add_routes(app)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeDiscord is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base_url(self) -> str:
        return self.base_url + "/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/gateway"

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def bot(self) -> FakeUser:
        return self.state.bot

    # defaults from the world -------------------------------------------------------------------
    def _guild(self, guild: FakeGuild | None) -> FakeGuild:
        if guild is not None:
            return guild
        if not self.state.guilds:
            raise ValueError("the fake has no guild; pass guild=")
        return next(iter(self.state.guilds.values()))

    def _channel(self, guild: FakeGuild, channel: FakeChannel | str | None) -> FakeChannel:
        if isinstance(channel, FakeChannel):
            return channel
        return guild.channel_named(channel or "general")

    # records -----------------------------------------------------------------------------------
    def requests(self, method: str | None = None, path: PathSpec | None = None) -> list[RecordedRequest]:
        """Every recorded request matching method and path (exact string or compiled regex)."""
        return [r for r in self.state.requests if r.matches(method, path)]

    async def wait_for_request(
        self, method: str, path: PathSpec, *, count: int = 1, timeout: float = DEFAULT_TIMEOUT
    ) -> RecordedRequest:
        """Wait until `count` matching requests were answered; returns the count-th."""

        def probe() -> RecordedRequest | None:
            hits = [r for r in self.requests(method, path) if r.status]
            return hits[count - 1] if len(hits) >= count else None

        return await self.state.wait_for(probe, timeout, f"{count}x {method} {path}")

    def registered_commands(self, guild: FakeGuild | None = None) -> list[dict[str, Any]]:
        return self.state.commands_for(guild.id if guild else None)

    def messages_in(self, channel: FakeChannel | int) -> list[dict[str, Any]]:
        return self.state.messages_in(channel.id if isinstance(channel, FakeChannel) else channel)

    def dms_to(self, user: FakeUser) -> list[dict[str, Any]]:
        channel = self.state.dm_channel_of(user.id)
        return self.state.messages_in(channel.id) if channel else []

    def threads(self, guild: FakeGuild | None = None) -> list[FakeChannel]:
        return [c for c in self._guild(guild).channels if c.is_thread]

    async def wait_for_message(
        self,
        where: FakeChannel | FakeUser,
        predicate: Callable[[dict[str, Any]], bool] = lambda m: True,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> dict[str, Any]:
        """Wait for a message from the bot in a channel, or in the DM with a user."""

        def probe() -> dict[str, Any] | None:
            found = self.dms_to(where) if isinstance(where, FakeUser) else self.messages_in(where)
            return next((m for m in found if predicate(m)), None)

        return await self.state.wait_for(probe, timeout, f"a message in {where}")

    async def wait_until(
        self, probe: Callable[[], Any], *, timeout: float = DEFAULT_TIMEOUT, what: str = "a condition"
    ) -> Any:
        """Wait until `probe()` is truthy (re-checked whenever the fake receives something)."""
        return await self.state.wait_for(lambda: probe() or None, timeout, what)

    # failure injection -------------------------------------------------------------------------
    def rate_limit(
        self,
        method: str | None,
        path: PathSpec,
        *,
        count: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> FailureRule:
        """Answer the next `count` matching requests with Discord's 429 (body, Retry-After, X-RateLimit-*)."""
        headers = {
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": "fake-limited",
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
        return self._add_failure(method, path, 429, body, headers, count)

    def fail(
        self, method: str | None, path: PathSpec, *, status: int, code: int, message: str, count: int = 1
    ) -> FailureRule:
        """Answer the next `count` matching requests with a Discord JSON error (e.g. 403/50013)."""
        return self._add_failure(method, path, status, {"message": message, "code": code}, {}, count)

    def _add_failure(
        self,
        method: str | None,
        path: PathSpec,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str],
        count: int,
    ) -> FailureRule:
        rule = FailureRule(method.upper() if method else None, compile_path(path), status, body, headers, count)
        self.state.failures.append(rule)
        return rule

    def hold(self, method: str | None, path: PathSpec, *, nth: int = 1, phase: str = "before") -> HoldRule:
        """Hold the `nth` matching request before it is carried out or after (see `HoldRule`); a test kills the
        bot while it waits, then sets `rule.release`."""
        rule = HoldRule(method.upper() if method else None, compile_path(path), nth, phase)
        self.state.holds.append(rule)
        return rule

    # gateway -----------------------------------------------------------------------------------
    async def wait_until_ready(self, *, sessions: int = 1, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until `sessions` IDENTIFYs were answered with READY (and GUILD_CREATEs)."""
        await self.state.wait_for(
            lambda: True if self.gateway.ready_sessions >= sessions else None,
            timeout,
            f"{sessions} READY session(s)",
        )

    async def dispatch(self, event: str, data: dict[str, Any], guild_id: int | None = None) -> int:
        """Send a raw dispatch; fails when no session is live (so tests don't pass vacuously)."""
        delivered = await self.gateway.dispatch(event, data, guild_id)
        if not delivered and not self.gateway.live_sessions():
            raise AssertionError(f"no gateway session is connected to receive {event}")
        return delivered

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client should reconnect and RESUME."""
        await self.gateway.send_op(OP_RECONNECT)

    async def member_join(self, user: FakeUser, guild: FakeGuild | None = None) -> FakeMember:
        guild = self._guild(guild)
        member = FakeMember(user)
        guild.members.append(member)
        await self.dispatch("GUILD_MEMBER_ADD", member.payload() | {"guild_id": str(guild.id)}, guild.id)
        return member

    async def member_leave(self, user: FakeUser, guild: FakeGuild | None = None) -> None:
        guild = self._guild(guild)
        guild.members = [m for m in guild.members if m.user.id != user.id]
        self.state.remember_user(user)
        await self.dispatch("GUILD_MEMBER_REMOVE", {"guild_id": str(guild.id), "user": user.payload()}, guild.id)

    async def post_message(
        self,
        author: FakeUser,
        content: str = "",
        *,
        channel: FakeChannel | str | None = None,
        guild: FakeGuild | None = None,
    ) -> dict[str, Any]:
        """A member posts in a guild channel or thread: stored, then sent as MESSAGE_CREATE."""
        guild = self._guild(guild)
        target = self._channel(guild, channel)
        message = self.state.create_message(target, author, {"content": content}, [])
        member = guild.member_payload(author.id)
        member.pop("user")
        await self.dispatch("MESSAGE_CREATE", message | {"member": member}, guild.id)
        return message

    async def add_reaction(
        self,
        user: FakeUser,
        message: dict[str, Any],
        emoji: str = "👍",
        *,
        guild: FakeGuild | None = None,
    ) -> None:
        guild = self._guild(guild)
        data: dict[str, Any] = {
            "user_id": str(user.id),
            "channel_id": message["channel_id"],
            "message_id": message["id"],
            "guild_id": str(guild.id),
            "member": guild.member_payload(user.id),
            "emoji": {"id": None, "name": emoji},
            "message_author_id": message["author"]["id"],
            "burst": False,
            "burst_colors": [],
            "type": 0,
        }
        self.state.reactions.append(data)
        await self.dispatch("MESSAGE_REACTION_ADD", data, guild.id)

    async def join_guild(self, guild: FakeGuild) -> None:
        """The bot is added to a new guild: GUILD_CREATE after READY (discord.py's on_guild_join)."""
        self.state.guilds[guild.id] = guild
        if guild.member(self.bot.id) is None:
            guild.members.append(FakeMember(self.bot))
        payload = guild.payload()
        payload.pop("unavailable")  # a fresh join carries no `unavailable` flag (that marks an outage ending)
        await self.dispatch("GUILD_CREATE", payload, guild.id)

    # interactions ------------------------------------------------------------------------------
    async def _send_interaction(self, kind: int, payload: dict[str, Any]) -> InteractionRecord:
        record = self.state.new_interaction(kind, payload)
        record.sent_at = time.perf_counter()
        await self.dispatch(
            "INTERACTION_CREATE", record.payload, int(payload["guild_id"]) if "guild_id" in payload else None
        )
        return record

    def _where(
        self, user: FakeUser, guild: FakeGuild | None, channel: FakeChannel | str | None, in_dm: bool
    ) -> tuple[FakeGuild | None, FakeChannel]:
        if in_dm:
            return None, self.state.open_dm(user)
        resolved = self._guild(guild)
        return resolved, self._channel(resolved, channel)

    async def slash(
        self,
        path: str,
        *,
        user: FakeUser,
        options: Mapping[str, Any] | None = None,
        guild: FakeGuild | None = None,
        channel: FakeChannel | str | None = None,
        in_dm: bool = False,
        locale: str | None = None,
    ) -> InteractionRecord:
        """A member runs `/path` (e.g. "profile set") with typed options, as registered by the bot."""
        where_guild, where_channel = self._where(user, guild, channel, in_dm)
        payload = build.base_payload(self.state, guild=where_guild, channel=where_channel, user=user, locale=locale)
        payload["data"] = build.command_data(self.state, where_guild, path, options or {})
        return await self._send_interaction(build.APPLICATION_COMMAND, payload)

    async def user_command(
        self,
        name: str,
        *,
        user: FakeUser,
        target: FakeUser,
        guild: FakeGuild | None = None,
        channel: FakeChannel | str | None = None,
        locale: str | None = None,
    ) -> InteractionRecord:
        """`user` picks `name` (as registered) in the "Apps" context menu of member `target`."""
        where_guild, where_channel = self._where(user, guild, channel, False)
        assert where_guild is not None
        payload = build.base_payload(self.state, guild=where_guild, channel=where_channel, user=user, locale=locale)
        payload["data"] = build.user_command_data(self.state, where_guild, name, target)
        return await self._send_interaction(build.APPLICATION_COMMAND, payload)

    async def autocomplete(
        self,
        path: str,
        *,
        user: FakeUser,
        focused: str,
        options: Mapping[str, Any],
        guild: FakeGuild | None = None,
        channel: FakeChannel | str | None = None,
        locale: str | None = None,
    ) -> InteractionRecord:
        """A member types into option `focused`; the bot must answer with callback type 8 choices."""
        where_guild, where_channel = self._where(user, guild, channel, False)
        payload = build.base_payload(self.state, guild=where_guild, channel=where_channel, user=user, locale=locale)
        payload["data"] = build.command_data(self.state, where_guild, path, options, focused=focused)
        return await self._send_interaction(build.AUTOCOMPLETE, payload)

    async def click(
        self,
        custom_id: str,
        *,
        user: FakeUser,
        message: dict[str, Any] | None = None,
        values: list[Any] | None = None,
        locale: str | None = None,
    ) -> InteractionRecord:
        """A person presses a button / picks in a select on a message the bot sent (latest one by default)."""
        if message is None:
            message = self.state.find_message_with_component(custom_id)
            if message is None:
                raise build.InteractionBuildError(f"no message the bot sent has a component {custom_id!r}")
        channel = self.state.channel(int(message["channel_id"]))
        if channel is None:
            raise build.InteractionBuildError("the message's channel is gone")
        guild = self.state.guild_of(channel)
        payload = build.base_payload(self.state, guild=guild, channel=channel, user=user, locale=locale)
        payload["message"] = message
        payload["data"] = build.component_data(message, custom_id, values, guild)
        return await self._send_interaction(build.MESSAGE_COMPONENT, payload)

    async def submit_modal(
        self,
        opened_by: InteractionRecord,
        values: Mapping[str, str | list[str]],
        *,
        user: FakeUser | None = None,
    ) -> InteractionRecord:
        """Submit the modal the bot opened (callback type 9) in answer to `opened_by`."""
        callback = await self.wait_for_callback(opened_by)
        if int(callback.get("type", 0)) != 9:
            raise build.InteractionBuildError(
                f"interaction {opened_by.id} was answered with type {callback['type']}, not a modal"
            )
        submitter = user or self.state.user(opened_by.user_id)
        if submitter is None:
            raise build.InteractionBuildError("unknown submitter")
        channel = self.state.interaction_channel(opened_by)
        guild = self.state.guild_of(channel)
        payload = build.base_payload(self.state, guild=guild, channel=channel, user=submitter)
        if "message" in opened_by.payload:
            payload["message"] = opened_by.payload["message"]
        payload["data"] = build.modal_submit_data(callback["data"], values)
        return await self._send_interaction(build.MODAL_SUBMIT, payload)

    async def wait_for_callback(self, record: InteractionRecord, *, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """The bot's callback (type 4/5/6/7/8/9 body) to an interaction."""
        return await self.state.wait_for(
            lambda: record.callbacks[0] if record.callbacks else None,
            timeout,
            f"a response to interaction {record.id}",
        )

    async def wait_for_reply(self, record: InteractionRecord, *, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """The visible answer: the original response message once it is no longer 'thinking'."""

        def probe() -> dict[str, Any] | None:
            if record.original_message_id is None:
                return None
            message = self.state.messages.get(record.original_message_id)
            if message is None or message.get("flags", 0) & (1 << 7):
                return None
            return message

        return await self.state.wait_for(probe, timeout, f"the reply to interaction {record.id}")

    def followups(self, record: InteractionRecord) -> list[dict[str, Any]]:
        return [self.state.messages[i] for i in record.followup_ids if i in self.state.messages]


def new_user(username: str, **kwargs: Any) -> FakeUser:
    """Convenience for tests: a user that is not yet in any guild."""
    return FakeUser(username, id=snowflake(), **kwargs)


__all__ = ["FakeDiscord", "new_user", "now_iso"]
