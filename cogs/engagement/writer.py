"""A batched, asynchronous writer: events are queued in memory and written in transactions.

Why: one transaction per chat message would make the store the bottleneck of a busy community, and a store that
is briefly unavailable (a PostgreSQL restart, a locked SQLite file) must not lose events or stall the bot.

- Flush by size (`batch_size` rows) and by time (`flush_seconds`, the longest a queued event waits).
- Up to `depth` batches are written at once (two by default): the next batch is on its way while the store
  commits the one before, so that a store in another process (the engagement writer process, PostgreSQL)
  never waits for the bot between two batches. A flush counts a batch as written only once every batch before
  it is, too.
- A failing write keeps its rows and is retried with exponential back-off; a row the store rejects for good
  (a constraint, bad data) is isolated by writing the batch row by row, logged at ERROR and counted — never
  dropped silently.
- A full queue (`queue_max`) applies back-pressure: producers wait for space, and that is logged once per episode.
- `close()` writes what is left; rows that still could not be written are returned to the caller (which spills
  them to disk to be replayed at the next start).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from core import metrics
from core.aio import bounded
from core.ports import StoreHealth
from storage.errors import is_permanent

log = logging.getLogger(__name__)

T = TypeVar("T")
YIELD_EVERY = 128  # queued rows between turns of the event loop while a write is in progress
Sink = Callable[[Sequence[T], str], Awaitable[None]]  # (rows, batch id: the same on every retry)


@dataclass(slots=True)
class WriterStats:
    enqueued: int = 0
    written: int = 0
    rejected: int = 0
    retries: int = 0
    batches: int = 0
    backpressure_waits: int = 0
    max_queued: int = 0


class _GiveUp(Exception):
    """Closing and the store stayed down past the deadline."""


class BatchWriter(Generic[T]):
    """Queue rows with `put`, and a background task writes them through `sink` in batches."""

    def __init__(
        self,
        sink: Sink[T],
        *,
        batch_size: int = 500,
        flush_seconds: float = 1.0,
        queue_max: int = 50_000,
        retry_initial: float = 0.05,
        retry_max: float = 5.0,
        permanent: Callable[[BaseException], bool] = is_permanent,
        name: str = "engagement",
        depth: int = 2,
        health: StoreHealth | None = None,
    ) -> None:
        if batch_size < 1 or queue_max < 1 or flush_seconds <= 0 or depth < 1:
            raise ValueError("batch_size, queue_max, flush_seconds and depth must be positive")
        self._sink = sink
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.queue_max = max(queue_max, batch_size)
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self._permanent = permanent
        self._health = health  # told of outages, so the log says "store unavailable" once for the whole bot
        self.name = name
        self.depth = depth
        self.stats = WriterStats()
        self._buf: list[T] = []
        self._flights: deque[_Flight[T]] = deque()  # batches handed to the sink, oldest first
        self._writing: set[asyncio.Task[None]] = set()
        self._done = 0  # rows written, counting only batches whose predecessors are all written too
        self._wake = asyncio.Event()
        self._space = asyncio.Event()
        self._progress = asyncio.Event()
        self._force = False
        self._closing = False
        self._deadline = 0.0
        self._failing = False
        self._full = False
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ producer side
    @property
    def pending(self) -> int:
        """Rows accepted but not yet written (queued plus the batches being written)."""
        return len(self._buf) + sum(len(f.rows) for f in self._flights if not f.done)

    @property
    def store_failing(self) -> bool:
        return self._failing

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"{self.name}-writer")
            metrics.watch_queue(self.name, lambda: self.pending)

    def offer(self, row: T) -> bool:
        """Queue one row when that needs no waiting; False when the caller must `await put(row)` instead (the
        queue is full, or it is this row's turn to let the event loop run the write). Saves the hot path a
        coroutine per event; `put` alone behaves the same."""
        buf = self._buf
        n = len(buf)
        if n >= self.queue_max or ((self._flights or n >= self.batch_size)
                                   and not (self.stats.enqueued + 1) % YIELD_EVERY):
            return False
        buf.append(row)
        self.stats.enqueued += 1
        if n + 1 >= self.batch_size:
            if n + 1 > self.stats.max_queued:
                self.stats.max_queued = n + 1
            self._wake.set()
        return True

    async def put(self, row: T) -> None:
        """Queue one row; waits (back-pressure) while the queue is full."""
        if len(self._buf) >= self.queue_max:
            await self._wait_for_space()
        buf = self._buf
        buf.append(row)
        self.stats.enqueued += 1
        n = len(buf)
        if n >= self.batch_size:
            if n > self.stats.max_queued:
                self.stats.max_queued = n
            self._wake.set()
        if (self._flights or n >= self.batch_size) and not self.stats.enqueued % YIELD_EVERY:
            # The store works in its own thread, but each step of a write (begin, insert, commit) resumes here,
            # on the event loop. A producer that never waits (a burst, a replay, a benchmark) would starve
            # those steps until the queue is full; letting the loop turn now and then keeps both going.
            await asyncio.sleep(0)

    async def put_many(self, rows: Sequence[T]) -> None:
        for row in rows:
            await self.put(row)

    async def _wait_for_space(self) -> None:
        if self._closing and self._task is None:
            raise RuntimeError("writer is closed")
        self.stats.backpressure_waits += 1
        if not self._full:
            self._full = True
            log.warning("%s queue is full (%d events waiting for the store); producers wait",
                        self.name, len(self._buf))
        while len(self._buf) >= self.queue_max:
            self._space.clear()
            self._wake.set()
            await self._space.wait()

    def rewrite(self, change: Callable[[T], T]) -> None:
        """Change rows that are queued or being retried, in place (erasure must reach them too)."""
        for rows in (self._buf, *(f.rows for f in self._flights if not f.done)):
            for i, row in enumerate(rows):
                rows[i] = change(row)

    async def flush(self, within: float | None = None) -> bool:
        """Write everything queued so far; False if it did not finish within `within` seconds."""
        target = self.stats.enqueued
        deadline = None if within is None else time.monotonic() + within
        while self._done < target:
            if self._task is None or self._task.done():
                return False
            self._force = True
            self._progress.clear()
            self._wake.set()
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            try:
                await bounded(self._progress.wait(), remaining)
            except TimeoutError:
                return False
        return True

    async def close(self, within: float = 10.0) -> list[T]:
        """Stop after writing what is queued; returns the rows that could not be written within `within` s."""
        self._closing = True
        self._deadline = time.monotonic() + within
        self._wake.set()
        if self._task is not None:
            try:
                await bounded(asyncio.shield(self._task), within + 1.0)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        left = [row for f in self._flights if not f.done for row in f.rows] + self._buf
        self._flights.clear()
        self._buf = []
        self._space.set()
        return left

    # ------------------------------------------------------------------ the background task
    async def _run(self) -> None:
        try:
            while True:
                if not self._closing and not self._force and len(self._buf) < self.batch_size:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await bounded(self._wake.wait(), self.flush_seconds)
                    timed_out = not self._wake.is_set()
                else:
                    timed_out = False
                everything = timed_out or self._force or self._closing
                self._force = False
                await self._drain(everything)
                if self._closing and not self._buf:
                    return
        except _GiveUp:
            log.error("%s: the store stayed unavailable while shutting down; %d events not written",
                      self.name, self.pending)
        except asyncio.CancelledError:
            raise
        except Exception:  # the loop must never die silently: producers would block forever
            log.exception("%s writer crashed; %d events not written", self.name, self.pending)
        finally:
            await self._abandon_writes()

    async def _drain(self, everything: bool) -> None:
        """Hand full batches (every queued row when `everything`) to the sink, at most `depth` at once; with
        `everything`, return once they are all written."""
        while self._buf and (everything or len(self._buf) >= self.batch_size):
            while len(self._writing) >= self.depth:
                await self._settle(asyncio.FIRST_COMPLETED)
            batch = self._buf[: self.batch_size]
            del self._buf[: self.batch_size]
            flight = _Flight(batch)
            self._flights.append(flight)
            task = asyncio.get_running_loop().create_task(self._fly(flight), name=f"{self.name}-batch")
            self._writing.add(task)
            if len(self._buf) < self.queue_max:
                self._space.set()
                if self._full and len(self._buf) < self.queue_max // 2:
                    self._full = False
                    log.info("%s queue has room again", self.name)
        if everything:
            while self._writing:
                await self._settle(asyncio.ALL_COMPLETED)
        self._space.set()

    async def _settle(self, until: str) -> None:
        """Wait for batch writes to end; a write that gave up (closing, store down) ends the loop."""
        done, _ = await asyncio.wait(self._writing, return_when=until)
        self._writing -= done
        failed = [exc for task in done if (exc := task.exception()) is not None]
        if failed:
            raise failed[0]

    async def _fly(self, flight: _Flight[T]) -> None:
        await self._write(flight.rows)
        flight.done = True
        while self._flights and self._flights[0].done:
            self._done += len(self._flights.popleft().rows)
        self.stats.batches += 1
        self._progress.set()

    async def _abandon_writes(self) -> None:
        """Stop the batch writes still running (their rows stay in `_flights` for `close` to hand back)."""
        for task in self._writing:
            task.cancel()
        for task in self._writing:
            with contextlib.suppress(BaseException):
                await task
        self._writing.clear()

    async def _write(self, batch: list[T], *, single: bool = False) -> None:
        delay = self.retry_initial
        attempt = 0
        batch_id = uuid.uuid4().hex
        while True:
            try:
                await self._sink(batch, batch_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._permanent(exc):
                    if single or len(batch) == 1:
                        self.stats.rejected += 1
                        metrics.events_written(0, rejected=1)
                        log.error("%s: the store rejected an event; it is not written (%s): %.300s",
                                  self.name, type(exc).__name__, _describe(batch[0]))
                        return
                    for row in batch:
                        await self._write([row], single=True)
                    return
                attempt += 1
                self.stats.retries += 1
                if not self._failing or attempt % 20 == 0:
                    told = self._health is not None and self._health.outage(exc, f"the {self.name} writer")
                    log.log(logging.INFO if told else logging.WARNING,
                            "%s: store unavailable (%s); keeping %d events and retrying in %.2fs",
                            self.name, type(exc).__name__, self.pending, delay)
                self._failing = True
                if self._closing and time.monotonic() + delay > self._deadline:
                    raise _GiveUp from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max)
                continue
            written = len(batch) if not single else 1
            self.stats.written += written
            metrics.events_written(written)
            if self._failing:
                self._failing = False
                if self._health is not None:
                    self._health.answered()
                log.log(logging.INFO if self._health is not None else logging.WARNING,
                        "%s: store is back after %d retries", self.name, attempt)
            return


@dataclass(slots=True)
class _Flight(Generic[T]):
    """A batch handed to the sink; `done` once the store has it (or rejected its bad rows for good)."""

    rows: list[T]
    done: bool = False


def _describe(row: object) -> str:
    if isinstance(row, tuple) and len(row) >= 4:
        return f"community={row[0]} kind={row[3]}"
    return type(row).__name__
