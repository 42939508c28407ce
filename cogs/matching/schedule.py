"""When rounds happen: fire times from a community's settings, and the period key that makes a round unique.

A community's rounds fire weekly at its day and hour in its time zone; the cadence decides the *period*:
a weekly round per ISO week, a biweekly one per pair of ISO weeks, a monthly one per calendar month. The
first firing inside a period runs the round and the store's unique (community, group, period) key turns every
later firing, restart or second process into a no-op. A round missed while the bot was down runs at start-up
when its firing is at most `grace_hours` old. Pure functions: plain values in, plain values out.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
PERIOD_DAYS = {"weekly": 7, "biweekly": 14, "monthly": 28}
MIN_GAP_DAYS = {"weekly": 0, "biweekly": 13, "monthly": 27}


def _fire_on(day: datetime, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day.date(), time(hour), tzinfo=zone)


def last_fire(now: datetime, day: str, hour: int, tz: str) -> datetime:
    """The latest scheduled firing at or before `now` (aware, in the community's zone)."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    back = (local.weekday() - DAYS[day]) % 7
    fire = _fire_on(local - timedelta(days=back), hour, zone)
    if fire > local:
        fire = _fire_on(local - timedelta(days=back + 7), hour, zone)
    return fire


def next_fire(now: datetime, day: str, hour: int, tz: str) -> datetime:
    """The first scheduled firing strictly after `now`."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    ahead = (DAYS[day] - local.weekday()) % 7
    fire = _fire_on(local + timedelta(days=ahead), hour, zone)
    if fire <= local:
        fire = _fire_on(local + timedelta(days=ahead + 7), hour, zone)
    return fire


def period_key(when: datetime, cadence: str, tz: str) -> str:
    """The period a firing belongs to: "2026-W10" (weekly), "2026-B05" (biweekly), "2026-03" (monthly)."""
    local = when.astimezone(ZoneInfo(tz))
    year, week, _ = local.isocalendar()
    if cadence == "monthly":
        return f"{local.year}-{local.month:02d}"
    if cadence == "biweekly":
        return f"{year}-B{(week + 1) // 2:02d}"
    return f"{year}-W{week:02d}"


def member_due(cadence: str, last_round_at: datetime | None, now: datetime) -> bool:
    """A member's own cadence: biweekly and monthly members sit out rounds until enough time has passed."""
    if last_round_at is None:
        return True
    return now - last_round_at >= timedelta(days=MIN_GAP_DAYS.get(cadence, 0))


def checkin_at(start: datetime, cadence: str) -> datetime:
    """Halfway through the period: time to ask "did you meet?"."""
    return start + timedelta(days=PERIOD_DAYS.get(cadence, 7) / 2)
