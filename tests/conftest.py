"""Shared fixtures: a real app on a temporary store, the console community to drive it, and `testbot` (one member
typing into that console, tests/testbot.py)."""

from __future__ import annotations

import io
import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from rich.console import Console

from bootstrap.discovery import discover
from bootstrap.runtime import running_app
from core.commands import Cog
from core.dispatcher import App
from core.settings import Settings, load_settings
from integrations.console.repl import ConsoleCommunity
from storage.engine import Store, open_store
from tests.testbot import TestBot
from tests.testbot import screen_text as screen_text  # tests import it from here

PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"

# Every feature registers its settings section when it is imported; tests read settings, so find them first.
discover()

# CI runs the property tests on a fixed sequence of examples (.ci/run sets HYPOTHESIS_PROFILE=ci), so a red CI is
# reproducible and a rare example cannot turn a landing red at random; on a developer's machine they explore.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def postgres_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read a developer's config.toml or KINDRED_* variables."""
    for k in list(os.environ):
        if k.startswith("KINDRED_"):
            monkeypatch.delenv(k, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(None, storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'kindred.db'}"})


@pytest.fixture
def app_cogs() -> list[type[Cog]] | None:
    """The cogs `app` loads: None is every discovered feature. Override it in a test module to load fewer, e.g.
    `return with_defaults(Garden)` (tests/testbot.py)."""
    return None


@pytest.fixture
async def app(settings: Settings, app_cogs: list[type[Cog]] | None) -> AsyncIterator[App]:
    """The real app on the `settings` fixture's fresh SQLite store."""
    async with running_app(settings, cogs=app_cogs) as running:
        yield running


@pytest.fixture
async def console(app: App) -> ConsoleCommunity:
    """The console community in front of `app`, printing to a StringIO (read it with `screen_text`)."""
    community = ConsoleCommunity(app, Console(file=io.StringIO(), width=120, force_terminal=False))
    await community.setup(demo=0)
    return community


@pytest.fixture
def testbot(console: ConsoleCommunity) -> TestBot:
    """Type lines into the console community as a member and read the bot's answers (tests/testbot.py)."""
    return TestBot(console)


@pytest.fixture(params=["sqlite", "postgresql"])
async def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """A fresh store URL on SQLite and, when it answers, on the local PostgreSQL (own schema per test)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}", {}
        return
    if not postgres_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    import asyncpg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test")
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield PG_URL, {"server_settings": {"search_path": schema}}
    finally:
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()


@pytest.fixture(autouse=True)
async def _no_task_survives_the_test() -> AsyncIterator[None]:
    """Every task a test started is finished or cancellable when it ends.

    A task that swallows its cancellation would hang the event loop's shutdown with no hint of where; this
    fixture cancels what is left, waits a little, and names the tasks that would not stop.
    """
    import asyncio

    yield
    current = asyncio.current_task()
    left = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    for task in left:
        task.cancel()
    if not left:
        return
    _done, stuck = await asyncio.wait(left, timeout=10)
    if stuck:
        stacks = []
        for task in stuck:
            buf = io.StringIO()
            task.print_stack(file=buf)
            stacks.append(buf.getvalue())
        pytest.fail("tasks ignored cancellation:\n" + "\n".join(stacks))


@pytest.fixture
async def stores(store_url: tuple[str, dict[str, Any]]) -> AsyncIterator[tuple[Store, Store]]:
    """Two bot processes on one store (the second finds it migrated): for the storage tests of claims that must
    hold across processes."""
    url, connect_args = store_url
    one = await open_store(url, connect_args=connect_args)
    two = await open_store(url, connect_args=connect_args, migrate=False)
    try:
        yield one, two
    finally:
        await two.close()
        await one.close()
