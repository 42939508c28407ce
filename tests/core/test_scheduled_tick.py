"""Scheduled ticks: a cog subscribes to `ScheduledTick`, the app owns the scheduler job and delivers the event."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from bootstrap.runtime import running_app
from core.commands import Cog, on_event
from core.dispatcher import App
from core.events import ScheduledTick
from core.refs import CommunityKey
from core.settings import Settings


class Ticker(Cog):
    name = "ticker"
    module = "engagement"  # any switchable module: a switched-off module gets no ticks
    seen: list[tuple[int, str, dict[str, object]]] = []

    @on_event(ScheduledTick)
    async def ticked(self, event: ScheduledTick) -> None:
        assert event.community is not None
        Ticker.seen.append((event.community.id, event.job, event.payload))


@pytest.fixture
async def ticker_app(settings: Settings) -> AsyncIterator[App]:
    Ticker.seen = []
    async with running_app(settings, cogs=[Ticker]) as app:
        yield app


async def test_a_scheduled_tick_reaches_the_subscribed_cog(ticker_app: App) -> None:
    app = ticker_app
    community = await app.community(CommunityKey("console", "c1", "C1"))
    job_id = app.schedule_tick(community, "digest", IntervalTrigger(hours=1), payload={"day": 7})
    job = app.services.scheduler.get_job(job_id)
    assert job is not None and job.id == f"tick:digest:{community.id}"
    await job.func(*job.args)  # what the scheduler runs when the trigger fires
    assert Ticker.seen == [(community.id, "digest", {"day": 7})]

    # scheduling the same job again replaces it; unscheduling removes it
    app.schedule_tick(community, "digest", IntervalTrigger(hours=2), payload={"day": 3})
    assert [j.id for j in app.services.scheduler.get_jobs()] == [job_id]
    assert app.unschedule_tick(community, "digest")
    assert not app.unschedule_tick(community, "digest")
    assert app.services.scheduler.get_job(job_id) is None


async def test_a_switched_off_module_gets_no_ticks(ticker_app: App) -> None:
    app = ticker_app
    community = await app.community(CommunityKey("console", "c2", "C2"))
    await app.services.overrides.set_many(community.id, {"community.disabled_modules": ["engagement"]}, by="test")
    await app.services.config.changed(community.id, {"community.disabled_modules"})
    await app.fire_tick(community, "digest")
    assert Ticker.seen == []
