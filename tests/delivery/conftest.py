"""Crash-test harness: the fake Discord in this process, Kindred in real child processes killed with SIGKILL.

`Bots.start(offset)` forks a bot process from the zygote (tests/delivery/zygote.py) with settings pointing at the
fake and at the test's store; `Bots.kill(pid)` kills it with SIGKILL, typically while the fake holds one of its
platform calls (`FakeDiscord.hold`): before Discord carried it out, or after Discord did but before the bot saw
the answer. A restart is another child with a later clock, so that crashed work is old enough to be taken over.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import postgres_available
from tests.fakes.discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/{db}"
WAIT = 90.0  # seconds; the machine is shared and a bot process may take a while to connect


class Zygote:
    """The forking parent of the bot processes (one per test session)."""

    def __init__(self) -> None:
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        env = {k: v for k, v in env.items() if not k.startswith("KINDRED_")}
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.delivery.zygote"], cwd=ROOT, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lock = threading.Lock()
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def fork(self, command: dict[str, Any]) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        with self.lock:
            self.proc.stdin.write(json.dumps(command) + "\n")
            self.proc.stdin.flush()
            return int(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="session")
def zygote() -> Iterator[Zygote]:
    parent = Zygote()
    try:
        yield parent
    finally:
        parent.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass
class Bots:
    """Bot processes of one test, all on the same fake Discord and store."""

    zygote: Zygote
    fake: FakeDiscord
    store_url: str
    logs: Path
    settings: dict[str, str] = field(default_factory=dict)
    pids: list[int] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        guild_ids = [g.id for g in self.fake.state.guilds.values()]
        return {
            "KINDRED_DISCORD__TOKEN": self.fake.token,
            "KINDRED_DISCORD__API_BASE_URL": self.fake.api_base_url,
            "KINDRED_DISCORD__GATEWAY_URL": self.fake.gateway_url,
            "KINDRED_DISCORD__GUILD_IDS": json.dumps(guild_ids),
            "KINDRED_STORAGE__URL": self.store_url,
            "KINDRED_MATCHING__GRACE_HOURS": "0",  # no scheduled round catches up in the middle of a test
            "KINDRED_LOGGING__LEVEL": "INFO",
            **self.settings,
        }

    def start(self, offset: float = 0.0) -> int:
        """A bot process whose clock runs `offset` seconds ahead: the time that passed since the test began,
        for Discord too (its clock gives message ids their time, which a read-back compares with the ledger's)."""
        self.fake.state.clock_offset = max(self.fake.state.clock_offset, offset)
        pid = self.zygote.fork({"env": self.env(), "offset": offset, "log": str(self.logs)})
        self.pids.append(pid)
        return pid

    async def kill(self, pid: int) -> None:
        """SIGKILL: no clean-up of any kind runs in the bot."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        await self._gone(pid, WAIT)

    async def stop(self, pid: int) -> None:
        """SIGTERM, the way an operator stops the bot (SIGKILL if it does not stop in time)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        try:
            await self._gone(pid, 30)
        except AssertionError:
            await self.kill(pid)

    @staticmethod
    async def _gone(pid: int, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while alive(pid):
            if loop.time() > end:
                raise AssertionError(f"bot process {pid} did not end")
            await asyncio.sleep(0.05)

    async def stop_all(self) -> None:
        for pid in self.pids:
            if alive(pid):
                await self.kill(pid)

    def log_text(self) -> str:
        return self.logs.read_text(encoding="utf-8", errors="replace") if self.logs.exists() else ""


@pytest.fixture(params=["sqlite", "postgresql"])
async def crash_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh store URL another process can open: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
        return
    if not postgres_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    import asyncpg

    name = f"crash_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.format(db=name)
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


def pg_store() -> Any:
    """The PostgreSQL variant only (two processes sharing a store)."""
    return pytest.mark.parametrize("crash_store", ["postgresql"], indirect=True)
