"""Keeping each member's best candidate edges: the counting pre-filter of large graphs (`_maybe_top`) never
changes which edges `top_k` keeps."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.matching.engine.candidates import _maybe_top, _top_k, top_k


def reference(u: np.ndarray, v: np.ndarray, w: np.ndarray, k: int) -> set[int]:
    """Edge ids among the k best (score, then edge order) of either endpoint, one node at a time."""
    keep: set[int] = set()
    for x in set(u.tolist()) | set(v.tolist()):
        mine = [e for e in range(len(u)) if x in (u[e], v[e])]
        mine.sort(key=lambda e: (-w[e], e))
        keep.update(mine[:k])
    return keep


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), nodes=st.integers(2, 40), edges=st.integers(1, 400), k=st.integers(1, 15),
       decimals=st.integers(0, 3), shift=st.floats(-5, 5))
def test_the_pre_filter_keeps_every_nodes_best(seed: int, nodes: int, edges: int, k: int, decimals: int,
                                               shift: float) -> None:
    rng = np.random.default_rng(seed)
    u = rng.integers(0, nodes, edges)
    v = (u + rng.integers(1, nodes, edges)) % nodes
    w = np.round(rng.normal(size=edges), decimals) + shift  # many ties when rounded coarsely
    full = _top_k(u, v, w, k)
    assert set(full.tolist()) == reference(u, v, w, k)
    maybe = _maybe_top(u, v, w, k)
    if maybe is not None:
        assert np.array_equal(maybe[_top_k(u[maybe], v[maybe], w[maybe], k)], full)


def test_a_large_graph_goes_through_the_pre_filter() -> None:
    rng = np.random.default_rng(7)
    n, e = 20_000, 600_000
    u = rng.integers(0, n, e)
    v = (u + rng.integers(1, n, e)) % n
    w = np.round(rng.random(e) * 12, 2)
    maybe = _maybe_top(u, v, w, 12)
    assert maybe is not None and len(maybe) < e // 2  # most edges are dropped before sorting
    assert np.array_equal(top_k(u, v, w, 12), _top_k(u, v, w, 12))
