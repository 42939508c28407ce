"""Building the groups of a round (see `groups.py`): seeded greedy construction along candidate edges, then the
repair that places whoever is still alone (into a group with room, in someone's place, with a partner)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .encode import Encoded
from .group_state import BALANCE, SAMPLE, Pairs, best_addition, first_per


def adjacency(n: int, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate neighbours of each member as CSR (pointer, neighbour indices)."""
    src = np.concatenate((u, v))
    dst = np.concatenate((v, u))
    order = np.argsort(src, kind="stable")
    counts = np.bincount(src, minlength=n)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr, dst[order]


def _best_per_group(
    pv: Pairs, table: np.ndarray, g: np.ndarray, c: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For candidate additions (group g, member c): each group's best candidate allowed with all its members,
    as (groups, candidates, summed scores)."""
    if g.size == 0:
        return g, c, np.empty(0)
    s, ok = pv(c[:, None], table[g])
    good = ok.all(axis=1)
    g, c, total = g[good], c[good], s.sum(axis=1)[good]
    if g.size == 0:
        return g, c, total
    pick = first_per(g, np.lexsort((-total, g)))
    return g[pick], c[pick], total[pick]


def construct(
    n: int, pv: Pairs, sizes: Sequence[int], order: np.ndarray, ptr: np.ndarray, adj: np.ndarray,
    prio: np.ndarray, rng: np.random.Generator, width: int,
) -> tuple[list[list[int]], list[bool]]:
    """Seeded greedy groups in plan order (full-size groups first, so priority seeds get one).

    Seeds are taken in waves: every group of a wave adds its best free candidate at once, and a candidate two
    groups want goes to the one it adds most to (the other tries again). That is the one-seed-at-a-time greedy
    with a few hundred groups per numpy pass.

    A seed that finds nobody at all (the others of its language were taken by groups of the same wave) gives
    its planned group back to the next seed and stays free: it may still be picked by a later group, else the
    repair places it. Keeping it as a group of one would use up a planned group, and the members it leaves
    over would all be squeezed into the other groups (12 people in groups of 4 instead of 3)."""
    gid = np.full(n, -1, dtype=np.int64)
    groups: list[list[int]] = []
    locked: list[bool] = []
    wave = max(8, n // 40)
    cursor = 0
    todo = list(sizes)  # planned sizes not yet given to a seed, in plan order
    while todo:
        seeds: list[int] = []
        while cursor < n and len(seeds) < min(wave, len(todo)):
            x = int(order[cursor])
            cursor += 1
            if gid[x] < 0:
                seeds.append(x)
        if not seeds:
            break
        b = len(seeds)
        base = len(groups)
        table = np.full((b, width), -1, dtype=np.int64)
        table[:, 0] = seeds
        size = np.ones(b, dtype=np.int64)
        target = np.array(todo[:b], dtype=np.int64)
        del todo[:b]
        gid[seeds] = base + np.arange(b)
        stuck = np.zeros(b, dtype=bool)
        while True:
            grow = np.flatnonzero((size < target) & ~stuck)
            if grow.size == 0:
                break
            mem = table[grow]
            real = mem >= 0
            owner, who = np.repeat(grow, width)[real.ravel()], mem[real]
            count = ptr[who + 1] - ptr[who]
            start = np.repeat(ptr[who] - (np.cumsum(count) - count), count)
            cand = adj[start + np.arange(int(count.sum()))]
            owner = np.repeat(owner, count)
            free = gid[cand] < 0
            keys = np.unique(owner[free] * n + cand[free])
            g, c, total = _best_per_group(pv, table, keys // n, keys % n)
            lost = np.setdiff1d(grow, g)
            if lost.size:  # nobody near is free and allowed: try (a sample of) everybody still free
                everyone = np.flatnonzero(gid < 0)
                if everyone.size > SAMPLE // 4:
                    everyone = rng.choice(everyone, SAMPLE // 4, replace=False)
                fg, fc, ft = _best_per_group(pv, table, np.repeat(lost, everyone.size),
                                             np.tile(everyone, lost.size))
                stuck[np.setdiff1d(lost, fg)] = True
                g, c, total = np.concatenate((g, fg)), np.concatenate((c, fc)), np.concatenate((total, ft))
            if g.size == 0:
                continue
            win = first_per(c, np.lexsort((-total, c)))  # a member wanted twice joins where it adds most
            g, c = g[win], c[win]
            table[g, size[g]] = c
            size[g] += 1
            gid[c] = base + g
        lone: list[int] = []
        for i in range(b):
            if size[i] < 2:
                gid[seeds[i]] = -1
                lone.append(int(target[i]))
                continue
            groups.append([int(x) for x in table[i, : size[i]]])
            locked.append(False)  # priority members' groups stay open to the search (which keeps them at k)
        todo[:0] = lone
    return groups, locked


def repair(
    enc: Encoded, pv: Pairs, groups: list[list[int]], locked: list[bool], prio: np.ndarray, k: int, lo: int,
    cap: int, normal: int,
) -> list[int]:
    """Place members not in a group of at least `lo` (groups the construction left smaller are broken up):
    into the best group with room below `normal` (the largest planned size; a group still short of `k` first,
    and for a priority member one it completes), else with other such members; returns who is still alone."""
    n = enc.n
    in_group = np.zeros(n, dtype=bool)
    kept = [(g, lk) for g, lk in zip(groups, locked, strict=True) if len(g) >= lo]
    groups[:] = [g for g, _ in kept]
    locked[:] = [lk for _, lk in kept]
    for g in groups:
        in_group[g] = True
    alone = [int(x) for x in np.flatnonzero(~in_group)]
    alone.sort(key=lambda x: not prio[x])
    draft = _Draft(pv, groups, locked, prio, k, lo, cap, normal, len(alone))
    left = draft.left
    for x in alone:
        if not draft.place(x):
            left.append(x)
    # Someone placed later can open a way for one left out earlier (two left out became a pair, a third
    # joined them, and now that group can give up a partner): try again while that places anybody.
    while left:
        retry = list(left)
        left.clear()
        for x in retry:
            if not draft.place(x):
                left.append(x)
        if len(left) >= len(retry):
            break
    return left


class _Draft:
    """The groups while the repair places members: a padded table (with a spare row for each member still to
    place, who may start a pair) kept in step with the `groups` and `locked` lists it was made from, and
    `left`, the members no way has placed yet."""

    def __init__(self, pv: Pairs, groups: list[list[int]], locked: list[bool], prio: np.ndarray, k: int,
                 lo: int, cap: int, normal: int, spare: int) -> None:
        self.pv, self.groups, self.locked, self.prio, self.k, self.cap = pv, groups, locked, prio, k, cap
        self.lo, self.normal = lo, normal
        self.table = np.full((len(groups) + spare, cap), -1, dtype=np.int64)
        self.size = np.zeros(len(self.table), dtype=np.int64)
        for i, g in enumerate(groups):
            self.table[i, : len(g)] = g
            self.size[i] = len(g)
        self.count = len(groups)
        self.left: list[int] = []

    def place(self, x: int) -> bool:
        """One member into a group, trying in order: a planned group with room; taking the place of a
        member who can move on; a partner among those still alone; a group one larger than planned (when
        allowed); a partner out of a bigger group."""
        if self.lo > 2:  # groups of 4: no pairs; three members left out can still make a group of 3
            return (self.join(x, self.normal) or self.displace(x) or self.trio_with_left(x)
                    or (self.cap > self.normal and self.join(x, self.cap)) or self.trio_split(x))
        return (self.join(x, self.normal) or self.displace(x) or self.pair_with_left(x)
                or (self.cap > self.normal and self.join(x, self.cap)) or self.split(x))

    def join(self, x: int, limit: int) -> bool:
        """x into the group with room below `limit` it adds most to (one short of `k` first)."""
        count, size = self.count, self.size
        s, ok = self.pv(np.full((count, 1), x), self.table[:count])
        room = ok.all(axis=1) & (size[:count] < limit)
        if not room.any():
            return False
        fits = (size[:count] + 1 == self.k) if self.prio[x] else (size[:count] < self.k)
        total = s.sum(axis=1) + np.where(fits, 1e6, 0.0)  # a group short of k first
        gi = int(np.argmax(np.where(room, total, -np.inf)))
        self.table[gi, size[gi]] = x
        size[gi] += 1
        self.groups[gi].append(x)
        return True

    def trio_with_left(self, x: int) -> bool:
        """x and two members still alone, allowed with each other, make a group of three."""
        left = np.array(self.left, dtype=np.int64)
        if left.size < 2:
            return False
        s, ok = self.pv(left[:, None], left[None, :])
        sx, okx = self.pv(np.full(left.size, x), left)
        good = ok & okx[:, None] & okx[None, :] & (left[:, None] != left[None, :])
        if not good.any():
            return False
        flat = int(np.argmax(np.where(good, s + sx[:, None] + sx[None, :], -np.inf)))
        a, b = (int(left[i]) for i in divmod(flat, left.size))
        self.left.remove(a)
        self.left.remove(b)
        self.new_group([a, b, x])
        return True

    def trio_split(self, x: int) -> bool:
        """Last resort with groups of 4: x, one member still alone and one member taken out of a group larger
        than `lo` (not a priority member, the group not held) make a group of three."""
        table, size, count = self.table, self.size, self.count
        left = np.array(self.left, dtype=np.int64)
        if left.size == 0 or count == 0:
            return False
        sxl, okxl = self.pv(np.full(left.size, x), left)
        for y in left[okxl][np.argsort(-sxl[okxl])].tolist():
            members = table[:count]
            real = members >= 0
            movable = real & (size[:count] > self.lo)[:, None] & ~np.array(self.locked[:count], dtype=bool)[:, None]
            movable &= ~self.prio[np.maximum(members, 0)]
            s1, ok1 = self.pv(np.full(members.shape, x), members)
            s2, ok2 = self.pv(np.full(members.shape, y), members)
            gain = np.where(movable & ok1 & ok2, s1 + s2, -np.inf)
            flat = int(np.argmax(gain))
            if not np.isfinite(gain.flat[flat]):
                continue
            gi, slot = divmod(flat, members.shape[1])
            z = int(table[gi, slot])
            self._take_out(gi, z)
            self.left.remove(y)
            self.new_group([x, y, z])
            return True
        return False

    def _take_out(self, gi: int, y: int) -> None:
        row = [m for m in self.table[gi].tolist() if m >= 0 and m != y]
        self.table[gi] = -1
        self.table[gi, : len(row)] = row
        self.size[gi] -= 1
        self.groups[gi].remove(y)

    def new_group(self, members: list[int]) -> None:
        self.table[self.count, : len(members)] = members
        self.size[self.count] = len(members)
        self.count += 1
        self.groups.append(list(members))
        self.locked.append(False)

    def pair_with_left(self, x: int) -> bool:
        """x pairs up with the member still alone it scores best with, if any is allowed."""
        partner = best_addition(self.pv, [x], np.array(self.left, dtype=np.int64))
        if partner is None:
            return False
        self.left.remove(partner)
        self.pair(partner, x)
        return True

    def pair(self, a: int, b: int) -> None:
        """A new group of a and b."""
        self.new_group([a, b])

    def displace(self, x: int) -> bool:
        """x fits a group but for one member y (or the group is full): x takes y's place when y finds another
        group with room, or a partner among those still alone. A short augmenting path, as in the pair
        engine."""
        pv, table, size, count = self.pv, self.table, self.size, self.count
        s, ok = pv(np.full((count, 1), x), table[:count])
        real = table[:count] >= 0
        bad = (~ok & real).sum(axis=1)
        open_groups = [gi for gi in np.argsort(-s.sum(axis=1)).tolist() if not self.locked[gi] and bad[gi] <= 1]
        for gi in open_groups[:32]:
            row = table[gi]
            ys = row[real[gi] & ~ok[gi]] if bad[gi] == 1 else row[real[gi]]
            for y in ys.tolist():
                if self.prio[y]:
                    continue
                sy, oky = pv(np.full((count, 1), y), np.where(np.arange(count)[:, None] == gi, -1, table[:count]))
                room = oky.all(axis=1) & (size[:count] < self.normal) & (np.arange(count) != gi)
                if room.any():
                    hi = int(np.argmax(np.where(room, sy.sum(axis=1), -np.inf)))
                    table[hi, size[hi]] = y
                    size[hi] += 1
                    self.groups[hi].append(y)
                elif self.lo > 2 or not self.pair_with_left(y):
                    continue
                slot = int(np.flatnonzero(row == y)[0])
                table[gi, slot] = x
                self.groups[gi][self.groups[gi].index(y)] = x
                return True
        return False

    def split(self, x: int) -> bool:
        """Last resort for x: take a partner y out of a group of three or more (which stays a group) and make
        the pair (x, y): two smaller groups beat leaving x out. y is the one whose move costs least, taken
        from a group without priority members when there is one, and a priority member only when nobody else
        would do (placing x outranks the size of a priority member's group)."""
        table, size, count, prio = self.table, self.size, self.count, self.prio
        members = table[:count]
        real = members >= 0
        movable = real & (size[:count] >= 3)[:, None]
        if not movable.any():
            return False
        sxy, okxy = self.pv(np.full(members.shape, x), members)
        s_in, _ = self.pv(members[:, :, None], members[:, None, :])
        held = np.array(self.locked[:count], dtype=bool)[:, None] | (
            prio[np.maximum(members, 0)] & real).any(axis=1, keepdims=True)
        penalty = np.where(held, BALANCE, 0.0) + np.where(prio[np.maximum(members, 0)], 2 * BALANCE, 0.0)
        gain = np.where(movable & okxy, sxy - s_in.sum(axis=2) - penalty, -np.inf)
        flat = int(np.argmax(gain))
        if not np.isfinite(gain.flat[flat]):
            return False
        gi, slot = divmod(flat, members.shape[1])
        y = int(table[gi, slot])
        self._take_out(gi, y)
        self.pair(y, x)
        return True
