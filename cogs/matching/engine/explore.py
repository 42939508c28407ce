"""Which members a round explores with: a fixed, seeded coin per member, the same wherever it is asked.

Learning (`learning.py`) lets a share of each round be scored with weights drawn from the community's belief
(Thompson sampling), so that matching keeps trying pairings the model is unsure about. The scalar scorer
(`score.pair_score`) and the array scorer (`vector.py`, through `encode.py`) must agree on who explores without
sharing state, and the choice must not depend on who else takes part; so it is a hash of (seed, member id)
compared with a threshold, not a random draw. The scalar and the array version compute the same integers.
"""

from __future__ import annotations

import numpy as np

MASK = (1 << 64) - 1
_GOLDEN, _M1, _M2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def _mix(x: int) -> int:
    """splitmix64's finaliser: every input bit flips about half the output bits."""
    x = (x + _GOLDEN) & MASK
    x = ((x ^ (x >> 30)) * _M1) & MASK
    x = ((x ^ (x >> 27)) * _M2) & MASK
    return x ^ (x >> 31)


def _mix_array(x: np.ndarray) -> np.ndarray:
    """`_mix` on a uint64 array (numpy's unsigned arithmetic wraps modulo 2^64, as the masks do above)."""
    with np.errstate(over="ignore"):
        x = x + np.uint64(_GOLDEN)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(_M1)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(_M2)
    return x ^ (x >> np.uint64(31))


def threshold(share: float) -> int:
    """Hashes below this explore: `share` of the 2^64 possible values (`share` >= 1: every member)."""
    return int(min(max(share, 0.0), 1.0) * float(1 << 64))


def is_explored(member_id: int, seed: int, share: float) -> bool:
    """Whether this member's pairs use the exploration weights this round (about `share` of members)."""
    if share <= 0:
        return False
    return share >= 1 or _mix(_mix(seed & MASK) ^ (member_id & MASK)) < threshold(share)


def explored_mask(ids: np.ndarray, seed: int, share: float) -> np.ndarray:
    """`is_explored` for many member ids at once."""
    ids = np.asarray(ids, dtype=np.int64)
    if share <= 0:
        return np.zeros(ids.shape, dtype=bool)
    if share >= 1:
        return np.ones(ids.shape, dtype=bool)
    salted = ids.astype(np.uint64) ^ np.uint64(_mix(seed & MASK))
    return _mix_array(salted) < np.uint64(threshold(share))


__all__ = ["explored_mask", "is_explored", "threshold"]
