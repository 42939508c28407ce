"""What a crash leaves of intros outside rounds (requests, mentoring): claimed and never finished.

Kept apart from storage/matching.py (which has grown to its size limit); a round's intros are recovered with
their round (see cogs/matching/rounds.py).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from core.ports import DataStore
from storage.engine import sql_store
from storage.matching_schema import matching_intros

_I = matching_intros.c


async def stuck_single_intros(store: DataStore, created_before: datetime, limit: int = 200) -> list[tuple[int, str]]:
    """(id, claim) of intros without a round still `sending` though made before `created_before` (they are sent
    right after they are made, so one this old was cut off)."""
    q = (sa.select(_I.id, _I.claim).where(_I.round_id.is_(None), _I.status == "sending",
                                          _I.created_at <= created_before)
         .order_by(_I.id).limit(limit))
    async with sql_store(store).read() as conn:
        return [(int(r.id), r.claim) for r in await conn.execute(q)]


async def requeue_single_intro(store: DataStore, intro_id: int, claim: str) -> bool:
    """Back to pending, only if it still holds the claim it was found with: of several processes recovering at
    once, one requeues it (and then claims it again); the others find it taken."""
    async with sql_store(store).begin() as conn:
        res = await conn.execute(matching_intros.update().where(
            _I.id == intro_id, _I.status == "sending", _I.claim == claim).values(status="pending", claim=""))
    return res.rowcount > 0
