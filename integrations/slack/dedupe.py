"""Drop redelivered Slack events: Slack retries an Events API delivery (same ``event_id``) when the ack seemed
late, with ``X-Slack-Retry-Num`` over HTTP and ``retry_attempt`` in a Socket Mode envelope.

The check is in the store (storage/seen_events.py), so that a retry reaching another process behind the load
balancer, another Socket Mode connection, or this process after a restart is still dropped. A small memory of
ids this process took in sits in front of it: a retry that comes back here is dropped without asking the store.
The memory only ever says "seen"; an id it does not know always goes to the store.

Claims are coalesced: the deliveries that arrive while one insert is under way go together in the next one, so
a busy workspace costs one indexed insert per batch, and a quiet one a single insert per event, never a wait.

Only Events API deliveries are retried by Slack. Slash commands and interactivity payloads are never resent (a
late ack shows the person an error instead), and a second press of a button is a second request with its own
trigger id that the features themselves answer once (conditional updates), so they are not recorded here.

When the store cannot be reached, events are handled as if first delivered (the memory still drops retries to
this process) and one warning is logged until it answers again: a feature's own unique keys (the engagement
log's ``e:<event id>``, the welcome steps) still keep the work once, and losing events is worse.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta

from storage.engine import describe_failure
from storage.seen_events import SEEN_EVENT_TTL, Delivery, SeenEventRepo

log = logging.getLogger(__name__)

MAX_BATCH = 500
"""Deliveries claimed in one statement at most (well under SQLite's limit of parameters per statement)."""

PURGE_EVERY = timedelta(minutes=5)
"""How often this process deletes remembered deliveries older than SEEN_EVENT_TTL (piggybacked on claims)."""


class RecentIds:
    """Remembers the last ``capacity`` ids; ``first_time(id)`` is True once per id."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()

    def first_time(self, event_id: str) -> bool:
        """Record ``event_id``; False when it was seen before (a retry). Empty ids always count as new."""
        if not event_id:
            return True
        if event_id in self._seen:
            self._seen.move_to_end(event_id)
            return False
        self._seen[event_id] = None
        if len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._seen)


class DeliveryLog:
    """Which deliveries of one platform's events were taken in already, by any process sharing the store."""

    def __init__(self, repo: SeenEventRepo, clock: Callable[[], datetime], *, platform: str = "slack",
                 recent: RecentIds | None = None) -> None:
        self.repo = repo
        self.clock = clock
        self.platform = platform
        self.recent = recent or RecentIds()
        self.store_claims = 0  # statements sent to the store (a batch is one)
        self._waiting: list[tuple[Delivery, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._last_purge: datetime | None = None
        self._store_down = False

    async def first_time(self, community: str, event_id: str) -> bool:
        """True for the first delivery of this event anywhere; False for a redelivery. Deliveries without an
        event id cannot be told apart and always count as first."""
        if not event_id:
            return True
        if not self.recent.first_time(f"{community}\x1f{event_id}"):
            return False  # this process took it in already
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((Delivery(self.platform, community, event_id), future))
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush(), name="slack-delivery-log")
        return await future

    async def _flush(self) -> None:
        """Claim what is waiting, batch after batch, until nothing is."""
        batch: list[tuple[Delivery, asyncio.Future[bool]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                now = self.clock()
                won = await self._claim([d for d, _f in batch], now)
                for delivery, future in batch:
                    if not future.done():
                        future.set_result(delivery in won)
                batch = []
                await self._purge(now)
        except BaseException:
            for _d, future in [*batch, *self._waiting]:
                future.cancel()
            self._waiting = []
            raise
        finally:
            self._flusher = None

    async def _claim(self, deliveries: list[Delivery], now: datetime) -> set[Delivery]:
        self.store_claims += 1
        try:
            won = await self.repo.claim(deliveries, now)
        except Exception as exc:
            if not self._store_down:
                self._store_down = True
                log.warning("could not check Slack event deliveries in the store (%s); handling them without "
                            "that check until it answers again", describe_failure(exc))
            return set(deliveries)
        if self._store_down:
            self._store_down = False
            log.info("the store answers again; Slack event deliveries are checked there again")
        return won

    async def _purge(self, now: datetime) -> None:
        if self._last_purge is not None and now - self._last_purge < PURGE_EVERY and now >= self._last_purge:
            return
        self._last_purge = now
        try:
            gone = await self.repo.purge(now - SEEN_EVENT_TTL)
        except Exception as exc:
            log.debug("purging remembered Slack deliveries failed: %s", describe_failure(exc))
            return
        if gone:
            log.debug("forgot %d Slack deliveries older than %s", gone, SEEN_EVENT_TTL)

    async def drain(self) -> None:
        """Wait for claims under way (the integration stops only after they are answered)."""
        flusher = self._flusher
        if flusher is not None:
            await asyncio.shield(flusher)
