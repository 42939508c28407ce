"""Whether the store answers, said once: one warning when an outage starts, one line when it is over.

During an outage every command, button, scheduled job and event handler that needs the store fails the same
way; logging each with its traceback would bury the one fact that matters (the store is down since 10:02) under
hundreds of identical tracebacks. Whoever meets an outage error hands it to `StoreHealth.outage`, which logs the
first one as a warning and the rest at debug level, and looks for the store to answer again with a growing pause
between pings; when it does, one info line says so and how long the outage lasted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from core import metrics
from storage.errors import describe_failure, is_outage

log = logging.getLogger(__name__)

FIRST_PING = 0.5
LONGEST_PING = 15.0


class StoreHealth:
    """The store's availability as the bot last saw it. One per `Store`."""

    def __init__(self, ping: Callable[[], Awaitable[bool]], *, first_ping: float = FIRST_PING,
                 longest_ping: float = LONGEST_PING) -> None:
        self._ping = ping
        self._first_ping = first_ping
        self._longest_ping = longest_ping
        self._down_since: float | None = None
        self._watch: asyncio.Task[None] | None = None
        self.outages = 0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def outage(self, exc: BaseException, doing: str = "") -> bool:
        """True when `exc` says the store is unavailable (the caller then tells the person to try again and
        logs nothing more); False for any other error, which the caller handles as before. `doing` names the
        work that failed, for the debug line."""
        if not is_outage(exc):
            return False
        metrics.store_error()
        if self._down_since is None:
            self._down_since = time.monotonic()
            self.outages += 1
            metrics.store_down(True)
            log.warning("store unavailable (%s): commands are answered with \"try again in a moment\" until it "
                        "is back", describe_failure(exc))
            self._watch_for_recovery()
        else:
            log.debug("store still unavailable (%s)%s", describe_failure(exc), f" during {doing}" if doing else "")
        return True

    def answered(self) -> None:
        """The store did its work again (a ping, a batch written): end the outage, if there was one."""
        if self._down_since is None:
            return
        lasted = time.monotonic() - self._down_since
        self._down_since = None
        metrics.store_down(False, lasted)
        log.info("store available again after %.0f s", lasted)
        if self._watch is not None and self._watch is not asyncio.current_task():
            self._watch.cancel()
        self._watch = None

    def _watch_for_recovery(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a synchronous caller): the next success ends the outage
        if self._watch is None or self._watch.done():
            self._watch = loop.create_task(self._ping_until_answered(), name="store-health")

    async def _ping_until_answered(self) -> None:
        pause = self._first_ping
        while self._down_since is not None:
            await asyncio.sleep(pause)
            if await self._ping():
                self.answered()
                return
            pause = min(pause * 2, self._longest_ping)

    async def close(self) -> None:
        """Stop watching (the store is being closed)."""
        watch, self._watch = self._watch, None
        if watch is not None and not watch.done():
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
