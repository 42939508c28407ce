"""The fake's REST API (v10 shapes): the routes a discord.py 2.7 bot calls, recorded and failure-injectable.

A middleware records every request (method, path, query, JSON or multipart payload) and answers injected
failures before the route runs; the routes change `FakeState` and answer like Discord does, including
its error bodies (50007 for closed DMs, 40060 for a second interaction response, 10062 unknown interaction).

The bot's own guild permissions (its roles plus @everyone; channel overwrites are not modelled) are enforced
where Discord documents them for the channel endpoints: View Channel to reach a channel (50001), Send
Messages / Send Messages in Threads to post, Attach Files for files, Create Private Threads, and sending in
a thread to add its members (50013); embeds without Embed Links are accepted but not shown, as on Discord.
Interaction responses are not checked.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .records import (
    CANNOT_DM_USER,
    INTERACTION_ALREADY_ACKNOWLEDGED,
    MISSING_ACCESS,
    MISSING_PERMISSIONS,
    UNKNOWN_CHANNEL,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    RecordedFile,
    RecordedRequest,
)
from .state import EPHEMERAL, LOADING, FakeState, InteractionRecord
from .validate import commands_problem, message_problem, modal_problem
from .world import ChannelType, FakeChannel, Permissions

API_PREFIX = "/api/v10"

Emit = Callable[[str, dict[str, Any], int | None], Awaitable[None]]

# Header names Discord uses; discord.py treats a 429 without `Via` as a Cloudflare ban.
_COMMON_HEADERS = {"Via": "1.1 google"}


RECORD: web.RequestKey[RecordedRequest] = web.RequestKey("record", RecordedRequest)


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with exactly `application/json` (no charset): discord.py compares the header literally."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={**_COMMON_HEADERS, **(headers or {}), "Content-Type": "application/json"},
    )


def error(status: int, code: int, message: str) -> web.Response:
    """A Discord-style JSON error."""
    return json_response({"message": message, "code": code}, status=status)


def ok(data: Any, status: int = 200, bucket: str = "fake") -> web.Response:
    headers = {
        **_COMMON_HEADERS,
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": bucket,
    }
    if status == 204:
        return web.Response(status=204, headers=headers)
    return json_response(data, status=status, headers=headers)


async def _parse_body(request: web.Request) -> tuple[Any, list[RecordedFile]]:
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        payload: Any = None
        files: list[RecordedFile] = []
        while (part := await reader.next()) is not None:
            if part.name == "payload_json":
                payload = json.loads(await part.text())  # type: ignore[union-attr]
            else:
                content = await part.read()  # type: ignore[union-attr]
                files.append(
                    RecordedFile(
                        field_name=part.name or "",
                        filename=part.filename or "",  # type: ignore[union-attr]
                        content=bytes(content),
                        content_type=part.headers.get("Content-Type"),
                    )
                )
        return payload, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        return raw.decode("utf-8", "replace"), []


def make_middleware(state: FakeState) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Record, authenticate and (when asked) fail requests before they reach a route."""

    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        path = request.path[len(API_PREFIX) :]
        body, files = await _parse_body(request)
        record = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=body,
            files=files,
            headers={k: v for k, v in request.headers.items() if k.lower() in ("x-audit-log-reason", "content-type")},
        )
        request[RECORD] = record
        state.requests.append(record)
        try:
            response = await _answer(state, request, path, handler)
            record.status = response.status
            if isinstance(response, web.Response) and response.body is not None and response.status != 204:
                record.response = json.loads(response.body)  # type: ignore[arg-type]
            return response
        finally:
            await state.notify()

    return middleware


async def _answer(
    state: FakeState,
    request: web.Request,
    path: str,
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> web.StreamResponse:
    needs_auth = not (path.startswith("/interactions/") or path.startswith("/webhooks/"))
    if needs_auth and request.headers.get("Authorization") != f"Bot {state.token}":
        return error(401, 0, "401: Unauthorized")
    for rule in state.failures:
        if rule.applies(request.method, path):
            rule.remaining -= 1
            return json_response(rule.body, status=rule.status, headers=rule.headers)
    return await handler(request)


class RestApi:
    """Route handlers; `emit` sends a gateway dispatch (used to echo MESSAGE_CREATE / THREAD_CREATE)."""

    def __init__(self, state: FakeState, emit: Emit, gateway_url: Callable[[], str], shard_count: int) -> None:
        self.state = state
        self.emit = emit
        self.gateway_url = gateway_url
        self.shard_count = shard_count

    def add_routes(self, app: web.Application) -> None:
        p = API_PREFIX
        app.router.add_routes(
            [
                web.get(p + "/users/@me", self.get_me),
                web.get(p + "/users/{user_id:\\d+}", self.get_user),
                web.get(p + "/gateway", self.get_gateway),
                web.get(p + "/gateway/bot", self.get_gateway_bot),
                web.get(p + "/oauth2/applications/@me", self.get_application),
                web.get(p + "/applications/@me", self.get_application),
                web.get(p + "/applications/{app_id}/commands", self.get_commands),
                web.put(p + "/applications/{app_id}/commands", self.put_commands),
                web.post(p + "/applications/{app_id}/commands", self.post_command),
                web.get(p + "/applications/{app_id}/guilds/{guild_id}/commands", self.get_commands),
                web.put(p + "/applications/{app_id}/guilds/{guild_id}/commands", self.put_commands),
                web.post(p + "/applications/{app_id}/guilds/{guild_id}/commands", self.post_command),
                web.post(p + "/interactions/{interaction_id}/{token}/callback", self.interaction_callback),
                web.get(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self.get_webhook_message),
                web.patch(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self.edit_webhook_message),
                web.delete(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self.delete_webhook_message),
                web.post(p + "/webhooks/{app_id}/{token}", self.execute_webhook),
                web.post(p + "/users/@me/channels", self.open_dm),
                web.get(p + "/channels/{channel_id}", self.get_channel),
                web.post(p + "/channels/{channel_id}/messages", self.create_message),
                web.get(p + "/channels/{channel_id}/messages/{message_id}", self.get_message),
                web.patch(p + "/channels/{channel_id}/messages/{message_id}", self.edit_message),
                web.delete(p + "/channels/{channel_id}/messages/{message_id}", self.delete_message),
                web.put(
                    p + "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                    self.add_reaction,
                ),
                web.post(p + "/channels/{channel_id}/threads", self.create_thread),
                web.put(p + "/channels/{channel_id}/thread-members/{user_id}", self.add_thread_member),
                web.get(p + "/guilds/{guild_id}", self.get_guild),
                web.get(p + "/guilds/{guild_id}/members", self.list_members),
                web.get(p + "/guilds/{guild_id}/members/{user_id}", self.get_member),
                web.get(p + "/guilds/{guild_id}/roles", self.get_roles),
                web.get(p + "/guilds/{guild_id}/channels", self.get_channels),
                web.route("*", p + "/{tail:.*}", self.not_found),
            ]
        )

    # helpers -------------------------------------------------------------------------------------
    @staticmethod
    def body(request: web.Request) -> Any:
        return request[RECORD].json

    @staticmethod
    def files(request: web.Request) -> list[RecordedFile]:
        return request[RECORD].files

    def _channel(self, request: web.Request) -> FakeChannel | None:
        return self.state.channel(int(request.match_info["channel_id"]))

    def _bot_permissions(self, channel: FakeChannel) -> int | None:
        """What the bot may do in a guild channel (None outside guilds: DMs need no permission)."""
        guild = self.state.guild_of(channel)
        return None if guild is None else guild.permissions_of(self.state.bot.id)

    def _refused(self, channel: FakeChannel, *needed: int) -> web.Response | None:
        """Discord's answer when the bot lacks one of `needed` in `channel` (None when it has them all)."""
        permissions = self._bot_permissions(channel)
        if permissions is None:
            return None
        if not permissions & Permissions.VIEW_CHANNEL:
            return error(403, MISSING_ACCESS, "Missing Access")
        if any(not permissions & p for p in needed):
            return error(403, MISSING_PERMISSIONS, "Missing Permissions")
        return None

    def _shown(self, channel: FakeChannel, body: dict[str, Any]) -> dict[str, Any]:
        """The body as Discord keeps it: embeds from a bot without Embed Links are dropped, not refused."""
        permissions = self._bot_permissions(channel)
        if permissions is None or permissions & Permissions.EMBED_LINKS or not body.get("embeds"):
            return body
        return {**body, "embeds": []}

    def _interaction(self, request: web.Request) -> InteractionRecord | None:
        record = self.state.interactions.get(request.match_info["token"])
        if record is None or request.match_info["app_id"] != str(self.state.application_id):
            return None
        return record

    async def _echo_message(self, channel: FakeChannel, message: dict[str, Any]) -> None:
        """Discord tells the bot about every message, its own included (content stripped per intents)."""
        if message.get("flags", 0) & EPHEMERAL:
            return
        await self.emit("MESSAGE_CREATE", message, channel.guild_id)

    # identity and gateway ----------------------------------------------------------------------
    async def get_me(self, request: web.Request) -> web.Response:
        data = self.state.bot.payload() | {"verified": True, "mfa_enabled": False, "flags": 0, "bot": True}
        return ok(data)

    async def get_user(self, request: web.Request) -> web.Response:
        user = self.state.user(int(request.match_info["user_id"]))
        return ok(user.payload()) if user else error(404, 10013, "Unknown User")

    async def get_gateway(self, request: web.Request) -> web.Response:
        return ok({"url": self.gateway_url()})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        return ok(
            {
                "url": self.gateway_url(),
                "shards": self.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def get_application(self, request: web.Request) -> web.Response:
        return ok(
            {
                "id": str(self.state.application_id),
                "name": self.state.bot.username,
                "icon": None,
                "description": "",
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "bot": self.state.bot.payload(),
                "owner": {**self.state.bot.payload(), "bot": False},
                "summary": "",
                "verify_key": "0" * 64,
                "team": None,
                "flags": 1 << 13 | 1 << 15,  # GATEWAY_GUILD_MEMBERS_LIMITED | GATEWAY_MESSAGE_CONTENT_LIMITED
                "interactions_endpoint_url": None,
                "tags": [],
            }
        )

    # application commands ----------------------------------------------------------------------
    def _guild_id(self, request: web.Request) -> int | None:
        raw = request.match_info.get("guild_id")
        return int(raw) if raw is not None else None

    async def get_commands(self, request: web.Request) -> web.Response:
        return ok(self.state.commands_for(self._guild_id(request)))

    async def put_commands(self, request: web.Request) -> web.Response:
        guild_id = self._guild_id(request)
        if guild_id is not None and guild_id not in self.state.guilds:
            return error(403, MISSING_ACCESS, "Missing Access")
        body = self.body(request)
        if not isinstance(body, list):
            return error(400, 50035, "Invalid Form Body")
        problem = commands_problem(body)
        if problem:
            return error(400, 50035, f"Invalid Form Body: {problem}")
        return ok(self.state.store_commands(guild_id, body), bucket="commands")

    async def post_command(self, request: web.Request) -> web.Response:
        guild_id = self._guild_id(request)
        body = self.body(request)
        current = [c for c in self.state.commands_for(guild_id) if c["name"] != body["name"]]
        stored = self.state.store_commands(guild_id, [*current, body])
        return ok(next(c for c in stored if c["name"] == body["name"]), status=201)

    # interactions --------------------------------------------------------------------------------
    async def interaction_callback(self, request: web.Request) -> web.Response:
        record = self.state.interactions.get(request.match_info["token"])
        if record is None or str(record.id) != request.match_info["interaction_id"]:
            return error(404, UNKNOWN_INTERACTION, "Unknown interaction")
        if record.acknowledged:
            return error(400, INTERACTION_ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged.")
        body = self.body(request) or {}
        kind = int(body.get("type", 0))
        data = body.get("data") or {}
        problem = None
        if kind == 4:
            problem = message_problem(data, len(self.files(request)))
        elif kind == 7:
            problem = message_problem(data, len(self.files(request)), allow_empty=True)
        elif kind == 9:
            problem = modal_problem(data)
        if problem:
            return error(400, 50035, f"Invalid Form Body: {problem}")
        record.callbacks.append(body)
        if kind in (4, 7, 8, 9):
            record.note_answer(time.perf_counter())
        response: dict[str, Any] = {
            "interaction": {"id": str(record.id), "type": record.type},
        }
        if kind in (4, 5):
            channel = self.state.interaction_channel(record)
            flags = int(data.get("flags", 0) or 0)
            message = self.state.create_message(
                channel,
                self.state.bot,
                data if kind == 4 else {"content": "", "flags": flags},
                self.files(request),
                webhook_id=self.state.application_id,
                interaction=record,
                extra_flags=LOADING if kind == 5 else 0,
            )
            record.original_message_id = int(message["id"])
            response["interaction"].update(
                response_message_id=message["id"],
                response_message_loading=kind == 5,
                response_message_ephemeral=bool(flags & EPHEMERAL),
            )
            response["resource"] = {"type": kind, "message": message}
            if kind == 4:
                await self._echo_message(channel, message)
        elif kind == 7:
            message_id = int(record.payload.get("message", {}).get("id", 0))
            stored = self.state.messages.get(message_id)
            if stored is None:
                return error(404, UNKNOWN_MESSAGE, "Unknown Message")
            self.state.apply_edit(stored, data, self.files(request), self.state.interaction_channel(record))
            stored["edited_timestamp"] = stored["timestamp"]
            response["resource"] = {"type": 7, "message": stored}
        elif kind in (6, 8, 9):
            response["resource"] = {"type": kind}
        else:
            record.callbacks.pop()
            return error(400, 50035, f"Invalid Form Body: unknown interaction callback type {kind}")
        if request.query.get("with_response") in ("1", "true", "True"):
            return ok(response, bucket="interaction")
        return ok(None, status=204, bucket="interaction")

    async def get_webhook_message(self, request: web.Request) -> web.Response:
        record = self._interaction(request)
        message = self._webhook_message(record, request.match_info["message_id"])
        return ok(message) if message else error(404, UNKNOWN_MESSAGE, "Unknown Message")

    def _webhook_message(self, record: InteractionRecord | None, raw_id: str) -> dict[str, Any] | None:
        if record is None:
            return None
        if raw_id == "@original":
            if record.original_message_id is None:
                return None
            return self.state.messages.get(record.original_message_id)
        message_id = int(raw_id)
        if message_id not in record.followup_ids and message_id != record.original_message_id:
            return None
        return self.state.messages.get(message_id)

    async def edit_webhook_message(self, request: web.Request) -> web.Response:
        record = self._interaction(request)
        if record is None:
            return error(404, UNKNOWN_INTERACTION, "Unknown Webhook")
        message = self._webhook_message(record, request.match_info["message_id"])
        if message is None and request.match_info["message_id"] == "@original" and record.callbacks:
            # A deferred update (type 6) edits the component's message.
            message = self.state.messages.get(int(record.payload.get("message", {}).get("id", 0)))
        if message is None:
            return error(404, UNKNOWN_MESSAGE, "Unknown Message")
        problem = message_problem(self.body(request) or {}, len(self.files(request)), allow_empty=True)
        if problem:
            return error(400, 50035, f"Invalid Form Body: {problem}")
        was_loading = bool(message.get("flags", 0) & LOADING)
        self.state.apply_edit(
            message, self.body(request) or {}, self.files(request), self.state.interaction_channel(record)
        )
        if was_loading or (record.callbacks and int(record.callbacks[0].get("type", 0)) == 6):  # after a deferral
            record.note_answer(time.perf_counter())
        if was_loading:
            await self._echo_message(self.state.interaction_channel(record), message)
        else:
            message["edited_timestamp"] = message["timestamp"]
        return ok(message, bucket="webhook")

    async def delete_webhook_message(self, request: web.Request) -> web.Response:
        record = self._interaction(request)
        message = self._webhook_message(record, request.match_info["message_id"])
        if message is None:
            return error(404, UNKNOWN_MESSAGE, "Unknown Message")
        self.state.messages.pop(int(message["id"]), None)
        return ok(None, status=204)

    async def execute_webhook(self, request: web.Request) -> web.Response:
        record = self._interaction(request)
        if record is None:
            return error(404, UNKNOWN_INTERACTION, "Unknown Webhook")
        if not record.acknowledged:
            return error(400, 40060, "Interaction has not been acknowledged.")
        problem = message_problem(self.body(request) or {}, len(self.files(request)))
        if problem:
            return error(400, 50035 if "empty" not in problem else 50006, f"Invalid Form Body: {problem}")
        channel = self.state.interaction_channel(record)
        message = self.state.create_message(
            channel,
            self.state.bot,
            self.body(request) or {},
            self.files(request),
            webhook_id=self.state.application_id,
            interaction=record,
        )
        record.followup_ids.append(int(message["id"]))
        record.note_answer(time.perf_counter())
        await self._echo_message(channel, message)
        if request.query.get("wait") in ("1", "true", "True"):
            return ok(message, bucket="webhook")
        return ok(None, status=204)

    # channels and messages ---------------------------------------------------------------------
    async def open_dm(self, request: web.Request) -> web.Response:
        body = self.body(request) or {}
        user = self.state.user(int(body.get("recipient_id", 0)))
        if user is None:
            return error(400, 50035, "Invalid Form Body: recipient_id")
        return ok(self.state.open_dm(user).payload())

    async def get_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        return ok(channel.payload()) if channel else error(404, UNKNOWN_CHANNEL, "Unknown Channel")

    async def create_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel is None:
            return error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        if channel.type == ChannelType.DM and channel.recipient is not None and not channel.recipient.dms_open:
            return error(403, CANNOT_DM_USER, "Cannot send messages to this user")
        if (
            channel.is_thread
            and channel.type == ChannelType.PRIVATE_THREAD
            and self.state.bot.id not in (channel.member_ids)
            and channel.owner_id != self.state.bot.id
        ):
            return error(403, MISSING_ACCESS, "Missing Access")
        body = self.body(request) or {}
        problem = message_problem(body, len(self.files(request)))
        if problem:
            return error(400, 50006 if "empty" in problem else 50035, f"Invalid Form Body: {problem}")
        send = Permissions.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permissions.SEND_MESSAGES
        refused = self._refused(channel, send, *([Permissions.ATTACH_FILES] if self.files(request) else []))
        if refused is not None:
            return refused
        message = self.state.create_message(channel, self.state.bot, self._shown(channel, body), self.files(request))
        await self._echo_message(channel, message)
        return ok(message, bucket=f"messages:{channel.id}")

    async def get_message(self, request: web.Request) -> web.Response:
        message = self.state.messages.get(int(request.match_info["message_id"]))
        if message is None or message["channel_id"] != request.match_info["channel_id"]:
            return error(404, UNKNOWN_MESSAGE, "Unknown Message")
        return ok(message)

    async def edit_message(self, request: web.Request) -> web.Response:
        message = self.state.messages.get(int(request.match_info["message_id"]))
        if message is None or message["channel_id"] != request.match_info["channel_id"]:
            return error(404, UNKNOWN_MESSAGE, "Unknown Message")
        problem = message_problem(self.body(request) or {}, len(self.files(request)), allow_empty=True)
        if problem:
            return error(400, 50035, f"Invalid Form Body: {problem}")
        self.state.apply_edit(message, self.body(request) or {}, self.files(request), self._channel(request))
        message["edited_timestamp"] = message["timestamp"]
        return ok(message)

    async def delete_message(self, request: web.Request) -> web.Response:
        message = self.state.messages.pop(int(request.match_info["message_id"]), None)
        return ok(None, status=204) if message else error(404, UNKNOWN_MESSAGE, "Unknown Message")

    async def add_reaction(self, request: web.Request) -> web.Response:
        if int(request.match_info["message_id"]) not in self.state.messages:
            return error(404, UNKNOWN_MESSAGE, "Unknown Message")
        self.state.reactions.append(
            {
                "channel_id": request.match_info["channel_id"],
                "message_id": request.match_info["message_id"],
                "emoji": request.match_info["emoji"],
                "user_id": str(self.state.bot.id),
            }
        )
        return ok(None, status=204)

    async def create_thread(self, request: web.Request) -> web.Response:
        parent = self._channel(request)
        if parent is None:
            return error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        guild = self.state.guild_of(parent)
        if guild is None or parent.type != ChannelType.GUILD_TEXT:
            return error(400, 50024, "Cannot execute action on this channel type")
        body = self.body(request) or {}
        thread_type = int(body.get("type", ChannelType.PRIVATE_THREAD))
        create = (
            Permissions.CREATE_PRIVATE_THREADS
            if thread_type == ChannelType.PRIVATE_THREAD
            else Permissions.CREATE_PUBLIC_THREADS
        )
        refused = self._refused(parent, create)
        if refused is not None:
            return refused
        thread = FakeChannel(
            str(body.get("name", "thread"))[:100],
            type=thread_type,
            guild_id=guild.id,
            parent_id=parent.id,
            owner_id=self.state.bot.id,
            invitable=bool(body.get("invitable", True)),
            member_ids=[self.state.bot.id],
        )
        guild.channels.append(thread)
        payload = thread.payload() | {"newly_created": True}
        await self.emit("THREAD_CREATE", payload, guild.id)
        return ok(thread.payload(), status=201, bucket=f"threads:{parent.id}")

    async def add_thread_member(self, request: web.Request) -> web.Response:
        thread = self._channel(request)
        if thread is None or not thread.is_thread:
            return error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        guild = self.state.guild_of(thread)
        user_id = int(request.match_info["user_id"])
        refused = self._refused(thread, Permissions.SEND_MESSAGES_IN_THREADS)
        if refused is not None:
            return refused
        if guild is None or guild.member(user_id) is None:
            return error(404, 10007, "Unknown Member")
        if user_id not in thread.member_ids:
            thread.member_ids.append(user_id)
        return ok(None, status=204)

    # guilds ------------------------------------------------------------------------------------
    def _guild(self, request: web.Request) -> Any:
        return self.state.guilds.get(int(request.match_info["guild_id"]))

    async def get_guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if guild is None:
            return error(404, 10004, "Unknown Guild")
        data = guild.payload()
        for key in ("members", "channels", "threads", "presences", "voice_states"):
            data.pop(key, None)
        return ok(data)

    async def list_members(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if guild is None:
            return error(404, 10004, "Unknown Guild")
        after = int(request.query.get("after", 0))
        limit = int(request.query.get("limit", 1))
        members = sorted((m for m in guild.members if m.user.id > after), key=lambda m: m.user.id)
        return ok([m.payload() for m in members[:limit]])

    async def get_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        member = guild.member(int(request.match_info["user_id"])) if guild else None
        return ok(member.payload()) if member else error(404, 10007, "Unknown Member")

    async def get_roles(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return ok([r.payload() for r in guild.roles]) if guild else error(404, 10004, "Unknown Guild")

    async def get_channels(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if guild is None:
            return error(404, 10004, "Unknown Guild")
        return ok([c.payload() for c in guild.channels if not c.is_thread])

    async def not_found(self, request: web.Request) -> web.Response:
        return error(404, 0, f"404: Not Found (the fake Discord has no route {request.method} {request.path})")
