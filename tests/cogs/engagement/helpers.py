"""Small read helpers for the engagement tests (plain SQL over the real store)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cogs.engagement.api import recorder as running_recorder
from cogs.engagement.tables import engagement_events
from core.dispatcher import App


async def events(app: App, **where: Any) -> list[Any]:
    rec = running_recorder(app.services)
    if rec is not None:
        assert await rec.flush(within=10.0)
    q = sa.select(engagement_events).order_by(engagement_events.c.id)
    for k, v in where.items():
        q = q.where(getattr(engagement_events.c, k) == v)
    async with app.services.store.read() as conn:
        return list((await conn.execute(q)).all())


async def kinds(app: App, **where: Any) -> list[str]:
    return [r.kind for r in await events(app, **where)]
