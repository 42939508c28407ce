"""How Slack reaches the bot: a Socket Mode connection (``[slack] app_token``) or an HTTP server (``host:port``,
requests verified with ``signing_secret``), and how each is taken down without hanging a shutdown.

The HTTP server serves ``/slack/events`` (slash commands, interactivity and events) and, when workspaces install
Kindred themselves (oauth.py), bolt's install and OAuth redirect pages on the same port.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.aio import bounded
from core.errors import ExitCode
from core.retry import reach
from core.settings.platforms import SlackSettings
from integrations.slack.errors import SlackStartupError, error_code, transient
from integrations.slack.http_guard import refuse_malformed_signing

log = logging.getLogger(__name__)

T = TypeVar("T")

HTTP_PATH = "/slack/events"
"""The one URL slash commands, interactivity and events are sent to in HTTP mode."""
SHUTDOWN_STEP = 5.0
"""Seconds one step of shutting down (disconnecting, closing the client) may take before we go on."""


class Connection:
    """The Socket Mode handler or the HTTP server of one running integration."""

    def __init__(self, settings: SlackSettings, http_port: int | None = None) -> None:
        self.settings = settings
        self.http_port = http_port
        self.http_endpoint: str | None = None
        self.socket: AsyncSocketModeHandler | None = None
        self.runner: web.AppRunner | None = None

    async def reach(self, call: Callable[[], Awaitable[T]]) -> T:
        """A start-up call, tried `[slack] connect_attempts` times with growing waits (core/retry.py)."""
        return await reach(call, what=f"the Slack API at {self.settings.api_base_url}",
                           attempts=self.settings.connect_attempts, transient=transient)

    async def connect_socket(self, bolt: AsyncApp, client: AsyncWebClient) -> None:
        app_token = self.settings.app_token.get_secret_value() if self.settings.app_token else ""
        if not app_token:
            raise SlackStartupError("[slack] app_token is missing: Socket Mode needs an app-level token (xapp-...)")
        handler = AsyncSocketModeHandler(bolt, app_token, web_client=client)
        try:
            opened = await self.reach(lambda: client.apps_connections_open(app_token=app_token))
        except BaseException as error:
            await handler.client.close()
            if isinstance(error, SlackApiError):
                raise SlackStartupError(f"Slack refused the app-level token ([slack] app_token): "
                                        f"{error_code(error)}", ExitCode.REJECTED) from None
            raise
        handler.client.wss_uri = str(opened["url"])
        self.socket = handler
        await handler.connect_async()

    async def listen_http(self, bolt: AsyncApp) -> None:
        if not self.settings.signing_secret or not self.settings.signing_secret.get_secret_value():
            raise SlackStartupError("[slack] signing_secret is missing: HTTP mode needs it to verify requests")
        port = self.settings.port if self.http_port is None else self.http_port
        web_app = bolt.web_app(path=HTTP_PATH)
        web_app.middlewares.append(refuse_malformed_signing)
        self.runner = web.AppRunner(web_app, handle_signals=False, access_log=None)
        await self.runner.setup()
        try:
            await web.TCPSite(self.runner, self.settings.host, port).start()
        except OSError as error:
            await self.runner.cleanup()
            self.runner = None
            raise SlackStartupError(f"cannot listen on {self.settings.host}:{port} ([slack] host and port): "
                                    f"{error.strerror or error}") from None
        bound = self.runner.addresses[0]
        self.http_endpoint = f"http://{self.settings.host}:{bound[1]}{HTTP_PATH}"

    async def stop_taking_requests(self) -> None:
        """Close the HTTP server, or disconnect from Socket Mode (without reconnecting)."""
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        if self.socket is not None:
            self.socket.client.auto_reconnect_enabled = False
            self.socket.client.default_auto_reconnect_enabled = False
            await self.bounded(self.socket.disconnect_async(), "disconnect from Socket Mode")

    async def close(self) -> None:
        """After the requests in progress are done: close the Socket Mode client."""
        if self.socket is not None:
            await self.bounded(self.socket.close_async(), "close the Socket Mode client")
            self.socket = None

    @staticmethod
    async def bounded(step: Coroutine[Any, Any, Any], what: str, within: float = SHUTDOWN_STEP) -> None:
        """One step of shutting down, given at most ``within`` seconds.

        slack_sdk's aiohttp Socket Mode client can wait forever while closing when a reconnect races the close
        (its session monitor and receiver tasks); a bot that cannot stop cannot be restarted by its supervisor.
        """
        try:
            await bounded(step, within)
        except TimeoutError:
            log.warning("could not %s within %.0f s; going on with the shutdown", what, within)
