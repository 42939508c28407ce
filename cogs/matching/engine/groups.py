"""Rounds of intro groups of three or four (`MatchOptions.group_size`), maximising the pairwise score inside groups.

Group sizes (`group_sizes`): everybody who can be placed is in a group of exactly `group_size` except for the
remainder, which is spread so that nobody is left out needlessly and no group gets unwieldy:

- size 3: the one or two members left over each join a group, making groups of 4 (10 people: 3, 3, 4;
  11 people: 3, 4, 4). A pair is not a group, so it only appears when there is no other way (2 or 5 people).
- size 4: the remainder is taken from full groups to make groups of 3 (10 people: 4, 3, 3; 9 people: 3, 3, 3;
  7 people: 4, 3); five would be too many for one call. Again 2 or 5 people give a pair (5: 3, 2).

So every group has between 2 and 4 members. A member who fits no planned group without breaking a hard rule
joins the group that suits them best while it has room (at most `group_size + 1`, and 4 when
`allow_extra_trios` is off), else pairs up with another such member, else is reported unplaced with a reason.

Pipeline: encode -> candidate edges (the pair engine's: every pair in small rounds, the facet index in large
ones) -> construction (priority members, then those with the fewest options, seed a group each and the group
adds, one by one, the free member with the highest summed score to everybody already in it, checked against
every hard rule with each of them; a seed that finds nobody gives its planned group back) -> repair (members
still alone, tried again while that places anybody) -> local search (swap two members of different groups, or
move a member from a group one larger to a group one smaller, whenever the total rises; disjoint moves are
applied together, later passes only look at groups that changed) -> rebalance (the few groups off the plan: a
member of a group too large moves to one too small, directly or by taking the place of someone who suits the
small group, every member checked and not only candidate edges) -> the priority swap. Small rounds try several
construction orders and keep the one that places most, then is nearest the plan (groups of each size more or
fewer than planned), then scores best. Every pair inside a group honours every hard rule (no repeat within K
rounds, blocks, a common language when required).

Priority (members left out or in an odd-sized group last time): they seed groups first, their groups are not
changed by the local search, and they end in a group of exactly `group_size` whenever a swap allows it.

Modules: this one plans the sizes and runs the pipeline; `group_build` constructs and repairs, `group_search`
improves (local search, rebalance, priority swap), `group_state` holds what both share (pair scores, the table).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence

import numpy as np

from .candidates import candidate_graph
from .encode import encode
from .group_build import adjacency, construct, repair
from .group_exact import EXACT_GROUP_MAX, TIME_LIMIT, exact_groups, result_of
from .group_polish import polish
from .group_search import free_priority, improve, rebalance
from .group_state import GroupState, Pairs, off_plan, off_size, size_range
from .model import Group, History, MatchOptions, Member, RoundResult, Unplaced
from .rounds import _reason, _row, pair_round

POLISH_MAX = 20_000  # rounds up to this size are polished with the exact solver for POLISH_S seconds
POLISH_WINDOWS = 24
POLISH_S = 10.0
SMALL = 64  # rounds up to this size try RESTARTS construction orders and keep the best result
RESTARTS = 8


def group_sizes(n: int, k: int, largest: int | None = None) -> list[int]:
    """Planned sizes for `n` members in groups of `k` (the module docstring explains the rule), full-size
    groups first; `largest` is the largest group allowed (default `k + 1`). The sizes add up to the most
    members groups of `k - 1` to `largest` can hold (less than `n` only when no shape fits everybody: 2 people
    in groups of 4). `k` = 2 gives the pair engine's plan: pairs, one trio when `n` is odd."""
    if n < 2:
        return []
    if k <= 2:
        return [2] * (n // 2 - 1) + [3] if n % 2 else [2] * (n // 2)
    lo, hi = k - 1, (k + 1 if largest is None else largest)
    for p in range(n, lo - 1, -1):
        best: tuple[int, int, list[int]] | None = None  # (off-size groups, -pairs, sizes)
        for c_lo in range(2 * k + 1):  # few groups are ever off size: a handful of counts covers every n
            for c_hi in range(2 * k + 1 if hi > k else 1):
                rest = p - c_lo * lo - c_hi * hi
                if rest < 0 or rest % k:
                    continue
                sizes = [k] * (rest // k) + [lo] * c_lo + [hi] * c_hi
                key = (c_lo + c_hi, -sum(s * (s - 1) for s in sizes))
                if best is None or key < best[:2]:
                    best = (*key, sizes)
        if best is not None:
            return best[2]
    return []


def group_round(
    members: Sequence[Member],
    history: History | None = None,
    options: MatchOptions | None = None,
    priority: Collection[int] = (),
    *,
    dense: bool | None = None,
    exact: bool | None = None,
) -> RoundResult:
    """Groups of `options.group_size` (3 or 4) for the round; a group's score is the sum of its pair scores.
    `priority` and `dense` work as in `pair_round` (which handles a group size of 2). `exact` (default: up to
    `EXACT_GROUP_MAX` members) solves the round exactly (`group_exact`), with the heuristic as the fallback
    when HiGHS runs out of time; False forces the heuristic."""
    history = history or History()
    options = options or MatchOptions()
    k = options.group_size
    if k <= 2:
        return pair_round(members, history, options, priority, dense=dense)
    if len(members) < 2:
        return RoundResult((), tuple(Unplaced(m.id, "alone") for m in members))
    t0 = time.perf_counter()
    enc = encode(members, history, options)
    prio = enc.mask(priority)
    lo, cap = size_range(options)
    exact_answer: tuple[list[list[int]], list[int], np.ndarray] | None = None
    if exact if exact is not None else enc.n <= EXACT_GROUP_MAX:
        groups, alone, proved, scores = exact_groups(enc, prio, TIME_LIMIT)
        if proved:
            return result_of(enc, groups, alone, scores, {"group_size": k, "exact": True,
                                                          "milp_s": time.perf_counter() - t0})
        exact_answer = (groups, alone, scores)
    rng = np.random.default_rng(options.seed)
    n = enc.n
    u, v, w, matrix = candidate_graph(enc, rng, dense)
    pv = Pairs(enc, matrix)
    t1 = time.perf_counter()
    ptr, adj = adjacency(n, u, v)
    top = np.zeros(n, dtype=np.float64)  # each member's best score with anyone (candidates in large rounds)
    np.maximum.at(top, u, w)
    np.maximum.at(top, v, w)
    options_count = (np.isfinite(matrix).sum(axis=1) if matrix is not None else np.diff(ptr)).astype(np.float64)
    sizes = group_sizes(n, k, cap)
    planned = np.bincount(np.array(sizes, dtype=np.int64), minlength=8)
    best: tuple[tuple[int, int, int, float], GroupState, list[int], int] | None = None
    tries = RESTARTS if n <= SMALL else 1
    for attempt in range(tries):
        # The first attempt takes those with the fewest options first; small rounds try a few shuffled
        # variants of that order too (cheap there) and keep the best.
        noise = rng.random(n) * attempt
        order = np.lexsort((rng.random(n), options_count + noise, ~prio))
        groups, locked = construct(n, pv, sizes, order, ptr, adj, prio, rng, cap)
        alone = repair(enc, pv, groups, locked, prio, k, lo, cap, max(sizes, default=k))
        st = GroupState(n, groups, cap, locked, prio)
        moves = improve(pv, st, u, v, top, k, options.improve_passes)
        moves += rebalance(pv, st, k, planned, lo)
        free_priority(pv, st, k)
        size = st.size[: st.count]
        key = (n - len(alone), -off_size(size, k), -off_plan(size, planned), float(st.contributions(pv).sum() / 2))
        if best is None or key > best[0]:
            best = (key, st, alone, moves)
    assert best is not None
    key, st, alone, moves = best
    if POLISH_MAX >= n > (EXACT_GROUP_MAX if exact is not False else 0):
        # Re-solve windows of the round exactly (`group_polish`): what one-member moves cannot reach.
        polished, alone = polish(enc, st.groups(), alone, prio, lo, cap, min(POLISH_WINDOWS, 2 + n // 10),
                                 POLISH_S, rng)
        st = GroupState(n, polished, cap, [False] * len(polished), prio)
        size = st.size[: st.count]
        key = (n - len(alone), -off_size(size, k), -off_plan(size, planned), float(st.contributions(pv).sum() / 2))
    stats = {"group_size": k, "candidates": len(u), "moves": moves, "candidates_s": t1 - t0, "tries": tries,
             "construct_improve_s": time.perf_counter() - t1}
    if exact_answer is not None:  # HiGHS ran out of time: its best answer if that beats the heuristic's
        groups, alone_x, scores = exact_answer
        size = np.array([len(g) for g in groups], dtype=np.int64)
        total = sum(float(scores[np.ix_(g, g)].sum() / 2) for g in groups)
        if (n - len(alone_x), -off_size(size, k), -off_plan(size, planned), total) > key:
            return result_of(enc, groups, alone_x, scores, {**stats, "exact": True, "optimal": False})
    contrib = st.contributions(pv)
    out = [Group(tuple(int(enc.ids[x]) for x in g), float(contrib[g].sum() / 2)) for g in st.groups()]
    unplaced = [Unplaced(int(enc.ids[x]), _reason(enc, x, _row(enc, x)[1])) for x in alone]
    return RoundResult(groups=tuple(out), unplaced=tuple(unplaced), stats=stats)


__all__ = ["group_round", "group_sizes"]
