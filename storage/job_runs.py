"""Claims of scheduled job runs (`JobClaims` of core/ports.py): the store decides which process runs a slot.

`claim` inserts the (job, community, slot) row with "on conflict do nothing" (SQLite and PostgreSQL both have
it) and reports whether this insert made it: every other process firing the same slot finds the row and skips
the run. A run that failed gives its claim back (`release`). Rows are kept for `JOB_RUN_TTL`, far longer than a
slot can still fire (the scheduler's grace for a late run is an hour or a few), then purged.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from storage.engine import Store
from storage.job_runs_schema import job_runs

JOB_RUN_TTL = timedelta(days=30)

_J = job_runs.c


class JobRunRepo:
    def __init__(self, store: Store) -> None:
        self.store = store
        dialect = postgresql if store.dialect == "postgresql" else sqlite
        self._claim: Any = (dialect.insert(job_runs)
                            .on_conflict_do_nothing(index_elements=["job", "community_id", "slot"])
                            .returning(_J.job))

    async def claim(self, job: str, community_id: int, slot: datetime, at: datetime) -> bool:
        async with self.store.begin() as conn:
            won = (await conn.execute(self._claim, {"job": job[:100], "community_id": community_id, "slot": slot,
                                                    "claimed_at": at})).first()
        return won is not None

    async def release(self, job: str, community_id: int, slot: datetime) -> None:
        async with self.store.begin() as conn:
            await conn.execute(job_runs.delete().where(_J.job == job[:100], _J.community_id == community_id,
                                                       _J.slot == slot))

    async def purge(self, before: datetime) -> int:
        async with self.store.begin() as conn:
            res = await conn.execute(job_runs.delete().where(_J.claimed_at < before))
        return int(res.rowcount or 0)

    async def count(self, job: str | None = None) -> int:
        """How many runs are claimed (of one job, or all): for tests and diagnostics."""
        query = sa.select(sa.func.count()).select_from(job_runs)
        if job is not None:
            query = query.where(_J.job == job)
        async with self.store.read() as conn:
            return int((await conn.execute(query)).scalar_one())
