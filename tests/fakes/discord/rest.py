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

from .channels import ChannelRoutes
from .http import API_PREFIX, RECORD, Emit, Routes, error, json_response, ok, parse_body
from .records import (
    INTERACTION_ALREADY_ACKNOWLEDGED,
    MISSING_ACCESS,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    RecordedRequest,
)
from .state import EPHEMERAL, LOADING, FakeState, InteractionRecord
from .validate import commands_problem, message_problem, modal_problem


def make_middleware(state: FakeState) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Record, authenticate and (when asked) fail requests before they reach a route."""

    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        path = request.path[len(API_PREFIX) :]
        body, files = await parse_body(request)
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
        hold = next((h for h in state.holds if h.take(request.method, path)), None)
        try:
            if hold is not None and hold.phase == "before":
                hold.held.set()
                await hold.release.wait()
                response: web.StreamResponse = error(503, 0, "held by the test and never carried out")
            else:
                response = await _answer(state, request, path, handler)
            if hold is not None and hold.phase == "after":
                hold.held.set()
                await hold.release.wait()
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


class RestApi(Routes):
    """Route handlers; `emit` sends a gateway dispatch (used to echo MESSAGE_CREATE / THREAD_CREATE). The
    channel and message routes are in channels.py."""

    def __init__(self, state: FakeState, emit: Emit, gateway_url: Callable[[], str], shard_count: int) -> None:
        super().__init__(state, emit)
        self.gateway_url = gateway_url
        self.shard_count = shard_count
        self.channels = ChannelRoutes(state, emit)

    def add_routes(self, app: web.Application) -> None:
        p = API_PREFIX
        self.channels.add_routes(app)
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
                web.get(p + "/guilds/{guild_id}", self.get_guild),
                web.get(p + "/guilds/{guild_id}/members", self.list_members),
                web.get(p + "/guilds/{guild_id}/members/{user_id}", self.get_member),
                web.get(p + "/guilds/{guild_id}/roles", self.get_roles),
                web.get(p + "/guilds/{guild_id}/channels", self.get_channels),
                web.route("*", p + "/{tail:.*}", self.not_found),
            ]
        )

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
