"""Passing welcome steps on to the other features (the engagement log), as typed events (core/events.py).

The welcome tables stay the source of truth for the onboarding funnel (`/welcome status`); welcome emits the steps
other features may care about, and the engagement log, when it runs, records them (cogs/engagement/from_features.py)
so that retention of welcomed and buddied newcomers can be compared with everyone else:

- a greeting -> `NewcomerGreeted` (via "dm" or "channel"; with the buddy when one was assigned with it)
- "Set up my profile" pressed -> `ProfileStarted` (source "welcome"), once per newcomer
- a buddy assigned -> `BuddyAssigned` (with the greeting, or later with "Find me a buddy"), after the buddy
  intro's `IntroSent` for both

A saved profile is not forwarded: the engagement log records `profile_completed` from the profile event itself.
Whoever listens, or fails to, onboarding goes on.
"""

from __future__ import annotations

PROFILE_STARTED_LABEL = "welcome"  # where a `profile_started` event came from: the greeting's button
