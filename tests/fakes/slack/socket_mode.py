"""Socket Mode side of the fake Slack: the websocket ``apps.connections.open`` points to.

Slack's protocol, as slack_sdk's SocketModeClient expects it: the server greets with ``{"type": "hello"}``,
then pushes envelopes ``{"envelope_id", "type", "payload", "accepts_response_payload", ...}`` and the app
answers each with ``{"envelope_id": ..., "payload": ...?}`` (the ack). A ``{"type": "disconnect"}`` message
asks the client to reconnect.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web


@dataclass(frozen=True)
class Ack:
    """The app's answer to one envelope; ``payload`` is what it sent back (e.g. a slash command reply)."""

    envelope_id: str
    payload: dict[str, Any] | None
    raw: dict[str, Any]


@dataclass
class SocketModeHub:
    """Holds the open websockets, the envelopes sent over them and the acks received."""

    app_id: str
    envelopes: list[dict[str, Any]] = field(default_factory=list)
    acks: dict[str, Ack] = field(default_factory=dict)
    stray_messages: list[str] = field(default_factory=list)
    connections_opened: int = 0
    _tickets: set[str] = field(default_factory=set)
    _open: list[web.WebSocketResponse] = field(default_factory=list)
    _waiters: dict[str, asyncio.Future[Ack]] = field(default_factory=dict)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def issue_url(self, ws_base: str) -> str:
        """A one-time websocket URL, as ``apps.connections.open`` returns it."""
        ticket = secrets.token_hex(8)
        self._tickets.add(ticket)
        return f"{ws_base}link/?ticket={ticket}&app_id={self.app_id}"

    @property
    def open_connections(self) -> int:
        """How many websockets are open now."""
        return sum(not ws.closed for ws in self._open)

    @property
    def connected(self) -> bool:
        """Whether an app currently holds an open websocket."""
        return any(not ws.closed for ws in self._open)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The websocket endpoint: check the ticket, say hello, then collect acks until closed."""
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len(self._open) + 1,
                    "debug_info": {
                        "host": "fake-slack",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.app_id},
                }
            )
        )
        async with self._changed:
            self._open.append(ws)
            self.connections_opened += 1
            self._changed.notify_all()
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await self._receive(str(message.data))
        finally:
            async with self._changed:
                if ws in self._open:
                    self._open.remove(ws)
                self._changed.notify_all()
        return ws

    async def _receive(self, text: str) -> None:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            self.stray_messages.append(text)
            return
        envelope_id = data.get("envelope_id") if isinstance(data, dict) else None
        if not envelope_id:
            self.stray_messages.append(text)
            return
        ack = Ack(envelope_id=envelope_id, payload=data.get("payload"), raw=data)
        self.acks[envelope_id] = ack
        waiter = self._waiters.get(envelope_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(ack)

    async def wait_for_connection(self, *, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until ``count`` connections have been opened in total and one is open now."""

        async def reached() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: self.connections_opened >= count and self.connected)

        await asyncio.wait_for(reached(), timeout)

    async def send(
        self,
        type_: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        envelope_id: str | None = None,
        connection: int = -1,
    ) -> str:
        """Push one envelope to an open connection (the newest unless ``connection`` picks another by its place
        among the open ones, oldest first: Slack spreads envelopes over an app's connections, and a retry may
        reach another one than the first delivery); returns its envelope id."""
        live = [ws for ws in self._open if not ws.closed]
        if not live:
            raise RuntimeError("no Socket Mode connection is open; did the app connect?")
        envelope_id = envelope_id or f"env-{next(self._ids):04d}-{secrets.token_hex(4)}"
        if accepts_response_payload is None:
            accepts_response_payload = type_ in {"slash_commands", "interactive"}
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": type_,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if type_ == "events_api":
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = retry_reason or ("" if not retry_attempt else "timeout")
        self._waiters[envelope_id] = asyncio.get_running_loop().create_future()
        self.envelopes.append(envelope)
        await live[connection].send_str(json.dumps(envelope))
        return envelope_id

    async def wait_for_ack(self, envelope_id: str, *, timeout: float = 5.0) -> Ack:
        """Wait for the app to ack an envelope (Slack allows 3 seconds; tests allow ``timeout``)."""
        if envelope_id in self.acks:
            return self.acks[envelope_id]
        waiter = self._waiters.setdefault(envelope_id, asyncio.get_running_loop().create_future())
        return await asyncio.wait_for(asyncio.shield(waiter), timeout)

    async def deliver(
        self, type_: str, payload: dict[str, Any], *, timeout: float = 5.0, **options: Any
    ) -> Ack:
        """Send an envelope and wait for its ack."""
        envelope_id = await self.send(type_, payload, **options)
        return await self.wait_for_ack(envelope_id, timeout=timeout)

    async def request_reconnect(self, reason: str = "refresh_requested") -> None:
        """Ask connected apps to reconnect, as Slack does every few hours."""
        for ws in [ws for ws in self._open if not ws.closed]:
            await ws.send_str(
                json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}})
            )

    async def close_all(self) -> None:
        """Close every websocket (server going away); used when the fake stops."""
        for ws in list(self._open):
            await ws.close(code=1001, message=b"fake slack stopping")
