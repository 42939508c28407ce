"""The health and metrics endpoint (bootstrap/ops_http.py): scraped over loopback while the real app runs a command
and an intro round; /readyz says 503 and why while the store is down or a platform is not connected."""

from __future__ import annotations

import io
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console

from bootstrap.ops_http import OpsServer, serving_ops
from bootstrap.runtime import running_app
from core.dispatcher import App
from core.errors import StartupFailed
from core.settings import Settings, load_settings
from core.settings.ops import OpsSettings
from integrations.console.demo import demo_members
from integrations.console.repl import ConsoleCommunity
from tests.cogs.engagement.tcp_proxy import TcpProxy

LOOPBACK = OpsSettings(listen="127.0.0.1:0")


async def get(server: OpsServer, path: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{server.port}{path}") as resp:
        return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by name and labels (parsed with prometheus_client's own parser)."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(scrape: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return scrape.get((name, tuple(sorted(labels.items()))), 0.0)


@asynccontextmanager
async def console_with_ops(settings: Settings, platforms: list[str], demo: int = 0,
                           connect_args: dict[str, Any] | None = None
                           ) -> AsyncIterator[tuple[App, ConsoleCommunity, OpsServer]]:
    async with running_app(settings, connect_args=connect_args, start_scheduler=False) as app, \
            serving_ops(app, LOOPBACK, platforms) as server:
        assert server is not None
        console = ConsoleCommunity(app, Console(file=io.StringIO(), width=200, force_terminal=False))
        await console.setup(demo=demo)
        yield app, console, server


async def test_a_command_and_a_round_move_the_counters(settings: Settings) -> None:
    async with console_with_ops(settings, ["console"], demo=6) as (app, console, server):
        assert (await get(server, "/healthz"))[0] == 200
        status, _type, body = await get(server, "/readyz")
        assert (status, body) == (200, "ready\n")
        status, content_type, text = await get(server, "/metrics")
        assert status == 200 and content_type.startswith("text/plain")
        before = samples(text)

        await console.handle("/profile set topics:python")
        await console.handle("/profile set colour:blue")  # no such field: refused, counted as such
        for member in demo_members(6):
            await console.handle(f"/as {member.name}")
            await console.handle("/match join")
        await console.handle("/as admin")
        await console.handle("/match run-now")
        engagement = app.cog("engagement")
        assert engagement is not None
        await engagement.recorder.flush()  # type: ignore[attr-defined]

        after = samples((await get(server, "/metrics"))[2])
        moved = {key: after[key] - before.get(key, 0.0) for key in after}
        assert moved[("kindred_commands_total", (("command", "profile set"), ("outcome", "ok")))] == 1
        assert moved[("kindred_commands_total", (("command", "profile set"), ("outcome", "refused")))] == 1
        assert moved[("kindred_commands_total", (("command", "match join"), ("outcome", "ok")))] == 6
        assert moved[("kindred_answer_seconds_count", (("platform", "console"),))] >= 9
        assert moved[("kindred_rounds_total", ())] == 1
        assert moved[("kindred_round_seconds_count", ())] == 1
        placed = moved[("kindred_round_members_placed_total", ())]
        unplaced = moved.get(("kindred_round_members_unplaced_total", ()), 0.0)
        assert placed + unplaced == 6 and placed >= 4
        assert moved[("kindred_intros_total", (("outcome", "sent"),))] >= 2
        assert value(after, "kindred_round_last_run_timestamp_seconds") > 0
        assert moved[("kindred_events_recorded_total", ())] >= 9
        assert ("kindred_writer_queue_depth", (("writer", "engagement"),)) in after


async def test_readyz_names_a_platform_that_is_not_connected(settings: Settings) -> None:
    async with console_with_ops(settings, ["console", "discord"]) as (_app, _console, server):
        status, _type, body = await get(server, "/readyz")
        assert status == 503
        assert body.splitlines() == ["not ready", "discord: not connected"]
        assert (await get(server, "/healthz"))[0] == 200


async def test_an_address_in_use_stops_the_start_with_one_line(settings: Settings) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with running_app(settings, start_scheduler=False) as app:
            with pytest.raises(StartupFailed) as failed:
                async with serving_ops(app, OpsSettings(listen=f"127.0.0.1:{port}"), []):
                    pass
    assert f"ops.listen: cannot listen on 127.0.0.1:{port}" in failed.value.report()[0]
    assert failed.value.code == 2


async def test_off_unless_configured(settings: Settings) -> None:
    async with running_app(settings, start_scheduler=False) as app, serving_ops(app, OpsSettings(), []) as server:
        assert server is None


def test_a_listen_address_must_be_host_and_port() -> None:
    for wrong in ("9108", "localhost", "127.0.0.1:http", "127.0.0.1:70000"):
        with pytest.raises(ValueError, match="host:port"):
            OpsSettings(listen=wrong)
    assert OpsSettings(listen="[::1]:9108").address() == ("::1", 9108)


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
async def test_readyz_is_503_while_the_store_is_down(store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.up()
    settings = load_settings(None, storage={"url": url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")})
    try:
        async with console_with_ops(settings, ["console"], connect_args=connect_args) as (app, console, server):
            assert (await get(server, "/readyz"))[0] == 200
            before = samples((await get(server, "/metrics"))[2])

            await proxy.down()
            await console.handle("/profile set topics:rust")
            status, _type, body = await get(server, "/readyz")
            assert (status, body) == (503, "not ready\nstore: not answering\n")
            assert (await get(server, "/healthz"))[0] == 200
            during = samples((await get(server, "/metrics"))[2])
            assert value(during, "kindred_store_down") == 1
            assert value(during, "kindred_ready") == 0
            assert value(during, "kindred_store_errors_total") > value(before, "kindred_store_errors_total")
            assert (value(during, "kindred_commands_total", command="profile set", outcome="store_down")
                    == value(before, "kindred_commands_total", command="profile set", outcome="store_down") + 1)

            await proxy.up()
            assert (await get(server, "/readyz"))[0] == 200
            after = samples((await get(server, "/metrics"))[2])
            assert value(after, "kindred_store_down") == 0
            assert value(after, "kindred_ready") == 1
            assert value(after, "kindred_store_outages_total") == value(before, "kindred_store_outages_total") + 1
            assert ("kindred_store_outage_seconds_total", ()) in samples((await get(server, "/metrics"))[2])
            assert app.services.store.health.down is False
    finally:
        await proxy.close()
