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
from core.services import Services, utcnow
from core.settings import Settings
from storage.communities import CommunityRepo
from storage.engine import Store, open_store
from storage.members import MemberRepo
from storage.overrides import OverrideRepo
from storage.profiles import ProfileRepo


def build_services(settings: Settings, store: Store, *, clock: Callable[[], datetime] = utcnow) -> Services:
    """The services every cog gets, on the store package's repositories."""
    overrides = OverrideRepo(store)
    return Services(
        settings=settings,
        store=store,
        communities=CommunityRepo(store),
        members=MemberRepo(store),
        profiles=ProfileRepo(store),
        overrides=overrides,
        config=CommunityConfigResolver(settings.community_defaults(), overrides),
        scheduler=AsyncIOScheduler(timezone="UTC"),
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
) -> AsyncIterator[App]:
    """Open the store (migrating it), load the cogs and start them; undo it all on exit."""
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
        await app.stop()
        if services.scheduler.running:
            services.scheduler.shutdown(wait=False)
        await store.close()
