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

from collections.abc import Iterator
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from .candidates import all_pairs, top_k
from .encode import Encoded
from .vector import score_pairs

PRICE_MAX = 3000  # members up to which every pair is scored and kept in memory (about 4.5 million pairs)
PRICE_BLOCK_MAX = 8000  # up to here every pair is priced from float32 scores kept by block, see `blocked_lp_pairs`
BLOCK_PAIRS = 2_000_000  # pairs scored at once by the block scan (memory stays near 100 MB)
PRICE_ROUNDS = 3
BLOCK_PRICE_ROUNDS = 6  # pricing rounds of the block scan (cheap on cached scores; HiGHS solves dominate)
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


def blocks(n: int, size: int = BLOCK_PAIRS) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every unordered pair (low index first), a row block of about `size` pairs at a time (at least one
    row)."""
    start = 0
    while start < n - 1:
        stop = start + 1
        count = n - 1 - start
        while stop < n - 1 and count + (n - 1 - stop) <= size:
            count += n - 1 - stop
            stop += 1
        rows = np.arange(start, stop, dtype=np.int64)
        lengths = n - 1 - rows
        u = np.repeat(rows, lengths)
        offsets = np.arange(len(u), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        yield u, u + 1 + offsets
        start = stop


def _kth_best(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """Each member's k-th best score among the given pairs (-inf for members with fewer than k)."""
    node = np.concatenate((u, v))
    val = np.concatenate((w, w))
    order = np.lexsort((-val, node))
    node, val = node[order], val[order]
    first = np.searchsorted(node, np.arange(n))
    count = np.bincount(node, minlength=n)
    out = np.full(n, -np.inf)
    has = count >= k
    out[has] = val[first[has] + k - 1]
    return out


def _scan_best(
    enc: Encoded, k: int, y: np.ndarray | None, skip: np.ndarray, cache: list[np.ndarray],
    floor: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each member's `k` best allowed pairs over *all* pairs, never holding more than a block of them
    with their indices: by score (y None) or by reduced score w - y_a - y_b > 0 (pricing), leaving out
    the pair keys in the sorted array `skip`. `floor` (per member, a score its k-th best reaches for sure)
    lets most pairs go before ranking: a pair below both ends' floors is nobody's top-k. A member's best k
    overall are among its best k inside the block they fall in, so keeping each block's top-k and taking
    the top-k of that union again is exact. The first scan fills `cache` with every block's scores as
    float32 (-inf where forbidden: 4 bytes a pair), so pricing rounds do not score again; the pairs
    chosen are scored again exactly."""
    n = enc.n
    keep_u, keep_v, keep_r = [], [], []
    for b, (u, v) in enumerate(blocks(n)):
        if b < len(cache):
            s = cache[b]
            ok = np.isfinite(s)
        else:
            s64, ok = score_pairs(enc, u, v)
            s = np.where(ok, s64, -np.inf).astype(np.float32)
            cache.append(s)
        r = s if y is None else s - y[u] - y[v]
        if y is not None:
            ok &= r > TOL
        if floor is not None:
            ok &= (s >= floor[u] - 1e-4) | (s >= floor[v] - 1e-4)
        if len(skip):
            key = u * n + v
            pos = np.minimum(np.searchsorted(skip, key), len(skip) - 1)
            ok &= skip[pos] != key
        idx = np.flatnonzero(ok)
        sel = idx[top_k(u[idx], v[idx], r[idx], k)]
        keep_u.append(u[sel])
        keep_v.append(v[sel])
        keep_r.append(r[sel])
    u, v, r = (np.concatenate(a) for a in (keep_u, keep_v, keep_r))
    sel = top_k(u, v, r, k)
    u, v = u[sel], v[sel]
    w, _ = score_pairs(enc, u, v)
    return u, v, w


def blocked_lp_pairs(
    enc: Encoded, k: int, extra: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`lp_pairs` for rounds too large to keep every pair in memory (up to PRICE_BLOCK_MAX members): the
    first candidate set and each pricing round come from a scan over all pairs in row blocks, so the LP
    is still priced against every allowed pair, at the cost of scoring each pair once per round."""
    n = enc.n
    eu = ev = np.empty(0, np.int64)
    es = np.empty(0)
    if extra is not None and len(extra[0]):
        eu, ev = np.minimum(*extra), np.maximum(*extra)
        es, ok = score_pairs(enc, eu, ev)
        eu, ev, es = eu[ok], ev[ok], es[ok]
    cache: list[np.ndarray] = []
    u, v, w = _scan_best(enc, k, None, np.empty(0, np.int64), cache, _kth_best(n, eu, ev, es, k))
    u, v, w = np.concatenate((u, eu)), np.concatenate((v, ev)), np.concatenate((w, es))
    key, first = np.unique(u * n + v, return_index=True)
    u, v, w = u[first], v[first], w[first]
    x = np.zeros(len(u))
    for _ in range(BLOCK_PRICE_ROUNDS):
        sol = _solve(n, u, v, w)
        if sol is None:
            break
        x = sol[0]
        fu, fv, fw = _scan_best(enc, PRICE_PER_MEMBER, sol[1], key, cache)
        if len(fu) == 0:
            break
        u, v, w = np.concatenate((u, fu)), np.concatenate((v, fv)), np.concatenate((w, fw))
        x = np.concatenate((x, np.zeros(len(fu))))
        order = np.argsort(u * n + v)
        u, v, w, x = u[order], v[order], w[order], x[order]
        key = u * n + v
    order = np.argsort(-w, kind="stable")
    return u[order], v[order], w[order], x[order] > 1 - 1e-6
