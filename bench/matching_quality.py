"""Quality parts of the matching benchmark (`bench/matching.py --parts ...`), each returning plain numbers.

- `compare`: every strategy of `engine.strategies.STRATEGIES` against an exact reference on the same scores and
  hard rules: networkx's blossom (`exact_round`) where it can run, above that an upper bound (the maximum-weight
  assignment on the doubled graph, which is the fractional-matching LP optimum, halved, plus the best a trio's
  extra member could add). A round is scored as `match-roster` scores it: the sum of the pair scores inside its
  groups.
- `simulate`: consecutive weekly rounds, each remembering the last, as the bot runs them: how many meetings repeat
  an earlier pair (`repeat_share`), the most members left out in a round (`left_out_max`), and how often members
  with empty profiles meet each other.
- `milp`: groups of 3 or 4 against the optimal partition (SciPy's HiGHS MILP over every feasible group of
  `group_size - 1 ... group_size + 1` members, for rounds of up to 24): most placed first, then fewest groups off
  the planned size (and fewest people in groups larger than planned), then the highest score.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from itertools import combinations
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, milp

from bench.community import SHAPES, generate
from cogs.matching.engine import History, MatchOptions, Member, exact_round
from cogs.matching.engine.candidates import all_pairs
from cogs.matching.engine.encode import encode
from cogs.matching.engine.strategies import STRATEGIES, StrategyError, run_strategy
from cogs.matching.engine.vector import score_pairs

_DAY = date(2026, 3, 11)  # a Wednesday; every round of the benchmark is planned for a fixed date


def pair_matrix(
    members: Sequence[Member], history: History, options: MatchOptions
) -> tuple[np.ndarray, dict[int, int]]:
    """Scores of every pair (n x n), -inf where a hard rule forbids the pair, and each member id's row."""
    enc = encode(members, history, options)
    u, v = all_pairs(enc.n)
    s, ok = score_pairs(enc, u, v)
    m = np.full((enc.n, enc.n), -np.inf)
    m[u[ok], v[ok]] = s[ok]
    m[v[ok], u[ok]] = s[ok]
    return m, {int(x): i for i, x in enumerate(enc.ids)}


def round_score(groups: Iterable[Sequence[int]], matrix: np.ndarray, row: dict[int, int]) -> float:
    """Sum of the pair scores inside the groups (a forbidden pair counts as -inf: it must never appear)."""
    return float(sum(matrix[row[a], row[b]] for g in groups for a, b in combinations(g, 2)))


def upper_bound(matrix: np.ndarray, trios: int) -> float:
    """An upper bound on any round's score: the best assignment on the doubled graph, halved (every matching is
    a symmetric assignment; self or forbidden assignment is worth 0), plus, per trio, the largest sum a member's
    two best scores could add."""
    w = np.where(np.isfinite(matrix), matrix, 0.0)
    r, c = linear_sum_assignment(w, maximize=True)
    bound = float(w[r, c].sum() / 2)
    if trios:
        top2 = np.sort(w, axis=1)[:, -2:].sum(axis=1)
        bound += trios * float(top2.max())
    return bound


def _groups(result: Any) -> list[tuple[int, ...]]:
    return [tuple(g.members) for g in result.groups]


def compare(sizes: Sequence[int], shapes: Sequence[str], seed: int, exact_max: int = 160) -> dict[str, Any]:
    """Every strategy on every (size, shape): its score over the reference's (exact up to `exact_max` members,
    else the upper bound), whether it placed fewer people, and its slowest time."""
    per: dict[str, dict[str, Any]] = {}
    for n in sizes:
        for shape in shapes:
            if shape == "chain" and n % 2:
                continue
            members, history, priority = generate(n, seed, shape)
            options = MatchOptions(exclude_rounds=3, seed=seed, reference_date=_DAY)
            matrix, row = pair_matrix(members, history, options)
            exact = exact_round(members, history, options, priority) if n <= exact_max else None
            ref_placed = sum(len(g) for g in _groups(exact)) if exact is not None else None
            if shape == "chain":
                ref_placed = n  # one perfect matching exists
            for name, strategy in STRATEGIES.items():
                if name == "exact" and n > exact_max:
                    continue
                if strategy.max_members is not None and n > strategy.max_members:
                    continue
                t0 = time.perf_counter()
                result = run_strategy(name, members, history, options, priority)
                took = time.perf_counter() - t0
                groups = _groups(result)
                score = round_score(groups, matrix, row)
                if exact is not None:
                    reference = round_score(_groups(exact), matrix, row)
                else:
                    reference = upper_bound(matrix, sum(len(g) == 3 for g in groups))
                entry = per.setdefault(name, {"ratio_min": 1e9, "seconds_max": 0.0, "fewer_placed": 0, "runs": 0,
                                              "worst": ""})
                ratio = score / reference if reference > 0 else 1.0
                if ratio < entry["ratio_min"]:
                    entry["ratio_min"], entry["worst"] = ratio, f"{shape}/{n}"
                entry["seconds_max"] = max(entry["seconds_max"], took)
                entry["runs"] += 1
                placed = sum(len(g) for g in groups)
                if ref_placed is not None and placed < ref_placed:
                    entry["fewer_placed"] += 1
    for entry in per.values():
        entry["ratio_min"] = round(entry["ratio_min"], 5)
        entry["seconds_max"] = round(entry["seconds_max"], 3)
    return {
        "strategies": per,
        "strategy_ratio_min": min((e["ratio_min"] for e in per.values()), default=None),
        "strategy_fewer_placed": sum(e["fewer_placed"] for e in per.values()),
    }


def simulate(n: int, rounds: int, shape: str, seed: int, group_size: int = 2) -> dict[str, Any]:
    """`rounds` weekly rounds of the same `n` members, each round's groups joining the next one's history and
    earning priority as the bot gives it (left out, or in a group of another than the planned size). The
    engine's own loop (`engine/simulate.py`) runs them when the engine has one."""
    members, history, priority = generate(n, seed, shape)
    empty = {m.id for m in members if not (m.topics or m.offers or m.wants or m.role)}
    options = MatchOptions(exclude_rounds=3, seed=seed, reference_date=_DAY, group_size=group_size)
    t0 = time.perf_counter()
    try:
        engine_loop = importlib.import_module("cogs.matching.engine.simulate")
    except ModuleNotFoundError:
        engine_loop = None
    if engine_loop is not None:
        results = engine_loop.simulate_rounds(members, options, rounds, history)
    else:
        results = _simulate(members, history, priority, options, rounds)
    seconds = time.perf_counter() - t0
    met: set[tuple[int, int]] = {p for groups in history.rounds.values() for g in groups for p in _pairs(g)}
    meetings = repeats = empty_meetings = empty_with_empty = 0
    for result in results:
        now = [p for g in _groups(result) for p in _pairs(g)]
        for p in now:
            meetings += 1
            repeats += p in met
            if p[0] in empty or p[1] in empty:
                empty_meetings += 1
                empty_with_empty += p[0] in empty and p[1] in empty
        met.update(now)
    return {
        "repeat_share": round(repeats / max(1, meetings), 4),
        "left_out_max": max((len(r.unplaced) for r in results), default=0),
        "empty_with_empty_share": round(empty_with_empty / max(1, empty_meetings), 4),
        "simulate_seconds": round(seconds, 2),
    }


def _simulate(members: Sequence[Member], history: History, priority: set[int], options: MatchOptions,
              rounds: int) -> list[Any]:
    """The bot's weekly loop, for an engine without `simulate_rounds`."""
    past: dict[int, list[tuple[int, ...]]] = {k: [tuple(g) for g in v] for k, v in history.rounds.items()}
    current = history.current_round
    results = []
    for r in range(rounds):
        opts = replace(options, seed=options.seed + r, reference_date=_DAY + timedelta(weeks=r))
        result = run_strategy("auto", members, History(current_round=current, rounds=dict(past),
                                                       blocked=history.blocked), opts, priority)
        results.append(result)
        groups = _groups(result)
        past[current] = groups
        current += 1
        planned = options.group_size
        priority = {m for g in groups if len(g) != planned for m in g} | {u.member for u in result.unplaced}
    return results


def _pairs(group: Iterable[int]) -> Iterable[tuple[int, int]]:
    return ((min(a, b), max(a, b)) for a, b in combinations(group, 2))


def feasible_groups(matrix: np.ndarray, sizes: Sequence[int]) -> list[tuple[int, ...]]:
    """Every set of members of one of `sizes` whose pairs are all allowed (cliques of the allowed-pair graph)."""
    n = matrix.shape[0]
    ok = np.isfinite(matrix)
    out: list[tuple[int, ...]] = []
    top = max(sizes)

    def grow(group: tuple[int, ...], cands: np.ndarray) -> None:
        if len(group) in sizes:
            out.append(group)
        if len(group) == top:
            return
        for c in cands:
            grow((*group, int(c)), cands[(cands > c) & ok[c, cands]])

    for a in range(n):
        rest = np.arange(a + 1, n)
        grow((a,), rest[ok[a, rest]])
    return out


class MilpTimeout(RuntimeError):
    """HiGHS found no partition within the time limit: the instance has no reference and is skipped."""


def milp_optimum(matrix: np.ndarray, k: int, time_limit: float | None = None,
                 timed_out: list[bool] | None = None) -> tuple[int, int, float]:
    """(placed, groups off size k, score) of the best partition: most placed, then fewest off-size groups (and
    fewest people in groups larger than k), then the highest score, with groups of k-1 ... k+1 members.
    `time_limit` (seconds per solve) makes it return the best partition found so far; `timed_out` then gets
    True appended, so that the caller knows the figure is not proven optimal."""
    groups = feasible_groups(matrix, [s for s in (k - 1, k, k + 1) if s >= 2])
    if not groups:
        return 0, 0, 0.0
    n = matrix.shape[0]
    a = np.zeros((n, len(groups)))
    for j, g in enumerate(groups):
        a[list(g), j] = 1
    size = np.array([len(g) for g in groups], float)
    off = (size != k).astype(float)
    over = np.where(size > k, size, 0.0)
    weight = np.array([sum(matrix[x, y] for x, y in combinations(g, 2)) for g in groups])
    cons = [LinearConstraint(a, 0, 1)]
    ints = np.ones(len(groups), dtype=np.int64)

    def solve(c: np.ndarray, extra: list[LinearConstraint]) -> np.ndarray:
        options = {"time_limit": time_limit} if time_limit else None
        res = milp(c, constraints=cons + extra, integrality=ints, bounds=Bounds(0, 1), options=options)
        if res.x is None:  # the time limit came before any partition: no reference for this instance
            raise MilpTimeout(res.message)
        if res.status == 1 and timed_out is not None:  # time limit reached: a feasible, unproven solution
            timed_out.append(True)
        return np.round(res.x)

    # Most placed, then the best shape, in one integer objective (exact: shape costs stay below n + 1 per
    # member placed); then the best score among those.
    shape_cost = off * (n + 1) + over
    lexi = shape_cost - size * (n + 1) * (n + 2)
    x = solve(lexi, [])
    placed, best_shape = float(size @ x), float(shape_cost @ x)
    fix = LinearConstraint(np.vstack([size, shape_cost]), [placed, -np.inf], [placed, best_shape + 1e-6])
    x = solve(-weight, [fix])
    return int(placed), int(off @ x), float(weight @ x)


def milp_compare(instances: int, seed: int, max_members: int = 24, time_limit: float = 60.0) -> dict[str, Any]:
    """Group rounds of 8 ... `max_members` members (shapes and group sizes 3 and 4 in turn) against the MILP
    optimum, for every strategy that forms groups."""
    shapes = [s for s in SHAPES if s != "chain"]
    worst = 1e9
    below_99 = extra_off = fewer = 0
    largest = 0
    per: dict[str, float] = {}
    t_milp = 0.0
    timeouts: list[bool] = []
    skipped = 0
    for i in range(instances):
        n = 8 + (i * 7) % (max_members - 7)
        k = 3 + i % 2
        members, history, priority = generate(n, seed + i, shapes[i % len(shapes)])
        options = MatchOptions(exclude_rounds=3, seed=seed + i, reference_date=_DAY, group_size=k)
        matrix, row = pair_matrix(members, history, options)
        t0 = time.perf_counter()
        try:
            placed, off, best = milp_optimum(matrix, k, time_limit, timeouts)
        except MilpTimeout:
            timeouts.append(True)
            skipped += 1
            continue
        finally:
            t_milp += time.perf_counter() - t0
        for name in STRATEGIES:
            try:
                result = run_strategy(name, members, history, replace(options), priority)
            except StrategyError:
                continue
            groups = _groups(result)
            score = round_score(groups, matrix, row)
            ratio = score / best if best > 0 else 1.0
            per[name] = min(per.get(name, 1e9), ratio)
            worst = min(worst, ratio)
            below_99 += ratio < 0.99
            got = sum(len(g) for g in groups)
            fewer += got < placed
            extra_off += got >= placed and sum(len(g) != k for g in groups) > off
            largest = max(largest, max((len(g) for g in groups), default=0))
    return {
        "milp_ratio_min": round(worst, 5) if instances else None,
        "milp_by_strategy": {k: round(v, 5) for k, v in per.items()},
        "milp_below_99": below_99,
        "milp_extra_off_size": extra_off,
        "milp_fewer_placed": fewer,
        "milp_largest_group": largest,
        "milp_instances": instances,
        "milp_seconds": round(t_milp, 2),
        "milp_timeouts": len(timeouts),
        "milp_skipped": skipped,
    }


