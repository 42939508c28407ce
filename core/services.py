"""What cogs are given instead of globals: settings, the store and its core repositories, scheduler, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.background import Background
from core.community_config import CommunityConfigResolver
from core.settings import Settings
from storage.communities import CommunityRepo
from storage.engine import Store
from storage.members import MemberRepo
from storage.overrides import OverrideRepo
from storage.profiles import ProfileRepo


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Services:
    settings: Settings
    store: Store
    communities: CommunityRepo
    members: MemberRepo
    profiles: ProfileRepo
    overrides: OverrideRepo
    config: CommunityConfigResolver
    scheduler: AsyncIOScheduler
    clock: Callable[[], datetime] = utcnow
    extras: dict[str, Any] = field(default_factory=dict)
    background: Background = field(default_factory=Background)

    @classmethod
    def build(cls, settings: Settings, store: Store, *, clock: Callable[[], datetime] = utcnow) -> Services:
        overrides = OverrideRepo(store)
        return cls(
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
