"""Teams for large events: construction, then local search (see `teams.py` for what a plan optimises).

Everything here works on member indices and two n x n matrices: `value` (a pair's score minus `ZERO_COST`
when the two share no waking hour) and `bad` (a hard rule forbids the pair). A team's worth is
`COVER_COST` per need slot covered plus the `value` of its pairs, so one more covered slot outweighs any fit,
and a pair with no common hour outweighs any fit a swap could gain.

1. Coverage first: who covers which need is a transportation problem (members to needs, each need at most
   `teams * count` holders), solved exactly by HiGHS; the assigned holders are dealt round-robin to the teams,
   scarcest need first, each going where they fit best.
2. Fill: the teams take turns adding the free member with the highest summed value to its members, checked
   against every hard rule.
3. Local search: swapping two members of different teams (and moving one from a team one larger to one
   smaller), scored for every pair at once as array arithmetic; the swaps that raise the value are taken best
   first, one per team per pass, each checked for coverage, until none is left. Small events check every swap
   for coverage too (a swap can cover a slot at a cost in fit), and try several construction orders.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csc_array

from .team_needs import covered

COVER_COST = 1e6  # one covered need slot outweighs everything below
ZERO_COST = 1e3  # one pair without a common waking hour outweighs any fit a move gains
SMALL = 64  # events up to this size check every swap's coverage and try RESTARTS orders
RESTARTS = 12
PASSES = 200
EPS = 1e-3  # gains below this are rounding (the matrices are float32)
TOP = 8  # candidate swaps looked at per team and pass in large events


def holders(masks: list[int], counts: list[int], teams: int) -> np.ndarray:
    """The need each member covers (-1: none) in an assignment covering as many slots as possible: members to
    needs, need r taking at most `teams * counts[r]` (a totally unimodular LP, so HiGHS's answer is whole)."""
    n = len(masks)
    rows = [(m, r) for m in range(n) for r in range(len(counts)) if masks[m] >> r & 1]
    out = np.full(n, -1, dtype=np.int64)
    if not rows or teams == 0:
        return out
    m_idx = np.array([m for m, _ in rows])
    r_idx = np.array([r for _, r in rows])
    k = len(rows)
    a = csc_array((np.ones(2 * k), (np.concatenate([m_idx, n + r_idx]), np.tile(np.arange(k), 2))),
                  shape=(n + len(counts), k))
    upper = np.concatenate([np.ones(n), np.array(counts, dtype=np.float64) * teams])
    res = milp(-np.ones(k), integrality=np.ones(k, dtype=np.int64), bounds=Bounds(0, 1),
               constraints=[LinearConstraint(a, 0, upper)])
    if res.x is None:
        return out
    on = res.x > 0.5
    out[m_idx[on]] = r_idx[on]
    return out


class Teams:
    """Teams as member lists plus `team_of`; `fits(x, t)`: x may join team t under the hard rules."""

    def __init__(self, n: int, sizes: list[int], bad: np.ndarray) -> None:
        self.sizes = list(sizes)
        self.members: list[list[int]] = [[] for _ in sizes]
        self.team_of = np.full(n, -1, dtype=np.int64)
        self.bad = bad

    def fits(self, x: int, t: int) -> bool:
        return not self.bad[x, self.members[t]].any()

    def add(self, x: int, t: int) -> None:
        self.members[t].append(x)
        self.team_of[x] = t

    def remove(self, x: int) -> None:
        self.members[int(self.team_of[x])].remove(x)
        self.team_of[x] = -1


def construct(value: np.ndarray, bad: np.ndarray, masks: list[int], counts: list[int], sizes: list[int],
              placeable: np.ndarray, rng: np.random.Generator, shuffle: bool, deal: bool = True) -> Teams:
    """Holders of the needs dealt to the teams (unless `deal` is off: then the search must find coverage),
    then everyone else added where they fit best."""
    n = len(masks)
    st = Teams(n, sizes, bad)
    free = placeable.copy()
    need_of = holders([m if placeable[i] and deal else 0 for i, m in enumerate(masks)], counts, len(sizes))
    order_t = rng.permutation(len(sizes)) if shuffle else np.arange(len(sizes))
    have = np.bincount(need_of[need_of >= 0], minlength=len(counts))
    scarce = sorted(range(len(counts)), key=lambda r: (have[r] / max(counts[r] * len(sizes), 1), r))
    for r in scarce:
        pool = [int(x) for x in np.flatnonzero(need_of == r)]
        for _ in range(counts[r]):
            for t in order_t.tolist():
                if not pool or len(st.members[t]) >= sizes[t]:
                    continue
                cand = np.array(pool)
                ok = ~bad[np.ix_(cand, st.members[t])].any(axis=1) if st.members[t] else np.ones(len(cand), bool)
                if not ok.any():
                    continue
                gain = value[np.ix_(cand, st.members[t])].sum(axis=1) if st.members[t] else np.zeros(len(cand))
                if shuffle:
                    gain = gain + rng.random(len(cand)) * 0.5
                x = int(cand[np.flatnonzero(ok)[np.argmax(gain[ok])]])
                st.add(x, t)
                pool.remove(x)
                free[x] = False
    options = (~bad[:, placeable]).sum(axis=1)
    fill(st, value, bad, free, options, rng if shuffle else None)
    return st


def fill(st: Teams, value: np.ndarray, bad: np.ndarray, free: np.ndarray, options: np.ndarray,
         rng: np.random.Generator | None) -> None:
    """The teams take turns: each adds the free member who fits best (an empty team seeds with the free member
    with the fewest allowed partners), until every team is full or nobody free fits anywhere."""
    open_t = [t for t in range(len(st.sizes)) if len(st.members[t]) < st.sizes[t]]
    while open_t and free.any():
        still = []
        for t in open_t:
            cand = np.flatnonzero(free)
            if cand.size == 0:
                break
            team = np.array(st.members[t], dtype=np.int64)
            if team.size:
                ok = ~bad[np.ix_(cand, team)].any(axis=1)
                if not ok.any():
                    continue
                gain = value[np.ix_(cand, team)].sum(axis=1)
                if rng is not None:
                    gain = gain + rng.random(cand.size) * 0.5
                x = int(cand[np.flatnonzero(ok)[np.argmax(gain[ok])]])
            else:
                key = options[cand] + (rng.random(cand.size) * 2 if rng is not None else 0)
                x = int(cand[np.argmin(key)])
            st.add(x, t)
            free[x] = False
            if len(st.members[t]) < st.sizes[t]:
                still.append(t)
        open_t = still


def team_value(st: Teams, t: int, value: np.ndarray, masks: list[int], slots: tuple[int, ...]) -> float:
    team = st.members[t]
    return COVER_COST * covered([masks[x] for x in team], slots) + float(value[np.ix_(team, team)].sum() / 2)


def _cover_after(st: Teams, t: int, out: int, into: int | None, masks: list[int], slots: tuple[int, ...]) -> int:
    return covered([masks[x] for x in st.members[t] if x != out] + ([masks[into]] if into is not None else []), slots)


def improve(st: Teams, value: np.ndarray, bad: np.ndarray, masks: list[int], slots: tuple[int, ...],
            exhaustive: bool) -> int:
    """Swaps (and size-keeping moves) while any raises the total; returns how many were made."""
    n = len(masks)
    made = 0
    cover_now = [covered([masks[x] for x in team], slots) for team in st.members]
    vpad = np.zeros((n, n + 1), dtype=np.float32)  # column n: the padding of the team table, worth nothing
    vpad[:, :n] = value
    bpad = np.zeros((n, n + 1), dtype=np.int8)
    bpad[:, :n] = bad
    for _ in range(PASSES):
        placed = np.flatnonzero(st.team_of >= 0)
        if placed.size < 2:
            break
        tof = st.team_of[placed]
        table = np.full((len(st.sizes), max(len(m) for m in st.members)), n, dtype=np.int64)
        for t, team in enumerate(st.members):
            table[t, : len(team)] = team
        tv = vpad[placed[:, None, None], table[None, :, :]].sum(axis=2)  # (p, teams): value with each team
        tb = bpad[placed[:, None, None], table[None, :, :]].sum(axis=2)
        everyone = placed.size == n
        sub_v = vpad[:, :n] if everyone else vpad[np.ix_(placed, placed)]
        sub_b = bad if everyone else bad[np.ix_(placed, placed)]
        g = tv[:, tof]  # g[x, y] = value of x with y's team
        d = np.diag(g).copy()
        delta = g + g.T
        delta -= d[:, None]
        delta -= d[None, :]
        delta -= 2 * sub_v
        gb = tb[:, tof] - sub_b
        ok = (gb == 0) & (gb.T == 0) & (tof[:, None] < tof[None, :])
        moved = _swaps(st, delta, ok, placed, value, masks, slots, cover_now, exhaustive)
        if not moved:  # the matrices still describe the teams only when no swap was made
            moved = _moves(st, tv, tb, placed, tof, masks, slots, cover_now)
        made += moved
        if not moved:
            break
    return made


def swap_gain(st: Teams, value: np.ndarray, x: int, y: int) -> float:
    """The exact change of the total value when x and y (of different teams) swap."""
    a = [m for m in st.members[int(st.team_of[x])] if m != x]
    b = [m for m in st.members[int(st.team_of[y])] if m != y]
    return float(value[y, a].sum() - value[x, a].sum() + value[x, b].sum() - value[y, b].sum())


def _swaps(st: Teams, delta: np.ndarray, ok: np.ndarray, placed: np.ndarray, value: np.ndarray, masks: list[int],
           slots: tuple[int, ...], cover_now: list[int], exhaustive: bool) -> int:
    if exhaustive and slots:
        xs, ys = np.nonzero(ok)
    else:
        xs, ys = np.nonzero(ok & (delta > EPS))
        if xs.size > TOP * len(st.sizes):  # one swap per team per pass: the best few suffice
            top = np.argpartition(-delta[xs, ys], TOP * len(st.sizes))[: TOP * len(st.sizes)]
            xs, ys = xs[top], ys[top]
    if xs.size == 0:
        return 0
    fit = delta[xs, ys]
    gain = fit
    if exhaustive and slots:
        extra = np.zeros(xs.size)
        for k in range(xs.size):
            x, y = int(placed[xs[k]]), int(placed[ys[k]])
            a, b = int(st.team_of[x]), int(st.team_of[y])
            extra[k] = (_cover_after(st, a, x, y, masks, slots) + _cover_after(st, b, y, x, masks, slots)
                        - cover_now[a] - cover_now[b])
        gain = fit + COVER_COST * extra
    touched: set[int] = set()
    made = 0
    for k in np.argsort(-gain, kind="stable").tolist():
        if gain[k] <= EPS:
            break
        x, y = int(placed[xs[k]]), int(placed[ys[k]])
        a, b = int(st.team_of[x]), int(st.team_of[y])
        if a in touched or b in touched:
            continue
        if not slots or masks[x] == masks[y]:  # same needs: the coverage stays
            ca, cb = cover_now[a], cover_now[b]
        else:
            ca = _cover_after(st, a, x, y, masks, slots)
            cb = _cover_after(st, b, y, x, masks, slots)
        if COVER_COST * (ca + cb - cover_now[a] - cover_now[b]) + swap_gain(st, value, x, y) <= EPS:
            continue  # the exact (float64) gain decides: float32 rounding must not make swaps go round
        st.remove(x)
        st.remove(y)
        st.add(y, a)
        st.add(x, b)
        cover_now[a], cover_now[b] = ca, cb
        touched.update((a, b))
        made += 1
    return made


def _moves(st: Teams, tv: np.ndarray, tb: np.ndarray, placed: np.ndarray, tof: np.ndarray, masks: list[int],
           slots: tuple[int, ...], cover_now: list[int]) -> int:
    """Move a member from a team to one exactly one smaller (the sizes stay the same multiset)."""
    size = np.array([len(m) for m in st.members])
    if size.min(initial=0) == size.max(initial=0):
        return 0
    into = size[None, :] == size[tof][:, None] - 1
    gain = tv - tv[np.arange(placed.size), tof][:, None]
    ok = into & (tb < 0.5) & (gain > EPS)
    xs, ts = np.nonzero(ok)
    touched: set[int] = set()
    made = 0
    for k in np.argsort(-gain[xs, ts], kind="stable").tolist():
        x, b = int(placed[xs[k]]), int(ts[k])
        a = int(st.team_of[x])
        if a in touched or b in touched:
            continue
        ca = _cover_after(st, a, x, None, masks, slots) if slots else 0
        cb = covered([masks[m] for m in st.members[b]] + [masks[x]], slots) if slots else 0
        if ca + cb < cover_now[a] + cover_now[b]:
            continue
        st.remove(x)
        st.add(x, b)
        cover_now[a], cover_now[b] = ca, cb
        touched.update((a, b))
        made += 1
    return made


def place_rest(st: Teams, value: np.ndarray, placeable: np.ndarray, high: int) -> list[int]:
    """Placeable members still free join the team (up to `high` members) they fit best; returns who is left."""
    left = []
    for x in np.flatnonzero(placeable & (st.team_of < 0)).tolist():
        best: tuple[float, int] | None = None
        for t, team in enumerate(st.members):
            if 0 < len(team) < high and st.fits(x, t):  # an empty team was given back: not refilled
                gain = float(value[x, team].sum())
                if best is None or gain > best[0]:
                    best = (gain, t)
        if best is None:
            left.append(x)
        else:
            st.add(x, best[1])
    return left


def balance(st: Teams, value: np.ndarray, masks: list[int], slots: tuple[int, ...]) -> None:
    """Members of a team at least two larger than another move to it (the sizes tier outranks coverage and
    fit), the one that costs least going first; stops when no such move honours the hard rules."""
    while True:
        size = [len(m) for m in st.members]
        moved = False
        for b in sorted((t for t in range(len(size)) if size[t]), key=lambda t: size[t]):  # empty: dissolved
            for a in sorted(range(len(size)), key=lambda t: -size[t]):
                if size[a] < size[b] + 2:
                    break
                best: tuple[float, int] | None = None
                base = covered([masks[m] for m in st.members[a]], slots) + covered(
                    [masks[m] for m in st.members[b]], slots)
                for x in st.members[a]:
                    if not st.fits(x, b):
                        continue
                    after = _cover_after(st, a, x, None, masks, slots) + covered(
                        [masks[m] for m in st.members[b]] + [masks[x]], slots)
                    fit = float(value[x, st.members[b]].sum() - value[x, st.members[a]].sum())
                    gain = COVER_COST * (after - base) + fit
                    if best is None or gain > best[0]:
                        best = (gain, x)
                if best is not None:
                    st.remove(best[1])
                    st.add(best[1], b)
                    moved = True
                    break
            if moved:
                break
        if not moved:
            return


__all__ = ["COVER_COST", "EPS", "ZERO_COST", "Teams", "balance", "construct", "holders", "improve", "place_rest",
           "team_value"]
