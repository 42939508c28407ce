"""core.aio: waiting with a time limit never loses a cancellation (Python 3.11's `asyncio.wait_for` does, when the
awaited event is set in the same turn of the loop as the cancel: that hung a bot's shutdown in the suite)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

import pytest

from core.aio import bounded, wait_set


def background_loop(event: asyncio.Event, wait: Callable[[asyncio.Event], Awaitable[object]]) -> asyncio.Task[None]:
    """A loop like welcome's or the engagement writer's: wake on the event or after an hour, do the work, repeat."""

    async def run() -> None:
        while True:
            await wait(event)
            event.clear()

    return asyncio.get_running_loop().create_task(run())


async def cancel_as_it_wakes(wait: Callable[[asyncio.Event], Awaitable[object]]) -> bool:
    """Whether the loop stops when it is cancelled in the very turn its event is set."""
    event = asyncio.Event()
    task = background_loop(event, wait)
    await asyncio.sleep(0)  # the loop is waiting
    event.set()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=1.0)
    if not done:
        task.cancel()  # a second cancel does reach it; the test must not leave it behind
        await asyncio.wait({task}, timeout=1.0)
    return bool(done)


async def test_bounded_and_wait_set_pass_a_cancel_on_even_as_the_event_is_set() -> None:
    async def with_bounded(event: asyncio.Event) -> None:
        await bounded(event.wait(), 3600)

    async def with_wait_set(event: asyncio.Event) -> None:
        await wait_set(event, 3600)

    assert await cancel_as_it_wakes(with_bounded)
    assert await cancel_as_it_wakes(with_wait_set)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="asyncio.wait_for was rewritten in 3.12")
async def test_why_asyncio_wait_for_is_banned_on_311() -> None:
    async def with_wait_for(event: asyncio.Event) -> None:
        await asyncio.wait_for(event.wait(), 3600)

    assert not await cancel_as_it_wakes(with_wait_for), "Python 3.11's wait_for swallows this cancel"


async def test_the_limits_still_hold() -> None:
    with pytest.raises(TimeoutError):
        await bounded(asyncio.sleep(1), 0.01)
    assert await bounded(asyncio.sleep(0, "done"), 1) == "done"
    event = asyncio.Event()
    assert await wait_set(event, 0.01) is False
    event.set()
    assert await wait_set(event, 0.01) is True
