"""Scripted failures for the fake Web API: "the next N calls of method M answer with error E".

Tests use these to drive the bot through Slack's failure modes (ratelimited with Retry-After, not_in_channel,
user_not_found, invalid_auth) without the fake's handlers knowing about them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass
class Fault:
    """One scripted answer. ``status`` 429 means ratelimited with a ``Retry-After`` header."""

    error: str
    remaining: int | None
    status: int = 200
    retry_after: int = 0

    def headers(self) -> dict[str, str]:
        """HTTP headers to send with the failure."""
        return {"Retry-After": str(self.retry_after)} if self.status == 429 else {}


@dataclass
class FaultPlan:
    """Per-method queues of faults, consumed in order; a fault with ``remaining=None`` never runs out."""

    _queues: dict[str, list[Fault]] = field(default_factory=dict)

    def add(self, method: str, fault: Fault) -> None:
        """Queue a fault for a method (``"*"`` matches every method)."""
        self._queues.setdefault(method, []).append(fault)

    def clear(self, method: str | None = None) -> None:
        """Forget scripted faults for one method, or all of them."""
        if method is None:
            self._queues.clear()
        else:
            self._queues.pop(method, None)

    def take(self, method: str) -> Fault | None:
        """The fault to apply to this call, if any, counting it down."""
        for key in (method, "*"):
            queue = self._queues.get(key)
            if not queue:
                continue
            fault = queue[0]
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.pop(0)
            return fault
        return None


@dataclass
class Hold:
    """Hold the ``nth`` call of ``method``: before it is carried out (``phase="before"``: it never is) or after
    and before the answer leaves (``"after"``). ``held`` is set while it waits for ``release``. A test's control
    (not part of Slack): it stops the bot at that exact moment of a delivery."""

    method: str
    nth: int = 1
    phase: str = "before"
    seen: int = 0
    held: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self, method: str) -> bool:
        if method != self.method:
            return False
        self.seen += 1
        return self.seen == self.nth
