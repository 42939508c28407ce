"""What cogs are given instead of globals: settings, the store and its core repositories, the timed jobs
(`jobs`, core/scheduling.py: the one way to schedule work), clock, and the typed interfaces features offer each
other.

The fields are typed by the Protocols of core/ports.py; the composition root (bootstrap/runtime.py) fills them
with the store package's implementations, so core/ depends on nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from core.background import Background
from core.community_config import CommunityConfigResolver
from core.ports import CommunityDirectory, DataStore, MemberDirectory, ProfileStore, SettingsOverrides
from core.scheduling import AsyncIOScheduler, Jobs
from core.settings import Settings

if TYPE_CHECKING:
    # `TypeForm[T]` (PEP 747), not `type[T]`: the interfaces are Protocols, which `type[T]` refuses as abstract.
    from typing_extensions import TypeForm

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Services:
    settings: Settings
    store: DataStore
    communities: CommunityDirectory
    members: MemberDirectory
    profiles: ProfileStore
    overrides: SettingsOverrides
    config: CommunityConfigResolver
    scheduler: AsyncIOScheduler  # started and stopped by the composition root; features use `jobs`
    jobs: Jobs
    clock: Callable[[], datetime] = utcnow
    background: Background = field(default_factory=Background)
    _interfaces: dict[object, Any] = field(default_factory=dict)
    _many: dict[object, list[Any]] = field(default_factory=dict)

    # ---------------------------------------------------------------- typed interfaces between features
    def provide(self, kind: TypeForm[T], implementation: T) -> None:
        """Offer `implementation` as `kind` (a Protocol of core/interfaces.py) to the other features. The
        providing feature calls this in its `setup` and `withdraw` in its `teardown`."""
        self._interfaces[kind] = implementation

    def withdraw(self, kind: TypeForm[T], implementation: T) -> None:
        """Stop offering `implementation` (no-op when another one has replaced it meanwhile)."""
        if self._interfaces.get(kind) is implementation:
            del self._interfaces[kind]

    def interface(self, kind: TypeForm[T]) -> T | None:
        """The implementation of `kind` a running feature provides, or None when that feature is not loaded.
        Whether the community switched the module off is the provider's to decide per call."""
        return self._interfaces.get(kind)

    # ---------------------------------------------------------------- interfaces several features provide
    def provide_many(self, kind: TypeForm[T], implementation: T) -> None:
        """Add `implementation` to the providers of `kind`, for interfaces every feature may answer (each
        feature's personal data for `/privacy export`). Withdraw it in `teardown` with `withdraw_many`."""
        providers = self._many.setdefault(kind, [])
        if implementation not in providers:
            providers.append(implementation)

    def withdraw_many(self, kind: TypeForm[T], implementation: T) -> None:
        """Remove one provider of `kind` (no-op when it was not registered)."""
        providers = self._many.get(kind, [])
        if implementation in providers:
            providers.remove(implementation)

    def all_of(self, kind: TypeForm[T]) -> list[T]:
        """Every running provider of `kind`, in the order they were registered (empty when none is loaded)."""
        return list(self._many.get(kind, []))
