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
from .oauth import FakeOAuth
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
    team: str = ""
    """The workspace the call's token belongs to ("" when no token was accepted)."""

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
    oauth: FakeOAuth = field(default_factory=FakeOAuth)
    socket: SocketModeHub = field(init=False)
    payloads: Payloads = field(init=False)
    teams: dict[str, Workspace] = field(init=False)
    """Every workspace by team id: ``workspace`` (the bot token's) and those added with ``add_team``."""
    _team_payloads: dict[str, Payloads] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.socket = SocketModeHub(app_id=self.workspace.app_id)
        self.payloads = Payloads(workspace=self.workspace, base_url=self.url)
        if "C0GENERAL" not in self.workspace.channels:
            self.workspace.add_channel("C0GENERAL", "general")
        self.teams = {self.workspace.team_id: self.workspace}

    # ---- more workspaces (an app installed through OAuth) ----

    def add_team(self, team_id: str, name: str, *, bot_user_id: str | None = None) -> Workspace:
        """Another workspace, with its own bot user and #general, for the app to be installed in."""
        bot = bot_user_id or f"U0B{team_id[1:7]}"
        ws = Workspace(team_id=team_id, team_name=name, bot_user_id=bot, bot_id=f"B0{team_id[1:7]}",
                       app_id=self.workspace.app_id)
        ws.add_channel("C0GENERAL", "general")
        self.teams[team_id] = ws
        return ws

    def payloads_for(self, team_id: str) -> Payloads:
        """Payloads as Slack sends them from one workspace."""
        if team_id == self.workspace.team_id:
            return self.payloads
        if team_id not in self._team_payloads:
            self._team_payloads[team_id] = Payloads(workspace=self.teams[team_id], base_url=self.url)
        return self._team_payloads[team_id]

    def token_of(self, team_id: str) -> str:
        """The bot token the workspace's installation currently has (the one the app must use there)."""
        tokens = sorted(self.teams[team_id].tokens)
        if not tokens:
            raise LookupError(f"Kindred is not installed in {team_id}")
        return tokens[0]

    def uninstall(self, team_id: str) -> dict[str, Any]:
        """The workspace removes the app: its tokens stop working; returns the ``app_uninstalled`` callback
        Slack then sends to the app."""
        ws = self.teams[team_id]
        ws.installed = False
        ws.tokens = set()
        self.oauth.refresh_tokens = {k: v for k, v in self.oauth.refresh_tokens.items() if v != team_id}
        return self.payloads_for(team_id).event_callback({"type": "app_uninstalled"})

    @property
    def authorize_url(self) -> str:
        """Slack's authorize page on the fake (what ``[slack] authorize_url`` points at in tests)."""
        return f"{self.url}oauth/v2/authorize"

    # ---- lifecycle ----

    async def start(self) -> FakeSlack:
        """Bind to 127.0.0.1 on a free port and serve."""
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_get("/link/", self.socket.handle)
        app.router.add_get("/oauth/v2/authorize", self._authorize)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, LOOPBACK, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self.payloads.base_url = self.url
        for payloads in self._team_payloads.values():
            payloads.base_url = self.url
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

    def _authenticate(self, method: str, token: str | None) -> Workspace:
        """The workspace the token belongs to (the fixed bot token: the primary workspace)."""
        if not token:
            raise ApiError("not_authed")
        if method == "apps.connections.open":
            if token != self.app_token:
                raise ApiError("invalid_auth")
            return self.workspace
        if token == self.bot_token:
            return self.workspace
        for ws in self.teams.values():
            if token in ws.tokens:
                return ws
        raise ApiError("invalid_auth")

    def _answer(
        self, method: str, args: dict[str, Any], token: str | None, authorization: str = ""
    ) -> tuple[int, dict[str, Any], dict, str]:
        fault = self.faults.take(method)
        if fault is not None:
            return fault.status, {"ok": False, "error": fault.error}, fault.headers(), ""
        team = ""
        try:
            if method == "oauth.v2.access":
                self.oauth.check_client(args, authorization)
                return 200, {"ok": True, **self.oauth.access(args, self.teams)}, {}, ""
            ws = self._authenticate(method, token)
            team = ws.team_id
            if method == "apps.connections.open":
                ws_base = self.url.replace("http://", "ws://", 1)
                return 200, {"ok": True, "url": self.socket.issue_url(ws_base)}, {}, team
            handler = HANDLERS.get(method)
            if handler is None:
                raise ApiError("unknown_method")
            result = handler(ws, args, CallContext(base_url=self.url, token=token))
            return 200, {"ok": True, **result}, {}, team
        except ApiError as error:
            return 200, {"ok": False, "error": error.code, **error.extra}, {}, team

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args, token = await self._arguments(request)
        hold = next((h for h in self.holds if h.take(method)), None)
        if hold is not None and hold.phase == "before":
            hold.held.set()
            await hold.release.wait()
            return web.json_response({"ok": False, "error": "fatal_error"}, status=503)
        status, body, headers, team = self._answer(method, args, token, request.headers.get("Authorization", ""))
        if hold is not None:
            hold.held.set()
            await hold.release.wait()
        self.calls.append(ApiCall(method, args, request.method, token, status, body, team))
        if not body.get("ok"):
            log.debug("fake slack: %s -> %s (%s)", method, body.get("error"), status)
        await self._notify()
        return web.json_response(body, status=status, headers=headers)

    async def _authorize(self, request: web.Request) -> web.Response:
        """Slack's authorize page, approved at once for the workspace in ``choose_team``: a redirect to the
        app's redirect URL with a code, or an error page (unknown client, workspace or redirect URL)."""
        try:
            target = self.oauth.authorize(dict(request.query), self.teams)
        except ApiError as error:
            return web.Response(status=400, text=f"Slack could not start the installation: {error.code}",
                                content_type="text/plain")
        await self._notify()
        raise web.HTTPFound(target)

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
