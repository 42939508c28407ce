"""Above `PRICE_MAX` members the LP is priced against every pair by a block scan: the blocks cover each
pair exactly once, and rounds there stay within half a percent of the assignment bound."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cogs.matching.engine import pair_round
from cogs.matching.engine.exact import matching_value, upper_bound
from cogs.matching.engine.lp import PRICE_BLOCK_MAX, PRICE_MAX, blocks

from .communities import community
from .engine_data import options


@given(st.integers(min_value=0, max_value=80), st.integers(min_value=1, max_value=500))
def test_blocks_list_every_pair_once(n: int, size: int) -> None:
    parts = list(blocks(n, size))
    u = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
    v = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, np.int64)
    want_u, want_v = np.triu_indices(n, 1)
    assert np.array_equal(u, want_u) and np.array_equal(v, want_v)
    assert all(len(p[0]) <= max(size, n - 1) for p in parts)


@pytest.mark.parametrize("shape", ["clusters", "minorities"])
def test_block_priced_rounds_are_near_the_bound(shape: str) -> None:
    n = PRICE_MAX + 101
    assert n <= PRICE_BLOCK_MAX
    people, history = community(shape, n, seed=3)
    opts = options()
    result = pair_round(people, history, opts, dense=False)
    assert matching_value(people, history, opts, result) >= 0.995 * upper_bound(people, history, opts)
