"""Team formation benchmark (`/collab teams`, `match-roster --teams`): quality on small events, speed on a large one.

Events come from `bench/community.py` (interest clusters, skewed time zones, language minorities, blocks) with a
role mix where some roles are scarce: about half the people are developers, one in ten a designer, and one in
six offers domain knowledge. Small events (8 to 24 people, teams of 3 and 4, four shapes) are formed twice:
by the heuristic the engine uses for large events (`strategy="heuristic"`) and by the exact MILP
(`strategy="exact"`), and the ratio compares them in the plan's order: people placed, then need slots covered,
then pairs without a common waking hour, then the fit (a shortfall in an earlier tier is the ratio of that tier).
The large event (default 1,000 people in teams of 4) measures the seconds of the whole `form_teams` call (and the
CPU seconds the process spent: on a shared machine the wall clock mostly measures the wait for a core), and
how many need slots stay uncovered against a bound (the most slots the holders of each role could fill if
nothing else mattered).

    uv run python bench/teams.py                     # one JSON line
    uv run python bench/teams.py --people 2000 --instances 40
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.community import generate
from cogs.matching.engine import History, MatchOptions, Member
from cogs.matching.engine.team_needs import need_mask, parse_needs
from cogs.matching.engine.team_search import holders
from cogs.matching.engine.teams import TeamPlan, form_teams

ROLES = ["developer", "designer", "product manager", "data scientist", "researcher", "founder"]
ROLE_P = [0.5, 0.1, 0.12, 0.12, 0.1, 0.06]
SHAPES = ("realistic", "minorities", "thin", "blocks")
NEEDS = {3: "developer,designer", 4: "developer*2,designer,domain"}


def event(n: int, seed: int, shape: str) -> tuple[list[Member], History]:
    """An event of `n` people with roles (designers scarce) and, for one in six, domain knowledge on offer."""
    members, history, _ = generate(n, seed, shape)
    rng = np.random.default_rng(seed + 7)
    roles = rng.choice(len(ROLES), size=n, p=ROLE_P)
    domain = rng.random(n) < 1 / 6
    out = [replace(m, role=ROLES[int(r)], offers=(*m.offers, "domain") if d else m.offers)
           for m, r, d in zip(members, roles, domain, strict=True)]
    return out, History(blocked=history.blocked)  # teams honour blocks; earlier intros do not matter


def tiers(plan: TeamPlan) -> tuple[int, int, int, float]:
    placed = sum(len(t.members) for t in plan.teams)
    return placed, plan.covered, -int(plan.stats.get("zero_overlap_pairs", 0)), plan.fit


def ratio(heuristic: TeamPlan, exact: TeamPlan) -> float:
    """The heuristic's plan over the optimum, tier by tier (1.0 when it matches or beats every tier)."""
    h, o = tiers(heuristic), tiers(exact)
    for a, b in zip(h[:2], o[:2], strict=True):
        if a != b:
            return a / b if b else 1.0
    if h[2] != o[2]:
        return 0.0 if h[2] < o[2] else 1.0
    return h[3] / o[3] if o[3] > 0 else 1.0


def small(instances: int, seed: int) -> dict[str, Any]:
    lowest = 1.0
    worst = ""
    exact_s = heur_s = 0.0
    sizes = list(range(8, 25, 2))
    for k in range(instances):
        n = sizes[k % len(sizes)]
        shape = SHAPES[(k // len(sizes)) % len(SHAPES)]
        size = 3 + k % 2
        members, history = event(n, seed + k, shape)
        options = MatchOptions(seed=seed + k)
        t0 = time.perf_counter()
        h = form_teams(members, history, options, size=size, needs=NEEDS[size], strategy="heuristic")
        t1 = time.perf_counter()
        o = form_teams(members, history, options, size=size, needs=NEEDS[size], strategy="exact")
        t2 = time.perf_counter()
        heur_s += t1 - t0
        exact_s += t2 - t1
        r = ratio(h, o)
        if r < lowest:
            lowest, worst = r, f"{n} people, {shape}, teams of {size}"
    return {"ratio_to_optimal": round(lowest, 5), "small_instances": instances, "small_people": "8-24",
            "worst_instance": worst, "small_heuristic_s": round(heur_s, 2), "small_exact_s": round(exact_s, 2)}


def large(people: int, size: int, needs: str, seed: int) -> dict[str, Any]:
    members, history = event(people, seed, "realistic")
    t0, c0 = time.perf_counter(), time.process_time()
    plan = form_teams(members, history, MatchOptions(seed=seed), size=size, needs=needs)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    need_list = parse_needs(needs, size)
    assigned = holders([need_mask(m, need_list) for m in members], [nd.count for nd in need_list], len(plan.teams))
    slots = sum(nd.count for nd in need_list) * len(plan.teams)
    return {"people": people, "teams": len(plan.teams), "roles_uncovered": plan.uncovered,
            "roles_uncovered_bound": slots - int((assigned >= 0).sum()), "unplaced": len(plan.unplaced),
            "zero_overlap_pairs": plan.stats.get("zero_overlap_pairs", 0), "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--size", type=int, default=4)
    parser.add_argument("--needs", default=NEEDS[4])
    parser.add_argument("--instances", type=int, default=36, help="small events compared with the exact MILP")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    out = large(args.people, args.size, args.needs, args.seed)
    out.update(small(args.instances, args.seed))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
