"""The exact teams of a small event (up to `EXACT_TEAM_MAX` people), as the set-packing MILP of `group_exact`.

Every allowed team (each pair in it honours the hard rules) of a size in the plan is a column; HiGHS picks
disjoint columns with exactly the planned number of teams of each size. The objective folds the plan's tiers
into one sum that cannot trade between them: need slots covered (times more than the rest can ever add up
to), then the fewest pairs without a common waking hour, then the fit scaled below 1. The most people placed
comes first of all: the plan for everybody is tried first, then for one person fewer, and so on; for each count
the planned sizes (`groups.group_sizes`) first, and when the hard rules refuse them, the shapes with the fewest
teams off size (the best of those).
"""

from __future__ import annotations

import math
import time
from collections import Counter

import numpy as np

from .group_exact import _Columns, allowed_groups, shapes
from .groups import group_sizes
from .team_needs import covered

EXACT_TEAM_MAX = 24
EXACT_COLUMNS = 120_000  # possible teams beyond this are too many to list quickly: the heuristic answers


def possible_teams(n: int, low: int, high: int) -> int:
    """How many teams of `low`..`high` people `n` people could form at most (before the hard rules)."""
    return sum(math.comb(n, s) for s in range(low, high + 1))


def exact_teams(fit: np.ndarray, zero: np.ndarray, bad: np.ndarray, masks: list[int], slots: tuple[int, ...],
                k: int, low: int, high: int, time_limit: float | None) -> tuple[list[list[int]], bool]:
    """The optimal teams (member indices), and whether HiGHS proved them optimal within `time_limit`."""
    n = len(masks)
    ok = ~bad
    np.fill_diagonal(ok, False)
    blocks = allowed_groups(ok, low, high)
    if not blocks:
        return [], True
    cols = _Columns(fit, blocks, n, k, np.zeros(n, dtype=bool))
    total = np.concatenate([fit[t[:, :, None], t[:, None, :]].sum(axis=(1, 2)) / 2 for t in blocks])
    zeros = np.concatenate([zero[t[:, :, None], t[:, None, :]].sum(axis=(1, 2)) / 2 for t in blocks])
    cover = np.array([covered([masks[x] for x in row], slots) for t in blocks for row in t.tolist()],
                     dtype=np.float64) if slots else np.zeros(total.size)
    per = np.zeros(n)  # a bound on any plan's fit: each member's best team's fit per member, added up
    for t, s in zip(blocks, np.split(np.abs(total), np.cumsum([len(t) for t in blocks])[:-1]), strict=True):
        np.maximum.at(per, t.ravel(), np.repeat(s / t.shape[1], t.shape[1]))
    zero_tier = float(n * high + 1)
    cols.value = cover * zero_tier * 2 - zeros + total / (float(per.sum()) + 1e-9) * (1 - 1e-6)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    for p in range(n, low - 1, -1):
        planned = group_sizes(p, k, high)
        candidates = [[tuple(Counter(planned).get(s, 0) for s in range(low, high + 1))]] if sum(planned) == p else []
        candidates += shapes(p, k, low, high)  # the plan first; when the rules refuse it, the fewest off size
        for level in candidates:
            best: tuple[float, np.ndarray] | None = None
            for counts in level:
                left = None if deadline is None else max(deadline - time.perf_counter(), 0.01)
                x, status = cols.solve(dict(zip(range(low, high + 1), counts, strict=True)), 1 if p == n else 0, left)
                if status not in (0, 2):
                    return ([] if x is None else cols.groups(x)), False
                if x is not None and (best is None or float(cols.value @ x) > best[0]):
                    best = (float(cols.value @ x), x)
            if best is not None:
                return cols.groups(best[1]), True
    return [], True


__all__ = ["EXACT_COLUMNS", "EXACT_TEAM_MAX", "exact_teams", "possible_teams"]
