"""Event deliveries already taken in, in the store: the check that makes a redelivered event a no-op.

Slack retries an Events API delivery it thinks was not acknowledged in time (up to three times, within minutes),
with the same event id. The retry may reach another process behind the load balancer, or this process after a
restart, so an in-memory list cannot tell: the store can. `claim` inserts the deliveries with "on conflict do
nothing" (SQLite and PostgreSQL both have it) and returns the ones it inserted; the process whose insert won
handles the event, every other delivery is dropped. Rows are only needed while a redelivery can still come and
are purged after `SEEN_EVENT_TTL`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from core.ports import DataStore
from storage.engine import sql_store
from storage.platform_schema import EVENT_ID_LENGTH, seen_events

SEEN_EVENT_TTL = timedelta(hours=1)
"""How long a delivery is remembered. Slack retries a delivery at most three times: at once, after one minute and
after five minutes; an hour covers that, and a process restarting in between, with a wide margin. A redelivery
arriving later than this would be handled again."""

_S = seen_events.c


def event_key(event_id: str) -> str:
    """The event id as stored: itself, or a digest when it is longer than the column (ids are Slack's, but the
    column must never refuse or truncate one into another's key)."""
    if len(event_id) <= EVENT_ID_LENGTH:
        return event_id
    return "sha256:" + hashlib.sha256(event_id.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event as a platform identifies it: which platform, which community (its external id), which event."""

    platform: str
    community: str
    event_id: str

    def row(self) -> tuple[str, str, str]:
        """The key as stored (a community id longer than the column is digested like a long event id)."""
        community = self.community if len(self.community) <= 64 else hashlib.sha256(
            self.community.encode()).hexdigest()
        return self.platform[:16], community, event_key(self.event_id)


class SeenEventRepo:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)
        dialect = postgresql if store.dialect == "postgresql" else sqlite
        # One statement, compiled once, for any number of rows: SQLAlchemy sends the rows as multi-row VALUES
        # ("insertmanyvalues") and collects what RETURNING gives back, which is only the rows it inserted.
        self._claim: Any = (dialect.insert(seen_events)
                            .on_conflict_do_nothing(index_elements=["platform", "community", "event_id"])
                            .returning(_S.platform, _S.community, _S.event_id))

    async def claim(self, deliveries: Iterable[Delivery], at: datetime) -> set[Delivery]:
        """Record the deliveries in one statement; returns those recorded now (first deliveries). A delivery
        recorded before, by this process or another, is not returned. One indexed insert for the whole batch."""
        by_row: dict[tuple[str, str, str], Delivery] = {}
        for d in deliveries:
            by_row.setdefault(d.row(), d)
        if not by_row:
            return set()
        # In key order: two processes inserting overlapping batches then wait on each other's keys in the same
        # order, never in a cycle (PostgreSQL would otherwise abort one of them with "deadlock detected").
        values = [{"platform": p, "community": c, "event_id": e, "received_at": at} for p, c, e in sorted(by_row)]
        async with self.store.begin() as conn:
            won = [(r.platform, r.community, r.event_id) for r in await conn.execute(self._claim, values)]
        return {by_row[key] for key in won if key in by_row}

    async def purge(self, before: datetime) -> int:
        """Forget deliveries received before `before` (no redelivery comes that late); returns how many."""
        async with self.store.begin() as conn:
            res = await conn.execute(seen_events.delete().where(_S.received_at < before))
        return int(res.rowcount or 0)

    async def count(self) -> int:
        """How many deliveries are remembered (for tests and diagnostics)."""
        async with self.store.read() as conn:
            return int((await conn.execute(sa.select(sa.func.count()).select_from(seen_events))).scalar_one())
