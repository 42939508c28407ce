"""Does learning from check-ins make more intros happen? A community whose members meet by hidden preferences
that differ from the default weights, twelve weekly rounds with and without learning.

Members come from `bench/community.py` (clustered interests, skewed time zones, language minorities, empty
profiles, an earlier history and blocks). Whether a pair meets is decided by a hidden logistic model over the
same components the engine scores (`learning.pair_components`), plus a personal tendency per member that no
component explains: here people meet mostly when their waking hours overlap and when a newcomer meets a
regular; shared topics and skills matter much less than the defaults assume. Each round, every group answers
its check-in with probability `--answered`, and says "met" with the group's hidden probability (the mean of its
pairs'); the learning run feeds those answers back (`update_belief`) and plans the next round with
`learned_options` (a share `--explore` of the members explores with a Thompson sample). The static run uses the
default weights throughout. Both runs start from the same members, history and blocks.

The meet rate of a round is the expected share of its intro groups that meet (the mean hidden probability of its
groups, so the figure does not depend on the check-in coin flips). Prints one JSON line: members, rounds, the
meet rates over rounds 7-12 (`meet_rate_static`, `meet_rate_learned`), `lift` (learned / static - 1),
`worst_round` (the lowest per-round learned / static - 1 over all rounds) and each round's rates; for scale, an
oracle run that matches with the hidden preferences themselves as weights (`meet_rate_oracle`, `lift_oracle`:
about the most any learning could reach here).

    uv run python bench/learning.py [--members 300] [--seed 1] [--shape realistic] [--explore 0.1]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.community import SHAPES, generate
from cogs.matching.engine import (
    COMPONENTS,
    History,
    MatchOptions,
    Member,
    ScoringContext,
    Weights,
    features,
    group_outcomes,
    learned_options,
    pair_components,
    prior_belief,
    update_belief,
)
from cogs.matching.engine.learning import FIELDS, LOGIT_PER_POINT, Belief
from cogs.matching.engine.strategies import run_strategy

# The community's hidden preferences, log-odds per unit of each component (the defaults, at the model's scale of
# 0.5 log-odds per score point, would be 0.5 per topic, 0.75 per skill, 0.5 for a full day in common, 0.75 for a
# newcomer with a regular).
HIDDEN = {"topics": 0.1, "complement": 0.15, "role": 0.1, "cross_team": 0.0, "timezone": 3.5, "language": 0.0,
          "newcomer": 2.5, "activity": 0.0}
HIDDEN_INTERCEPT = -4.5
TENDENCY_SD = 0.5  # log-odds: some people simply meet more readily than others
DAY = date(2026, 3, 11)


class Community:
    """Members and their hidden meeting model."""

    def __init__(self, members: Sequence[Member], seed: int) -> None:
        self.members = list(members)
        self.by_id = {m.id: m for m in members}
        rng = np.random.default_rng(seed + 7919)
        self.tendency = {m.id: float(rng.normal(0.0, TENDENCY_SD)) for m in members}
        self.coef = np.array([HIDDEN[c] for c in COMPONENTS])
        self.ctx = ScoringContext(History(), MatchOptions(reference_date=DAY))

    def pair_probability(self, a: int, b: int) -> float:
        f = features(self.by_id[a], self.by_id[b], self.ctx, history=False)
        x = np.array(pair_components(f, self.ctx.options))
        logit = HIDDEN_INTERCEPT + float(self.coef @ x) + self.tendency[a] + self.tendency[b]
        return 1.0 / (1.0 + math.exp(-logit))

    def group_probability(self, group: Sequence[int]) -> float:
        pairs = list(combinations(group, 2))
        return sum(self.pair_probability(a, b) for a, b in pairs) / len(pairs)


def run(
    community: Community, history: History, priority: set[int], rounds: int, *, learning: bool, explore: float,
    answered: float, seed: int, weights: Weights | None = None,
) -> tuple[list[float], Belief]:
    """The expected meet rate of each round, and the final belief (the prior when not learning). `weights`
    replaces the defaults (the oracle run: the hidden preferences themselves, at the model's scale)."""
    base = MatchOptions(reference_date=DAY, use_activity=False, weights=weights or Weights())
    belief = prior_belief(base.weights)
    rng = np.random.default_rng(seed + 104_729)
    past = {idx: [tuple(g) for g in groups] for idx, groups in history.rounds.items()}
    current = history.current_round
    horizon = max(base.history_horizon, base.exclude_rounds)
    rates: list[float] = []
    for r in range(rounds):
        options = learned_options(replace(base, seed=seed * 1000 + r), belief if learning else None,
                                  explore_share=explore, seed=seed * 1000 + r)
        window = {idx: groups for idx, groups in past.items() if current - idx <= horizon}
        result = run_strategy("auto", community.members, History(current, window, history.blocked), options,
                              priority)
        groups = [g.members for g in result.groups]
        probs = [community.group_probability(g) for g in groups]
        rates.append(float(np.mean(probs)) if probs else 0.0)
        outcomes = []
        for g, p in zip(groups, probs, strict=True):
            if rng.random() < answered:
                met = bool(rng.random() < p)
                outcomes += group_outcomes([community.by_id[x] for x in g], met, community.ctx)
        if learning:
            belief = update_belief(belief, outcomes, base.weights)
        past[current] = list(groups)
        priority = {m for g in groups if len(g) != 2 for m in g} | {u.member for u in result.unplaced}
        current += 1
    return rates, belief


def bench(members: int, rounds: int, seed: int, shape: str, explore: float, answered: float) -> dict[str, Any]:
    people, history, priority = generate(members, seed, shape)
    community = Community(people, seed)
    began = time.perf_counter()
    static, _ = run(community, history, set(priority), rounds, learning=False, explore=explore, answered=answered,
                    seed=seed)
    learned, belief = run(community, history, set(priority), rounds, learning=True, explore=explore,
                          answered=answered, seed=seed)
    scaled: dict[str, Any] = {FIELDS[c]: HIDDEN[c] / LOGIT_PER_POINT for c in COMPONENTS}
    hidden = replace(Weights(), **scaled)
    oracle, _ = run(community, history, set(priority), rounds, learning=False, explore=0.0, answered=answered,
                    seed=seed, weights=hidden)
    late = slice(min(6, rounds - 1), rounds)
    s, ln, orc = float(np.mean(static[late])), float(np.mean(learned[late])), float(np.mean(oracle[late]))
    rel = [(b / a - 1.0) if a > 0 else 0.0 for a, b in zip(static, learned, strict=True)]
    return {
        "bench": "learning",
        "members": members,
        "rounds": rounds,
        "shape": shape,
        "seed": seed,
        "explore_share": explore,
        "answered": answered,
        "meet_rate_static": round(s, 4),
        "meet_rate_learned": round(ln, 4),
        "lift": round(ln / s - 1.0, 4) if s > 0 else 0.0,
        "worst_round": round(min(rel), 4),
        "meet_rate_oracle": round(orc, 4),
        "lift_oracle": round(orc / s - 1.0, 4) if s > 0 else 0.0,
        "static_by_round": [round(x, 4) for x in static],
        "learned_by_round": [round(x, 4) for x in learned],
        "learned_weights": {c: round(w, 3) for c, w in zip(COMPONENTS, belief.weights, strict=True)},
        "seconds": round(time.perf_counter() - began, 1),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shape", choices=SHAPES, default="realistic")
    parser.add_argument("--explore", type=float, default=0.1, help="share of members exploring each round")
    parser.add_argument("--answered", type=float, default=0.7, help="share of groups answering their check-in")
    args = parser.parse_args(argv)
    print(json.dumps(bench(args.members, args.rounds, args.seed, args.shape, args.explore, args.answered)))


if __name__ == "__main__":
    main()
