"""The batched writer on its own: flushing by size and time, back-pressure, retries, bad rows, shutdown.

The sink here is a plain function standing in for the store (the writer's input, not project code); the store
itself is exercised in test_store.py, including a real PostgreSQL outage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import pytest
import sqlalchemy.exc as sa_exc

from cogs.engagement.writer import BatchWriter


class FlakySink:
    """Accepts batches, failing while `down` is set (like a store that went away)."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.batches: list[int] = []
        self.down = False
        self.calls = 0
        self.seen_ids: set[str] = set()

    async def __call__(self, rows: Sequence[int], batch_id: str) -> None:
        self.calls += 1
        await asyncio.sleep(0)
        if self.down:
            raise sa_exc.OperationalError("INSERT", {}, ConnectionRefusedError("store is down"))
        bad = [r for r in rows if r < 0]
        if bad:
            raise sa_exc.IntegrityError("INSERT", {}, ValueError(f"bad row {bad[0]}"))
        if batch_id in self.seen_ids:
            return
        self.seen_ids.add(batch_id)
        self.rows.extend(rows)
        self.batches.append(len(rows))


async def test_flushes_full_batches_and_the_rest_on_flush() -> None:
    sink = FlakySink()
    w: BatchWriter[int] = BatchWriter(sink, batch_size=10, flush_seconds=30, queue_max=1000)
    w.start()
    for i in range(25):
        await w.put(i)
    await asyncio.sleep(0.05)
    assert sink.batches == [10, 10]  # by size, without waiting for the timer
    assert await w.flush(within=5)
    assert sink.rows == list(range(25))
    assert await w.close() == []


async def test_flushes_by_time() -> None:
    sink = FlakySink()
    w: BatchWriter[int] = BatchWriter(sink, batch_size=1000, flush_seconds=0.05, queue_max=5000)
    w.start()
    await w.put(1)
    for _ in range(200):
        if sink.rows:
            break
        await asyncio.sleep(0.01)
    assert sink.rows == [1]
    await w.close()


async def test_outage_keeps_everything_and_retries(caplog: pytest.LogCaptureFixture) -> None:
    sink = FlakySink()
    w: BatchWriter[int] = BatchWriter(sink, batch_size=5, flush_seconds=0.01, queue_max=1000, retry_initial=0.01,
                                      retry_max=0.05)
    w.start()
    for i in range(10):
        await w.put(i)
    assert await w.flush(within=5)
    sink.down = True
    with caplog.at_level(logging.WARNING):
        for i in range(10, 40):
            await w.put(i)
        await asyncio.sleep(0.2)
        assert w.store_failing and w.pending > 0
        sink.down = False
        assert await w.flush(within=5)
    assert sink.rows == list(range(40))
    assert w.stats.retries > 0 and w.stats.rejected == 0
    assert "store unavailable" in caplog.text and "store is back" in caplog.text
    await w.close()


async def test_full_queue_applies_back_pressure_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    sink = FlakySink()
    sink.down = True
    w: BatchWriter[int] = BatchWriter(sink, batch_size=5, flush_seconds=0.01, queue_max=20, retry_initial=0.01,
                                      retry_max=0.02)
    w.start()
    with caplog.at_level(logging.WARNING):
        for i in range(30):  # two batches of 5 in flight + 20 queued fit
            await w.put(i)
        blocked = asyncio.ensure_future(w.put(30))
        await asyncio.sleep(0.1)
        assert not blocked.done()  # the producer waits instead of the queue growing without bound
        assert "queue is full" in caplog.text
        sink.down = False
        await asyncio.wait_for(blocked, 5)
    assert await w.flush(within=5)
    assert sorted(sink.rows) == list(range(31))
    assert w.stats.backpressure_waits >= 1
    await w.close()


async def test_a_bad_row_is_isolated_logged_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    sink = FlakySink()
    w: BatchWriter[int] = BatchWriter(sink, batch_size=4, flush_seconds=0.01, queue_max=100)
    w.start()
    with caplog.at_level(logging.ERROR):
        for r in (1, 2, -3, 4, 5):
            await w.put(r)
        assert await w.flush(within=5)
    assert sorted(sink.rows) == [1, 2, 4, 5]
    assert w.stats.rejected == 1
    assert "rejected an event" in caplog.text
    await w.close()


async def test_close_writes_what_is_queued() -> None:
    sink = FlakySink()
    w: BatchWriter[int] = BatchWriter(sink, batch_size=100, flush_seconds=60, queue_max=1000)
    w.start()
    for i in range(7):
        await w.put(i)
    assert await w.close(within=5) == []
    assert sink.rows == list(range(7))


async def test_close_returns_what_the_store_never_took(caplog: pytest.LogCaptureFixture) -> None:
    sink = FlakySink()
    sink.down = True
    w: BatchWriter[int] = BatchWriter(sink, batch_size=3, flush_seconds=0.01, queue_max=100, retry_initial=0.01,
                                      retry_max=0.02)
    w.start()
    for i in range(8):
        await w.put(i)
    with caplog.at_level(logging.ERROR):
        left = await w.close(within=0.2)
    assert sorted(left) == list(range(8))  # handed back, not dropped
    assert "not written" in caplog.text


async def test_rewrite_reaches_queued_rows() -> None:
    sink = FlakySink()
    w: BatchWriter[int] = BatchWriter(sink, batch_size=100, flush_seconds=60, queue_max=1000)
    w.start()
    for i in range(5):
        await w.put(i)
    w.rewrite(lambda r: r * 10)
    assert await w.flush(within=5)
    assert sink.rows == [0, 10, 20, 30, 40]
    await w.close()


def test_bad_settings_are_refused() -> None:
    async def sink(rows: Sequence[int], batch_id: str) -> None: ...

    with pytest.raises(ValueError):
        BatchWriter(sink, batch_size=0)
    with pytest.raises(ValueError):
        BatchWriter(sink, flush_seconds=0)
    with pytest.raises(ValueError):
        BatchWriter(sink, depth=0)


class SlowSink:
    """Holds each batch until the test releases it, to see how many are under way at once."""

    def __init__(self) -> None:
        self.started: list[list[int]] = []
        self.release: dict[int, asyncio.Event] = {}
        self.rows: list[int] = []
        self.at_once = 0
        self._now = 0

    async def __call__(self, rows: Sequence[int], batch_id: str) -> None:
        n = len(self.started)
        self.started.append(list(rows))
        gate = self.release.setdefault(n, asyncio.Event())
        self._now += 1
        self.at_once = max(self.at_once, self._now)
        try:
            await gate.wait()
        finally:
            self._now -= 1
        self.rows.extend(rows)

    def let_go(self, n: int) -> None:
        self.release.setdefault(n, asyncio.Event()).set()


async def test_two_batches_are_under_way_at_once_and_flush_waits_for_the_older_one() -> None:
    sink = SlowSink()
    w: BatchWriter[int] = BatchWriter(sink, batch_size=5, flush_seconds=30, queue_max=1000)
    w.start()
    for i in range(20):
        await w.put(i)
    await asyncio.sleep(0.05)
    assert len(sink.started) == 2 and sink.at_once == 2  # the second went while the first was being written
    assert w.pending == 20
    flushed = asyncio.ensure_future(w.flush(within=5))
    sink.let_go(1)  # the newer batch is written first
    await asyncio.sleep(0.05)
    assert not flushed.done() and w.pending == 15  # the older one is not: nothing is flushed yet
    for n in range(4):
        sink.let_go(n)
    assert await flushed
    assert sorted(sink.rows) == list(range(20)) and sink.at_once == 2
    assert await w.close() == []


async def test_close_hands_back_every_batch_still_under_way() -> None:
    sink = SlowSink()
    w: BatchWriter[int] = BatchWriter(sink, batch_size=5, flush_seconds=30, queue_max=1000)
    w.start()
    for i in range(12):
        await w.put(i)
    await asyncio.sleep(0.05)
    assert len(sink.started) == 2
    left = await w.close(within=0.1)  # the sink never finishes
    assert sorted(left) == list(range(12))
