"""Matching tests run the real app, store and console community on a clock the test moves by hand."""

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
from cogs.matching.cog import Matching
from cogs.matching.mentor import Mentoring
from core.dispatcher import App
from core.messages import Message
from core.settings import load_settings
from integrations.console.community import Outbox
from integrations.console.repl import ConsoleCommunity
from tests.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))  # a Tuesday, after Monday's round time


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'matching.db'}"


Opener = Callable[..., AbstractAsyncContextManager[tuple[App, ConsoleCommunity]]]


@pytest.fixture
def open_console(db_url: str, clock: FakeClock) -> Opener:
    """`async with open_console(demo=20, grace_hours=0) as (app, console)`: a running app with a console
    community; opening it again on the same store simulates a restart (pass the earlier console's `outbox` to
    keep its transcript, the console's "platform"). Keyword arguments are matching settings."""

    @asynccontextmanager
    async def opener(*, demo: int = 0, url: str | None = None, connect_args: dict[str, Any] | None = None,
                     outbox: Outbox | None = None, **matching: Any) -> AsyncIterator[tuple[App, ConsoleCommunity]]:
        settings = load_settings(None, storage={"url": url or db_url}, matching=matching)
        async with running_app(settings, clock=clock, connect_args=connect_args, start_scheduler=False) as app:
            console = ConsoleCommunity(app, Console(file=io.StringIO(), width=160, force_terminal=False),
                                       outbox=outbox)
            await console.setup(demo=demo)
            await cog(app).ready()
            yield app, console

    return opener


def cog(app: App) -> Matching:
    found = app.cog("match")
    assert isinstance(found, Matching)
    return found


def mentoring(app: App) -> Mentoring:
    found = app.cog("mentor")
    assert isinstance(found, Mentoring)
    return found


def sent(console: ConsoleCommunity, kind: str, target: str | None = None) -> list[Message]:
    return [m for k, t, m in console.outbox.sent if k == kind and (target is None or t == target)]


def intros(console: ConsoleCommunity) -> list[tuple[str, ...]]:
    """Every intro sent so far, as the user ids it introduced."""
    return [tuple(t.split(",")) for k, t, _m in console.outbox.sent if k == "intro"]


def last_reply(console: ConsoleCommunity) -> str:
    replies = [m for k, _t, m in console.outbox.sent if k in ("reply", "ephemeral")]
    return replies[-1].plain_text() if replies else ""


async def join_all(console: ConsoleCommunity, names: list[str], extra: str = "") -> None:
    for name in names:
        await console.handle(f"/as {name}")
        await console.handle(f"/match join {extra}".strip())
    await console.handle("/as admin")
