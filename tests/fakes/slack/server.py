"""The fake Slack server: Web API, Socket Mode websocket, upload URLs and response URLs on one loopback port.

Point real slack_sdk / slack-bolt at it with ``AsyncWebClient(token=fake.bot_token, base_url=fake.api_url)``;
Socket Mode follows because ``SocketModeClient`` asks that web client's ``apps.connections.open`` for the
websocket URL. Every Web API call is recorded (``calls``) so tests assert on what the bot did, and failures
can be scripted per method (``fail``, ``rate_limit``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .faults import Fault, FaultPlan, Hold
from .payloads import Payloads
from .socket_mode import SocketModeHub
from .state import Workspace
from .web_api import HANDLERS, ApiError, CallContext

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class ApiCall:
    """One recorded Web API call: which method, with which arguments, and what the fake answered."""

    method: str
    args: dict[str, Any]
    http_verb: str
    token: str | None
    status: int
    response: dict[str, Any]

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return self.response.get("error")


@dataclass(frozen=True)
class ResponseUrlPost:
    """A message the app sent to a ``response_url`` (slash command or button follow-up)."""

    path: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Upload:
    """Bytes the app posted to an upload URL from ``files.getUploadURLExternal``."""

    file_id: str
    content: bytes


@dataclass
class FakeSlack:
    """A local Slack for tests. Use as ``async with FakeSlack() as slack:``; it listens on a random port."""

    bot_token: str = "xoxb-kindred-test-token"
    app_token: str = "xapp-1-kindred-test-token"
    signing_secret: str = "kindred-test-signing-secret"
    workspace: Workspace = field(default_factory=Workspace)
    calls: list[ApiCall] = field(default_factory=list)
    responses: list[ResponseUrlPost] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)
    faults: FaultPlan = field(default_factory=FaultPlan)
    holds: list[Hold] = field(default_factory=list)
    port: int = 0
    response_url_status: int = 200
    """Set to 404 to make every response URL answer like an expired one (Slack: ``expired_url``)."""
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    socket: SocketModeHub = field(init=False)
    payloads: Payloads = field(init=False)

    def __post_init__(self) -> None:
        self.socket = SocketModeHub(app_id=self.workspace.app_id)
        self.payloads = Payloads(workspace=self.workspace, base_url=self.url)
        if "C0GENERAL" not in self.workspace.channels:
            self.workspace.add_channel("C0GENERAL", "general")

    # ---- lifecycle ----

    async def start(self) -> FakeSlack:
        """Bind to 127.0.0.1 on a free port and serve."""
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_get("/link/", self.socket.handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, LOOPBACK, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self.payloads.base_url = self.url
        return self

    async def stop(self) -> None:
        """Close websockets and the server."""
        await self.socket.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ---- addresses ----

    @property
    def url(self) -> str:
        """Root URL of the fake, ending in a slash."""
        return f"http://{LOOPBACK}:{self.port}/"

    @property
    def api_url(self) -> str:
        """What to pass as ``base_url`` to ``AsyncWebClient``."""
        return f"{self.url}api/"

    # ---- scripting failures ----

    def fail(self, method: str, error: str, *, times: int | None = 1) -> None:
        """The next ``times`` calls of ``method`` answer ``{"ok": false, "error": error}`` (None: always)."""
        self.faults.add(method, Fault(error=error, remaining=times))

    def rate_limit(self, method: str, *, times: int | None = 1, retry_after: int = 0) -> None:
        """The next ``times`` calls of ``method`` get HTTP 429 ``ratelimited`` with ``Retry-After``."""
        self.faults.add(
            method, Fault(error="ratelimited", remaining=times, status=429, retry_after=retry_after)
        )

    def hold(self, method: str, *, nth: int = 1, phase: str = "before") -> Hold:
        """Hold the ``nth`` call of ``method`` (see ``Hold``); release it with ``hold.release.set()``."""
        rule = Hold(method, nth, phase)
        self.holds.append(rule)
        return rule

    # ---- inspecting what the app did ----

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[ApiCall]:
        """Recorded calls of one method, optionally only the successful (or failed) ones."""
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    async def wait_until(self, condition: Callable[[], Any], *, timeout: float = 5.0) -> Any:
        """Wait until ``condition()`` is truthy (re-checked on every call the fake records); return it."""

        async def reached() -> Any:
            async with self._changed:
                await self._changed.wait_for(condition)
            return condition()

        return await asyncio.wait_for(reached(), timeout)

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        *,
        ok: bool | None = True,
        count: int = 1,
        timeout: float = 5.0,
    ) -> ApiCall:
        """Wait for the ``count``-th call of ``method`` matching ``predicate``; return it."""

        def matching() -> list[ApiCall]:
            return [c for c in self.calls_to(method, ok=ok) if predicate is None or predicate(c)]

        await self.wait_until(lambda: len(matching()) >= count, timeout=timeout)
        return matching()[count - 1]

    async def wait_for_response(self, *, count: int = 1, timeout: float = 5.0) -> ResponseUrlPost:
        """Wait for the ``count``-th post to any response URL."""
        await self.wait_until(lambda: len(self.responses) >= count, timeout=timeout)
        return self.responses[count - 1]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ---- HTTP handlers ----

    @staticmethod
    async def _arguments(request: web.Request) -> tuple[dict[str, Any], str | None]:
        """Merge query string, form and JSON body the way Slack accepts them; pull out the token."""
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    args.update(body)
            elif request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
                form = await request.post()
                args.update({k: v for k, v in form.items() if isinstance(v, str)})
        token = args.pop("token", None)
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth.removeprefix("Bearer ").strip()
        return args, token

    def _authenticate(self, method: str, token: str | None) -> None:
        if not token:
            raise ApiError("not_authed")
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            raise ApiError("invalid_auth")

    def _answer(
        self, method: str, args: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any], dict]:
        fault = self.faults.take(method)
        if fault is not None:
            return fault.status, {"ok": False, "error": fault.error}, fault.headers()
        try:
            self._authenticate(method, token)
            if method == "apps.connections.open":
                ws_base = self.url.replace("http://", "ws://", 1)
                return 200, {"ok": True, "url": self.socket.issue_url(ws_base)}, {}
            handler = HANDLERS.get(method)
            if handler is None:
                raise ApiError("unknown_method")
            result = handler(self.workspace, args, CallContext(base_url=self.url, token=token))
            return 200, {"ok": True, **result}, {}
        except ApiError as error:
            return 200, {"ok": False, "error": error.code, **error.extra}, {}

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args, token = await self._arguments(request)
        hold = next((h for h in self.holds if h.take(method)), None)
        if hold is not None and hold.phase == "before":
            hold.held.set()
            await hold.release.wait()
            return web.json_response({"ok": False, "error": "fatal_error"}, status=503)
        status, body, headers = self._answer(method, args, token)
        if hold is not None:
            hold.held.set()
            await hold.release.wait()
        self.calls.append(ApiCall(method, args, request.method, token, status, body))
        if not body.get("ok"):
            log.debug("fake slack: %s -> %s (%s)", method, body.get("error"), status)
        await self._notify()
        return web.json_response(body, status=status, headers=headers)

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        content = await request.read()
        file = self.workspace.files.get(file_id)
        if file is None:
            return web.Response(status=404, text="unknown upload url", content_type="text/plain")
        file.content = content
        self.uploads.append(Upload(file_id=file_id, content=content))
        await self._notify()
        return web.Response(text=f"OK - {len(content)}", content_type="text/plain")

    async def _respond(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return web.Response(status=400, text="invalid_payload", content_type="text/plain")
        if self.response_url_status != 200:
            return web.Response(status=self.response_url_status, text="expired_url", content_type="text/plain")
        self.responses.append(ResponseUrlPost(path=request.path, body=body))
        await self._notify()
        return web.Response(text="ok", content_type="text/plain")

    # ---- sending to an app over Socket Mode ----

    async def wait_for_socket(self, *, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until the app has opened ``count`` Socket Mode connections in total and holds one open."""
        await self.socket.wait_for_connection(count=count, timeout=timeout)
