"""The exact partition of a small round into groups of 3 or 4 (see `groups.py`), as a set-packing MILP solved
by SciPy's HiGHS.

Why a MILP: a round of up to a few dozen members has few enough allowed groups to list them all (every group
of an allowed size whose pairs all honour the hard rules: at 24 members at most about 55,000), and then
choosing disjoint groups is a set packing that HiGHS solves exactly, typically in a fraction of a second. The
heuristic pipeline stays for large rounds and is the fallback when the solver runs out of time.

The objective is lexicographic, folded into one weighted sum whose tiers cannot trade against each other:
1. the most members placed (nobody left out who could be in an allowed group);
2. the fewest groups of another size than `group_size` (sizes `group_size - 1 ... group_size + 1` only);
3. the most priority members in a group of exactly `group_size`;
4. the highest score (the sum of the pair scores inside the groups), scaled below 1 in total.
Tiers 1-3 are integers, so the score can never buy a worse tier.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csc_array, csr_array, vstack
from scipy.sparse.csgraph import connected_components

from .candidates import all_pairs
from .encode import Encoded, encode
from .group_state import size_range
from .model import Group, History, MatchOptions, Member, RoundResult, Unplaced
from .rounds import _reason, _row
from .vector import score_pairs

EXACT_GROUP_MAX = 24  # rounds up to this size are solved exactly (group_round); the heuristic above
TIME_LIMIT = 5.0  # seconds HiGHS may take inside group_round before the heuristic's answer is used instead
PRUNE_MIN = 500  # columns from which the reduced-cost fixing pays
DISP = False  # HiGHS's log (for looking into a slow round)
GAP = 1e-5  # HiGHS stops within this share of the optimum (of a score scaled to about 1: 0.001% of it)


def allowed_groups(ok: np.ndarray, lo: int, hi: int) -> list[np.ndarray]:
    """Every group of `lo`..`hi` members (rows of member indices, ascending) whose pairs are all allowed by
    the symmetric boolean matrix `ok`; grown one member at a time from the allowed pairs."""
    n = len(ok)
    i, j = np.nonzero(np.triu(ok, 1))
    cur = np.stack([i, j], axis=1).astype(np.int64)
    out = [cur] if lo <= 2 else []
    ids = np.arange(n)
    for s in range(3, hi + 1):
        if cur.size == 0:
            break
        fits = ok[cur].all(axis=1) & (ids[None, :] > cur[:, -1:])
        r, last = np.nonzero(fits)
        cur = np.concatenate((cur[r], last[:, None]), axis=1)
        if s >= lo and cur.size:
            out.append(cur)
    return out


def shapes(p: int, k: int, lo: int, hi: int) -> list[list[tuple[int, ...]]]:
    """The ways to place exactly `p` members in groups of `lo`..`hi` (count per size, smallest size first),
    bunched by how many groups are off size `k`, fewest first."""
    out: dict[int, list[tuple[int, ...]]] = {}

    def grow(s: int, left: int, counts: tuple[int, ...]) -> None:
        if s > hi:
            if left == 0:
                out.setdefault(sum(c for size, c in zip(range(lo, hi + 1), counts, strict=True) if size != k),
                               []).append(counts)
            return
        for c in range(left // s + 1):
            grow(s + 1, left - c * s, (*counts, c))

    grow(lo, p, ())
    return [out[o] for o in sorted(out)]


class _Columns:
    """The allowed groups of one connected part of a round as MILP columns."""

    def __init__(self, scores: np.ndarray, blocks: list[np.ndarray], n: int, k: int, prio: np.ndarray) -> None:
        self.blocks = blocks
        self.size = np.concatenate([np.full(len(t), t.shape[1]) for t in blocks])
        total = np.concatenate([scores[t[:, :, None], t[:, None, :]].sum(axis=(1, 2)) / 2 for t in blocks])
        pcount = np.concatenate([prio[t].sum(axis=1) * (t.shape[1] == k) for t in blocks])
        # Priority members at the planned size outrank any score: the score part stays below 1 in total (a
        # round's score is at most the sum over members of their best group's score per member).
        per = np.zeros(n)
        for t, s in zip(blocks, np.split(np.abs(total), np.cumsum([len(t) for t in blocks])[:-1]), strict=True):
            np.maximum.at(per, t.ravel(), np.repeat(s / t.shape[1], t.shape[1]))
        self.value = pcount + total / (float(per.sum()) + 1e-9) * (1 - 1e-6)
        rows = np.concatenate([t.ravel() for t in blocks])
        cols = np.repeat(np.arange(self.size.size), self.size)  # blocks in column order, members row by row
        self.a = csc_array((np.ones(rows.size), (rows, cols)), shape=(n, self.size.size))
        self.starts = np.cumsum([0] + [len(t) for t in blocks])

    def solve(self, counts: dict[int, int] | None, cover: int, time_limit: float | None,
              objective: np.ndarray | None = None, relax: bool = False) -> tuple[np.ndarray | None, int]:
        """x maximising `objective` (default: the priority and score tiers) with exactly `counts[s]` groups of
        each size s; every member in at most one group (in exactly one with `cover` 1). Returns (x or None,
        HiGHS status)."""
        value = self.value if objective is None else objective
        use = np.ones(self.size.size, dtype=bool)
        count_rows: tuple[np.ndarray, np.ndarray] | None = None
        if counts is not None:  # only the columns of sizes the shape holds: 10,000 instead of 55,000
            if any(int((self.size == s).sum()) < c for s, c in counts.items()):
                return None, 2  # fewer allowed groups of a size than the shape needs: infeasible
            use = np.isin(self.size, [s for s, c in counts.items() if c > 0])
            if not relax:
                pruned = self._prune(use, value, counts, cover)
                if pruned is None:
                    return None, 2
                use = pruned
            sizes = sorted(s for s, c in counts.items() if c > 0)
            count_rows = (np.stack([(self.size == s).astype(np.float64) for s in sizes]),
                          np.array([counts[s] for s in sizes], dtype=np.float64))
        cols = np.flatnonzero(use)
        cons = [LinearConstraint(self.a[:, cols], cover, 1)]
        if count_rows is not None:
            cons.append(LinearConstraint(count_rows[0][:, cols], count_rows[1], count_rows[1]))
        options: dict[str, Any] = {"mip_rel_gap": GAP, "disp": DISP, "presolve": False}
        if time_limit is not None:
            options["time_limit"] = max(time_limit, 0.01)
        integral = np.full(cols.size, 0 if relax else 1, dtype=np.int64)
        res = milp(-value[cols], integrality=integral, bounds=Bounds(0, 1), constraints=cons,
                   options=options)  # type: ignore[arg-type]  # scipy-stubs want a TypedDict
        if res.x is None:
            return None, int(res.status)
        x = np.zeros(self.size.size)
        x[cols] = res.x
        return x, int(res.status)

    def _prune(self, use: np.ndarray, value: np.ndarray, counts: dict[int, int], cover: int) -> np.ndarray | None:
        """Reduced-cost fixing: the shape's LP relaxation (HiGHS, a few hundred iterations) gives a bound and
        each column's reduced cost, and rounding its solution greedily gives a round of the shape; a column
        whose reduced cost exceeds the gap between the two cannot be in a better round, so HiGHS's MILP only
        sees the rest (usually a few hundred columns instead of tens of thousands, where its own heuristics
        took seconds). None when the relaxation is infeasible (then so is the shape)."""
        cols = np.flatnonzero(use)
        if cols.size < PRUNE_MIN:
            return use  # HiGHS is quick on few columns
        sizes = sorted(s for s, c in counts.items() if c > 0)
        eq = np.stack([(self.size[cols] == s).astype(np.float64) for s in sizes])
        want = np.array([counts[s] for s in sizes], dtype=np.float64)
        a = self.a[:, cols]
        try:  # scipy rejects some degenerate shapes of input; then HiGHS gets every column
            if cover:
                lp = linprog(-value[cols], A_eq=vstack((a, csc_array(eq))),  # type: ignore[call-overload]
                             b_eq=np.concatenate((np.ones(a.shape[0]), want)), bounds=(0, 1), method="highs")
            else:
                lp = linprog(-value[cols], A_ub=a, b_ub=np.ones(a.shape[0]),  # type: ignore[call-overload]
                             A_eq=eq, b_eq=want, bounds=(0, 1), method="highs")
        except ValueError:
            return use
        if lp.status == 2:
            return None
        if lp.status != 0:
            return use
        picked = self._round(cols, lp.x, value, counts)
        if picked is None:
            return use
        gap = float(-value[picked].sum()) - float(lp.fun)
        keep = np.asarray(lp.lower.marginals) <= gap + 1e-7
        out = np.zeros_like(use)
        out[cols[keep]] = True
        out[picked] = True
        return out

    def _round(self, cols: np.ndarray, x: np.ndarray, value: np.ndarray, counts: dict[int, int]) -> np.ndarray | None:
        """Columns taken greedily by LP value, then by objective, while their members are free and their size
        still wanted; None unless that completes the shape."""
        left = dict(counts)
        taken = np.zeros(self.a.shape[0], dtype=bool)
        out: list[int] = []
        members = self.a[:, cols].T.tocsr()
        for j in np.lexsort((-value[cols], -np.round(x, 6))).tolist():
            s = int(self.size[cols[j]])
            if left.get(s, 0) <= 0:
                continue
            who = members.indices[members.indptr[j] : members.indptr[j + 1]]
            if taken[who].any():
                continue
            taken[who] = True
            left[s] -= 1
            out.append(int(cols[j]))
            if not any(left.values()):
                return np.array(out, dtype=np.int64)
        return None

    def groups(self, x: np.ndarray) -> list[list[int]]:
        out: list[list[int]] = []
        for p in np.flatnonzero(x > 0.5).tolist():
            b = int(np.searchsorted(self.starts, p, side="right") - 1)
            out.append([int(m) for m in self.blocks[b][p - self.starts[b]]])
        return out


def solve_partition(
    scores: np.ndarray, ok: np.ndarray, k: int, lo: int, hi: int, prio: np.ndarray, time_limit: float | None
) -> tuple[list[list[int]], bool]:
    """Disjoint groups (member indices) optimal in the module's order, and whether HiGHS proved them optimal
    (False: the best found before `time_limit` ran out, possibly none).

    Folding the tiers into one objective makes HiGHS crawl (its relaxation spreads every member over many
    fractional groups). Fixing the shape instead (how many groups of each size) keeps the relaxation tight, so
    the shapes are tried in the order of the first two tiers: the most members placed (from the relaxation's
    bound down), then the fewest off-size groups; the first level with a feasible shape is optimal, and among
    its shapes the best by priority and score wins. Connected parts of the allowed-pair graph are solved apart
    (the objective adds up over them)."""
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    _count, label = connected_components(csr_array(ok), directed=False)
    groups: list[list[int]] = []
    proved = True
    for part in np.unique(label).tolist():
        idx = np.flatnonzero(label == part)
        if idx.size < lo:
            continue
        blocks = allowed_groups(ok[np.ix_(idx, idx)], lo, hi)
        if not blocks:
            continue
        found, sure = _solve_part(_Columns(scores[np.ix_(idx, idx)], blocks, idx.size, k, prio[idx]),
                                  k, lo, hi, deadline)
        proved &= sure
        groups += [[int(idx[m]) for m in g] for g in found]
    return groups, proved


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.perf_counter()


def _solve_part(cols: _Columns, k: int, lo: int, hi: int, deadline: float | None) -> tuple[list[list[int]], bool]:
    """The optimal groups of one connected part: everybody placed if any shape allows it, else from the
    relaxation's bound on the members placed downwards."""
    n = cols.a.shape[0]
    found = _place(cols, n, n, k, lo, hi, deadline)
    if found is not None:
        return found
    x, _status = cols.solve(None, 0, _left(deadline), objective=cols.size.astype(np.float64), relax=True)
    bound = n - 1 if x is None else min(n - 1, int(np.floor(float(cols.size @ x) + 1e-6)))
    for p in range(bound, lo - 1, -1):
        found = _place(cols, p, n, k, lo, hi, deadline)
        if found is not None:
            return found
    return [], True


def _place(cols: _Columns, p: int, n: int, k: int, lo: int, hi: int, deadline: float | None
           ) -> tuple[list[list[int]], bool] | None:
    """The best groups placing exactly `p` members with the fewest off-size groups, as (groups, proved); None
    when no shape places `p`."""
    for level in shapes(p, k, lo, hi):
        best: tuple[float, np.ndarray] | None = None
        for counts in level:
            left = _left(deadline)
            if left is not None and left <= 0:
                return [], False
            x, status = cols.solve(dict(zip(range(lo, hi + 1), counts, strict=True)), 1 if p == n else 0, left)
            if status not in (0, 2):  # time ran out (with or without a solution): not proved
                return ([] if x is None else cols.groups(x)), False
            if x is not None and (best is None or float(cols.value @ x) > best[0]):
                best = (float(cols.value @ x), x)
        if best is not None:
            return cols.groups(best[1]), True
    return None


def dense_scores(enc: Encoded) -> tuple[np.ndarray, np.ndarray]:
    """Every pair's score and whether the hard rules allow it, as symmetric n x n matrices (diagonal:
    score 0, not allowed)."""
    n = enc.n
    u, v = all_pairs(n)
    s, ok = score_pairs(enc, u, v)
    scores = np.zeros((n, n), dtype=np.float64)
    allowed = np.zeros((n, n), dtype=bool)
    scores[u, v] = scores[v, u] = np.where(ok, s, 0.0)
    allowed[u, v] = allowed[v, u] = ok
    return scores, allowed


def exact_groups(
    enc: Encoded, prio: np.ndarray, time_limit: float | None
) -> tuple[list[list[int]], list[int], bool, np.ndarray]:
    """The exact partition for an encoded round: (groups, members left out, proved optimal, score matrix)."""
    scores, ok = dense_scores(enc)
    lo, hi = size_range(enc.options)
    groups, proved = solve_partition(scores, ok, enc.options.group_size, lo, hi, prio, time_limit)
    placed = np.zeros(enc.n, dtype=bool)
    for g in groups:
        placed[g] = True
    return groups, [int(x) for x in np.flatnonzero(~placed)], proved, scores


def result_of(enc: Encoded, groups: list[list[int]], alone: list[int], scores: np.ndarray,
              stats: dict[str, object]) -> RoundResult:
    """Member-index groups as a `RoundResult` (a group's score is the sum of its pair scores)."""
    out = [Group(tuple(int(enc.ids[x]) for x in g),
                 float(scores[np.ix_(g, g)].sum() / 2)) for g in groups]
    unplaced = [Unplaced(int(enc.ids[x]), _reason(enc, x, _row(enc, x)[1])) for x in alone]
    return RoundResult(tuple(out), tuple(unplaced), stats)


def milp_optimum(
    members: Sequence[Member],
    history: History | None = None,
    options: MatchOptions | None = None,
    priority: Collection[int] = (),
    *,
    time_limit: float | None = None,
) -> RoundResult:
    """The optimal round of groups of `options.group_size` (3 or 4) by the module's order (most placed, fewest
    off-size groups, priority members at the planned size, highest score): the reference the benchmark and the
    tests hold `group_round` against. Meant for rounds up to `EXACT_GROUP_MAX` members (it lists every allowed
    group). `stats["optimal"]` says whether HiGHS proved it optimal within `time_limit` (None: no limit)."""
    history = history or History()
    options = options or MatchOptions()
    if options.group_size <= 2:
        raise ValueError("milp_optimum forms groups of 3 or 4 (group_size 3 or 4)")
    if len(members) < 2:
        return RoundResult((), tuple(Unplaced(m.id, "alone") for m in members), {"optimal": True})
    t0 = time.perf_counter()
    enc = encode(members, history, options)
    groups, alone, proved, scores = exact_groups(enc, enc.mask(priority), time_limit)
    return result_of(enc, groups, alone, scores, {"group_size": options.group_size, "optimal": proved,
                                                  "exact": True, "milp_s": time.perf_counter() - t0})


__all__ = ["EXACT_GROUP_MAX", "allowed_groups", "milp_optimum", "shapes", "solve_partition"]
