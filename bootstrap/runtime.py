"""Building the running bot from settings: store, services, cogs. Integrations are attached by bot.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bootstrap.discovery import discover
from core.commands import Cog
from core.community_config import CommunityConfigResolver
from core.dispatcher import App
from core.scheduling import Cron, Jobs
from core.services import Services, utcnow
from core.settings import Settings
from storage.communities import CommunityRepo
from storage.engine import Store, open_store
from storage.job_runs import JOB_RUN_TTL, JobRunRepo
from storage.members import MemberRepo
from storage.overrides import OverrideRepo
from storage.profiles import ProfileRepo

# Importing the composition root registers every feature's settings section (importing a feature does), so
# settings loaded after this import (bench scripts, tools, tests) know every section; bot.py does the same.
discover()


def build_services(settings: Settings, store: Store, *, clock: Callable[[], datetime] = utcnow) -> Services:
    """The services every cog gets, on the store package's repositories."""
    overrides = OverrideRepo(store)
    communities = CommunityRepo(store)
    config = CommunityConfigResolver(settings.community_defaults(), overrides)
    scheduler = AsyncIOScheduler(timezone="UTC")
    claims = JobRunRepo(store)
    jobs = Jobs(scheduler, claims=claims, config=config, communities=communities, health=store.health, clock=clock)

    async def purge_claims() -> None:
        await claims.purge(clock() - JOB_RUN_TTL)

    jobs.schedule("core.job_runs.purge", Cron(hour=4, minute=41), purge_claims, once=True)
    return Services(
        settings=settings,
        store=store,
        communities=communities,
        members=MemberRepo(store),
        profiles=ProfileRepo(store),
        overrides=overrides,
        config=config,
        scheduler=scheduler,
        jobs=jobs,
        clock=clock,
    )


@asynccontextmanager
async def running_app(
    settings: Settings,
    *,
    cogs: Iterable[type[Cog]] | None = None,
    clock: Callable[[], datetime] = utcnow,
    connect_args: dict[str, Any] | None = None,
    start_scheduler: bool = True,
    grace: float = 0.0,
) -> AsyncIterator[App]:
    """Open the store (migrating it), load the cogs and start them; undo it all on exit, after giving the work
    under way up to `grace` seconds to finish (bot.py passes `[ops] grace_seconds`)."""
    if cogs is None:
        cogs = discover()
    store = await open_store(settings.storage.url, echo=settings.storage.echo, connect_args=connect_args)
    services = build_services(settings, store, clock=clock)
    app = App(services)
    try:
        app.add_cogs(cogs)
        if start_scheduler:
            services.scheduler.start()
        await app.start()
        yield app
    finally:
        if grace > 0:
            await app.drain(grace)
        await app.stop()
        if services.scheduler.running:
            services.scheduler.shutdown(wait=False)
        await store.close()
