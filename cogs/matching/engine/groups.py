"""Rounds of intro groups of three or four (`MatchOptions.group_size`), maximising the pairwise score inside groups.

Group sizes (`group_sizes`): everybody who can be placed is in a group of exactly `group_size` except for the
remainder, which is spread so that nobody is left out needlessly and no group gets unwieldy:

- size 3: the one or two members left over each join a group, making groups of 4 (10 people: 3, 3, 4;
  11 people: 3, 4, 4). A pair is not a group, so it only appears when there is no other way (2 or 5 people).
- size 4: the remainder is taken from full groups to make groups of 3 (10 people: 4, 3, 3; 9 people: 3, 3, 3;
  7 people: 4, 3); five would be too many for one call. Again 2 or 5 people give a pair (5: 3, 2).

So every group has between 2 and 4 members. A member who fits no planned group without breaking a hard rule
joins the group that suits them best while it has room (at most `group_size + 1`, and 4 when
`allow_extra_trios` is off), else pairs up with another such member, else is reported unplaced with a reason.

Pipeline: encode -> candidate edges (the pair engine's: every pair in small rounds, the facet index in large
ones) -> construction (priority members, then those with the fewest options, seed a group each and the group
adds, one by one, the free member with the highest summed score to everybody already in it, checked against
every hard rule with each of them; a seed that finds nobody gives its planned group back) -> repair (members
still alone, tried again while that places anybody) -> local search (swap two members of different groups, or
move a member from a group one larger to a group one smaller, whenever the total rises; disjoint moves are
applied together, later passes only look at groups that changed) -> rebalance (the few groups off the plan: a
member of a group too large moves to one too small, directly or by taking the place of someone who suits the
small group, every member checked and not only candidate edges) -> the priority swap. Small rounds try several
construction orders and keep the one that places most, then is nearest the plan (groups of each size more or
fewer than planned), then scores best. Every pair inside a group honours every hard rule (no repeat within K
rounds, blocks, a common language when required).

Priority (members left out or in an odd-sized group last time): they seed groups first, their groups are not
changed by the local search, and they end in a group of exactly `group_size` whenever a swap allows it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence

import numpy as np

from .candidates import candidate_graph
from .encode import Encoded, encode
from .matching import select_disjoint
from .model import Group, History, MatchOptions, Member, RoundResult, Unplaced
from .rounds import _reason, _row, pair_round
from .vector import score_pairs

SAMPLE = 2048  # free members tried before a full scan when a growing group has no free candidate left
SMALL = 64  # rounds up to this size try RESTARTS construction orders and keep the best result
RESTARTS = 8
BALANCE = 1e6  # a move that brings two groups nearer the planned size outranks any score
CHUNK = 200_000  # rows of the local search scored at once (bounds its memory in rounds of 100,000)


def group_sizes(n: int, k: int) -> list[int]:
    """Planned sizes for `n` members in groups of `k` (the module docstring explains the rule); full-size
    groups first. `k` = 2 gives the pair engine's plan: pairs, one trio when `n` is odd."""
    if n < 2:
        return []
    if k <= 2:
        return [2] * (n // 2 - 1) + [3] if n % 2 else [2] * (n // 2)
    g, r = divmod(n, k)
    if r == 0:
        return [k] * g
    if k == 3:
        if r == 1:
            return [3] * (g - 1) + [4] if g >= 1 else []
        return [3] * (g - 2) + [4, 4] if g >= 2 else ([3, 2] if g == 1 else [2])
    # k == 4: take members from full groups to make groups of 3.
    if r == 3:
        return [4] * g + [3]
    if r == 2:
        return [4] * (g - 1) + [3, 3] if g >= 1 else [2]
    return [4] * (g - 2) + [3, 3, 3] if g >= 2 else ([3, 2] if g == 1 else [])


class _Pairs:
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
                s[real] = np.where(good, m, 0.0)
            else:
                m, good = score_pairs(self.enc, ra, rb)
                s[real] = np.where(good, m, 0.0)
            ok[real] = good
        return s.reshape(shape), ok.reshape(shape)


class _State:
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

    def contributions(self, pv: _Pairs, only: np.ndarray | None = None, into: np.ndarray | None = None
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


def _best_addition(pv: _Pairs, group: list[int], cand: np.ndarray) -> int | None:
    """The candidate allowed with everybody in `group` that adds the most score, or None."""
    if cand.size == 0:
        return None
    s, ok = pv(cand[:, None], np.array(group, dtype=np.int64)[None, :])
    good = ok.all(axis=1)
    if not good.any():
        return None
    total = np.where(good, s.sum(axis=1), -np.inf)
    return int(cand[int(np.argmax(total))])


def _first_per(keys: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Positions (into `order`) of the first entry of each distinct key, for `order` sorted by key."""
    k = keys[order]
    first = np.ones(k.size, dtype=bool)
    first[1:] = k[1:] != k[:-1]
    return order[first]


def _best_per_group(
    pv: _Pairs, table: np.ndarray, g: np.ndarray, c: np.ndarray
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
    pick = _first_per(g, np.lexsort((-total, g)))
    return g[pick], c[pick], total[pick]


def _construct(
    n: int, pv: _Pairs, sizes: Sequence[int], order: np.ndarray, ptr: np.ndarray, adj: np.ndarray,
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
            win = _first_per(c, np.lexsort((-total, c)))  # a member wanted twice joins where it adds most
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
            locked.append(bool(prio[seeds[i]]))
        todo[:0] = lone
    return groups, locked


def _repair(
    enc: Encoded, pv: _Pairs, groups: list[list[int]], locked: list[bool], prio: np.ndarray, k: int, cap: int
) -> list[int]:
    """Place members not in a group of at least two: into the best group with room (a group still short of
    `k` first, and for a priority member one it completes), else with another such member; returns who is
    still alone."""
    n = enc.n
    in_group = np.zeros(n, dtype=bool)
    kept = [(g, lk) for g, lk in zip(groups, locked, strict=True) if len(g) >= 2]
    groups[:] = [g for g, _ in kept]
    locked[:] = [lk for _, lk in kept]
    for g in groups:
        in_group[g] = True
    alone = [int(x) for x in np.flatnonzero(~in_group)]
    alone.sort(key=lambda x: not prio[x])
    draft = _Draft(pv, groups, locked, prio, k, cap, len(alone))
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

    def __init__(self, pv: _Pairs, groups: list[list[int]], locked: list[bool], prio: np.ndarray, k: int,
                 cap: int, spare: int) -> None:
        self.pv, self.groups, self.locked, self.prio, self.k, self.cap = pv, groups, locked, prio, k, cap
        self.normal = min(k + 1, 4)  # the largest planned size
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

    def pair_with_left(self, x: int) -> bool:
        """x pairs up with the member still alone it scores best with, if any is allowed."""
        partner = _best_addition(self.pv, [x], np.array(self.left, dtype=np.int64))
        if partner is None:
            return False
        self.left.remove(partner)
        self.pair(partner, x)
        return True

    def pair(self, a: int, b: int) -> None:
        """A new group of a and b."""
        self.table[self.count, :2] = (a, b)
        self.size[self.count] = 2
        self.count += 1
        self.groups.append([a, b])
        self.locked.append(False)

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
                elif not self.pair_with_left(y):
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
        row = [m for m in table[gi].tolist() if m >= 0 and m != y]
        table[gi] = -1
        table[gi, : len(row)] = row
        size[gi] -= 1
        self.groups[gi].remove(y)
        self.pair(y, x)
        return True


def _score_rows(
    pv: _Pairs, st: _State, x: np.ndarray, g2: np.ndarray, c: np.ndarray, top: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The best change of each row "x could join g2" (see `_improve`): its gain (-inf when none is allowed),
    the slot of the member of g2 that x swaps with, and whether it is a move instead of a swap."""
    prio = st.prio
    g1 = st.gid[x]
    s1, s2 = st.size[g1], st.size[g2]
    # x next to everybody in g2
    a_s, a_ok = pv(x[:, None], st.table[g2])
    a_sum = a_s.sum(axis=1)
    a_bad = (~a_ok).sum(axis=1)
    # move x from g1 to g2 when g1 is one larger (the sizes stay the same multiset), or when that brings
    # the sizes nearer `k` (squared distance: a 5 and a 3 become two 4s, a 4 and a 2 two 3s; worth it
    # even at a loss)
    balance = (s1 >= s2 + 2) & ((s1 - 1 - k) ** 2 + (s2 + 1 - k) ** 2 < (s1 - k) ** 2 + (s2 - k) ** 2)
    move_ok = ((s1 == s2 + 1) | balance) & (a_bad == 0)
    move_ok &= ~(((s1 - 1) != k) & ((st.pcount[g1] - prio[x]) > 0))
    move_ok &= ~(((s2 + 1) != k) & ((st.pcount[g2] + prio[x]) > 0))
    best = np.where(move_ok, a_sum - c[x] + np.where(balance, BALANCE, 0.0), -np.inf)
    is_move = np.isfinite(best)
    j = np.zeros(x.size, dtype=np.int64)
    # swap x with y of g2: y then sits next to everybody in g1 but x
    y = st.table[g2]
    yy = np.maximum(y, 0)
    x_gain = a_sum[:, None] - a_s - c[x][:, None]
    bound = x_gain + (s1 - 1)[:, None] * top[yy] - c[yy]
    maybe = (y >= 0) & (a_bad[:, None] - (~a_ok) == 0) & (bound > 1e-9)
    maybe &= ~(prio[x] & (s2 != k))[:, None] & ~(prio[yy] & (s1 != k)[:, None])
    r, jj = np.nonzero(maybe)
    if r.size:
        ye = y[r, jj]
        rest1 = st.table[g1[r]]
        rest1 = np.where(rest1 == x[r][:, None], -1, rest1)
        b_s, b_ok = pv(ye[:, None], rest1)
        ge = np.where(b_ok.all(axis=1), x_gain[r, jj] + b_s.sum(axis=1) - c[ye], -np.inf)
        first = _first_per(r, np.lexsort((-ge, r)))
        r, jj, ge = r[first], jj[first], ge[first]
        better = ge > best[r]
        r, jj, ge = r[better], jj[better], ge[better]
        best[r], j[r], is_move[r] = ge, jj, False
    return best, j, is_move


def _improve(
    pv: _Pairs, st: _State, u: np.ndarray, v: np.ndarray, top: np.ndarray, k: int, passes: int
) -> int:
    """Swaps and moves between groups along candidate edges while the total rises (see module docstring).

    A row is "x (in g1) could join g2": as a move when g1 is one larger than g2, or as a swap with some y of
    g2. `top[y]` (y's best score with anyone) bounds what y can bring to g1, so only swaps that could gain are
    scored in full. Returns the number of moves made."""
    g_count = st.count
    if g_count < 2 or len(u) == 0:
        return 0
    xs_all = np.concatenate((u, v))
    zs_all = np.concatenate((v, u))
    dirty = np.ones(len(st.size), dtype=bool)
    c = st.contributions(pv)
    moves = 0
    for _ in range(passes):
        gx, gz = st.gid[xs_all], st.gid[zs_all]
        sel = (gx >= 0) & (gz >= 0) & (gx != gz)
        gxs, gzs = np.where(sel, gx, 0), np.where(sel, gz, 0)
        sel &= ~st.locked[gxs] & ~st.locked[gzs] & (dirty[gxs] | dirty[gzs])
        if not sel.any():
            break
        keys = np.unique(xs_all[sel] * g_count + gz[sel])
        x, g2 = keys // g_count, keys % g_count
        g1 = st.gid[x]
        best = np.empty(x.size, dtype=np.float64)
        j = np.zeros(x.size, dtype=np.int64)
        is_move = np.zeros(x.size, dtype=bool)
        for lo in range(0, x.size, CHUNK):  # in slices: a row costs a few hundred bytes of temporaries
            part = slice(lo, lo + CHUNK)
            best[part], j[part], is_move[part] = _score_rows(pv, st, x[part], g2[part], c, top, k)
        good = np.flatnonzero(best > 1e-9)
        if good.size == 0:
            break
        take = good[select_disjoint(g_count, g1[good], g2[good], best[good])]
        dirty[:] = False
        for t in take.tolist():
            xi, a, b = int(x[t]), int(g1[t]), int(g2[t])
            if is_move[t]:
                _move(st, xi, b)
            else:
                _swap(st, xi, int(st.table[b, j[t]]))
            dirty[a] = dirty[b] = True
        c = st.contributions(pv, np.flatnonzero(dirty), c)
        moves += take.size
    return moves


def _free_priority(pv: _Pairs, st: _State, k: int) -> None:
    """A priority member still in an odd-sized group trades places with a member of a group of exactly `k`
    without priority members when every pair stays allowed (the cheapest such trade, even at a loss: priority
    outranks score)."""
    prio = st.prio
    for p in np.flatnonzero(prio & (st.gid >= 0)).tolist():
        a = int(st.gid[p])
        if st.size[a] == k:
            continue
        c = st.contributions(pv)
        cand = np.flatnonzero((st.gid >= 0) & ~prio)
        cand = cand[(st.size[st.gid[cand]] == k) & (st.pcount[st.gid[cand]] == 0)]
        if cand.size == 0:
            continue
        g2 = st.gid[cand]
        rest2 = np.where(st.table[g2] == cand[:, None], -1, st.table[g2])
        s_p, ok_p = pv(np.full((cand.size, 1), p), rest2)
        rest1 = np.where(st.table[a] == p, -1, st.table[a])
        s_y, ok_y = pv(cand[:, None], rest1[None, :])
        ok = ok_p.all(axis=1) & ok_y.all(axis=1)
        if not ok.any():
            continue
        gain = np.where(ok, s_p.sum(axis=1) + s_y.sum(axis=1) - c[p] - c[cand], -np.inf)
        r = int(np.argmax(gain))
        _swap(st, p, int(cand[r]))


def _rebalance(pv: _Pairs, st: _State, k: int, planned: np.ndarray, limit: int = 64) -> int:
    """Bring the group sizes nearer the plan by moving a member from a group of a size there are too many of
    to a smaller such group (a 4 and a pair become two groups of 3), checking every member of those groups,
    not only candidate edges: in large rounds the few groups off the plan rarely share one, and the local
    search cannot see the move. Only moves that keep every pair allowed, bring the sizes nearer the plan and
    put no more priority members in an odd-sized group are made; the best-scoring first, and a two-step move
    (`_via_swap`) only when no direct one exists. Returns the number of moves."""
    moves = 0
    c = st.contributions(pv)
    for _ in range(st.count):
        size = st.size[: st.count]
        have = np.bincount(size, minlength=len(planned))
        surplus = np.ones(len(have), dtype=bool)
        surplus[: len(planned)] = have[: len(planned)] > planned
        off = np.flatnonzero(surplus[size])[:limit]  # groups of a size there are too many of
        if off.size < 2:
            break
        found = _size_search(pv, st, off, c, planned, k, _direct, movers_with_priority=True)
        if found is None:
            found = _size_search(pv, st, off, c, planned, k, _via_swap, movers_with_priority=False)
        if found is None:
            break
        x, y, b = found
        a = int(st.gid[x])
        if y < 0:
            _move(st, x, b)
            c = st.contributions(pv, np.array([a, b]), c)
            moves += 1
            continue
        g = int(st.gid[y])
        _move(st, y, b)  # y leaves g for the small group, x takes y's place in g
        _move(st, x, g)
        c = st.contributions(pv, np.array([a, b, g]), c)
        moves += 2
    return moves


Offer = Callable[[int, int, int], "tuple[tuple[float, ...], int] | None"]
"""(position of x among the movers, x, how many groups nearer the plan its move brings the sizes) -> (ranking
key, the member y who makes room for x, -1 for none), or None when x cannot go to this group."""


def _size_search(
    pv: _Pairs, st: _State, off: np.ndarray, c: np.ndarray, planned: np.ndarray, k: int,
    offers: Callable[[_Pairs, _State, np.ndarray, int, np.ndarray, np.ndarray], Offer | None],
    movers_with_priority: bool,
) -> tuple[int, int, int] | None:
    """The best move of a member x of a too-large group towards a too-small group b (both among `off`), as
    (x, y, b): the sizes must come nearer the plan and no more priority members may end in an odd-sized group;
    `offers` says for each b how x gets there (`_direct`, `_via_swap`) and how the moves rank. Priority members
    are movers only with `movers_with_priority`."""
    size = st.size[: st.count]
    width = st.table.shape[1]
    now = _off_plan(size, planned)
    best: tuple[tuple[float, ...], int, int, int] | None = None  # (key, x, y, b)
    for b in off.tolist():
        donors = off[(off != b) & (size[off] >= size[b] + 1) & (size[off] >= 3)]
        if size[b] >= width or donors.size == 0:
            continue
        xs = st.table[donors].ravel()
        xs = xs[xs >= 0]
        if not movers_with_priority:
            xs = xs[~st.prio[xs]]
        if xs.size == 0 or (offer := offers(pv, st, c, b, donors, xs)) is None:
            continue
        for i, x in enumerate(xs.tolist()):
            nearer = _nearer(st, x, b, size, now, planned, k)
            if nearer <= 0 or (found := offer(i, x, nearer)) is None:
                continue
            if best is None or found[0] > best[0]:
                best = (found[0], x, found[1], b)
    return None if best is None else best[1:]


def _nearer(st: _State, x: int, b: int, size: np.ndarray, now: int, planned: np.ndarray, k: int) -> int:
    """How many groups nearer the plan the sizes come when x moves from its group to b; 0 when the move would
    put more priority members in an odd-sized group."""
    a = int(st.gid[x])
    after = size.copy()
    after[a] -= 1
    after[b] += 1
    odd_before = sum(int(st.pcount[g]) for g in (a, b) if size[g] != k)
    odd_after = (int(st.pcount[a] - st.prio[x]) if after[a] != k else 0) + \
        (int(st.pcount[b] + st.prio[x]) if after[b] != k else 0)
    return 0 if odd_after > odd_before else now - _off_plan(after, planned)


def _direct(pv: _Pairs, st: _State, c: np.ndarray, b: int, donors: np.ndarray, xs: np.ndarray) -> Offer:
    """x joins b itself when allowed with everybody there; sizes nearer the plan first, then the score gain."""
    s, ok = pv(xs[:, None], st.table[b][None, :])
    fits, total = ok.all(axis=1), s.sum(axis=1)

    def offer(i: int, x: int, nearer: int) -> tuple[tuple[float, ...], int] | None:
        return ((nearer, float(total[i]) - float(c[x])), -1) if fits[i] else None

    return offer


def _via_swap(
    pv: _Pairs, st: _State, c: np.ndarray, b: int, donors: np.ndarray, xs: np.ndarray, sample: int = SAMPLE
) -> Offer | None:
    """When no member of a too-large group suits a too-small one (a member who speaks only Swedish sits in a
    pair), a two-step move: some y anywhere who suits the small group b moves there, and a member x of a
    too-large group takes y's place in y's group g. g keeps its size, so the sizes change as for a direct
    move. Priority members stay where they are (y is none either). Ranked by the score gain alone."""
    ys = np.flatnonzero((st.gid >= 0) & ~st.prio)
    ys = ys[(st.gid[ys] != b) & ~np.isin(st.gid[ys], donors)]
    sy, oky = pv(ys[:, None], st.table[b][None, :])
    good = oky.all(axis=1)
    ys, gain_y = ys[good], sy.sum(axis=1)[good] - c[ys[good]]
    if ys.size > sample:
        top = np.argpartition(-gain_y, sample)[:sample]
        ys, gain_y = ys[top], gain_y[top]
    if ys.size == 0:
        return None
    g = st.gid[ys]
    rest = np.where(st.table[g] == ys[:, None], -1, st.table[g])  # y's group without y

    def offer(_i: int, x: int, _nearer: int) -> tuple[tuple[float, ...], int] | None:
        sx, okx = pv(np.full(rest.shape, x), rest)
        fits = okx.all(axis=1)
        if not fits.any():
            return None
        total = np.where(fits, gain_y + sx.sum(axis=1) - c[x], -np.inf)
        r = int(np.argmax(total))
        return (float(total[r]),), int(ys[r])

    return offer


def _move(st: _State, x: int, b: int) -> None:
    """Member x into a free slot of group b."""
    a = int(st.gid[x])
    free = int(np.flatnonzero(st.table[b] < 0)[0])
    st.table[a, st.slot[x]] = -1
    st.table[b, free] = x
    st.gid[x], st.slot[x] = b, free
    st.size[a] -= 1
    st.size[b] += 1
    st.pcount[a] -= int(st.prio[x])
    st.pcount[b] += int(st.prio[x])


def _swap(st: _State, x: int, y: int) -> None:
    """Members x and y (of different groups) trade places."""
    a, b = int(st.gid[x]), int(st.gid[y])
    sx, sy = int(st.slot[x]), int(st.slot[y])
    st.table[a, sx], st.table[b, sy] = y, x
    st.gid[x], st.slot[x] = b, sy
    st.gid[y], st.slot[y] = a, sx
    delta = int(st.prio[x]) - int(st.prio[y])
    st.pcount[a] -= delta
    st.pcount[b] += delta


def _off_plan(size: np.ndarray, planned: np.ndarray) -> int:
    """How far the group sizes are from the plan: groups of each size more or fewer than planned. Measured
    against the plan, not against `group_size`: for 8 people in groups of 3 the plan is two groups of 4, and
    3, 3 and a pair (each nearer 3) is the worse outcome."""
    have = np.bincount(size, minlength=len(planned))
    return int(np.abs(have[: len(planned)] - planned).sum() + have[len(planned):].sum())


def _adjacency(n: int, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate neighbours of each member as CSR (pointer, neighbour indices)."""
    src = np.concatenate((u, v))
    dst = np.concatenate((v, u))
    order = np.argsort(src, kind="stable")
    counts = np.bincount(src, minlength=n)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr, dst[order]


def group_round(
    members: Sequence[Member],
    history: History | None = None,
    options: MatchOptions | None = None,
    priority: Collection[int] = (),
    *,
    dense: bool | None = None,
) -> RoundResult:
    """Groups of `options.group_size` (3 or 4) for the round; a group's score is the sum of its pair scores.
    `priority` and `dense` work as in `pair_round` (which handles a group size of 2)."""
    history = history or History()
    options = options or MatchOptions()
    k = options.group_size
    if k <= 2:
        return pair_round(members, history, options, priority, dense=dense)
    if len(members) < 2:
        return RoundResult((), tuple(Unplaced(m.id, "alone") for m in members))
    t0 = time.perf_counter()
    enc = encode(members, history, options)
    rng = np.random.default_rng(options.seed)
    n = enc.n
    prio = np.zeros(n, dtype=bool)
    for p in priority:
        if (i := enc.index.get(p)) is not None:
            prio[i] = True
    u, v, w, matrix = candidate_graph(enc, rng, dense)
    pv = _Pairs(enc, matrix)
    t1 = time.perf_counter()
    ptr, adj = _adjacency(n, u, v)
    top = np.zeros(n, dtype=np.float64)  # each member's best score with anyone (candidates in large rounds)
    np.maximum.at(top, u, w)
    np.maximum.at(top, v, w)
    options_count = (np.isfinite(matrix).sum(axis=1) if matrix is not None else np.diff(ptr)).astype(np.float64)
    sizes = group_sizes(n, k)
    planned = np.bincount(np.array(sizes, dtype=np.int64), minlength=8)
    cap = k + 1 if (k + 1 <= 4 or options.allow_extra_trios) else k
    best: tuple[tuple[int, int, float], _State, list[int], int] | None = None
    tries = RESTARTS if n <= SMALL else 1
    for attempt in range(tries):
        # The first attempt takes those with the fewest options first; small rounds try a few shuffled
        # variants of that order too (cheap there) and keep the best.
        noise = rng.random(n) * attempt
        order = np.lexsort((rng.random(n), options_count + noise, ~prio))
        groups, locked = _construct(n, pv, sizes, order, ptr, adj, prio, rng, cap)
        alone = _repair(enc, pv, groups, locked, prio, k, cap)
        st = _State(n, groups, cap, locked, prio)
        moves = _improve(pv, st, u, v, top, k, options.improve_passes)
        moves += _rebalance(pv, st, k, planned)
        _free_priority(pv, st, k)
        shape = -_off_plan(st.size[: st.count], planned)  # nearer the planned sizes is better
        key = (n - len(alone), shape, float(st.contributions(pv).sum() / 2))
        if best is None or key > best[0]:
            best = (key, st, alone, moves)
    assert best is not None
    _key, st, alone, moves = best
    t3 = time.perf_counter()
    contrib = st.contributions(pv)
    out = [Group(tuple(int(enc.ids[x]) for x in g), float(contrib[g].sum() / 2)) for g in st.groups()]
    unplaced = [Unplaced(int(enc.ids[x]), _reason(enc, x, _row(enc, x)[1])) for x in alone]
    return RoundResult(
        groups=tuple(out),
        unplaced=tuple(unplaced),
        stats={
            "group_size": k,
            "candidates": len(u),
            "moves": moves,
            "candidates_s": t1 - t0,
            "tries": tries,
            "construct_improve_s": t3 - t1,
        },
    )


__all__ = ["group_round", "group_sizes"]
