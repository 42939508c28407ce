"""Reaching a platform at start-up: a few tries with growing waits, then a clear failure with exit code 4.

A chat platform that does not answer for a moment (a network blip, the bot starting before the network is up) is
retried, waiting 1, 2, 4, ... seconds (at most a minute) between tries. When it still does not answer, the bot
stops with one line and exit code 4 (`ExitCode.UNREACHABLE`), so that systemd or Docker restart it later instead
of it running without its platform. Refusals (a wrong token) are not retried: they raise at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from core.errors import ExitCode, StartupFailed

log = logging.getLogger(__name__)

T = TypeVar("T")

FIRST_WAIT = 1.0
LONGEST_WAIT = 60.0


def describe(exc: BaseException) -> str:
    """An exception as one short line without URLs' query strings or payloads (never a token)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:200]


async def reach(
    call: Callable[[], Awaitable[T]],
    *,
    what: str,
    attempts: int,
    transient: Callable[[BaseException], bool],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """`await call()`, retried while it fails with an error `transient` accepts; after `attempts` tries raise
    `StartupFailed` with `ExitCode.UNREACHABLE` naming `what` (e.g. "the Discord API at https://…")."""
    wait = FIRST_WAIT
    for attempt in range(1, max(1, attempts) + 1):
        try:
            return await call()
        except Exception as exc:
            if not transient(exc):
                raise
            if attempt >= attempts:
                raise StartupFailed(f"{what} did not answer after {attempts} tries ({describe(exc)})",
                                    ExitCode.UNREACHABLE) from None
            log.warning("%s did not answer (%s); trying again in %.0f s (%d of %d)", what, describe(exc), wait,
                        attempt + 1, attempts)
            await sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
