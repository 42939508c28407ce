"""The engagement writer process (a busy SQLite log is written from its own process): the same rows land as
written in the bot, retried batches count once, rows the store refuses are isolated, a writer process that dies
loses nothing, and the bot's own writes wait for it instead of failing as "database is locked"."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bootstrap.runtime import running_app
from cogs.engagement.api import recorder as running_recorder
from cogs.engagement.cog import Engagement
from cogs.engagement.store.events import PROCESS_MIN_ROWS, EventRepo
from cogs.engagement.writer import BatchWriter
from core.events import MessagePosted
from core.refs import ChannelRef, CommunityKey, MemberRef
from core.settings import load_settings
from storage.communities import CommunityRepo
from storage.engine import Store, open_store
from storage.members import MemberRepo

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def row(cid: int, member: int | None, i: int, **kw: Any) -> tuple[Any, ...]:
    return (cid, "discord", member, "message", T0 + timedelta(seconds=i), f"c{i % 3}", None, i % 50,
            None, kw.get("meta"), None, kw.get("dedupe"))


@pytest.fixture
async def store(tmp_path: Path) -> Any:
    s = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'kindred.db'}")
    try:
        yield s
    finally:
        await s.close()


@asynccontextmanager
async def batch_writer(repo: EventRepo, queue_max: int) -> AsyncIterator[BatchWriter[tuple[Any, ...]]]:
    """A running batch writer on the repository, with batches large enough for the writer process; both are
    closed afterwards (the writer process with the repository)."""
    writer: BatchWriter[tuple[Any, ...]] = BatchWriter(repo.write, batch_size=PROCESS_MIN_ROWS, flush_seconds=0.05,
                                                       queue_max=queue_max, retry_initial=0.01)
    writer.start()
    try:
        yield writer
    finally:
        await writer.close()
        await repo.close()


async def members_of(store: Store, n: int) -> tuple[int, list[int]]:
    c = await CommunityRepo(store).ensure(CommunityKey("discord", "G1", "Guild"))
    repo = MemberRepo(store)
    return c.id, [(await repo.upsert(c.id, MemberRef("discord", f"U{i}", f"m{i}"))).id for i in range(n)]


async def test_a_busy_log_is_written_by_the_process_exactly_like_in_the_bot(store: Store) -> None:
    cid, (ana, ben) = await members_of(store, 2)
    repo = EventRepo(store)
    try:
        await repo.write([row(cid, ana, 0, meta={"k": "ü"}), row(cid, ben, 1, dedupe="d:1")], "small")
        assert repo.process is None  # a quiet log stays in the bot
        big = [row(cid, ana if i % 2 else ben, i, dedupe=f"d:{i}") for i in range(PROCESS_MIN_ROWS + 500)]
        await repo.write(big, "big")
        assert repo.process is not None and repo.process.pid is not None
        await repo.write(big, "big")  # a retried batch whose acknowledgement was lost
        await repo.write(big[:10], "again")  # known dedupe keys are skipped, also in the process
        assert await repo.count([cid]) == 1 + len(big)
        mine = await repo.of_member(ana)
        assert {"k": "ü"} in [e["meta"] for e in mine]
        assert sorted(e["at"] for e in mine)[0] == T0  # times stored in the same text form
    finally:
        pid = repo.process.pid if repo.process else None
        await repo.close()
    assert repo.process is None and pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the process ended with the repository


async def test_rows_the_store_refuses_are_rejected_alone_through_the_process(
        store: Store, caplog: pytest.LogCaptureFixture) -> None:
    cid, (ana,) = await members_of(store, 1)
    repo = EventRepo(store)
    async with batch_writer(repo, 10_000) as writer:
        rows = [row(cid, ana, i) for i in range(PROCESS_MIN_ROWS)]
        rows[17] = (*rows[17][:3], None, *rows[17][4:])  # no kind: NOT NULL refuses it
        rows[18] = (*rows[18][:8], {"not": "text"}, *rows[18][9:])  # a label SQLite cannot bind
        await writer.put_many(rows)
        assert await writer.flush(within=30)
        assert repo.process is not None
        assert writer.stats.rejected == 2 and writer.stats.written == PROCESS_MIN_ROWS - 2
        assert writer.stats.retries == 0  # the rows' fault, not an outage
        assert await repo.count([cid]) == PROCESS_MIN_ROWS - 2
        assert "rejected an event" in caplog.text


async def test_a_writer_process_that_dies_loses_nothing(store: Store) -> None:
    cid, (ana,) = await members_of(store, 1)
    repo = EventRepo(store)
    async with batch_writer(repo, 100_000) as writer:
        await writer.put_many([row(cid, ana, i) for i in range(PROCESS_MIN_ROWS)])
        assert await writer.flush(within=30)
        assert repo.process is not None and repo.process.pid is not None
        os.kill(repo.process.pid, signal.SIGKILL)  # noticed at the next write (or during it: then it is retried)
        await writer.put_many([row(cid, ana, i) for i in range(PROCESS_MIN_ROWS, 3 * PROCESS_MIN_ROWS)])
        assert await writer.flush(within=30)
        assert await repo.count([cid]) == 3 * PROCESS_MIN_ROWS
        assert repo.process.started == 2 and writer.stats.rejected == 0


async def test_a_process_that_cannot_start_hands_the_writes_back_to_the_bot(
        store: Store, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    import cogs.engagement.store.events as engagement

    monkeypatch.setattr(engagement, "_PROCESS_SCRIPT", str(Path(engagement.__file__).with_name("no-such-file.py")))
    cid, (ana,) = await members_of(store, 1)
    repo = EventRepo(store)
    async with batch_writer(repo, 100_000) as writer:
        await writer.put_many([row(cid, ana, i) for i in range(PROCESS_MIN_ROWS)])
        assert await writer.flush(within=30)
        assert await repo.count([cid]) == PROCESS_MIN_ROWS
        assert repo.process is None
        assert "writing in the bot from now on" in caplog.text


async def test_the_bots_own_writes_wait_for_the_process(store: Store) -> None:
    cid, (ana,) = await members_of(store, 1)
    repo = EventRepo(store)
    members = MemberRepo(store)
    try:
        async def ingest() -> None:
            for b in range(6):
                await repo.write([row(cid, ana, b * 3000 + i) for i in range(3000)], f"b{b}")

        async def join() -> None:
            for i in range(40):
                await members.upsert(cid, MemberRef("discord", f"N{i}", f"new {i}"))
                await asyncio.sleep(0)

        await asyncio.gather(ingest(), join())  # neither side fails with "database is locked"
        assert await repo.count([cid]) == 18_000
        assert len(await members.list(cid)) == 41
    finally:
        await repo.close()


async def test_a_burst_through_the_app_goes_through_the_process_and_it_stops_with_the_app(tmp_path: Path) -> None:
    settings = load_settings(None, storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'k.db'}"},
                             engagement={"batch_size": 2000, "flush_seconds": 0.05, "queue_max": 50_000})
    key = CommunityKey("discord", "G1", "Guild")
    people = [MemberRef("discord", f"U{i}", f"m{i}") for i in range(50)]
    channel = ChannelRef("discord", "C1", "general")
    async with running_app(settings, cogs=[Engagement], start_scheduler=False) as app:
        for i in range(6000):
            await app.emit(MessagePosted(key=key, member=people[i % 50], channel=channel, length=i % 300))
        recorder = running_recorder(app.services)
        assert await recorder.flush(within=30)
        assert await recorder.events.count() == 6000
        process = recorder.events.process
        assert process is not None
        pid = process.pid
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    db = sqlite3.connect(tmp_path / "k.db")
    assert db.execute("SELECT count(*) FROM engagement_events WHERE kind = 'message'").fetchone() == (6000,)
    db.close()


async def test_batches_under_way_together_land_once_even_when_the_process_dies_among_them(store: Store) -> None:
    cid, (ana,) = await members_of(store, 1)
    repo = EventRepo(store)
    size = 4 * PROCESS_MIN_ROWS
    batches = {f"b{b}": [row(cid, ana, b * size + i) for i in range(size)] for b in range(4)}
    try:
        results = await asyncio.gather(*(repo.write(rows, bid) for bid, rows in batches.items()))
        assert results == [None] * 4 and await repo.count([cid]) == 4 * size  # sent back to back, all landed
        assert repo.process is not None and repo.process.started == 1
        more = {f"m{b}": [row(cid, ana, (4 + b) * size + i) for i in range(size)] for b in range(3)}
        writes = [asyncio.ensure_future(repo.write(rows, bid)) for bid, rows in more.items()]
        await asyncio.sleep(0.01)  # the first batch is being written, the others wait in the pipe
        pid = repo.process.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        outcomes = await asyncio.gather(*writes, return_exceptions=True)
        lost = [bid for bid, out in zip(more, outcomes, strict=True) if isinstance(out, BaseException)]
        assert lost and all(isinstance(out, sqlite3.OperationalError) for out in outcomes if out is not None)
        for bid in more:  # the batch writer retries every batch with its own id (some may be in already)
            await repo.write(more[bid], bid)
        assert await repo.count([cid]) == 7 * size
        assert repo.process.started == 2
    finally:
        await repo.close()
