"""The SQLite store's one writer slot, as the bot's tasks share it.

SQLite lets one connection write at a time, and a transaction that has to wait for another connection fails as
"database is locked" instead of queueing. So the bot's writers queue here first: each of its own transactions
holds the slot alone (`exclusive`), while the engagement writer process's batches hold it together (`shared`):
they queue one behind the other in that process anyway, and keeping two of them under way is what keeps the
process busy. A transaction of the bot that is waiting goes first: batches that arrive meanwhile wait until it
is done, so a steady stream of batches cannot keep a member's `/profile set` waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class _Hold:
    """One acquisition of the lock on behalf of every shared holder that joined it."""

    def __init__(self, lock: asyncio.Lock) -> None:
        self.acquired: asyncio.Future[bool] = asyncio.ensure_future(lock.acquire())
        self.holders = 0
        self.ended = asyncio.Event()


class WriteLock:
    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._hold: _Hold | None = None
        self._exclusive_waiting = 0

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Hold the slot alone (a transaction of the bot)."""
        self._exclusive_waiting += 1
        try:
            await self._lock.acquire()
        finally:
            self._exclusive_waiting -= 1
        try:
            yield
        finally:
            self._lock.release()

    @asynccontextmanager
    async def shared(self) -> AsyncIterator[None]:
        """Hold the slot together with the other shared holders (the writer process's batches)."""
        while True:
            hold = self._hold
            if hold is None:
                hold = self._hold = _Hold(self._lock)
                break
            if not self._exclusive_waiting:
                break
            await hold.ended.wait()  # a transaction of the bot is waiting: it goes first
        hold.holders += 1
        try:
            await asyncio.shield(hold.acquired)
            yield
        finally:
            hold.holders -= 1
            if not hold.holders:
                self._end(hold)

    def _end(self, hold: _Hold) -> None:
        if self._hold is hold:
            self._hold = None
        hold.ended.set()
        got = hold.acquired
        if got.done() and not got.cancelled() and got.exception() is None:
            self._lock.release()
        else:
            got.cancel()  # still waiting for the lock, and nobody wants it any more
