"""A clock for `services.clock` that only moves when the test says so."""

from __future__ import annotations

from datetime import datetime, timedelta


class FakeClock:
    """A UTC clock standing at `start` until the test moves it with `advance`."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
