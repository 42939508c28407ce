"""The fake gateway websocket: HELLO, IDENTIFY/RESUME, heartbeats, READY + GUILD_CREATE, then dispatches.

It speaks gateway v10 with JSON encoding and, when the client asks for `compress=zlib-stream` (discord.py
2.7 always does unless zstd is installed), one zlib stream per connection flushed with Z_SYNC_FLUSH, exactly
as Discord does. Dispatches honour the intents from IDENTIFY, including stripping message content when the
MESSAGE_CONTENT intent is absent, so the bot under test sees what it would see live.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .state import FakeState

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE = 3
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11


class Intents:
    """Gateway intent bits used by the fake (values from Discord's documentation)."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    MESSAGE_CONTENT = 1 << 15
    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


_GUILD_EVENTS = {
    "GUILD_CREATE",
    "GUILD_UPDATE",
    "GUILD_DELETE",
    "GUILD_ROLE_CREATE",
    "GUILD_ROLE_UPDATE",
    "GUILD_ROLE_DELETE",
    "CHANNEL_CREATE",
    "CHANNEL_UPDATE",
    "CHANNEL_DELETE",
    "THREAD_CREATE",
    "THREAD_UPDATE",
    "THREAD_DELETE",
    "THREAD_LIST_SYNC",
    "THREAD_MEMBER_UPDATE",
}
_MEMBER_EVENTS = {"GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE", "THREAD_MEMBERS_UPDATE"}
_MESSAGE_EVENTS = {"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE"}
_REACTION_EVENTS = {"MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE"}


def required_intent(event: str, data: dict[str, Any]) -> int:
    """The intent Discord requires before it sends `event` (0: always sent)."""
    in_guild = data.get("guild_id") is not None
    if event in _GUILD_EVENTS:
        return Intents.GUILDS
    if event in _MEMBER_EVENTS:
        return Intents.GUILD_MEMBERS
    if event in _MESSAGE_EVENTS:
        return Intents.GUILD_MESSAGES if in_guild else Intents.DIRECT_MESSAGES
    if event in _REACTION_EVENTS:
        return Intents.GUILD_MESSAGE_REACTIONS if in_guild else Intents.DIRECT_MESSAGE_REACTIONS
    return 0


def strip_content(data: dict[str, Any], bot_id: int) -> dict[str, Any]:
    """What Discord sends without the MESSAGE_CONTENT intent: no content unless DM, own message or mention."""
    author_id = int(data.get("author", {}).get("id", 0))
    mentioned = any(int(u["id"]) == bot_id for u in data.get("mentions", []))
    if data.get("guild_id") is None or author_id == bot_id or mentioned:
        return data
    stripped = data | {"content": "", "embeds": [], "attachments": [], "components": []}
    stripped.pop("poll", None)
    return stripped


@dataclass
class GatewaySession:
    """One gateway session; survives its websocket so RESUME can replay what the bot missed."""

    session_id: str = field(default_factory=lambda: secrets.token_hex(16))
    seq: int = 0
    intents: int = 0
    shard: tuple[int, int] = (0, 1)
    token: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    compressor: Any = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed

    async def send(self, payload: dict[str, Any]) -> None:
        async with self.lock:
            if payload["op"] == OP_DISPATCH:
                self.seq += 1
                payload = {**payload, "s": self.seq}
                self.history.append(payload)
            await self._write(payload)

    async def replay_after(self, seq: int) -> None:
        async with self.lock:
            for payload in self.history:
                if payload["s"] > seq:
                    await self._write(payload)

    async def _write(self, payload: dict[str, Any]) -> None:
        if self.ws is None or self.ws.closed:
            return
        raw = json.dumps(payload, separators=(",", ":"))
        if self.compressor is not None:
            data = self.compressor.compress(raw.encode()) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(data)
        else:
            await self.ws.send_str(raw)

    def owns_guild(self, guild_id: int | None) -> bool:
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id


class GatewayHub:
    """Accepts gateway websockets and delivers dispatches to the right live session."""

    def __init__(
        self,
        state: FakeState,
        *,
        heartbeat_interval_ms: int,
        privileged_intents: int,
        resume_url: Callable[[], str],
    ) -> None:
        self.state = state
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.privileged_intents = privileged_intents
        self.resume_url = resume_url
        self.sessions: dict[str, GatewaySession] = {}
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.heartbeats = 0
        self.ready_sessions = 0
        self.sockets: set[web.WebSocketResponse] = set()

    # connection handling -----------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self.sockets.add(ws)
        compress = request.query.get("compress") == "zlib-stream"
        if request.query.get("encoding", "json") != "json":
            await ws.close(code=4002, message=b"the fake Discord speaks only JSON")
            return ws
        session: GatewaySession | None = None
        pending = GatewaySession(ws=ws, compressor=zlib.compressobj() if compress else None)
        await pending.send({"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                session = await self._on_payload(ws, payload, pending, session)
        finally:
            self.sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
            await self.state.notify()
        return ws

    async def _on_payload(
        self,
        ws: web.WebSocketResponse,
        payload: dict[str, Any],
        pending: GatewaySession,
        session: GatewaySession | None,
    ) -> GatewaySession | None:
        op = payload.get("op")
        data = payload.get("d")
        current = session or pending
        if op == OP_HEARTBEAT:
            self.heartbeats += 1
            await current.send({"op": OP_HEARTBEAT_ACK})
            return session
        if op == OP_IDENTIFY and session is None:
            return await self._identify(ws, data or {}, pending)
        if op == OP_RESUME and session is None:
            return await self._resume(ws, data or {}, pending)
        if session is None:
            await ws.close(code=4003, message=b"Not authenticated.")
            return None
        if op in (OP_IDENTIFY, OP_RESUME):
            await ws.close(code=4005, message=b"Already authenticated.")
            return session
        if op == OP_REQUEST_MEMBERS:
            await self._send_member_chunk(session, data or {})
        elif op != OP_PRESENCE:
            await ws.close(code=4001, message=b"Unknown opcode.")
        return session

    async def _identify(
        self, ws: web.WebSocketResponse, data: dict[str, Any], session: GatewaySession
    ) -> GatewaySession | None:
        self.identifies.append(data)
        if data.get("token") != self.state.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        if intents & Intents.PRIVILEGED & ~self.privileged_intents:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard = data.get("shard") or [0, 1]
        session.intents = intents
        session.shard = (int(shard[0]), int(shard[1]))
        session.token = data["token"]
        self.sessions[session.session_id] = session
        guilds = [g for g in self.state.guilds.values() if session.owns_guild(g.id)]
        await session.send(
            {
                "op": OP_DISPATCH,
                "t": "READY",
                "d": {
                    "v": 10,
                    "user": self.state.bot.payload() | {"verified": True, "mfa_enabled": False, "flags": 0},
                    "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                    "session_id": session.session_id,
                    "session_type": "normal",
                    "resume_gateway_url": self.resume_url(),
                    "shard": list(session.shard),
                    "application": {"id": str(self.state.application_id), "flags": 0},
                    "private_channels": [],
                    "relationships": [],
                    "presences": [],
                    "geo_ordered_rtc_regions": [],
                    "guild_join_requests": [],
                    "user_settings": {},
                    "auth": {},
                },
            }
        )
        for guild in guilds:
            await session.send({"op": OP_DISPATCH, "t": "GUILD_CREATE", "d": guild.payload()})
        self.ready_sessions += 1
        await self.state.notify()
        return session

    async def _resume(
        self, ws: web.WebSocketResponse, data: dict[str, Any], pending: GatewaySession
    ) -> GatewaySession | None:
        self.resumes.append(data)
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != session.token:
            await pending.send({"op": OP_INVALID_SESSION, "d": False})
            return None
        session.ws = ws
        session.compressor = pending.compressor
        await session.replay_after(int(data.get("seq") or 0))
        await session.send({"op": OP_DISPATCH, "t": "RESUMED", "d": {}})
        await self.state.notify()
        return session

    async def _send_member_chunk(self, session: GatewaySession, data: dict[str, Any]) -> None:
        guild = self.state.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        wanted = {int(u) for u in data.get("user_ids") or []}
        query = str(data.get("query") or "").lower()
        members = [
            m
            for m in guild.members
            if (not wanted or m.user.id in wanted) and m.user.username.lower().startswith(query)
        ]
        chunk = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in wanted - {m.user.id for m in members}],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await session.send({"op": OP_DISPATCH, "t": "GUILD_MEMBERS_CHUNK", "d": chunk})

    # test-facing -------------------------------------------------------------------------------
    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if s.connected]

    async def dispatch(self, event: str, data: dict[str, Any], guild_id: int | None = None) -> int:
        """Send a dispatch to every live session that owns the guild and has the intent; returns how many."""
        delivered = 0
        for session in self.live_sessions():
            if not session.owns_guild(guild_id):
                continue
            needed = required_intent(event, data)
            if needed and not session.intents & needed:
                continue
            body = data
            if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and not session.intents & Intents.MESSAGE_CONTENT:
                body = strip_content(data, self.state.bot.id)
            await session.send({"op": OP_DISPATCH, "t": event, "d": body})
            delivered += 1
        return delivered

    async def send_op(self, op: int, data: Any = None) -> None:
        """Send a raw opcode (e.g. RECONNECT) to every live session."""
        for session in self.live_sessions():
            await session.send({"op": op, "d": data})

    async def close_all(self, code: int = 1001) -> None:
        for ws in list(self.sockets):
            await ws.close(code=code)
