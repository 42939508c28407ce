"""Learning from "would you meet again?" (issue 19), through the console and the store: a met intro its people
would rather not repeat is a weaker success than one they would, and an answer is learned once, with the
"again" it had then (changing it later changes neither a step nor a rebuild after /privacy forget)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cogs.matching.engine.learning import Belief, belief_from_outcomes
from cogs.matching.learner import DEFAULTS, by_step
from core.dispatcher import App
from integrations.console.community import KEY

from .conftest import FakeClock, Opener, cog, join_all, last_reply
from .test_matching_learning_cog import NAMES, feedback_rows, member_id, press

START = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


async def met_and_again(app: App, clock: FakeClock, again: bool | None, first_round_only: bool = False) -> int:
    """Every member of every sent round intro (of the first round only) says "we met" and answers "would you
    meet again?" with `again` (None: skips it), as the check-in's buttons write it."""
    repo = cog(app).repo
    community = await app.community(KEY)
    count = 0
    rounds = sorted(await repo.rounds(community.id), key=lambda r: r.id)
    for rnd in rounds[:1] if first_round_only else rounds:
        for intro in await repo.round_intros(rnd.id, "sent"):
            for m in intro.members:
                await repo.set_feedback(intro.id, m, clock(), answer="yes")
                if again is not None:
                    assert await cog(app).runner.learner.repo.set_again(intro.id, m, again, clock())
                count += 1
    return count


async def learned_with(open_console: Opener, clock: FakeClock, url: str, again: bool | None) -> Belief:
    clock.now = START
    async with open_console(demo=10, url=url) as (app, console):
        await join_all(console, NAMES)
        community = await app.community(KEY)
        await cog(app).runner.run_due(community.id)
        assert await met_and_again(app, clock, again) == 8
        clock.advance(days=7)
        await cog(app).runner.run_due(community.id)  # the next round's step takes the answers in
        belief = await cog(app).runner.learner.belief(community.id)
        assert belief is not None
        return belief


async def test_rather_not_meet_again_is_a_weaker_success(open_console: Opener, clock: FakeClock,
                                                         tmp_path: Path) -> None:
    gladly = await learned_with(open_console, clock, f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", True)
    rather_not = await learned_with(open_console, clock, f"sqlite+aiosqlite:///{tmp_path / 'b.db'}", False)
    skipped = await learned_with(open_console, clock, f"sqlite+aiosqlite:///{tmp_path / 'c.db'}", None)
    assert gladly.observations == rather_not.observations == pytest.approx(4.0)  # the same answers weigh the same
    assert gladly.met == pytest.approx(4.0) and rather_not.met == pytest.approx(2.0)
    assert rather_not.intercept < gladly.intercept  # the base meeting odds learned are lower
    assert skipped.to_json() == gladly.to_json()  # no "again" answer: a plain "we met"


async def test_again_is_learned_once_with_the_value_it_had_then(open_console: Opener, clock: FakeClock) -> None:
    clock.now = START
    async with open_console(demo=10) as (app, console):
        await join_all(console, NAMES)
        community = await app.community(KEY)
        learner = cog(app).runner.learner
        await cog(app).runner.run_due(community.id)
        await met_and_again(app, clock, False)
        clock.advance(days=7)
        await cog(app).runner.run_due(community.id)
        second = (await cog(app).repo.rounds(community.id, limit=1))[0]
        learned = await learner.repo.row(community.id)
        assert learned is not None
        rows = await feedback_rows(app)
        assert {(r.learned_in, r.learned_again) for r in rows} == {(second.id, False)}

        # everyone changes their mind: stored for /match history and insights, but nothing is learned again
        await met_and_again(app, clock, True, first_round_only=True)
        assert {(r.again, r.learned_again) for r in await feedback_rows(app)} == {(True, False)}
        cfg = await app.services.config.get(community.id)
        assert not await learner.step(community.id, second.id + 1, cfg)
        clock.advance(days=7)
        await cog(app).runner.run_due(community.id)
        after = await learner.repo.row(community.id)
        assert after is not None and after.belief == learned.belief and after.version == learned.version

        # a rebuild after /privacy forget replays the "again" each answer was learned with, not today's
        ana = member_id(console, "ana")
        remaining = [o for o in await learner.repo.learned_outcomes(community.id) if o.member_id != ana]
        assert remaining and all(o.again is False for o in remaining)
        await console.handle("/as ana")
        await console.handle("/privacy forget")
        await press(console, "Yes, erase me")
        assert "Everything about you is erased" in last_reply(console)
        rebuilt = await learner.repo.row(community.id)
        assert rebuilt is not None and rebuilt.version == learned.version + 1
        assert rebuilt.belief == belief_from_outcomes(by_step(remaining), DEFAULTS).to_json()
        belief = Belief.from_json(rebuilt.belief)
        assert belief.met == pytest.approx(belief.observations / 2)  # still "rather not", as learned
