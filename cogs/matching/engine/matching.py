"""Building a heavy matching from scored candidate edges, vectorised.

Greedy matching takes edges best-first and keeps those whose ends are both free. Done edge by edge that is
a Python loop; done as "locally dominant" rounds (an edge that is the best alive edge of both its ends is
always taken by greedy) it is a handful of numpy passes with exactly the same result. The same routine picks
non-conflicting improvement moves, and `improve` applies 2-opt swaps on pairs of pairs until none helps.
"""

from __future__ import annotations

import numpy as np

from .encode import Encoded
from .vector import score_pairs


def select_disjoint(n: int, x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Greedy (heaviest first) set of edges with pairwise distinct endpoints; mask over the input edges."""
    e = len(x)
    chosen = np.zeros(e, dtype=bool)
    if e == 0:
        return chosen
    order = np.argsort(-weight, kind="stable")
    rank = np.empty(e, dtype=np.int64)
    rank[order] = np.arange(e)
    used = np.zeros(n, dtype=bool)
    alive = np.arange(e)
    best = np.empty(n, dtype=np.int64)
    while alive.size:
        xs, ys, rs = x[alive], y[alive], rank[alive]
        best.fill(e)
        np.minimum.at(best, xs, rs)
        np.minimum.at(best, ys, rs)
        dom = (best[xs] == rs) & (best[ys] == rs)
        took = alive[dom]
        chosen[took] = True
        used[x[took]] = True
        used[y[took]] = True
        alive = alive[~used[x[alive]] & ~used[y[alive]]]
        if alive.size and len(took) * 200 < alive.size:
            # A long chain of nested preferences: finish the plain greedy loop instead of many passes.
            for k in alive[np.argsort(rank[alive])].tolist():
                a, b = int(x[k]), int(y[k])
                if not used[a] and not used[b]:
                    used[a] = used[b] = True
                    chosen[k] = True
            break
    return chosen


def greedy(
    mate: np.ndarray, pscore: np.ndarray, u: np.ndarray, v: np.ndarray, w: np.ndarray
) -> None:
    """Match free members greedily along candidate edges (in place)."""
    free = (mate[u] < 0) & (mate[v] < 0)
    u, v, w = u[free], v[free], w[free]
    take = select_disjoint(len(mate), u, v, w)
    a, b, s = u[take], v[take], w[take]
    mate[a], mate[b] = b, a
    pscore[a], pscore[b] = s, s


def improve(
    enc: Encoded,
    mate: np.ndarray,
    pscore: np.ndarray,
    locked: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    w: np.ndarray,
    passes: int,
) -> int:
    """2-opt on pairs: for a candidate edge (a, c) with pairs (a, b) and (c, d), re-pair as (a, c), (b, d)
    when that raises the total and (b, d) is allowed. Moves touching disjoint pairs are applied together;
    later passes only look at edges near pairs that changed. Returns the number of moves made."""
    n = len(mate)
    if len(u) == 0:
        return 0
    smax = float(w.max())
    dirty = np.ones(n, dtype=bool)
    moves = 0
    idx = np.arange(n)
    for _ in range(passes):
        ma, mc = mate[u], mate[v]
        sel = (ma >= 0) & (mc >= 0) & (ma != v) & ~locked[u] & ~locked[v]
        sel &= dirty[u] | dirty[v] | dirty[np.where(ma >= 0, ma, 0)] | dirty[np.where(mc >= 0, mc, 0)]
        sel &= w - pscore[u] - pscore[v] + smax > 1e-9
        if not sel.any():
            break
        a, c, sac = u[sel], v[sel], w[sel]
        b, d = mate[a], mate[c]
        sbd, ok = score_pairs(enc, b, d)
        gain = sac + sbd - pscore[a] - pscore[c]
        good = ok & (gain > 1e-9)
        if not good.any():
            break
        a, b, c, d, sac, sbd, gain = a[good], b[good], c[good], d[good], sac[good], sbd[good], gain[good]
        pid = np.minimum(idx, mate)
        take = select_disjoint(n, pid[a], pid[c], gain)
        a, b, c, d, sac, sbd = a[take], b[take], c[take], d[take], sac[take], sbd[take]
        mate[a], mate[c], mate[b], mate[d] = c, a, d, b
        pscore[a], pscore[c], pscore[b], pscore[d] = sac, sac, sbd, sbd
        dirty[:] = False
        dirty[a] = dirty[b] = dirty[c] = dirty[d] = True
        moves += len(a)
    return moves


def improve_dense(m: np.ndarray, mate: np.ndarray, pscore: np.ndarray, locked: np.ndarray, passes: int) -> int:
    """2-opt over every pair of pairs using the full score matrix (small rounds): both re-pairings of
    (a, b), (c, d) are tried; disjoint improving swaps are applied together until none is left."""
    moves = 0
    for _ in range(passes):
        a = np.nonzero((mate > np.arange(len(mate))) & ~locked)[0]
        if a.size < 2:
            break
        b = mate[a]
        w = pscore[a]
        g1 = m[np.ix_(a, a)] + m[np.ix_(b, b)]  # (a_p, a_q) and (b_p, b_q)
        g2 = m[np.ix_(a, b)] + m[np.ix_(b, a)]  # (a_p, b_q) and (b_p, a_q)
        second = g2 > g1
        gain = np.where(second, g2, g1) - w[:, None] - w[None, :]
        p, q = np.nonzero(np.triu(gain > 1e-9, 1))
        if p.size == 0:
            break
        take = select_disjoint(a.size, p, q, gain[p, q])
        p, q = p[take], q[take]
        ap, bp, aq, bq = a[p], b[p], a[q], b[q]
        alt = second[p, q]
        x1, y1 = ap, np.where(alt, bq, aq)
        x2, y2 = bp, np.where(alt, aq, bq)
        mate[x1], mate[y1], mate[x2], mate[y2] = y1, x1, y2, x2
        pscore[x1] = pscore[y1] = m[x1, y1]
        pscore[x2] = pscore[y2] = m[x2, y2]
        moves += p.size
    return moves
