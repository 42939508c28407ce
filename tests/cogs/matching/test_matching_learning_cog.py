"""Learning what works, end to end through the console: "would you meet again?" after "yes, we met", the
mentoring check-in, one learning step per round (also with two processes and on retries), learning off means
the default options, /privacy forget takes a member's answers out of the belief, and /match insights for
moderators only, without names."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
import sqlalchemy as sa

from cogs.matching.engine import History, MatchOptions, Member, ScoringContext, explain_group, render
from cogs.matching.engine.learning import (
    COMPONENTS,
    Belief,
    belief_from_outcomes,
    explore_members_for,
    learned_options,
    prior_belief,
)
from cogs.matching.learner import DEFAULTS, by_step
from cogs.matching.people import options_for
from cogs.matching.tables import matching_feedback, matching_intros, matching_learning
from core.dispatcher import App
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity

from .conftest import FakeClock, Opener, cog, join_all, last_reply, mentoring, sent

NAMES = ["ana", "ben", "chen", "dara", "eli", "fatima", "gus", "hana"]


async def press(console: ConsoleCommunity, label: str) -> None:
    """Press the button on offer (the latest one) whose label contains `label`."""
    labels = [c.label for c in console.screen.choices]
    found = [i for i, text in enumerate(labels, 1) if label in text]
    assert found, f"no button {label!r} in {labels}"
    await console.handle(str(found[-1]))


def member_id(console: ConsoleCommunity, name: str) -> int:
    found = console.by_name(name)
    assert found is not None
    return found.ref.id


async def feedback_rows(app: App) -> list[sa.Row]:
    async with app.services.store.read() as conn:
        return list(await conn.execute(sa.select(matching_feedback).order_by(matching_feedback.c.member_id)))


async def learning_row(app: App) -> sa.Row | None:
    async with app.services.store.read() as conn:
        return (await conn.execute(sa.select(matching_learning))).first()


async def answer_all(app: App, console: ConsoleCommunity, clock: FakeClock, *, met_if: str = "even") -> int:
    """Every member of every sent round intro answers (the check-in's answer, written as its button does):
    pairs whose lowest member id is even met, the others did not. Returns the answers written."""
    repo = cog(app).repo
    community = await app.community(KEY)
    count = 0
    for rnd in await repo.rounds(community.id):
        for intro in await repo.round_intros(rnd.id, "sent"):
            met = min(intro.members) % 2 == 0 if met_if == "even" else met_if == "yes"
            for m in intro.members:
                if intro.feedback.get(m) in ("yes", "no"):
                    continue
                await repo.set_feedback(intro.id, m, clock(), answer="yes" if met else "no")
                count += 1
    return count


async def test_would_meet_again_is_asked_after_yes_and_recorded_once(open_console: Opener, clock: FakeClock) -> None:
    async with open_console(demo=4) as (app, console):
        await join_all(console, ["ana", "ben"])
        await console.handle("/match run-now")
        clock.advance(days=4)
        await cog(app).tick()
        ana = console.by_name("ana")
        assert ana is not None
        [checkin] = sent(console, "dm", ana.ref.user_id)
        await console.handle("/as ana")
        console.screen.message("check-in", checkin)
        await press(console, "Yes, we met")
        reply = last_reply(console)
        assert "Great, thanks" in reply and "Would you meet ben again? (optional)" in reply
        await press(console, "Yes, gladly")
        assert "Thanks, noted." in last_reply(console)
        await press(console, "Yes, gladly")  # a second press changes nothing
        rows = await feedback_rows(app)
        assert [(r.answer, r.again) for r in rows] == [("yes", True)]
        await press(console, "Rather not")  # the member may change their mind: still one answer
        rows = await feedback_rows(app)
        assert [(r.answer, r.again) for r in rows] == [("yes", False)]
        await console.handle("/match history")
        assert "ben — you met, you would rather not meet again" in last_reply(console)

        # ben skips the question: nothing is stored; ana's answer is not shown to him
        await console.handle("/as ben")
        console.screen.message("check-in", checkin)
        await press(console, "Yes, we met")
        await press(console, "Skip")
        assert "No problem." in last_reply(console)
        rows = await feedback_rows(app)
        assert {r.member_id: (r.answer, r.again) for r in rows} == {ana.ref.id: ("yes", False),
                                                                    member_id(console, "ben"): ("yes", None)}
        await console.handle("/match history")
        assert "ana — you met" in last_reply(console) and "again" not in last_reply(console)
        # only members of the intro may answer
        await console.handle("/as chen")
        console.screen.message("check-in", checkin)
        await press(console, "Yes, we met")
        assert "not for you" in last_reply(console)
        # "not yet" asks nothing more, and takes back a "meet again"
        await console.handle("/as ana")
        console.screen.message("check-in", checkin)
        await press(console, "Not yet")
        assert "Would you meet" not in last_reply(console)
        rows = await feedback_rows(app)
        assert [(r.answer, r.again) for r in rows if r.member_id == ana.ref.id] == [("later", None)]


async def test_mentoring_asks_once_whether_sessions_started(open_console: Opener, clock: FakeClock) -> None:
    async with open_console(demo=4) as (app, console):
        await console.handle("/as ana")
        await console.handle("/mentor offer topics:rust")
        await console.handle("/as ben")
        await console.handle("/mentor request topic:rust")
        await console.handle("/as ana")
        await console.handle("/mentor status")
        await press(console, "Accept ben")
        assert "I have introduced you to ben" in last_reply(console)
        ana, ben = console.by_name("ana"), console.by_name("ben")
        assert ana is not None and ben is not None
        clock.advance(days=13)
        await cog(app).tick()
        assert sent(console, "dm", ben.ref.user_id) == []
        clock.advance(days=2)
        await cog(app).tick()
        await cog(app).tick()
        [asked] = sent(console, "dm", ben.ref.user_id)
        assert "Have your mentoring sessions with ana started?" in asked.text
        assert len([m for m in sent(console, "dm", ana.ref.user_id) if "mentoring sessions" in m.text]) == 1
        await console.handle("/as ben")
        console.screen.message("check-in", asked)
        await press(console, "Yes, we have met")
        assert "Great, thanks" in last_reply(console) and "again" not in last_reply(console)
        rows = await feedback_rows(app)
        assert [(r.member_id, r.answer) for r in rows] == [(ben.ref.id, "yes")]
        assert mentoring(app).name == "mentor"


async def test_intros_keep_their_components_and_rounds_learn_once(open_console: Opener, clock: FakeClock,
                                                                  store_url) -> None:  # type: ignore[no-untyped-def]
    url, connect_args = store_url
    async with open_console(demo=10, url=url, connect_args=connect_args) as (app, console):
        await join_all(console, NAMES)
        community = await app.community(KEY)
        await cog(app).runner.run_due(community.id)
        async with app.services.store.read() as conn:
            comps = [r.components for r in await conn.execute(sa.select(matching_intros))]
        assert len(comps) == 4 and all(set(c) == set(COMPONENTS) for c in comps)
        assert await learning_row(app) is None  # nothing answered yet: nothing learned
        answered = await answer_all(app, console, clock)
        assert answered == 8

        clock.advance(days=7)
        async with open_console(url=url, connect_args=connect_args) as (app2, _console2):
            runs = await asyncio.gather(cog(app).runner.run_due(community.id),
                                        cog(app2).runner.run_due(community.id))
        assert sum(len(r) for r in runs) == 1
        row = await learning_row(app)
        assert row is not None and row.version == 1
        second = (await cog(app).repo.rounds(community.id, limit=1))[0]
        assert row.updated_round == second.id
        assert {r.learned_in for r in await feedback_rows(app)} == {second.id}
        belief = Belief.from_json(row.belief)
        assert belief.rounds == 1 and belief.observations == pytest.approx(4.0)  # 8 answers, half a pair each

        # the same round again (a retry after a crash) and a step without new answers change nothing
        cfg = await app.services.config.get(community.id)
        assert not await cog(app).runner.learner.step(community.id, second.id, cfg)
        assert not await cog(app).runner.learner.step(community.id, second.id + 1, cfg)
        after = await learning_row(app)
        assert after is not None and after.version == 1


async def test_a_step_lost_to_another_process_keeps_nothing(open_console: Opener, store_url) -> None:  # type: ignore[no-untyped-def]
    """The compare-and-set of the store: two steps from the same belief, one wins, the other leaves no mark."""
    url, connect_args = store_url
    async with open_console(url=url, connect_args=connect_args) as (app, _console):
        learner = cog(app).runner.learner
        community = await app.community(KEY)
        now = app.services.clock()
        prior = prior_belief(DEFAULTS).to_json()
        results = await asyncio.gather(*(learner.repo.save_step(community.id, None, prior, 5, [], now)
                                         for _ in range(3)))
        assert sorted(results) == [False, False, True]
        row = await learner.repo.row(community.id)
        assert row is not None and row.version == 1
        results = await asyncio.gather(*(learner.repo.save_step(community.id, row, prior, 6, [], now)
                                         for _ in range(3)))
        assert sorted(results) == [False, False, True]
        assert not await learner.repo.save_rebuild(row, prior, now)  # built on a belief that has moved on
        latest = await learner.repo.row(community.id)
        assert latest is not None and latest.version == 2 and latest.updated_round == 6


async def test_learning_off_plans_with_the_default_options(open_console: Opener, clock: FakeClock) -> None:
    async with open_console(demo=10) as (app, console):
        await join_all(console, NAMES)
        community = await app.community(KEY)
        await cog(app).runner.run_due(community.id)
        await answer_all(app, console, clock)
        clock.advance(days=7)
        await cog(app).runner.run_due(community.id)
        learner = cog(app).runner.learner
        cfg = await app.services.config.get(community.id)
        base = options_for(cfg, clock(), "salt")
        learned = await learner.options(community.id, cfg, base)
        assert learned != base and learned.explore_members == pytest.approx(explore_members_for(0.1))

        await console.handle("/config set matching.learning off")
        cfg = await app.services.config.get(community.id)
        assert cfg.matching.learning is False
        assert await learner.options(community.id, cfg, base) is base
        assert await learning_row(app) is not None  # kept, only not used
        await console.handle("/config set matching.explore_share 0.5")
        assert "0.3" in last_reply(console)
        assert (await app.services.config.get(community.id)).matching.explore_share == pytest.approx(0.1)


async def test_forget_takes_a_members_answers_out_of_the_belief(open_console: Opener, clock: FakeClock) -> None:
    async with open_console(demo=10) as (app, console):
        await join_all(console, NAMES)
        community = await app.community(KEY)
        for _week in range(2):
            await cog(app).runner.run_due(community.id)
            await answer_all(app, console, clock)
            clock.advance(days=7)
        await cog(app).runner.run_due(community.id)  # learns from both weeks' answers... in one step
        learner = cog(app).runner.learner
        before = await learner.repo.row(community.id)
        assert before is not None
        ana = member_id(console, "ana")
        remaining = [o for o in await learner.repo.learned_outcomes(community.id) if o.member_id != ana]

        await console.handle("/as ana")
        await console.handle("/privacy forget")
        await press(console, "Yes, erase me")  # /privacy forget calls every cog's forget_member
        assert "Everything about you is erased" in last_reply(console)
        assert all(r.member_id != ana for r in await feedback_rows(app))
        after = await learner.repo.row(community.id)
        assert after is not None and after.version == before.version + 1  # rebuilt once
        assert after.belief != before.belief
        assert after.belief == belief_from_outcomes(by_step(remaining), DEFAULTS).to_json()


async def test_insights_for_moderators_only_and_without_names(open_console: Opener, clock: FakeClock) -> None:
    async with open_console(demo=10) as (app, console):
        await join_all(console, NAMES)
        await console.handle("/match insights")
        reply = last_reply(console)
        assert "Still learning: 0 answered intros so far; rounds use the default weights." in reply
        assert "Learning: on" in reply and "Exploration: 10% of each round" in reply
        files = [f for _k, _t, m in console.outbox.sent for f in m.files]
        assert files and files[-1].data.startswith(b"\x89PNG") and files[-1].filename == "match-insights.png"

        community = await app.community(KEY)
        for _week in range(3):
            await cog(app).runner.run_due(community.id)
            await answer_all(app, console, clock)
            clock.advance(days=7)
        await cog(app).runner.run_due(community.id)
        await console.handle("/match insights")
        reply = last_reply(console)
        assert "What predicts a meeting here:" in reply and "Shared topics:" in reply and "intros;" in reply
        assert "Answered intros: 12" in reply and "Met:" in reply
        assert not any(name in reply.lower().split() for name in NAMES)
        await console.handle("/as ana")
        await console.handle("/match insights")
        assert "Only a moderator" in last_reply(console)

        await console.handle("/as admin")
        await console.handle("/config set community.language de")
        await console.handle("/match insights")
        reply = last_reply(console)
        assert "Gemeinsame Themen:" in reply and "Beantwortete Vorstellungen: 12" in reply


def test_learned_weights_keep_reasons_natural() -> None:
    """A component the community's answers say nothing for (a weight at or below 0) is not given as a reason;
    the rest of the sentence reads as before."""
    belief = prior_belief(DEFAULTS)
    weights = tuple(-0.5 if c == "topics" else w for c, w in zip(COMPONENTS, belief.weights, strict=True))
    learned = replace(belief, weights=weights, rounds=1)
    base = MatchOptions()
    options = learned_options(base, learned, explore_share=0.0)
    assert options.weights.topic == -0.5 and options.weights.complement == base.weights.complement
    a = Member(1, "Ana", role="developer", topics=("rust",), offers=("go",))
    b = Member(2, "Ben", role="developer", topics=("rust",), wants=("go",))
    before = render(explain_group([a, b], ScoringContext(History(), base)))
    after = render(explain_group([a, b], ScoringContext(History(), options)))
    assert before.startswith("You both work on rust; Ana offers go")
    assert after.startswith("Ana offers go, which Ben wants to learn; you are both developer")
    assert after.endswith(".") and "rust" not in after


def test_each_answer_is_half_a_pair() -> None:
    from cogs.matching.learner import ANSWER_WEIGHT, to_outcomes
    from cogs.matching.store.learning import OutcomeRow

    rows = [OutcomeRow(1, 10, True, {"topics": 2.0}, None), OutcomeRow(1, 11, False, {}, None)]
    outcomes = to_outcomes(rows)
    assert [o.weight for o in outcomes] == [ANSWER_WEIGHT, ANSWER_WEIGHT] == [0.5, 0.5]
    assert outcomes[0].components[COMPONENTS.index("topics")] == 2.0 and sum(outcomes[1].components) == 0.0
