"""Near-exact matching for small rounds through the assignment relaxation.

Maximum-weight matching in a general graph needs Edmonds' blossoms (networkx's pure-Python version takes
minutes to an hour at 1,000 people). Solving the *assignment* problem on the symmetric score matrix instead
(scipy's C implementation, well under a second) gives a permutation whose value is an upper bound of twice
the best matching. Its 2-cycles are pairs; an even longer cycle splits into the better of its two
alternating matchings; an odd cycle leaves out the member whose removal costs least. On realistic rounds
almost every cycle is a 2-cycle, so the result sits within a fraction of a percent of the optimum (the
benchmark reports both numbers) and 2-opt polishes the rest.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

FORBIDDEN = -1e9


def _cycles(sigma: np.ndarray) -> list[list[int]]:
    seen = np.zeros(len(sigma), dtype=bool)
    out: list[list[int]] = []
    sig = sigma.tolist()
    for start in range(len(sig)):
        if seen[start]:
            continue
        cycle: list[int] = []
        j = start
        while not seen[j]:
            seen[j] = True
            cycle.append(j)
            j = sig[j]
        out.append(cycle)
    return out


def _split_cycle(cycle: list[int], c: np.ndarray) -> list[tuple[int, int]]:
    """Best set of consecutive pairs along a cycle of the permutation."""
    n = len(cycle)
    if n == 2:
        return [(cycle[0], cycle[1])]
    if n < 2:
        return []
    edge = [float(c[cycle[k], cycle[(k + 1) % n]]) for k in range(n)]  # edge k joins k and k+1
    if n % 2 == 0:
        even = sum(edge[0::2])
        odd = sum(edge[1::2])
        first = 0 if even >= odd else 1
        return [(cycle[k], cycle[(k + 1) % n]) for k in range(first, n, 2)]
    # Odd: leaving out member r uses edges r+1, r+3, ..., r+n-2 (mod n).
    best_r, best_v = 0, -np.inf
    for r in range(n):
        v = sum(edge[(r + 1 + 2 * t) % n] for t in range((n - 1) // 2))
        if v > best_v:
            best_r, best_v = r, v
    return [(cycle[(best_r + 1 + 2 * t) % n], cycle[(best_r + 2 + 2 * t) % n]) for t in range((n - 1) // 2)]


def assignment_matching(
    m: np.ndarray, nodes: np.ndarray, spare: np.ndarray | None = None
) -> list[tuple[int, int]]:
    """Pairs (as indices into the full matrix) among `nodes`, from the assignment relaxation of the
    score sub-matrix (-inf marks forbidden pairs). Forbidden pairs are never returned."""
    if nodes.size < 2:
        return []
    sub = m[np.ix_(nodes, nodes)]
    c = np.where(np.isfinite(sub), sub, FORBIDDEN)
    np.fill_diagonal(c, FORBIDDEN)
    rows, cols = linear_sum_assignment(c, maximize=True)
    sigma = np.empty(nodes.size, dtype=np.int64)
    sigma[rows] = cols
    pairs: list[tuple[int, int]] = []
    cycles = _cycles(sigma)
    rest = [x for cycle in cycles if len(cycle) > 2 for x in cycle]
    for cycle in cycles:
        if len(cycle) > 2 and len(rest) <= EXACT_REST:
            continue
        for a, b in _split_cycle(cycle, c):
            if c[a, b] > FORBIDDEN / 2:
                pairs.append((int(nodes[a]), int(nodes[b])))
    if 2 <= len(rest) <= EXACT_REST:
        # The members on longer cycles are where the relaxation is not a matching: settle them exactly.
        pairs += exact_small_matching(m, nodes[np.array(rest)], spare)
    return pairs


EXACT_REST = 120  # members on odd cycles of the relaxation that are re-paired exactly
EXACT_MAX = 40  # free members up to which the blossom algorithm is used (well under 0.1 s at this size)


def exact_small_matching(
    m: np.ndarray, nodes: np.ndarray, spare: np.ndarray | None = None
) -> list[tuple[int, int]]:
    """The maximum-cardinality, maximum-weight pairs among `nodes` (networkx's blossom algorithm), for small
    rounds: the relaxation plus local search is near the optimum on average but can miss it by a few percent
    on a dozen people, which is exactly where members would notice a worse partner. With `spare` (a mask
    over all members), only those it marks may be the one left over when the count is odd."""
    import networkx as nx  # only small rounds need it

    g: nx.Graph[int] = nx.Graph()
    g.add_nodes_from(int(x) for x in nodes)
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            w = m[a, b]
            if np.isfinite(w):
                g.add_edge(int(a), int(b), weight=float(w))
    if spare is not None and len(nodes) % 2 == 1 and not spare[nodes].all():
        # Odd count: a stand-in partner of weight 0 for each member who may be the one left over (not a
        # priority member), so the optimum leaves out whoever costs least among them.
        g.add_edges_from(((-1, int(x)) for x in nodes if spare[x]), weight=0.0)
    pairs = nx.max_weight_matching(g, maxcardinality=True)
    return [(int(a), int(b)) for a, b in pairs if a >= 0 and b >= 0]
