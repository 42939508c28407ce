"""The fake REST API's plumbing: Discord-shaped JSON answers and errors, request bodies, and the helpers every
route group shares (the channel of a request, the bot's permissions there, echoing messages on the gateway).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .records import MISSING_ACCESS, MISSING_PERMISSIONS, RecordedFile, RecordedRequest
from .state import EPHEMERAL, FakeState, InteractionRecord
from .world import FakeChannel, Permissions

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


async def parse_body(request: web.Request) -> tuple[Any, list[RecordedFile]]:
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




class Routes:
    """Shared by the route groups; `emit` sends a gateway dispatch (used to echo MESSAGE_CREATE / THREAD_CREATE)."""

    def __init__(self, state: FakeState, emit: Emit) -> None:
        self.state = state
        self.emit = emit

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

