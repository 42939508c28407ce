"""The health and metrics endpoint a supervisor and Prometheus read (`[ops] listen`, README "Operation").

- `/healthz`: the process lives and its event loop turns (200 whenever it answers at all).
- `/readyz`: the store answers a query and every platform the bot was started for is connected; otherwise 503
  with one line per reason, so that an orchestrator stops sending traffic and an alert can say why.
- `/metrics`: every metric of core/metrics.py in the Prometheus text format, `kindred_ready` (what /readyz would
  say) refreshed with each scrape.

It is off unless `[ops] listen` is set, and it listens on its own address (aiohttp), apart from Slack's HTTP
mode: probes and scrapes should not share a port that the internet reaches.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from aiohttp import web

from core import metrics
from core.aio import bounded
from core.dispatcher import App
from core.errors import ExitCode, StartupFailed
from core.settings.ops import OpsSettings
from storage.engine import sql_store

log = logging.getLogger(__name__)

PING_SECONDS = 3.0  # a store that takes longer to answer SELECT 1 counts as not ready


class Readiness:
    """Whether the bot can do its work: the store answers, and each expected platform has said it is connected
    (`App.platform_ready`, called by each integration once its messenger can send)."""

    def __init__(self, app: App, platforms: Sequence[str]) -> None:
        self.app = app
        self.expected = tuple(platforms)
        self.connected: set[str] = set()
        app.on_platform_ready(self.connected.add)

    async def problems(self) -> list[str]:
        """Why the bot is not ready, one line each; [] when it is."""
        found: list[str] = []
        store = sql_store(self.app.services.store)
        try:
            answered = await bounded(store.ping(), PING_SECONDS)
        except TimeoutError:
            answered = False
        if not answered:
            found.append("store: not answering")
        elif store.health.down:
            store.health.answered()  # the ping got through: the outage is over
        for platform in self.expected:
            if platform not in self.connected:
                found.append(f"{platform}: not connected")
        return found


def ops_app(readiness: Readiness) -> web.Application:
    """The aiohttp application with the three routes."""

    async def healthz(_request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(_request: web.Request) -> web.Response:
        problems = await readiness.problems()
        if problems:
            return web.Response(status=503, text="not ready\n" + "".join(f"{p}\n" for p in problems))
        return web.Response(text="ready\n")

    async def metrics_page(_request: web.Request) -> web.Response:
        metrics.ready(not await readiness.problems())  # so that an alert needs no second probe
        response = web.Response(body=metrics.exposition())
        response.headers["Content-Type"] = metrics.CONTENT_TYPE
        return response

    web_app = web.Application()
    web_app.add_routes([web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics_page)])
    return web_app


class OpsServer:
    """The running endpoint; `port` is the one it got (useful with port 0)."""

    def __init__(self, runner: web.AppRunner, site: web.TCPSite, readiness: Readiness) -> None:
        self.runner = runner
        self.site = site
        self.readiness = readiness

    @property
    def port(self) -> int:
        server = self.site._server
        sockets = getattr(server, "sockets", None) or []
        return int(sockets[0].getsockname()[1]) if sockets else 0


@asynccontextmanager
async def serving_ops(app: App, settings: OpsSettings, platforms: Sequence[str]) -> AsyncIterator[OpsServer | None]:
    """Serve the endpoint while the block runs (None when `[ops] listen` is empty). An address that cannot be
    bound stops the start with one line and exit code 2, like any other setting that cannot work."""
    address = settings.address()
    if address is None:
        yield None
        return
    readiness = Readiness(app, platforms)
    runner = web.AppRunner(ops_app(readiness), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, address[0], address[1])
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise StartupFailed(f"ops.listen: cannot listen on {settings.listen}: {exc.strerror or exc}",
                            ExitCode.CONFIG) from None
    server = OpsServer(runner, site, readiness)
    log.info("health and metrics on http://%s:%d/ (healthz, readyz, metrics)", address[0], server.port)
    try:
        yield server
    finally:
        await runner.cleanup()
