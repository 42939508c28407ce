"""The exact reference: networkx's blossom algorithm on the full graph of the same pair scores.

Only for small rounds (it is cubic); the benchmark and the tests measure the fast engine against it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import networkx as nx
import numpy as np
from scipy.optimize import linear_sum_assignment

from .assignment import FORBIDDEN
from .candidates import all_pairs, dense_matrix
from .encode import encode
from .model import History, MatchOptions, Member, RoundResult
from .rounds import matching_from_pairs
from .vector import score_pairs


def exact_graph(members: Sequence[Member], history: History, options: MatchOptions) -> nx.Graph[int]:
    """Every allowed pair as an edge weighted by its score (nodes are member ids)."""
    enc = encode(members, history, options)
    u, v = all_pairs(enc.n)
    s, ok = score_pairs(enc, u, v)
    g: nx.Graph[int] = nx.Graph()
    g.add_nodes_from(int(x) for x in enc.ids)
    ids = enc.ids
    g.add_weighted_edges_from(
        zip(ids[u[ok]].tolist(), ids[v[ok]].tolist(), s[ok].tolist(), strict=True)
    )
    return g


def exact_round(
    members: Sequence[Member],
    history: History | None = None,
    options: MatchOptions | None = None,
    priority: Collection[int] = (),
) -> RoundResult:
    """Maximum-cardinality, maximum-weight matching, finished like the engine's (leftover -> trio)."""
    history = history or History()
    options = options or MatchOptions()
    g = exact_graph(members, history, options)
    pairs = nx.max_weight_matching(g, maxcardinality=True)
    return matching_from_pairs(members, history, options, [(int(a), int(b)) for a, b in pairs], priority)


def score_matrix(members: Sequence[Member], history: History, options: MatchOptions) -> np.ndarray:
    """Every pair's score as a dense matrix in member order, -inf where a hard rule forbids the pair."""
    return dense_matrix(encode(members, history, options))


def upper_bound(
    members: Sequence[Member], history: History | None = None, options: MatchOptions | None = None
) -> float:
    """An upper bound of the best matching's score (pairs only, same scores, same hard rules), fast up to a
    few thousand members.

    The assignment problem on the symmetric score matrix, with "stay alone" (0) on the diagonal, is a
    relaxation: every matching is a permutation of the same value twice over (each pair a 2-cycle, each
    lonely member a fixed point). Half the best permutation's value therefore bounds the best matching,
    and a strategy within 99.5% of this bound is within 99.5% of the exact optimum. SciPy's C solver needs
    about a second at 3,000 members where the blossom algorithm needs hours."""
    history = history or History()
    options = options or MatchOptions()
    if len(members) < 2:
        return 0.0
    m = score_matrix(members, history, options)
    c = np.where(np.isfinite(m), m, FORBIDDEN)
    np.fill_diagonal(c, 0.0)
    rows, cols = linear_sum_assignment(c, maximize=True)
    value = c[rows, cols]
    return float(value[value > FORBIDDEN / 2].sum() / 2)


def matching_value(
    members: Sequence[Member], history: History, options: MatchOptions, result: RoundResult
) -> float:
    """The score of the best matching inside a round: each pair, and the best pair of each larger group
    (what a round is compared on against `upper_bound`, which only knows pairs)."""
    enc = encode(members, history, options)
    total = 0.0
    for g in result.groups:
        idx = [enc.index[x] for x in g.members]
        a, b = np.triu_indices(len(idx), 1)
        arr = np.array(idx, dtype=np.int64)
        s, ok = score_pairs(enc, arr[a], arr[b])
        total += float(np.max(np.where(ok, s, 0.0))) if len(g.members) <= 3 else _group_matching(s, ok, a, b)
    return total


def _group_matching(s: np.ndarray, ok: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Best matching inside one small group (4 or 5 members): brute force over pairs of disjoint pairs."""
    best = float(np.max(np.where(ok, s, 0.0)))
    for x in range(len(s)):
        for y in range(x + 1, len(s)):
            if ok[x] and ok[y] and len({a[x], b[x], a[y], b[y]}) == 4:
                best = max(best, float(s[x] + s[y]))
    return best
