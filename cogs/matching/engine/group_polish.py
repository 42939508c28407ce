"""Polishing a large round's groups with the exact solver (a large-neighbourhood search; see `groups.py`).

Why: the heuristic's local search moves one or two members at a time, so it cannot turn four groups of 5 into
five groups of 4, nor give a priority member a group of the planned size when that takes a chain of moves.
Here a window of a few groups (about 20 members, plus members still left out) is cut out and re-solved exactly
by `group_exact.solve_partition`; the new groups replace the old ones when they are better in the engine's
order (more placed, fewer off-size groups, more priority members at the planned size, higher score). The
first windows hold the off-size groups and those left out; later ones are random, while the time budget lasts.
"""

from __future__ import annotations

import time

import numpy as np

from .encode import Encoded
from .group_exact import solve_partition
from .vector import score_pairs

WINDOW = 20  # members in a window (the exact solver takes well under a second at this size)


def _key(groups: list[list[int]], k: int, prio: np.ndarray, scores: np.ndarray) -> tuple[int, int, int, float]:
    placed = sum(len(g) for g in groups)
    off = sum(len(g) != k for g in groups)
    at_k = sum(int(prio[g].sum()) for g in groups if len(g) == k)
    total = sum(float(scores[np.ix_(g, g)].sum() / 2) for g in groups)
    return placed, -off, at_k, total


def polish(
    enc: Encoded, groups: list[list[int]], alone: list[int], prio: np.ndarray, lo: int, hi: int, windows: int,
    budget: float, rng: np.random.Generator,
) -> tuple[list[list[int]], list[int]]:
    """Better groups and members left out (member indices) after re-solving `windows` windows (a fixed count,
    so that the same seed gives the same groups; `budget` seconds only cap it on a very slow machine)."""
    k = enc.options.group_size
    deadline = time.perf_counter() + budget
    groups = [list(g) for g in groups]
    alone = list(alone)
    tried_targets = False
    for _ in range(windows):
        if time.perf_counter() >= deadline or len(groups) < 2:
            break
        off = [i for i, g in enumerate(groups) if len(g) != k]
        if not tried_targets and (off or alone):
            picked = off[: max(1, WINDOW // (k + 1))]
            tried_targets = True
        else:
            picked = []
        order = [int(i) for i in rng.permutation(len(groups)) if int(i) not in picked]
        out = alone[: max(0, WINDOW // 4)] if picked or rng.random() < 0.5 else []
        size = sum(len(groups[i]) for i in picked) + len(out)
        for i in order:
            if size + len(groups[i]) > WINDOW + 1:
                break
            picked.append(i)
            size += len(groups[i])
        members = np.array(sorted({m for i in picked for m in groups[i]} | set(out)), dtype=np.int64)
        if members.size < lo:
            continue
        u, v = np.triu_indices(members.size, 1)
        s, ok = score_pairs(enc, members[u], members[v])
        sub = np.zeros((members.size, members.size))
        okm = np.zeros((members.size, members.size), dtype=bool)
        sub[u, v] = sub[v, u] = np.where(ok, s, 0.0)
        okm[u, v] = okm[v, u] = ok
        pos = {int(m): i for i, m in enumerate(members.tolist())}
        old = [[pos[m] for m in groups[i]] for i in picked]
        new, _proved = solve_partition(sub, okm, k, lo, hi, prio[members], None)
        if not new or _key(new, k, prio[members], sub) <= _key(old, k, prio[members], sub):
            continue
        groups_before = groups
        keep = [g for i, g in enumerate(groups) if i not in set(picked)]
        groups = keep + [[int(members[m]) for m in g] for g in new]
        placed = {int(members[m]) for g in new for m in g}
        dropped = [int(m) for i in picked for m in groups_before[i] if int(m) not in placed]
        alone = [x for x in alone if x not in placed] + dropped  # a swap of who is left out (same count)
    return groups, alone


__all__ = ["polish"]
