"""The demo's plan (integrations/console/demo.py) for any size and seed: reproducible, every feature present,
and a history that makes sense (nobody acts before joining or after leaving)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.console.demo import HISTORY_DAYS, demo_lives, demo_members
from integrations.console.history import timeline


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 120), seed=st.integers(0, 10_000))
def test_the_plan_is_reproducible_and_coherent(n: int, seed: int) -> None:
    members = demo_members(n, seed)
    lives = demo_lives(members, seed)
    assert lives == demo_lives(demo_members(n, seed), seed)
    assert [life.member for life in lives] == members  # the facets of a seed stay what they were
    assert any(life.greeter for life in lives) and any(life.mentor_topics for life in lives)
    for life in lives:
        assert 0 < life.joined <= HISTORY_DAYS
        for later in (life.quiet_from, life.left, life.rounds_from, life.mentee_from):
            assert later is None or 0 <= later <= life.joined
        assert not (life.left is not None and (life.greeter or life.mentor_topics))
    end = datetime(2026, 3, 3, tzinfo=UTC)
    steps = timeline(lives, end, random.Random(seed))
    assert steps == sorted(steps) and all(s.at <= end for s in steps)
    joined_at = {s.who: s.at for s in steps if s.kind == "join"}
    left_at = {s.who: s.at for s in steps if s.kind == "leave"}
    quiet_at = {s.who: s.at for s in steps if s.kind == "quiet"}
    for s in steps:
        assert s.at >= joined_at[s.who]
        if s.kind in ("message", "react", "thanks"):
            assert s.at <= min(left_at.get(s.who, end), quiet_at.get(s.who, end))
