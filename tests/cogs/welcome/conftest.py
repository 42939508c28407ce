"""Welcome tests run the real app, store and console community on a clock the test moves by hand."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bootstrap.runtime import running_app
from cogs.welcome.cog import Welcome
from core.dispatcher import App
from core.settings import Settings, load_settings
from integrations.console.community import Outbox
from integrations.console.repl import ConsoleCommunity
from tests.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'welcome.db'}"


def welcome_settings(db_url: str, **welcome: Any) -> Settings:
    return load_settings(None, storage={"url": db_url}, welcome={"delay_seconds": 60, **welcome})


Opener = Callable[..., AbstractAsyncContextManager[tuple[App, ConsoleCommunity]]]


@pytest.fixture
def open_console(db_url: str, clock: FakeClock) -> Opener:
    """`async with open_console(channel="welcome") as (app, console)`: a running app with a console community;
    opening it again on the same store simulates a restart."""

    @asynccontextmanager
    async def opener(*, clock_: FakeClock | None = None, outbox: Outbox | None = None,
                     **welcome: Any) -> AsyncIterator[tuple[App, ConsoleCommunity]]:
        async with running_app(welcome_settings(db_url, **welcome), clock=clock_ or clock) as app:
            console = ConsoleCommunity(app, Console(file=io.StringIO(), width=140, force_terminal=False),
                                       outbox=outbox)
            await console.setup(demo=0)
            yield app, console

    return opener


def welcome_cog(app: App) -> Welcome:
    cog = app.cog("welcome")
    assert isinstance(cog, Welcome)
    return cog
