"""Rounds of intro groups of three or four (`MatchOptions.group_size`), maximising the pairwise score inside groups.

What a round optimises, in this order (the exact solver's tiers, `group_exact`):
1. the most members placed (nobody left out who could be in an allowed group);
2. the fewest groups of another size than `group_size` the count and the hard rules allow; sizes are only
   `group_size - 1 ... group_size + 1` (groups of 3: 2 to 4; groups of 4: 3 to 5, and 3 to 4 when
   `allow_extra_trios` is off), and all of the planned size when the count divides and the rules allow it;
3. priority members (left out or in an odd-sized group last time) in a group of exactly `group_size`;
4. the score: the sum of the pair scores inside the groups.

Group sizes (`group_sizes`) follow from tier 2: groups of 3 with one left over make one group of 4 (10: 3, 3,
4), with two left over one pair (11: 3, 3, 3, 2: one group off size, where 4, 4, 3 would be two); groups of 4
with one left over make one group of 5 (9: 4, 5), with two two groups of 5 (10: 5, 5; as few off size as 4,
3, 3, and more people to meet), with three one group of 3 (11: 4, 4, 3). A group of 5 only ever appears for
such a remainder: at most two per round when nothing else is in the way. Fewer than `group_size - 1` people
(2 in groups of 4) make no group and are reported unplaced.

Rounds up to `EXACT_GROUP_MAX` (24) members are solved exactly by SciPy's HiGHS (`group_exact`), in well under
a second on most rounds; when HiGHS runs out of its time limit, the heuristic below answers (or HiGHS's best
round, if better).

Larger rounds: encode -> candidate edges (the pair engine's: every pair in small rounds, the facet index in large
ones) -> construction (priority members, then those with the fewest options, seed a group each and the group
adds, one by one, the free member with the highest summed score to everybody already in it, checked against
every hard rule with each of them; a seed that finds nobody gives its planned group back) -> repair (members
still alone, tried again while that places anybody; with groups of 4 no pairs, but three members left out
make a group of 3) -> local search (swap two members of different groups, or move a member from a group one
larger to a group one smaller, whenever the total rises; disjoint moves are applied together, later passes
only look at groups that changed) -> rebalance (the few groups off the plan: a member of a group too large
moves to one too small, directly or by taking the place of someone who suits the small group, every member
checked and not only candidate edges; a new group gathered from the too-large ones when groups are missing)
-> the priority swap -> polish (`group_polish`: windows of about 20 members, the off-size groups and those
left out first, re-solved exactly). Small rounds try several construction orders and keep the best by the
tiers above. Every pair inside a group honours every hard rule (no repeat within K rounds, blocks, a common
language when required).

Priority members seed groups first; the local search never moves them into an odd-sized group, the priority
swap moves them out of one, and the polish ranks them above score. Their groups are not locked (that cost up
to 10% of the score): the search improves them like any other.

Modules: this one plans the sizes and runs the pipeline; `group_exact` is the exact solver, `group_build`
constructs and repairs, `group_search` improves (local search, rebalance, priority swap), `group_polish`
re-solves windows, `group_state` holds what they share (pair scores, the table).
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

POLISH_MAX = 5_000  # rounds up to this size are polished with the exact solver (at most POLISH_S seconds)
POLISH_WINDOWS = 24
POLISH_S = 30.0  # a guard only (windows are counted, so that the same seed gives the same groups)
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
        order = np.lexsort((rng.random(n), options_count + noise))
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
        windows = min(POLISH_WINDOWS, 4 + n // 4) if n <= 400 else 8  # mid-size rounds gain most
        polished, alone = polish(enc, st.groups(), alone, prio, lo, cap, windows, POLISH_S, rng)
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
