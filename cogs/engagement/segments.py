"""Ready-made segments a moderator can list and export. Pure functions over per-member facts.

- new_active: joined in the last 30 days and active in the last 7.
- recently_inactive: was in the top quarter by activity, then went quiet 7 to 28 days ago.
- at_risk: newcomers who, 7 days after joining, have no profile, no message and no match.
- top_helpers: most thanks received.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from core.i18n import N_

SEGMENTS: dict[str, str] = {
    "new_active": N_("New and active: joined in the last 30 days, active this week"),
    "recently_inactive": N_("Recently inactive: was in the top quarter, quiet for 7 to 28 days"),
    "at_risk": N_("Newcomers at risk: no profile, message or match after 7 days"),
    "top_helpers": N_("Top helpers: most thanks received"),
}


def segment_id(text: str, translate: Callable[[str], str] | None = None) -> str | None:
    """The segment a person means: its id ("at_risk", "at risk", "at-risk") or its name as `/segment list` and
    the README show it ("newcomers at risk", "Top helpers"), in English or in the person's language."""
    def key(s: str) -> str:
        return " ".join(s.replace("_", " ").replace("-", " ").casefold().split())

    wanted = key(text)
    for seg, description in SEGMENTS.items():
        names = {key(seg), key(description.partition(":")[0])}
        if translate is not None:
            names.add(key(translate(description).partition(":")[0]))
        if wanted in names:
            return seg
    return None


def new_active(
    joined: Mapping[int, datetime], last_active: Mapping[int, datetime], now: datetime,
    *, joined_within: int = 30, active_within: int = 7,
) -> list[int]:
    since_join = now - timedelta(days=joined_within)
    since_active = now - timedelta(days=active_within)
    found = [m for m, j in joined.items() if j >= since_join and last_active.get(m, datetime.min.replace(
        tzinfo=now.tzinfo)) >= since_active]
    return sorted(found, key=lambda m: last_active[m], reverse=True)


def top_quarter(scores: Mapping[int, float]) -> set[int]:
    """Members whose score is in the top 25% of those with any activity (at least one member if any)."""
    positive = sorted((s for s in scores.values() if s > 0), reverse=True)
    if not positive:
        return set()
    cut = positive[max(len(positive) // 4, 1) - 1]
    return {m for m, s in scores.items() if s >= cut and s > 0}


def recently_inactive(
    scores_before: Mapping[int, float], last_active: Mapping[int, datetime], now: datetime,
    *, quiet_from: int = 7, quiet_to: int = 28,
) -> list[int]:
    """`scores_before` are activity scores from before the quiet window (e.g. days 90..7 ago)."""
    lo, hi = now - timedelta(days=quiet_to), now - timedelta(days=quiet_from)
    tops = top_quarter(scores_before)
    found = [m for m in tops if m in last_active and lo <= last_active[m] <= hi]
    return sorted(found, key=lambda m: -scores_before[m])


def at_risk(
    joined: Mapping[int, datetime], now: datetime, *, has_profile: set[int], messaged: set[int],
    matched: set[int], after_days: int = 7, newcomer_days: int = 60,
) -> list[int]:
    lo, hi = now - timedelta(days=newcomer_days), now - timedelta(days=after_days)
    found = [m for m, j in joined.items() if lo <= j <= hi and m not in has_profile and m not in messaged
             and m not in matched]
    return sorted(found, key=lambda m: joined[m])


def top_helpers(thanks_received: Mapping[int, int], limit: int = 25) -> list[int]:
    ranked = sorted((m for m, n in thanks_received.items() if n > 0), key=lambda m: (-thanks_received[m], m))
    return ranked[:limit]
