"""Applying settings changes: validate the result as a whole, store overrides, audit, then tell listeners.

Both `/config` and `/setup` go through `ConfigEditor.apply`, and so do other features (`/welcome set`) through
the `SettingsEditor` interface (core/interfaces.py) the editor provides, so every change is checked the same
way, recorded with who/when/old/new, and announced with `services.config.changed(...)` (the round scheduler and
the welcome flow subscribe to it and react at once). Changes in one community are serialised so two moderators
cannot interleave a read-modify-write; different communities never wait for each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from cogs.config.schema import KeySpec, community_schema
from cogs.config.store.audit import AuditChange, ConfigAuditRepo
from cogs.config.values import sanitised, validate_config
from core.community_config import apply_overrides
from core.interfaces import SettingsEditor
from core.refs import MemberRef
from core.services import Services
from core.settings import CommunityConfig


@dataclass(frozen=True, slots=True)
class Change:
    """One key whose effective value or override changed."""

    key: str
    old: Any
    new: Any
    reset: bool = False


def value_of(config: CommunityConfig, key: str) -> Any:
    """A key's value in JSON form (what overrides and the audit store)."""
    section, _, name = key.partition(".")
    return getattr(config, section).model_dump(mode="json")[name]


def plan(
    defaults: CommunityConfig,
    current: Mapping[str, Any],
    set_values: Mapping[str, Any],
    reset_keys: Iterable[str],
    schema: Mapping[str, KeySpec],
) -> tuple[dict[str, Any], list[str], CommunityConfig, CommunityConfig]:
    """What to write and delete, with the settings before and after. Pure; raises `ValueRefused` when the result
    does not validate. A value equal to what is already in effect is not written (no pointless pinning)."""
    try:
        before = apply_overrides(defaults, dict(current))
    except ValidationError:
        before = defaults  # like the resolver: overrides that no longer validate fall back to defaults
    set_values = {key: sanitised(value) for key, value in set_values.items()}
    resets = [k for k in dict.fromkeys(reset_keys) if k in current and k not in set_values]
    writes = {}
    for key, value in set_values.items():
        if key in current:
            if current[key] != value:
                writes[key] = value
        elif value_of(before, key) != value:
            writes[key] = value
    proposed = {k: v for k, v in current.items() if k not in resets} | writes
    after = validate_config(defaults, proposed, schema)
    return writes, resets, before, after


class ConfigEditor:
    """The one place that changes a community's settings."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.audit = ConfigAuditRepo(services.store)
        self.schema = community_schema()
        self._locks: dict[int, asyncio.Lock] = {}

    @classmethod
    def of(cls, services: Services) -> ConfigEditor:
        """The editor shared by the config and setup cogs (one lock per community for both), which is also the
        `SettingsEditor` other features change settings through."""
        found = services.interface(SettingsEditor)
        if isinstance(found, ConfigEditor):
            return found
        editor = cls(services)
        services.provide(SettingsEditor, editor)
        return editor

    @property
    def defaults(self) -> CommunityConfig:
        return self.services.config.defaults

    async def overrides(self, community_id: int) -> dict[str, Any]:
        return await self.services.overrides.all(community_id)

    async def editors(self, community_id: int) -> list[int]:
        return await self.audit.editors(community_id)

    async def preview(self, community_id: int, set_values: Mapping[str, Any],
                      reset_keys: Iterable[str] = ()) -> tuple[list[Change], CommunityConfig]:
        """What `apply` would change, without changing anything (for summaries and dry runs)."""
        current = await self.overrides(community_id)
        writes, resets, before, after = plan(self.defaults, current, set_values, reset_keys, self.schema)
        return self._changes(writes, resets, before, after), after

    async def apply(self, community_id: int, *, set_values: Mapping[str, Any] | None = None,
                    reset_keys: Iterable[str] = (), who: MemberRef, action: str) -> list[Change]:
        """Validate and store; returns what changed (empty when nothing did). Raises `ValueRefused` and then
        changes nothing."""
        lock = self._locks.setdefault(community_id, asyncio.Lock())
        async with lock:
            current = await self.overrides(community_id)
            writes, resets, before, after = plan(self.defaults, current, set_values or {}, reset_keys, self.schema)
            changes = self._changes(writes, resets, before, after)
            if not changes:
                return []
            label = f"{who.platform}:{who.user_id}"[:100]
            if writes:
                await self.services.overrides.set_many(community_id, writes, by=label)
            for key in resets:
                await self.services.overrides.delete(community_id, key)
            await self.audit.record(
                community_id, [AuditChange(c.key, c.old, c.new) for c in changes],
                action=action,
                member_id=who.id or None, who=who.display_name or who.username or who.user_id,
                at=self.services.clock(),
            )
        await self.services.config.changed(community_id, {c.key for c in changes})
        return changes

    def _changes(self, writes: Mapping[str, Any], resets: Iterable[str], before: CommunityConfig,
                 after: CommunityConfig) -> list[Change]:
        reset_set = set(resets)
        order = [k for k in self.schema if k in writes or k in reset_set]
        return [Change(k, value_of(before, k), value_of(after, k), k in reset_set) for k in order]
