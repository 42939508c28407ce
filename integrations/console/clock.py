"""The console's virtual clock: `/wait 2m` moves time at once and runs what falls due in between.

A chat platform lives in real time; a console script or a newcomer trying the README should not have to sit
through a welcome delay or wait for Monday's round. So the console runs the app on a `VirtualClock` with the
scheduler not started, and `JobDriver.advance` fires the app's timed jobs (core/scheduling.py `Jobs.planned`)
itself, in time order, at the virtual moments they fall due: greetings after their delay, the drip, the weekly
round, check-ins. Interactive, the clock also follows the wall clock (a job due while you read still runs);
reading a script, it stands still between `/wait`s, so a script always does the same.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime, timedelta

from core.scheduling import At, Jobs, Schedule, next_fire

log = logging.getLogger(__name__)

MAX_STEPS = 400
"""Job runs one `advance` makes at most per job: a long wait (days) runs a frequent job (the welcome job every
minute) at most this often, evenly spread, as APScheduler coalesces firings missed while the machine slept."""

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$")


def parse_duration(text: str) -> timedelta | None:
    """`90`, `90s`, `2m`, `3h`, `2d`, `1w` -> a timedelta; None when it is none of these (or not positive)."""
    found = _DURATION.match(text.lower())
    if found is None or found.group(2) not in {"", *_UNITS}:
        return None
    seconds = float(found.group(1)) * _UNITS.get(found.group(2) or "s", 1)
    return timedelta(seconds=seconds) if seconds > 0 else None


class VirtualClock:
    """A UTC clock for `services.clock`: a set moment plus, when `flowing`, the wall time passed since."""

    def __init__(self, start: datetime | None = None, *, flowing: bool = False) -> None:
        self._at = (start or datetime.now(UTC)).astimezone(UTC)
        self._since = time.monotonic()
        self.flowing = flowing

    def __call__(self) -> datetime:
        if not self.flowing:
            return self._at
        return self._at + timedelta(seconds=time.monotonic() - self._since)

    def set(self, when: datetime) -> None:
        """Stand at `when` (from here the wall time flows on again, when `flowing`)."""
        self._at = when.astimezone(UTC)
        self._since = time.monotonic()


class JobDriver:
    """Fires the app's jobs at the virtual times they fall due, moving the clock to each firing."""

    def __init__(self, jobs: Jobs, clock: VirtualClock) -> None:
        self.jobs = jobs
        self.clock = clock
        self._last: dict[str, datetime] = {}  # job id -> the firing it last ran for

    def _next(self, key: str, schedule: Schedule, now: datetime, min_gap: timedelta) -> datetime | None:
        last = self._last.get(key)
        if last is None:  # a one-off job not run yet: its time (or now, when that is past)
            if isinstance(schedule, At):
                return max(schedule.when, now)
            last = self._last[key] = now  # a job first seen: its firings count from now
            return next_fire(schedule, now)
        following = next_fire(schedule, last)
        return None if following is None else max(following, last + min_gap)

    async def advance(self, until: datetime, *, max_steps: int = MAX_STEPS, hold: frozenset[str] = frozenset()) -> int:
        """Move the clock to `until`, firing every job due on the way in time order (at most `max_steps` runs of
        each job, the rest coalesced; the jobs named in `hold` not at all); returns how many runs were made."""
        start = self.clock()
        until = max(until, start)  # a flowing clock has moved on since `until` was read: run what is due now
        min_gap = (until - start) / max(1, max_steps)
        runs = 0
        while True:
            now = self.clock()
            horizon = max(until, now)  # a flowing clock moves on while the jobs run
            due = [(when, key) for key, schedule in self.jobs.planned().items() if key not in hold
                   and (when := self._next(key, schedule, now, min_gap)) is not None and when <= horizon]
            if not due:
                break
            when, key = min(due)
            when = max(when, now)  # firings missed before now run once, now (coalesced)
            self.clock.set(when)
            self._last[key] = when
            try:
                await self.jobs.fire(key)
            except Exception:  # a job's failure is logged by Jobs; this is for anything that escapes it
                log.exception("job %s failed at %s", key, when)
            runs += 1
        self.clock.set(max(until, self.clock()))
        return runs

    def forget_past(self) -> None:
        """Count every job's next firing from now (after the clock was set directly, e.g. after seeding)."""
        self._last.clear()
