"""Which members a round explores with: a fixed, seeded coin per member, the same wherever it is asked.

Learning (`learning.py`) lets a share of each round be scored with weights drawn from the community's belief
(Thompson sampling), so that matching keeps trying pairings the model is unsure about. The scalar scorer
(`score.pair_score`) and the array scorer (`vector.py`) must agree on who explores without sharing state, and
the choice must not depend on who else takes part; so it is a hash of (seed, member id), not a random draw.
"""

from __future__ import annotations

MASK = (1 << 64) - 1


def _mix(x: int) -> int:
    """splitmix64's finaliser: every input bit flips about half the output bits."""
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def explore_draw(member_id: int, seed: int) -> float:
    """A uniform number in [0, 1) fixed by (seed, member id)."""
    return _mix(_mix(seed & MASK) ^ (member_id & MASK)) / float(1 << 64)


def is_explored(member_id: int, seed: int, share: float) -> bool:
    """Whether this member's pairings use the exploration weights this round (about `share` of members)."""
    return share > 0 and explore_draw(member_id, seed) < share


__all__ = ["explore_draw", "is_explored"]
