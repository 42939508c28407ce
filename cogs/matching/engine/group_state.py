"""What the group engine's steps share: the score and feasibility of member pairs, and the groups as a padded
member table (`GroupState`) with the moves that keep it consistent. See `groups.py` for the pipeline."""

from __future__ import annotations

import numpy as np

from .encode import Encoded
from .model import MatchOptions
from .vector import score_pairs

SAMPLE = 2048  # free members tried before a full scan when a growing group has no free candidate left
BALANCE = 1e6  # a move that brings two groups nearer the planned size outranks any score


def size_range(options: MatchOptions) -> tuple[int, int]:
    """The smallest and largest group a round of `options.group_size` (3 or 4) may form: `group_size - 1`
    to `group_size + 1`, and at most 4 when `allow_extra_trios` is off (groups of 3: 2..4, of 4: 3..5)."""
    k = options.group_size
    return max(2, k - 1), (k + 1 if (k + 1 <= 4 or options.allow_extra_trios) else k)


def off_size(sizes: np.ndarray, k: int) -> int:
    """Groups of another size than `k`: what the engine keeps as few as the count and the rules allow."""
    return int((np.asarray(sizes) != k).sum())


class Pairs:
    """Score and feasibility of member pairs given as index arrays (broadcast); -1 (padding) and a member
    with itself count as a neutral pair (score 0, allowed)."""

    def __init__(self, enc: Encoded, matrix: np.ndarray | None) -> None:
        self.enc = enc
        self.matrix = matrix

    def __call__(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = np.broadcast_arrays(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))
        shape = a.shape
        a, b = a.ravel(), b.ravel()
        real = (a >= 0) & (b >= 0) & (a != b)
        s = np.zeros(a.size, dtype=np.float64)
        ok = np.ones(a.size, dtype=bool)
        if real.any():
            ra, rb = a[real], b[real]
            if self.matrix is not None:
                m = self.matrix[ra, rb]
                good = np.isfinite(m)
            else:
                m, good = score_pairs(self.enc, ra, rb)
            s[real] = np.where(good, m, 0.0)
            ok[real] = good
        return s.reshape(shape), ok.reshape(shape)


class GroupState:
    """Groups as a padded member table, kept in step with each member's group and slot."""

    def __init__(self, n: int, groups: list[list[int]], width: int, locked: list[bool], prio: np.ndarray) -> None:
        g = len(groups)
        self.count = g
        self.table = np.full((max(g, 1), width), -1, dtype=np.int64)
        self.gid = np.full(n, -1, dtype=np.int64)
        self.slot = np.full(n, -1, dtype=np.int64)
        for i, members in enumerate(groups):
            self.table[i, : len(members)] = members
            self.gid[members] = i
            self.slot[members] = np.arange(len(members))
        self.size = np.array([len(m) for m in groups] or [0], dtype=np.int64)
        self.locked = np.array(locked or [False], dtype=bool)
        self.prio = prio
        self.pcount = np.array([int(prio[m].sum()) for m in groups] or [0], dtype=np.int64)

    def contributions(self, pv: Pairs, only: np.ndarray | None = None, into: np.ndarray | None = None
                      ) -> np.ndarray:
        """Each member's summed score with the rest of their group (0 when not in a group); with `only`, just
        the members of those groups are recomputed in `into`."""
        table = self.table if only is None else self.table[only]
        s, _ = pv(table[:, :, None], table[:, None, :])
        per = s.sum(axis=2)
        c = np.zeros(len(self.gid), dtype=np.float64) if into is None else into
        real = table >= 0
        c[table[real]] = per[real]
        return c

    def groups(self) -> list[list[int]]:
        return [[int(x) for x in row if x >= 0] for row in self.table[: self.count]]

    def move(self, x: int, b: int) -> None:
        """Member x into a free slot of group b."""
        a = int(self.gid[x])
        free = int(np.flatnonzero(self.table[b] < 0)[0])
        self.table[a, self.slot[x]] = -1
        self.table[b, free] = x
        self.gid[x], self.slot[x] = b, free
        self.size[a] -= 1
        self.size[b] += 1
        self.pcount[a] -= int(self.prio[x])
        self.pcount[b] += int(self.prio[x])

    def add_group(self, members: list[int]) -> None:
        """A new group of `members`, each taken out of the group they are in (none may empty it)."""
        if self.count == len(self.table):
            grow = max(4, self.count // 4)
            self.table = np.vstack((self.table, np.full((grow, self.table.shape[1]), -1, dtype=np.int64)))
            self.size = np.concatenate((self.size, np.zeros(grow, dtype=np.int64)))
            self.locked = np.concatenate((self.locked, np.zeros(grow, dtype=bool)))
            self.pcount = np.concatenate((self.pcount, np.zeros(grow, dtype=np.int64)))
        g = self.count
        self.count += 1
        self.size[g] = 0
        self.pcount[g] = 0
        self.locked[g] = False
        self.table[g] = -1
        for x in members:
            a = int(self.gid[x])
            self.table[a, self.slot[x]] = -1
            self.size[a] -= 1
            self.pcount[a] -= int(self.prio[x])
            self.table[g, self.size[g]] = x
            self.gid[x], self.slot[x] = g, self.size[g]
            self.size[g] += 1
            self.pcount[g] += int(self.prio[x])

    def swap(self, x: int, y: int) -> None:
        """Members x and y (of different groups) trade places."""
        a, b = int(self.gid[x]), int(self.gid[y])
        sx, sy = int(self.slot[x]), int(self.slot[y])
        self.table[a, sx], self.table[b, sy] = y, x
        self.gid[x], self.slot[x] = b, sy
        self.gid[y], self.slot[y] = a, sx
        delta = int(self.prio[x]) - int(self.prio[y])
        self.pcount[a] -= delta
        self.pcount[b] += delta


def best_addition(pv: Pairs, group: list[int], cand: np.ndarray) -> int | None:
    """The candidate allowed with everybody in `group` that adds the most score, or None."""
    if cand.size == 0:
        return None
    s, ok = pv(cand[:, None], np.array(group, dtype=np.int64)[None, :])
    good = ok.all(axis=1)
    if not good.any():
        return None
    total = np.where(good, s.sum(axis=1), -np.inf)
    return int(cand[int(np.argmax(total))])


def first_per(keys: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Positions (into `order`) of the first entry of each distinct key, for `order` sorted by key."""
    k = keys[order]
    first = np.ones(k.size, dtype=bool)
    first[1:] = k[1:] != k[:-1]
    return order[first]


def off_plan(size: np.ndarray, planned: np.ndarray) -> int:
    """How far the group sizes are from the plan: groups of each size more or fewer than planned. Measured
    against the plan, not against `group_size`: for 8 people in groups of 3 the plan is two groups of 4, and
    3, 3 and a pair (each nearer 3) is the worse outcome."""
    have = np.bincount(size, minlength=len(planned))
    return int(np.abs(have[: len(planned)] - planned).sum() + have[len(planned):].sum())
