"""Learning from check-ins: the prior is the defaults, each update moves the weights a bounded amount, few
outcomes move them little, learning off changes nothing, exploration touches about its share of members and
keeps every hard rule, beliefs survive JSON (also from other versions), and forgetting is a rebuild."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogs.matching.engine import (
    COMPONENTS,
    Belief,
    History,
    MatchOptions,
    Outcome,
    ScoringContext,
    Weights,
    belief_from_outcomes,
    features,
    group_outcomes,
    insights,
    learned_options,
    learned_weights,
    pair_components,
    pair_round,
    pair_score,
    prior_belief,
    score,
    update_belief,
    violation,
)
from cogs.matching.engine.encode import encode
from cogs.matching.engine.explore import explored_mask, is_explored
from cogs.matching.engine.learning import FIELDS, WEIGHT_RANGE, default_vector, explore_members_for
from cogs.matching.engine.score import score_ceiling, soft_floor
from cogs.matching.engine.vector import score_pairs

from .engine_data import members, options, random_history

K = len(COMPONENTS)
DEFAULTS = Weights()


def hidden_outcomes(n: int, seed: int) -> list[Outcome]:
    """Outcomes where time-zone overlap and newcomer-with-regular decide, topics barely matter."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x = [float(rng.integers(0, 4)), float(rng.integers(0, 3)), float(rng.integers(0, 2)), float(rng.integers(0, 2)),
             float(rng.random()), 1.0, float(rng.random()), float(rng.random())]
        logit = -1.5 + 3.0 * x[4] + 3.0 * x[6] + 0.05 * x[0]
        out.append(Outcome(tuple(x), bool(rng.random() < 1 / (1 + math.exp(-logit)))))
    return out


def test_prior_only_belief_gives_the_defaults_exactly() -> None:
    for defaults in (DEFAULTS, Weights(topic=2.0, timezone=0.1, newcomer=0.0)):
        belief = prior_belief(defaults)
        assert learned_weights(belief, defaults) == defaults
        assert belief.weights == default_vector(defaults)
        assert update_belief(belief, [], defaults) == belief  # no outcomes: nothing changes
        opts = learned_options(MatchOptions(weights=defaults), belief, explore_share=0.0, seed=1)
        assert opts.weights == defaults and opts.explore_weights is None


def test_learning_off_returns_the_options_unchanged() -> None:
    opts = options(group_size=3, prefer_cross_team=True)
    assert learned_options(opts, None, explore_share=0.3, seed=5) is opts


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(1, 400), st.floats(0.05, 1.5))
def test_each_update_moves_each_weight_a_bounded_amount(seed: int, n: int, step: float) -> None:
    before = update_belief(prior_belief(DEFAULTS), hidden_outcomes(50, seed + 1), DEFAULTS, max_step=step)
    after = update_belief(before, hidden_outcomes(n, seed), DEFAULTS, max_step=step)
    low, high = WEIGHT_RANGE
    old, new = learned_weights(before, DEFAULTS), learned_weights(after, DEFAULTS)
    for c in COMPONENTS:
        a, b = getattr(old, FIELDS[c]), getattr(new, FIELDS[c])
        assert abs(b - a) <= step + 1e-9
        assert low <= b <= high
    # Everything that is not a component is never learned.
    for name in ("base", "history", "history_decay", "floor", "topic_cap", "complement_cap", "profile_full"):
        assert getattr(new, name) == getattr(DEFAULTS, name)


def test_few_outcomes_move_little_many_move_more() -> None:
    data = hidden_outcomes(2000, seed=3)
    prior = prior_belief(DEFAULTS)
    moved = []
    for n in (10, 100, 2000):
        b = update_belief(prior, data[:n], DEFAULTS, max_step=100.0)
        moved.append(float(np.abs(np.array(b.mean) - np.array(default_vector(DEFAULTS))).sum()))
    assert moved[0] < moved[1] < moved[2]
    assert moved[0] < 1.0
    strong = update_belief(prior, data, DEFAULTS, max_step=100.0)
    i = {c: k for k, c in enumerate(COMPONENTS)}
    assert strong.mean[i["timezone"]] > 3.0 and strong.mean[i["newcomer"]] > 3.0  # truth: 6 points each
    assert strong.mean[i["topics"]] < 0.5  # truth: 0.1, default 1.0
    # The posterior narrows with data.
    assert np.trace(np.array(strong.covariance)) < np.trace(np.array(prior.covariance)) / 4


def test_outcome_weights_count_and_zero_weight_is_ignored() -> None:
    data = hidden_outcomes(200, seed=8)
    prior = prior_belief(DEFAULTS)
    half = update_belief(prior, [replace(o, weight=0.5) for o in data], DEFAULTS)
    full = update_belief(prior, data, DEFAULTS)
    assert half.observations == pytest.approx(100.0) and full.observations == 200.0
    assert update_belief(prior, [replace(o, weight=0.0) for o in data], DEFAULTS) == prior
    with pytest.raises(ValueError):
        Outcome((0.0,) * K, True, weight=-1.0)
    with pytest.raises(ValueError):
        update_belief(prior, [Outcome((1.0, 2.0), True)], DEFAULTS)


def test_forget_is_a_rebuild_from_the_remaining_outcomes() -> None:
    rounds = [hidden_outcomes(40, seed=s) for s in range(5)]
    removed = hidden_outcomes(40, seed=99)
    everything = [r + (removed[:8] if k == 2 else []) for k, r in enumerate(rounds)]
    with_them = belief_from_outcomes(everything, DEFAULTS)
    rebuilt = belief_from_outcomes(rounds, DEFAULTS)
    assert rebuilt == belief_from_outcomes(rounds, DEFAULTS)  # deterministic
    assert rebuilt != with_them
    assert rebuilt.observations == 200.0
    # Rebuilding is exactly folding the updates over the remaining rounds: no trace of the removed outcomes.
    b = prior_belief(DEFAULTS)
    for r in rounds:
        b = update_belief(b, r, DEFAULTS)
    assert b == rebuilt


def test_belief_json_round_trip_and_other_versions() -> None:
    b = belief_from_outcomes([hidden_outcomes(80, s) for s in range(3)], DEFAULTS)
    data = b.to_json()
    assert Belief.from_json(json.loads(json.dumps(data))) == b
    # An older version without "activity" and with a component this version does not know.
    i = COMPONENTS.index("activity")
    keep = [k for k in range(K) if k != i]
    old = {
        "version": 0,
        "components": [COMPONENTS[k] for k in keep] + ["vibes"],
        "mean": [b.mean[k] for k in keep] + [9.0],
        "weights": [b.weights[k] for k in keep] + [9.0],
        "support": [b.support[k] for k in keep] + [3.0],
        "intercept": b.intercept,
        "covariance": [[b.covariance[r][c] for c in [0, *(k + 1 for k in keep)]] + [0.0]
                       for r in [0, *(k + 1 for k in keep)]] + [[0.0] * K + [1.0]],
        "observations": b.observations,
        "met": b.met,
        "rounds": b.rounds,
        "extra": "ignored",
    }
    read = Belief.from_json(old, DEFAULTS)
    assert read.components == COMPONENTS
    assert read.mean[i] == DEFAULTS.activity and read.weights[i] == DEFAULTS.activity
    assert read.covariance[i + 1][i + 1] == prior_belief(DEFAULTS).covariance[i + 1][i + 1]
    for k in keep:
        assert read.mean[k] == b.mean[k]
    assert learned_weights(read, DEFAULTS).activity == DEFAULTS.activity
    update_belief(read, hidden_outcomes(10, 1), DEFAULTS)  # still usable
    not_pd = {**data, "covariance": [[-1.0 if r == c else 0.0 for c in range(K + 1)] for r in range(K + 1)]}
    for bad in ({}, {**data, "mean": [1.0]}, {**data, "intercept": float("nan")}, {**data, "components": "x"},
                not_pd):
        with pytest.raises(ValueError):
            Belief.from_json(bad)


def test_insights_sorted_with_intervals() -> None:
    b = belief_from_outcomes([hidden_outcomes(300, s) for s in range(4)], DEFAULTS)
    found = insights(b)
    assert [x.component for x in found] != [] and {x.component for x in found} == set(COMPONENTS)
    for x in found:
        assert x.low <= x.effect <= x.high
        assert x.samples >= 0
        assert x.used == b.weights[COMPONENTS.index(x.component)]
    confident = [x for x in found if x.confident]
    assert {"timezone", "newcomer"} <= {x.component for x in confident}
    assert found[: len(confident)] == confident
    strengths = [abs(math.log(x.effect)) for x in confident]
    assert strengths == sorted(strengths, reverse=True)
    assert all(not x.confident for x in insights(prior_belief(DEFAULTS)))  # no data, no confidence


def test_pair_components_agree_with_score() -> None:
    people = members(30, seed=4)
    for opts in (options(), options(prefer_cross_team=True, use_activity=True)):
        ctx = ScoringContext(History(), opts)
        w = opts.weights
        for a in people[:10]:
            for b in people[10:20]:
                f = features(a, b, ctx)
                comps = pair_components(f, opts)
                used = [c for c in COMPONENTS if (c != "cross_team" or opts.prefer_cross_team)
                        and (c != "activity" or opts.use_activity)]
                total = w.base + sum(getattr(w, FIELDS[c]) * comps[COMPONENTS.index(c)] for c in used)
                assert score(f, opts) == pytest.approx(soft_floor(total, w.floor, score_ceiling(opts)))


def test_group_outcomes_weigh_each_pair_by_group_size() -> None:
    people = members(4, seed=1)
    ctx = ScoringContext(History(), options())
    trio = group_outcomes(people[:3], True, ctx)
    assert len(trio) == 3 and all(o.weight == 0.5 and o.met for o in trio)
    assert len(group_outcomes(people, False, ctx, weight=0.6)) == 6
    assert group_outcomes(people[:1], True, ctx) == []


def explored_options(share: float, seed: int, **kw: object) -> MatchOptions:
    belief = belief_from_outcomes([hidden_outcomes(200, 1)], DEFAULTS)
    return learned_options(options(**kw), belief, explore_share=share, seed=seed)


@pytest.mark.parametrize("share", [0.0, 0.1, 0.3])
def test_exploration_share_and_determinism(share: float) -> None:
    ids = range(1, 20_001)
    opts = explored_options(share, seed=7)
    explored = [i for i in ids if opts.explores(i)]
    assert len(explored) / 20_000 == pytest.approx(explore_members_for(share), abs=0.01)
    # About `share` of the pairs include an explored member.
    rng = np.random.default_rng(0)
    pairs = rng.choice(np.arange(1, 20_001), size=(20_000, 2))
    touched = sum(opts.explores(int(a)) or opts.explores(int(b)) for a, b in pairs)
    assert touched / 20_000 == pytest.approx(share, abs=0.015)
    again = explored_options(share, seed=7)
    assert again == opts and [i for i in ids if again.explores(i)] == explored
    if share:
        other = explored_options(share, seed=8)
        assert [i for i in ids if other.explores(i)] != explored
        assert other.explore_weights != opts.explore_weights  # another Thompson draw
    else:
        assert opts.explore_weights is None and not explored


def test_explored_pairs_use_the_sampled_weights_in_both_scorers() -> None:
    people = members(40, seed=11)
    history = random_history([m.id for m in people], rounds=5, seed=3, blocks=20)
    opts = explored_options(0.3, seed=2, prefer_cross_team=True)
    assert opts.explore_weights is not None and opts.explore_weights != opts.weights
    enc = encode(people, history, opts)
    ctx = ScoringContext(history, opts)
    i, j = np.triu_indices(len(people), 1)
    s, ok = score_pairs(enc, i, j)
    touched = 0
    for k in range(len(i)):
        a, b = people[i[k]], people[j[k]]
        ref = pair_score(a, b, ctx)
        assert (ref is not None) == bool(ok[k])
        if ref is not None:
            assert s[k] == pytest.approx(ref, abs=1e-9)
            plain = score(features(a, b, ctx), opts)
            if opts.explores(a.id) or opts.explores(b.id):
                touched += 1
                assert ref == pytest.approx(score(features(a, b, ctx), opts, explored=True))
            else:
                assert ref == pytest.approx(plain)
    assert touched > 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.floats(0.0, 1.0), st.booleans())
def test_exploration_keeps_every_hard_rule(seed: int, share: float, dense: bool) -> None:
    people = members(36, seed=seed, languages=[("en",), ("de",), ("en", "de"), ("fr",)])
    history = random_history([m.id for m in people], rounds=3, seed=seed, blocks=40)
    opts = explored_options(share, seed=seed, exclude_rounds=2)
    result = pair_round(people, history, opts, dense=dense)
    ctx = ScoringContext(history, opts)
    by_id = {m.id: m for m in people}
    blocked = history.blocked_pairs()
    for g in result.groups:
        for x, a in enumerate(g.members):
            for b in g.members[x + 1 :]:
                assert violation(by_id[a], by_id[b], ctx) is None
                assert (min(a, b), max(a, b)) not in blocked


def test_the_learning_benchmark_reports_what_the_readme_quotes() -> None:
    from bench.learning import bench

    out = bench(members=40, rounds=3, seed=2, shape="realistic", explore=0.1, answered=0.7)
    assert {"members", "rounds", "meet_rate_static", "meet_rate_learned", "lift", "worst_round"} <= set(out)
    assert out["members"] == 40 and out["rounds"] == 3
    assert 0 < out["meet_rate_static"] < 1 and 0 < out["meet_rate_learned"] < 1
    # Round 1 has no answers yet: learning changes nothing there.
    assert out["static_by_round"][0] == out["learned_by_round"][0]
    assert out == bench(members=40, rounds=3, seed=2, shape="realistic", explore=0.1, answered=0.7) | {
        "seconds": out["seconds"]}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=30), st.integers(-(2**70), 2**70),
       st.floats(0.0, 1.0))
def test_the_array_and_the_scalar_coin_agree(ids: list[int], seed: int, share: float) -> None:
    mask = explored_mask(np.array(ids, dtype=np.int64), seed, share)
    assert mask.tolist() == [is_explored(i, seed, share) for i in ids]
