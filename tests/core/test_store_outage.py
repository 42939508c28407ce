"""PostgreSQL away for a while: every command says the store is unavailable for a moment and to try again; the
log says it once when the outage starts and once when it ends, without a traceback (storage/health.py)."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any

import pytest
from rich.console import Console

from bootstrap.runtime import running_app
from core.guard import STORE_DOWN
from core.refs import CommunityRef
from core.scheduling import Every
from core.settings import load_settings
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity
from tests.cogs.engagement.tcp_proxy import TcpProxy

COMMANDS = ["/profile show", "/profile set topics:rust", "/match status", "/stats me", "/config show",
            "/welcome status", "/greeter join", "/match join", "/thanks member:ben", "/help"]


async def _until(condition: Any, what: str) -> None:
    for _ in range(1200):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
async def test_a_postgres_outage_is_answered_and_logged_once(store_url: tuple[str, dict[str, Any]],
                                                             caplog: pytest.LogCaptureFixture) -> None:
    url, connect_args = store_url
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.up()
    settings = load_settings(None, storage={"url": url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")})
    try:
        async with running_app(settings, connect_args=connect_args, start_scheduler=False) as app:
            console = ConsoleCommunity(app, Console(file=io.StringIO(), width=200, force_terminal=False))
            await console.setup()
            await console.handle("/profile set topics:python")
            await console.handle("/as ben")
            await console.handle("/as admin")
            health = app.services.store.health
            caplog.clear()
            caplog.set_level(logging.DEBUG)

            await proxy.down()
            before = len(console.outbox.sent)
            for text in COMMANDS:
                await console.handle(text)
            matching = app.cog("match")
            assert matching is not None
            await matching.tick()  # a background job meets the outage too
            probed: list[int] = []

            async def probe(community: CommunityRef) -> None:
                probed.append(community.id)

            community = await app.community(KEY)  # from the cache: no store
            app.services.jobs.for_community(community.id, "probe", Every(3600), probe, module="engagement")
            assert not await app.services.jobs.run("probe", community.id)  # a scheduled job meets the outage too
            assert probed == []
            answers = [m.plain_text() for _kind, _to, m in console.outbox.sent[before:]]
            assert len(answers) == len(COMMANDS)
            needs_store = [a for text, a in zip(COMMANDS, answers, strict=True) if text != "/help"]
            assert needs_store == [STORE_DOWN] * (len(COMMANDS) - 1)
            assert "/profile" in answers[COMMANDS.index("/help")]  # what needs no store still works
            assert health.down

            await proxy.up()
            await _until(lambda: not health.down, "the store to answer again")
            await console.handle("/profile show")
            assert "python" in console.outbox.sent[-1][2].plain_text()

        shown = [r for r in caplog.records if r.levelno >= logging.INFO and r.name.startswith(("storage", "core",
                                                                                               "cogs"))]
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [r.getMessage()[:17] for r in warnings] == ["store unavailable"], [r.getMessage() for r in warnings]
        assert [r.getMessage()[:19] for r in shown if r.name == "storage.health"] == ["store unavailable (",
                                                                                     "store available aga"]
        assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
        assert health.outages == 1
    finally:
        await proxy.close()
