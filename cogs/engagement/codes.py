"""One-time link codes: short, unambiguous to read aloud or type, stored only as a hash.

8 characters from a 31-letter alphabet (no 0/O, 1/I/L) give about 4e11 codes; with a 15-minute lifetime and a
limit on wrong guesses per account, guessing someone else's code is not a practical attack.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections import deque
from datetime import timedelta

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
TTL = timedelta(minutes=15)
_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(text: str) -> str | None:
    """The canonical form of a typed code ("abcd efgh", "ABCD-EFGH"), or None when it cannot be a code."""
    raw = _SEPARATORS.sub("", text or "").upper()
    if len(raw) != LENGTH or any(c not in ALPHABET for c in raw):
        return None
    return raw


def code_hash(code: str) -> str:
    normal = normalise_code(code)
    if normal is None:
        raise ValueError("not a link code")
    return hashlib.sha256(normal.encode("ascii")).hexdigest()


class AttemptLimiter:
    """At most `limit` wrong codes per account within `window` seconds (kept in memory: a restart forgives)."""

    def __init__(self, limit: int = 5, window: float = 600.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[int, deque[float]] = {}

    def blocked(self, member_id: int) -> bool:
        q = self._failures.get(member_id)
        if not q:
            return False
        now = time.monotonic()
        while q and now - q[0] > self.window:
            q.popleft()
        return len(q) >= self.limit

    def failed(self, member_id: int) -> None:
        self._failures.setdefault(member_id, deque(maxlen=self.limit)).append(time.monotonic())

    def clear(self) -> None:
        self._failures.clear()
