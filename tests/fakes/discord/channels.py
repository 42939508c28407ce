"""The fake's channel and message routes: DMs, channels, messages (create with nonce, read back, edit, delete),
reactions, threads and their members, as Discord v10 answers them.

`GET /channels/{id}/messages` reads history back like Discord: newest first, `limit` 1-100 (default 50),
`before`/`after`/`around` a message id; in a guild channel it needs View Channel (else 50001) and answers an
empty list without Read Message History. A message created with `enforce_nonce` and a `nonce` the same author
used within `FakeState.nonce_window` seconds (of Discord's clock, `FakeState.now`) is not created again: the earlier
message is returned, as Discord does. The nonce is in that answer and in MESSAGE_CREATE only, never in history.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .http import API_PREFIX, Routes, error, ok
from .records import CANNOT_DM_USER, MISSING_ACCESS, UNKNOWN_CHANNEL, UNKNOWN_MESSAGE
from .state import EPHEMERAL
from .validate import message_problem
from .world import ChannelType, FakeChannel, Permissions

MAX_NONCE = 25


class ChannelRoutes(Routes):
    def add_routes(self, app: web.Application) -> None:
        p = API_PREFIX
        app.router.add_routes(
            [
                web.post(p + "/users/@me/channels", self.open_dm),
                web.get(p + "/channels/{channel_id}", self.get_channel),
                web.delete(p + "/channels/{channel_id}", self.delete_channel),
                web.post(p + "/channels/{channel_id}/messages", self.create_message),
                web.get(p + "/channels/{channel_id}/messages", self.list_messages),
                web.get(p + "/channels/{channel_id}/messages/{message_id}", self.get_message),
                web.patch(p + "/channels/{channel_id}/messages/{message_id}", self.edit_message),
                web.delete(p + "/channels/{channel_id}/messages/{message_id}", self.delete_message),
                web.put(
                    p + "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                    self.add_reaction,
                ),
                web.post(p + "/channels/{channel_id}/threads", self.create_thread),
                web.put(p + "/channels/{channel_id}/thread-members/{user_id}", self.add_thread_member),
            ]
        )

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

    async def delete_channel(self, request: web.Request) -> web.Response:
        """Delete a channel or thread: Manage Channels, or Manage Threads for a thread (no owner exception). The
        channel's messages go with it; the deletion is kept in `state.deleted_channels`."""
        channel = self._channel(request)
        if channel is None:
            return error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        guild = self.state.guild_of(channel)
        if guild is None:
            return error(400, 50003, "Cannot execute action on a DM channel")
        needed = Permissions.MANAGE_THREADS if channel.is_thread else Permissions.MANAGE_CHANNELS
        refused = self._refused(channel, needed)
        if refused is not None:
            return refused
        guild.channels.remove(channel)
        for message_id in [i for i, m in self.state.messages.items() if m["channel_id"] == str(channel.id)]:
            del self.state.messages[message_id]
        self.state.deleted_channels.append(channel)
        await self.emit("THREAD_DELETE" if channel.is_thread else "CHANNEL_DELETE",
                        {"id": str(channel.id), "guild_id": str(guild.id), "parent_id": str(channel.parent_id or ""),
                         "type": channel.type}, guild.id)
        return ok(channel.payload())

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
        nonce = body.get("nonce")
        if nonce is not None and (not isinstance(nonce, str | int) or len(str(nonce)) > MAX_NONCE):
            return error(400, 50035, "Invalid Form Body: nonce")
        earlier = self._nonce_seen(nonce) if body.get("enforce_nonce") else None
        if earlier is not None:
            return ok({**earlier, "nonce": nonce}, bucket=f"messages:{channel.id}")
        message = self.state.create_message(channel, self.state.bot, self._shown(channel, body), self.files(request))
        if nonce is not None:
            # Discord echoes the nonce in this answer and in MESSAGE_CREATE, but does not store it.
            self.state.nonces[(self.state.bot.id, str(nonce))] = (int(message["id"]), self.state.now())
            self.state.message_nonces[int(message["id"])] = str(nonce)
            message = {**message, "nonce": nonce}
        await self._echo_message(channel, message)
        return ok(message, bucket=f"messages:{channel.id}")

    def _nonce_seen(self, nonce: Any) -> dict[str, Any] | None:
        """The bot's message created with this nonce in the past few minutes (enforce_nonce), if any."""
        if nonce is None:
            return None
        seen = self.state.nonces.get((self.state.bot.id, str(nonce)))
        if seen is None or self.state.now() - seen[1] > self.state.nonce_window:
            return None
        return self.state.messages.get(seen[0])

    async def list_messages(self, request: web.Request) -> web.Response:
        """Channel history, newest first (also with `after`, as Discord answers it)."""
        channel = self._channel(request)
        if channel is None:
            return error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        try:
            limit = int(request.query.get("limit", 50))
            anchors = {k: int(request.query[k]) for k in ("before", "after", "around") if k in request.query}
        except ValueError:
            return error(400, 50035, "Invalid Form Body: limit/before/after/around")
        if not 1 <= limit <= 100 or len(anchors) > 1:
            return error(400, 50035, "Invalid Form Body: limit/before/after/around")
        permissions = self._bot_permissions(channel)
        if permissions is not None:
            private = channel.type == ChannelType.PRIVATE_THREAD
            outsider = private and self.state.bot.id not in channel.member_ids and not (
                permissions & Permissions.MANAGE_THREADS)
            if not permissions & Permissions.VIEW_CHANNEL or outsider:
                return error(403, MISSING_ACCESS, "Missing Access")
            if not permissions & Permissions.READ_MESSAGE_HISTORY:
                return ok([])  # Discord answers with no messages, not with an error
        shown = sorted((m for m in self.state.messages_in(channel.id) if not m.get("flags", 0) & EPHEMERAL),
                       key=lambda m: int(m["id"]))
        ids = [int(m["id"]) for m in shown]
        if "before" in anchors:
            page = [m for m, i in zip(shown, ids, strict=True) if i < anchors["before"]][-limit:]
        elif "after" in anchors:
            page = [m for m, i in zip(shown, ids, strict=True) if i > anchors["after"]][:limit]
        elif "around" in anchors:
            middle = sum(1 for i in ids if i < anchors["around"])
            start = max(0, middle - limit // 2)
            page = shown[start : start + limit]
        else:
            page = shown[-limit:]
        return ok(list(reversed(page)), bucket=f"messages:{channel.id}")

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

