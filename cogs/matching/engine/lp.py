"""The linear-programming relaxation of a round, solved on a sparse candidate graph with pricing.

Between `dense_threshold` and `PRICE_MAX` members the sparse path would otherwise rest on greedy choices
over a candidate list, which loses a few percent exactly at the threshold. Instead: every allowed pair is
scored once (a few million at most), each member's `k` best partners form the first candidate set, and
HiGHS solves the matching LP (each member in at most one pair, 0 <= x <= 1) on it. Its dual prices y say
what each member is worth in the current solution; any allowed pair with score > y_a + y_b could improve
it, so the best such pairs per member join the candidate set and the LP is solved again (column
generation). When no such pair is left, the LP is optimal over *all* pairs, its value is an upper bound of
the best matching, and its integral part is the start of the matching: the fractional rest (odd cycles
at x = 1/2) is finished by greedy choice and local search like every other path.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from .candidates import all_pairs, top_k
from .encode import Encoded
from .vector import score_pairs

PRICE_MAX = 3000  # members up to which every pair is scored for pricing (about 4.5 million pairs)
PRICE_ROUNDS = 3
PRICE_PER_MEMBER = 8
TOL = 1e-7


def feasible_pairs(enc: Encoded) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair the hard rules allow, with its score (low index first)."""
    u, v = all_pairs(enc.n)
    s, ok = score_pairs(enc, u, v)
    return u[ok], v[ok], s[ok]


def _solve(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(x per edge, dual price per member) of the matching LP, or None when HiGHS fails."""
    e = len(u)
    cols = np.arange(e)
    a: Any = sp.csr_matrix(  # Any: SciPy's stubs omit the sparse A_ub that HiGHS accepts
        (np.ones(2 * e), (np.concatenate((u, v)), np.concatenate((cols, cols)))), shape=(n, e))
    res = linprog(-w, A_ub=a, b_ub=np.ones(n), bounds=(0, 1), method="highs")
    if res.status != 0 or res.x is None:
        return None
    return np.asarray(res.x), -np.asarray(res.ineqlin.marginals)


def lp_pairs(
    enc: Encoded, k: int, extra: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(u, v, w, integral) over the final candidate set: edges best first, `integral` marks the pairs the
    LP optimum takes whole. `extra` adds candidate pairs (e.g. the facet index's) to the first set."""
    n = enc.n
    au, av, aw = feasible_pairs(enc)
    if len(au) == 0:
        e = np.empty(0, np.int64)
        return e, e, np.empty(0), np.empty(0, bool)
    chosen = np.zeros(len(au), dtype=bool)
    chosen[top_k(au, av, aw, k)] = True
    if extra is not None and len(extra[0]):
        keys = au * n + av  # ascending: all_pairs lists pairs in row-major order
        want = np.minimum(*extra) * n + np.maximum(*extra)
        pos = np.searchsorted(keys, want)
        valid = pos < len(keys)
        valid[valid] &= keys[pos[valid]] == want[valid]
        chosen[pos[valid]] = True
    x = np.zeros(len(au))
    for _ in range(PRICE_ROUNDS):
        idx = np.flatnonzero(chosen)
        sol = _solve(n, au[idx], av[idx], aw[idx])
        if sol is None:
            break
        x[:] = 0.0
        x[idx] = sol[0]
        y = sol[1]
        reduced = aw - y[au] - y[av]
        fresh = (reduced > TOL) & ~chosen
        if not fresh.any():
            break
        f = np.flatnonzero(fresh)
        chosen[f[top_k(au[f], av[f], reduced[f], PRICE_PER_MEMBER)]] = True
    idx = np.flatnonzero(chosen)
    order = idx[np.argsort(-aw[idx], kind="stable")]
    return au[order], av[order], aw[order], x[order] > 1 - 1e-6
