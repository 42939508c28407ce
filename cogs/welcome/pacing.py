"""How fast greetings go out, and what counts as an inactive newcomer: small pure rules with their constants.

A burst of joins (a conference link, a raid) must not become a burst of pings in the welcome channel: greetings
that are due are handled together (never before their delay is over), the channel gets at most one greeting post
per `CHANNEL_GAP` naming at most `CHANNEL_BATCH` newcomers, and the rest wait for the next post. DMs go to each
newcomer individually (one DM pings only its reader).

Every outbound welcome step waits for its turn in the `greetings` background lane (core/background.py): after the
interactions being answered, and at most `GREETINGS_PER_SECOND`. On Discord a greeting takes one or two requests
(opening the DM channel, the message), so greetings stay well below the bot's global limit of 50 requests per
second and leave room for everything else the bot sends; a raid delays greetings, never answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

GREETINGS_PER_SECOND = 20.0  # outbound welcome steps (a DM, a post, an intro) per second, all communities together
GREETING_BURST = 20  # steps at once after a quiet spell
GREET_CHUNK = 50  # due greetings claimed at a time (claimed and not yet sent = lost in a crash, so keep it small)
CHANNEL_GAP = timedelta(seconds=30)  # at most one channel greeting post per community in this time
CHANNEL_BATCH = 20  # newcomers named in one channel post
MAX_LATE = timedelta(hours=24)  # a greeting this overdue (bot was down) is skipped, not sent a day late
STUCK_AFTER = timedelta(minutes=10)  # a step claimed this long ago and not finished was cut off by a crash
DRIP_GRACE = timedelta(days=4)  # a drip step missed by more than this is skipped (e.g. a step switched on later)
LOAD_WINDOW = timedelta(days=30)  # a buddy looks after a newcomer for this long (counts towards capacity)
WORK_WINDOW = timedelta(days=120)  # newcomers older than this are left alone by the drip
DRIP_EVERY = timedelta(seconds=60)  # how often the background loop checks the drip
POLL = 60.0  # longest sleep of the background loop, in seconds
MIN_WAIT = 0.2


def channel_ready(last_post: datetime | None, now: datetime, gap: timedelta = CHANNEL_GAP) -> bool:
    """Whether the community's welcome channel may get another greeting post now."""
    return last_post is None or now - last_post >= gap


def seconds_until(when: datetime | None, now: datetime) -> float:
    """Seconds from `now` until `when`, clamped to the loop's bounds (`POLL` when nothing is waiting)."""
    if when is None:
        return POLL
    return min(POLL, max(MIN_WAIT, (when - now).total_seconds()))


def drip_window(now: datetime, day: int) -> tuple[datetime, datetime]:
    """Newcomers who started in (after, before] are due for the step of day `day`."""
    before = now - timedelta(days=day)
    return before, before - DRIP_GRACE


@dataclass(frozen=True, slots=True)
class Activity:
    """What a newcomer has done so far."""

    has_profile: bool
    posted: bool
    matched: bool

    @property
    def inactive(self) -> bool:
        """Still inactive means none of: a profile, a message, a match (a buddy who said hello counts)."""
        return not (self.has_profile or self.posted or self.matched)

    def missing(self) -> list[str]:
        """Keys of what is missing, for the moderators' digest."""
        out = []
        if not self.has_profile:
            out.append("profile")
        if not self.posted:
            out.append("message")
        if not self.matched:
            out.append("match")
        return out
