"""Waking-hour overlap between time zones.

Two people can meet when both are awake; we model "awake" as a local window (08:00-21:00 by default) on a
reference date, place it on the UTC circle with zoneinfo (so daylight-saving time is right for that date)
and measure how many minutes the two arcs share.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY = 1440


@lru_cache(maxsize=4096)
def valid_zone(name: str | None, default: str = "UTC") -> str:
    """The zone name if zoneinfo knows it, else `default` (engine input must never crash a round)."""
    if not name:
        return default
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return default
    return name


@lru_cache(maxsize=8192)
def waking_window(zone: str, ref: date, start_hour: int, end_hour: int) -> tuple[int, int]:
    """(start minute on the UTC day circle, length in minutes) of the local waking window on `ref`."""
    tz = ZoneInfo(zone)
    start = datetime.combine(ref, time(start_hour), tzinfo=tz)
    end = (
        datetime.combine(ref, time(end_hour), tzinfo=tz)
        if end_hour < 24
        else datetime.combine(ref + timedelta(days=1), time(0), tzinfo=tz)
    )
    midnight = datetime.combine(ref, time(0), tzinfo=UTC)
    offset = int((start - midnight).total_seconds() // 60)
    length = int((end - start).total_seconds() // 60)
    return offset % DAY, max(0, min(length, DAY))


def utc_offset_minutes(zone: str, ref: date) -> int:
    """The zone's UTC offset at noon on `ref`, used to sort members east to west."""
    noon = datetime.combine(ref, time(12), tzinfo=ZoneInfo(zone))
    delta = noon.utcoffset()
    return int(delta.total_seconds() // 60) if delta is not None else 0


def arc_overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Minutes shared by two arcs on the 24-hour circle (an arc may wrap past midnight)."""
    s1, l1 = a
    s2, l2 = b
    total = 0
    for shift in (-DAY, 0, DAY):
        lo = max(s1, s2 + shift)
        hi = min(s1 + l1, s2 + shift + l2)
        if hi > lo:
            total += hi - lo
    return min(total, l1, l2)


@lru_cache(maxsize=65536)
def overlap_minutes(zone_a: str, zone_b: str, ref: date, start_hour: int, end_hour: int) -> int:
    """Waking minutes two zones share on `ref`."""
    return arc_overlap(
        waking_window(zone_a, ref, start_hour, end_hour), waking_window(zone_b, ref, start_hour, end_hour)
    )


@lru_cache(maxsize=8192)
def _window_bits(zone: str, ref: date, start_hour: int, end_hour: int) -> int:
    """The waking window as a 1440-bit mask, one bit per minute of the UTC day (wrapping past midnight)."""
    start, length = waking_window(zone, ref, start_hour, end_hour)
    bits = ((1 << length) - 1) << start
    return (bits | (bits >> DAY)) & ((1 << DAY) - 1)


def group_overlap_minutes(zones: Sequence[str], ref: date, start_hour: int, end_hour: int) -> int:
    """Waking minutes *everyone* in `zones` shares on `ref`. For a trio this can be less than the smallest
    pairwise overlap (three windows may overlap two by two and still have no minute in common), and the
    intro's reason and its suggested times must agree."""
    unique = sorted(set(zones))
    if len(unique) <= 2:
        a, b = (unique * 2)[:2] if unique else ("UTC", "UTC")
        return overlap_minutes(a, b, ref, start_hour, end_hour)
    shared = (1 << DAY) - 1
    for z in unique:
        shared &= _window_bits(z, ref, start_hour, end_hour)
    return shared.bit_count()


def common_slots(
    zones: list[str], ref: date, start_hour: int, end_hour: int, count: int = 3, step_minutes: int = 60
) -> list[datetime]:
    """Up to `count` UTC start times on `ref`, every `step_minutes`, when everyone in `zones` is awake for
    an hour, spread over the shared window so the group can pick; full hours are preferred when there are
    any. Empty when there is no shared hour."""
    windows = [waking_window(z, ref, start_hour, end_hour) for z in zones]
    good: list[int] = []
    for minute in range(0, DAY, step_minutes):
        # A one-hour meeting starting at `minute` must fit everybody's window.
        if all(arc_overlap((minute, 60), w) >= 60 for w in windows):
            good.append(minute)
    if not good:
        return []
    good = [m for m in good if m % 60 == 0] or good
    if len(good) > count:
        picks = [good[round(i * (len(good) - 1) / (count - 1))] for i in range(count)] if count > 1 else [good[0]]
    else:
        picks = good
    base = datetime.combine(ref, time(0), tzinfo=UTC)
    return [base + timedelta(minutes=m) for m in sorted(set(picks))]


WORKING_DAYS = frozenset(range(5))  # Monday to Friday (datetime.weekday)


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def fits_working_hours(start: datetime, zone: str, start_hour: int, end_hour: int, minutes: int = 60) -> bool:
    """Whether a meeting of `minutes` from `start` lies inside the zone's waking window on one of its
    working days (Monday to Friday local time: a Sunday morning is nobody's meeting slot)."""
    tz = _zone(zone)
    begin = start.astimezone(tz)
    end = (start + timedelta(minutes=minutes)).astimezone(tz)
    if begin.weekday() not in WORKING_DAYS or begin.hour < start_hour:
        return False
    local_end = end.hour * 60 + end.minute
    if end.date() == begin.date():
        return local_end <= end_hour * 60
    return end_hour >= 24 and end.date() == begin.date() + timedelta(days=1) and local_end == 0


def working_slots(
    zones: Sequence[str], after: datetime, start_hour: int, end_hour: int, *, count: int = 3,
    step_minutes: int = 15, days: int = 14, minutes: int = 60,
) -> list[datetime]:
    """Up to `count` UTC start times after `after`, one per day, when a meeting of `minutes` falls on a working
    day inside every zone's waking hours, each in the middle of that day's shared window (so nobody gets the
    edge of their day) and on a full local hour for as many people as can have one.

    Time zones a day apart (Kiritimati and Honolulu share a clock but not a date) and half- or quarter-hour
    offsets are handled: every candidate instant is checked in each person's own calendar. Empty when no
    working-day hour is shared within `days`."""
    unique = sorted(set(zones)) or ["UTC"]
    step = max(1, step_minutes)
    base = after.astimezone(UTC).replace(second=0, microsecond=0)
    skip = -(base.minute % step) % step
    first = base + timedelta(minutes=skip)
    if first < after:
        first += timedelta(minutes=step)
    days_found: dict[date, list[datetime]] = {}
    anchor = _zone(unique[0])
    for k in range(days * DAY // step):
        at = first + timedelta(minutes=k * step)
        if all(fits_working_hours(at, z, start_hour, end_hour, minutes) for z in unique):
            days_found.setdefault(at.astimezone(anchor).date(), []).append(at)
            if len(days_found) > count:
                break
    picks: list[datetime] = []
    for day in sorted(days_found)[:count]:
        found = days_found[day]
        best = max(sum(t.astimezone(_zone(z)).minute == 0 for z in unique) for t in found)
        full = [t for t in found if sum(t.astimezone(_zone(z)).minute == 0 for z in unique) == best]
        picks.append(full[(len(full) - 1) // 2])
    return picks
