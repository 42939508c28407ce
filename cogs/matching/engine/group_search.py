"""Improving built groups (see `groups.py`): the local search along candidate edges (swaps and moves while the
total rises), the rebalance that brings the group sizes nearer the plan, and the priority swap."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .group_state import BALANCE, SAMPLE, GroupState, Pairs, first_per, off_plan
from .matching import select_disjoint

CHUNK = 200_000  # rows of the local search scored at once (bounds its memory in rounds of 100,000)


def _score_rows(
    pv: Pairs, st: GroupState, x: np.ndarray, g2: np.ndarray, c: np.ndarray, top: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The best change of each row "x could join g2" (see `improve`): its gain (-inf when none is allowed),
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
        first = first_per(r, np.lexsort((-ge, r)))
        r, jj, ge = r[first], jj[first], ge[first]
        better = ge > best[r]
        r, jj, ge = r[better], jj[better], ge[better]
        best[r], j[r], is_move[r] = ge, jj, False
    return best, j, is_move


def improve(
    pv: Pairs, st: GroupState, u: np.ndarray, v: np.ndarray, top: np.ndarray, k: int, passes: int
) -> int:
    """Swaps and moves between groups along candidate edges while the total rises (see `groups.py`).

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
                st.move(xi, b)
            else:
                st.swap(xi, int(st.table[b, j[t]]))
            dirty[a] = dirty[b] = True
        c = st.contributions(pv, np.flatnonzero(dirty), c)
        moves += take.size
    return moves


def free_priority(pv: Pairs, st: GroupState, k: int) -> None:
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
        st.swap(p, int(cand[r]))


def rebalance(pv: Pairs, st: GroupState, k: int, planned: np.ndarray, lo: int, limit: int = 64) -> int:
    """Bring the group sizes nearer the plan by moving a member from a group of a size there are too many of
    to a smaller such group (a 4 and a pair become two groups of 3), checking every member of those groups,
    not only candidate edges: in large rounds the few groups off the plan rarely share one, and the local
    search cannot see the move. Only moves that keep every pair allowed, bring the sizes nearer the plan and
    leave no group below `lo` are made; those that put no more priority members in an odd-sized group first (the
    priority swap runs after), then the best-scoring, and a two-step move (`_via_swap`) only when no direct one
    exists. When there are fewer groups than planned (too many too large, none too small), a new group is
    gathered from members of the too-large ones (`_gather`). Returns the number of moves."""
    moves = 0
    c = st.contributions(pv)
    for _ in range(st.count):
        size = st.size[: st.count]
        have = np.bincount(size, minlength=len(planned))
        surplus = np.ones(len(have), dtype=bool)
        surplus[: len(planned)] = have[: len(planned)] > planned
        off = np.flatnonzero(surplus[size])[:limit]  # groups of a size there are too many of
        found = None
        if off.size >= 2:
            found = _size_search(pv, st, off, c, planned, k, lo, _direct, movers_with_priority=True)
            if found is None:
                found = _size_search(pv, st, off, c, planned, k, lo, _via_swap, movers_with_priority=False)
        if found is None:
            if not _gather(pv, st, c, k, planned, lo):
                break
            c = st.contributions(pv)
            moves += 1
            continue
        x, y, b = found
        a = int(st.gid[x])
        if y < 0:
            st.move(x, b)
            c = st.contributions(pv, np.array([a, b]), c)
            moves += 1
            continue
        g = int(st.gid[y])
        st.move(y, b)  # y leaves g for the small group, x takes y's place in g
        st.move(x, g)
        c = st.contributions(pv, np.array([a, b, g]), c)
        moves += 2
    return moves


Offer = Callable[[int, int, int], "tuple[tuple[float, ...], int] | None"]
"""(position of x among the movers, x, how many groups nearer the plan its move brings the sizes) -> (ranking
key, the member y who makes room for x, -1 for none), or None when x cannot go to this group."""


def _size_search(
    pv: Pairs, st: GroupState, off: np.ndarray, c: np.ndarray, planned: np.ndarray, k: int, lo: int,
    offers: Callable[[Pairs, GroupState, np.ndarray, int, np.ndarray, np.ndarray], Offer | None],
    movers_with_priority: bool,
) -> tuple[int, int, int] | None:
    """The best move of a member x of a too-large group towards a too-small group b (both among `off`), as
    (x, y, b): the sizes must come nearer the plan and no more priority members may end in an odd-sized group;
    `offers` says for each b how x gets there (`_direct`, `_via_swap`) and how the moves rank. Priority members
    are movers only with `movers_with_priority`."""
    size = st.size[: st.count]
    width = st.table.shape[1]
    now = off_plan(size, planned)
    best: tuple[tuple[float, ...], int, int, int] | None = None  # (key, x, y, b)
    for b in off.tolist():
        donors = off[(off != b) & (size[off] >= size[b] + 1) & (size[off] > lo)]
        if size[b] >= width or donors.size == 0:
            continue
        xs = st.table[donors].ravel()
        xs = xs[xs >= 0]
        if not movers_with_priority:
            xs = xs[~st.prio[xs]]
        if xs.size == 0 or (offer := offers(pv, st, c, b, donors, xs)) is None:
            continue
        for i, x in enumerate(xs.tolist()):
            nearer, harm = _nearer(st, x, b, size, now, planned, k)
            if nearer <= 0 or (found := offer(i, x, nearer)) is None:
                continue
            key = (float(nearer), float(-harm), *found[0])
            if best is None or key > best[0]:
                best = (key, x, found[1], b)
    return None if best is None else best[1:]


def _nearer(st: GroupState, x: int, b: int, size: np.ndarray, now: int, planned: np.ndarray, k: int
            ) -> tuple[int, int]:
    """How many groups nearer the plan the sizes come when x moves from its group to b, and how many more
    priority members the move puts in an odd-sized group (sizes first: the priority swap runs after)."""
    a = int(st.gid[x])
    after = size.copy()
    after[a] -= 1
    after[b] += 1
    odd_before = sum(int(st.pcount[g]) for g in (a, b) if size[g] != k)
    odd_after = (int(st.pcount[a] - st.prio[x]) if after[a] != k else 0) + \
        (int(st.pcount[b] + st.prio[x]) if after[b] != k else 0)
    return now - off_plan(after, planned), odd_after - odd_before


def _direct(pv: Pairs, st: GroupState, c: np.ndarray, b: int, donors: np.ndarray, xs: np.ndarray) -> Offer:
    """x joins b itself when allowed with everybody there; sizes nearer the plan first, then the score gain."""
    s, ok = pv(xs[:, None], st.table[b][None, :])
    fits, total = np.all(ok, axis=1), s.sum(axis=1)  # numpy types `ok.all(axis=1)` as maybe a scalar

    def offer(i: int, x: int, nearer: int) -> tuple[tuple[float, ...], int] | None:
        return ((float(total[i]) - float(c[x]),), -1) if fits[i] else None

    return offer


def _via_swap(
    pv: Pairs, st: GroupState, c: np.ndarray, b: int, donors: np.ndarray, xs: np.ndarray, sample: int = SAMPLE
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


def _gather(pv: Pairs, st: GroupState, c: np.ndarray, k: int, planned: np.ndarray, lo: int, tries: int = 16) -> bool:
    """A new group of a planned size there are too few of, one member (no priority member) out of each of
    several groups of a size there are too many of and larger than `lo`, every pair allowed: 300 people in
    groups of 4 whose construction ended with 74 groups, four of them of 5, become 75 groups of 4. Greedy from
    the members whose leaving costs least; True when a group was formed."""
    size = st.size[: st.count]
    have = np.bincount(size, minlength=len(planned))[: len(planned)]
    missing = np.flatnonzero(have < planned)
    surplus = np.zeros(len(planned) + st.table.shape[1] + 1, dtype=bool)
    surplus[: len(planned)] = have > planned
    surplus[len(planned):] = True
    donors = np.flatnonzero(surplus[size] & (size > lo))
    if missing.size == 0 or donors.size == 0:
        return False
    t = int(missing[np.argmax(missing == k)]) if k in missing else int(missing.max())
    if donors.size < t:
        return False
    xs = st.table[donors].ravel()
    xs = xs[(xs >= 0)]
    xs = xs[~st.prio[xs]]
    if xs.size < t:
        return False
    order = xs[np.argsort(c[xs])]
    for start in order[:tries].tolist():
        chosen, groups = [start], {int(st.gid[start])}
        while len(chosen) < t:
            cand = order[~np.isin(st.gid[order], list(groups))]
            s, ok = pv(cand[:, None], np.array(chosen)[None, :])
            good = ok.all(axis=1)
            if not good.any():
                break
            pick = int(cand[int(np.argmax(np.where(good, s.sum(axis=1) - c[cand], -np.inf)))])
            chosen.append(pick)
            groups.add(int(st.gid[pick]))
        if len(chosen) == t:
            st.add_group(chosen)
            return True
    return False
