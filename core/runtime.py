"""Building the running bot from settings: store, services, cogs. Integrations are attached by bot.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from core.commands import Cog
from core.dispatcher import App
from core.services import Services, utcnow
from core.settings import Settings
from storage.engine import open_store


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
        from cogs import discover

        cogs = discover()
    store = await open_store(settings.storage.url, echo=settings.storage.echo, connect_args=connect_args)
    services = Services.build(settings, store, clock=clock)
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
