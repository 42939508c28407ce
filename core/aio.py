"""Small asyncio helpers the whole code base uses instead of the standard ones that misbehave on Python 3.11.

`asyncio.wait_for` on Python 3.11 loses a cancellation when the awaited thing finishes in the same turn of the
event loop as the cancel (it returns the result instead of raising `CancelledError`; fixed in 3.12). A background
loop that waits on an event with a timeout then ignores the shutdown that cancelled it, and the shutdown waits
for it forever: this hung a restart in the test suite and would hang a bot's stop under a supervisor. The
`asyncio.timeout` context manager (3.11+) has no such race, so `bounded` is built on it. ruff bans
`asyncio.wait_for` outside tests (pyproject.toml, TID251) so the old one does not creep back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def bounded(awaitable: Awaitable[T], seconds: float | None) -> T:
    """`await awaitable`, raising `TimeoutError` after `seconds` (None: no limit); a cancel always propagates."""
    async with asyncio.timeout(seconds):
        return await awaitable


async def wait_set(event: asyncio.Event, seconds: float | None) -> bool:
    """Wait until `event` is set or `seconds` passed; True when it was set. A cancel always propagates."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return event.is_set()
    return True
