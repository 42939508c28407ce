"""What the fake remembers about requests, and the failures tests ask it to inject.

Tests read `RecordedRequest`s back to check what the bot sent; `FailureRule`s make the next N matching
requests fail (429 with retry_after, 403 missing permissions, 404 unknown channel, ...) the way Discord does.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RecordedFile:
    """One uploaded file of a multipart request."""

    field_name: str
    filename: str
    content: bytes
    content_type: str | None


@dataclass
class RecordedRequest:
    """One request as the fake received it. `path` is relative to the API base, e.g. `/users/@me`."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[RecordedFile]
    status: int = 0
    response: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def matches(self, method: str | None, path: str | re.Pattern[str] | None) -> bool:
        if method is not None and self.method != method.upper():
            return False
        if path is None:
            return True
        if isinstance(path, re.Pattern):
            return path.fullmatch(self.path) is not None
        return self.path == path


@dataclass
class FailureRule:
    """Answer the next `remaining` requests matching method+path with `status` and `body`."""

    method: str | None
    path: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    remaining: int

    def applies(self, method: str, path: str) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.path.fullmatch(path) is not None


@dataclass
class HoldRule:
    """Hold the `nth` request matching method+path: before its route runs (`phase="before"`: it is then never
    carried out) or after it ran and before the answer leaves (`phase="after"`). `held` is set once it is held;
    it stays held until `release` is set. Tests kill the bot at that moment: a crash just before, or just
    after, a platform call whose answer the bot never saw. Not part of Discord: a test's control."""

    method: str | None
    path: re.Pattern[str]
    nth: int = 1
    phase: str = "before"
    seen: int = 0
    held: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self, method: str, path: str) -> bool:
        """Count a request; True for the one to hold."""
        if self.method is not None and self.method != method:
            return False
        if self.path.fullmatch(path) is None:
            return False
        self.seen += 1
        return self.seen == self.nth


def compile_path(path: str | re.Pattern[str]) -> re.Pattern[str]:
    """Exact strings match literally; pass a compiled pattern for a family of paths."""
    if isinstance(path, re.Pattern):
        return path
    return re.compile(re.escape(path))


# Discord's JSON error codes the adapter has to cope with (https://discord.com/developers/docs/topics/opcodes-and-status-codes)
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
UNKNOWN_INTERACTION = 10062
MISSING_ACCESS = 50001
CANNOT_DM_USER = 50007
MISSING_PERMISSIONS = 50013
INTERACTION_ALREADY_ACKNOWLEDGED = 40060
