"""The benchmark's references are what they claim: the MILP finds the best partition (checked by brute force on
small random score tables) and the upper bound is never below the exact optimum. A wrong reference would make
every quality figure in the README meaningless."""

from __future__ import annotations

from itertools import combinations

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.community import SHAPES, generate
from bench.matching_quality import milp_optimum, upper_bound


def _matrix(n: int, seed: int, forbid: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = np.round(rng.random((n, n)) * 3, 2)
    m = np.triu(m, 1)
    m = m + m.T
    bad = np.triu(rng.random((n, n)) < forbid, 1)
    m[bad | bad.T] = -np.inf
    np.fill_diagonal(m, -np.inf)
    return m


def _brute(m: np.ndarray, k: int) -> tuple[int, float, float]:
    """(placed, -shape cost, score) of the best partition, by trying every one."""
    n = m.shape[0]
    sizes = [s for s in (k - 1, k, k + 1) if s >= 2]
    best = (0, 0.0, 0.0)

    def go(rest: tuple[int, ...], key: tuple[int, float, float]) -> None:
        nonlocal best
        if not rest:
            best = max(best, key)
            return
        first, others = rest[0], rest[1:]
        go(others, key)  # `first` left out
        for s in sizes:
            for mates in combinations(others, s - 1):
                g = (first, *mates)
                if all(np.isfinite(m[a, b]) for a, b in combinations(g, 2)):
                    w = sum(m[a, b] for a, b in combinations(g, 2))
                    cost = (n + 1) * (s != k) + (s if s > k else 0)
                    go(tuple(x for x in others if x not in mates), (key[0] + s, key[1] - cost, key[2] + w))

    go(tuple(range(n)), best)
    return best


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 8), st.integers(0, 10_000), st.sampled_from([0.0, 0.2, 0.5]), st.sampled_from([3, 4]))
def test_the_milp_reference_is_the_best_partition(n: int, seed: int, forbid: float, k: int) -> None:
    m = _matrix(n, seed, forbid)
    placed, _off, score = milp_optimum(m, k)
    b_placed, _cost, b_score = _brute(m, k)
    assert placed == b_placed
    assert abs(score - b_score) < 1e-6 * max(1.0, b_score)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 16), st.integers(0, 10_000), st.sampled_from([0.0, 0.3]))
def test_the_upper_bound_is_never_below_the_exact_matching(n: int, seed: int, forbid: float) -> None:
    m = _matrix(n, seed, forbid)
    g: nx.Graph[int] = nx.Graph()
    g.add_weighted_edges_from((a, b, m[a, b]) for a, b in combinations(range(n), 2) if np.isfinite(m[a, b]))
    best = sum(g[a][b]["weight"] for a, b in nx.max_weight_matching(g))
    assert upper_bound(m, 0) >= best - 1e-9


def test_every_shape_is_deterministic_and_keeps_its_promises() -> None:
    for shape in SHAPES:
        a, ha, pa = generate(120, 3, shape)
        b, hb, pb = generate(120, 3, shape)
        assert a == b and ha == hb and pa == pb, shape
        assert len({m.id for m in a}) == 120
    realistic, history, _ = generate(1000, 1, "realistic")
    empty = sum(not (m.topics or m.offers or m.wants) for m in realistic) / 1000
    assert 0.04 < empty < 0.11
    zones = [m.timezone or "" for m in realistic if m.timezone]
    europe = sum(z.startswith(("Europe/", "Africa/")) for z in zones) / len(zones)
    assert 0.5 < europe < 0.7
    assert len(history.rounds) == 6 and len(history.blocked) >= 30
    chain, _, _ = generate(10, 1, "chain")
    shared = sum(bool(set(x.languages) & set(y.languages)) for x, y in combinations(chain, 2))
    assert shared == 9  # a path: only neighbours share a language
