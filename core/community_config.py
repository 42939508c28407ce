"""Each community's effective settings: config.toml defaults with the moderators' overrides on top.

Resolved settings are cached per community; a change (`/config set`) invalidates the cache and notifies
listeners, so that e.g. the round schedule is moved at once, without a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from pydantic import ValidationError

from core.settings import CommunityConfig

log = logging.getLogger(__name__)

Listener = Callable[[int, set[str]], Awaitable[None]]


class OverrideStore(Protocol):
    async def all(self, community_id: int) -> dict[str, Any]: ...


def apply_overrides(defaults: CommunityConfig, overrides: dict[str, Any]) -> CommunityConfig:
    """Defaults with `section.field` overrides applied and validated as a whole (raises ValidationError)."""
    data = defaults.model_dump()
    for key, value in overrides.items():
        section, _, name = key.partition(".")
        if section in data and isinstance(data[section], dict) and name:
            data[section][name] = value
    return type(defaults).model_validate(data)  # the built model (core/settings), with every feature's section


class CommunityConfigResolver:
    def __init__(self, defaults: CommunityConfig, overrides: OverrideStore) -> None:
        self.defaults = defaults
        self.overrides = overrides
        self._cache: dict[int, CommunityConfig] = {}
        self._generation: dict[int, int] = {}
        self._listeners: list[Listener] = []

    def cached(self, community_id: int) -> CommunityConfig | None:
        """The resolved settings if they are cached, without a coroutine call (hot paths try this first)."""
        return self._cache.get(community_id)

    async def get(self, community_id: int) -> CommunityConfig:
        cached = self._cache.get(community_id)
        if cached is not None:
            return cached
        generation = self._generation.get(community_id, 0)
        values = await self.overrides.all(community_id)
        try:
            resolved = apply_overrides(self.defaults, values)
        except ValidationError:
            # an override that no longer validates (e.g. after an upgrade) must not take the community down
            log.warning("community %s has overrides that no longer validate; using defaults", community_id)
            resolved = self.defaults
        if self._generation.get(community_id, 0) == generation:  # no change happened while we were reading
            self._cache[community_id] = resolved
        return resolved

    async def switched_on(self, community_id: int, module: str) -> bool:
        """Whether the community has `module` on (`community.disabled_modules`, what `App.emit` and the command
        guard check); from the cache when it holds the community's settings."""
        config = self._cache.get(community_id) or await self.get(community_id)
        return module not in config.community.disabled_modules

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def changed(self, community_id: int, keys: set[str]) -> None:
        """Forget the cached settings and tell listeners which keys changed."""
        self._generation[community_id] = self._generation.get(community_id, 0) + 1
        self._cache.pop(community_id, None)
        for listener in self._listeners:
            try:
                await listener(community_id, keys)
            except Exception:
                log.exception("settings listener failed")
