"""The SQLite store's writer slot: the bot's transactions hold it alone, the writer process's batches hold it
together, and a waiting transaction of the bot goes before batches that arrive after it."""

from __future__ import annotations

import asyncio

from storage.write_lock import WriteLock


async def test_shared_holders_overlap_and_an_exclusive_one_waits_for_them_all() -> None:
    lock = WriteLock()
    log: list[str] = []
    first_in, second_in, go = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def batch(name: str, inside: asyncio.Event) -> None:
        async with lock.shared():
            log.append(f"{name} in")
            inside.set()
            await go.wait()
            log.append(f"{name} out")

    async def transaction() -> None:
        async with lock.exclusive():
            log.append("tx")

    a = asyncio.ensure_future(batch("a", first_in))
    b = asyncio.ensure_future(batch("b", second_in))
    await asyncio.wait_for(asyncio.gather(first_in.wait(), second_in.wait()), 1)  # both inside at once
    tx = asyncio.ensure_future(transaction())
    await asyncio.sleep(0.01)
    assert "tx" not in log
    go.set()
    await asyncio.gather(a, b, tx)
    assert log.index("tx") > max(log.index("a out"), log.index("b out"))


async def test_a_waiting_transaction_goes_before_batches_that_come_after_it() -> None:
    lock = WriteLock()
    log: list[str] = []
    release_a = asyncio.Event()

    async def batch(name: str, until: asyncio.Event | None = None) -> None:
        async with lock.shared():
            log.append(f"{name} in")
            if until is not None:
                await until.wait()
            log.append(f"{name} out")

    async def transaction() -> None:
        async with lock.exclusive():
            log.append("tx in")
            await asyncio.sleep(0.01)
            log.append("tx out")

    a = asyncio.ensure_future(batch("a", release_a))
    await asyncio.sleep(0)
    tx = asyncio.ensure_future(transaction())
    await asyncio.sleep(0)
    b = asyncio.ensure_future(batch("b"))  # arrives while the transaction waits: it does not join a
    await asyncio.sleep(0.01)
    assert log == ["a in"]
    release_a.set()
    await asyncio.gather(a, tx, b)
    assert log == ["a in", "a out", "tx in", "tx out", "b in", "b out"]


async def test_a_holder_cancelled_while_waiting_leaves_the_lock_usable() -> None:
    lock = WriteLock()
    inside = asyncio.Event()
    leave = asyncio.Event()

    async def hold() -> None:
        async with lock.exclusive():
            inside.set()
            await leave.wait()

    async def batch() -> None:
        async with lock.shared():
            pass

    holder = asyncio.ensure_future(hold())
    await inside.wait()
    waiting = asyncio.ensure_future(batch())
    await asyncio.sleep(0.01)
    waiting.cancel()
    leave.set()
    await holder
    await asyncio.sleep(0)
    async with asyncio.timeout(1):
        async with lock.exclusive():
            pass
        async with lock.shared():
            pass
