"""The heuristic's pipeline (`search`) and its two deeper repairs, for teams of events too large for the MILP.

- `eject`: a member nobody's team with room will take joins a team in the place of someone who moves on to a
  team with room (an ejection chain of length one): what the simple placement cannot do when blocks or
  languages leave a person few teams.
- `reoptimise_pairs` (small events): two teams at a time are split again in the best of every possible way
  (at most C(12, 6) splits), which contains every swap and many moves of two or three people at once; it is
  what lifts the heuristic from about 97.5% of the optimal fit to the optimum on events of up to 24.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations

import numpy as np

from .group_exact import shapes
from .groups import group_sizes
from .team_needs import covered
from .team_search import COVER_COST, EPS, RESTARTS, SMALL, Teams, balance, construct, improve, place_rest, team_value

REOPT_PASSES = 20
KICKS = 30  # random restarts of the re-split per attempt on small events


def eject(st: Teams, value: np.ndarray, placeable: np.ndarray, high: int) -> None:
    """Free placeable members take someone's place in a team when that someone fits a team with room."""
    for x in np.flatnonzero(placeable & (st.team_of < 0)).tolist():
        best: tuple[float, int, int, int] | None = None
        room = [u for u, team in enumerate(st.members) if 0 < len(team) < high]
        for t, team in enumerate(st.members):
            for y in team:
                rest = [m for m in team if m != y]
                if st.bad[x, rest].any():
                    continue
                for u in room:
                    if u == t or st.bad[y, st.members[u]].any():
                        continue
                    gain = float(value[x, rest].sum() - value[y, rest].sum() + value[y, st.members[u]].sum())
                    if best is None or gain > best[0]:
                        best = (gain, t, y, u)
        if best is not None:
            _gain, t, y, u = best
            st.remove(y)
            st.add(y, u)
            st.add(x, t)


def insert_by_resplit(st: Teams, value: np.ndarray, bad: np.ndarray, masks: list[int], slots: tuple[int, ...],
                      placeable: np.ndarray, high: int) -> None:
    """Small events: a free member joins two teams that are split again in the best allowed way with them in
    (one of the two grows by one, up to `high`), when simple placement and ejection found no place."""
    for x in np.flatnonzero(placeable & (st.team_of < 0)).tolist():
        best: tuple[float, int, int, list[int], list[int]] | None = None
        for a, b in combinations(range(len(st.members)), 2):
            ta, tb = st.members[a], st.members[b]
            if not ta or not tb:
                continue
            idx = [*ta, *tb, x]
            for size_a in {len(ta) + 1, len(ta)}:
                if size_a > high or len(idx) - size_a > high:
                    continue
                firsts, seconds = _splits(len(idx), size_a)
                total = _split_value(idx, firsts, value, bad, masks, slots) + _split_value(
                    idx, seconds, value, bad, masks, slots)
                k = int(np.argmax(total))
                if np.isfinite(total[k]) and (best is None or total[k] > best[0]):
                    best = (float(total[k]), a, b, [idx[p] for p in firsts[k].tolist()],
                            [idx[p] for p in seconds[k].tolist()])
        if best is not None:
            _total, a, b, into_a, into_b = best
            for m in [*st.members[a], *st.members[b]]:
                st.remove(m)
            for m in into_a:
                st.add(m, a)
            for m in into_b:
                st.add(m, b)


def _split_value(idx: list[int], parts: np.ndarray, value: np.ndarray, bad: np.ndarray, masks: list[int],
                 slots: tuple[int, ...]) -> np.ndarray:
    """Worth of each row of `parts` (positions into idx) as one team; -inf where a hard rule forbids it."""
    members = np.asarray(idx)[parts]
    fit = value[members[:, :, None], members[:, None, :]].sum(axis=(1, 2)) / 2
    forbidden = bad[members[:, :, None], members[:, None, :]].any(axis=(1, 2))
    cover = np.array([covered([masks[x] for x in row], slots) for row in members.tolist()]) if slots else 0
    return np.where(forbidden, -np.inf, COVER_COST * cover + fit)


def reoptimise_pairs(st: Teams, value: np.ndarray, bad: np.ndarray, masks: list[int], slots: tuple[int, ...],
                     dirty: set[int] | None = None) -> int:
    """Every pair of teams (with at least one in `dirty`, default all) re-split in the best way, until no split
    gains; returns the splits changed."""
    made = 0
    todo = set(range(len(st.members))) if dirty is None else set(dirty)
    for _ in range(REOPT_PASSES):
        changed: set[int] = set()
        for a, b in combinations(range(len(st.members)), 2):
            if a not in todo and b not in todo:
                continue
            if _resplit(st, a, b, value, bad, masks, slots):
                changed.update((a, b))
                made += 1
        if not changed:
            break
        todo = changed
    return made


def _resplit(st: Teams, a: int, b: int, value: np.ndarray, bad: np.ndarray, masks: list[int],
             slots: tuple[int, ...]) -> bool:
    ta, tb = st.members[a], st.members[b]
    if not ta or not tb:
        return False
    idx = ta + tb
    firsts, seconds = _splits(len(idx), len(ta))
    total = _split_value(idx, firsts, value, bad, masks, slots) + _split_value(idx, seconds, value, bad, masks, slots)
    best = int(np.argmax(total))
    now = team_value(st, a, value, masks, slots) + team_value(st, b, value, masks, slots)
    if total[best] <= now + EPS:
        return False
    for x in idx:
        st.remove(x)
    for p in firsts[best].tolist():
        st.add(idx[p], a)
    for p in seconds[best].tolist():
        st.add(idx[p], b)
    return True


@lru_cache(maxsize=64)
def _splits(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Every way to choose `k` of `n` positions, and the positions left, as two arrays of rows."""
    firsts = np.array(list(combinations(range(n), k)), dtype=np.int64)
    rest = np.ones((len(firsts), n), dtype=bool)
    rest[np.arange(len(firsts))[:, None], firsts] = False
    seconds = np.nonzero(rest)[1].reshape(len(firsts), n - k)
    return firsts, seconds


def _worth(st: Teams, value: np.ndarray, masks: list[int], slots: tuple[int, ...]) -> tuple[int, float]:
    placed = int((st.team_of >= 0).sum())
    return placed, sum(team_value(st, t, value, masks, slots) for t in range(len(st.members)) if st.members[t])


def kick(st: Teams, value: np.ndarray, bad: np.ndarray, masks: list[int], slots: tuple[int, ...],
         rng: np.random.Generator) -> None:
    """Iterated local search for small events: a few random allowed swaps, then the pairwise re-split; kept
    when better, undone otherwise. Reaches what needs three teams at once (a rotation of three members)."""
    if sum(1 for team in st.members if team) < 2:
        return
    best = _worth(st, value, masks, slots)
    for _ in range(KICKS):
        saved = [list(m) for m in st.members]
        placed = np.flatnonzero(st.team_of >= 0)
        dirty: set[int] = set()
        for _swap in range(3):
            x, y = (int(v) for v in rng.choice(placed, 2, replace=False))
            a, b = int(st.team_of[x]), int(st.team_of[y])
            if a == b or bad[x, [m for m in st.members[b] if m != y]].any() or \
                    bad[y, [m for m in st.members[a] if m != x]].any():
                continue
            st.remove(x)
            st.remove(y)
            st.add(y, a)
            st.add(x, b)
            dirty.update((a, b))
        reoptimise_pairs(st, value, bad, masks, slots, dirty)
        now = _worth(st, value, masks, slots)
        if now > (best[0], best[1] + EPS):
            best = now
            continue
        for x in range(len(st.team_of)):
            st.team_of[x] = -1
        st.members = [[] for _ in saved]
        for t, team in enumerate(saved):
            for x in team:
                st.add(x, t)


def repair_cover(st: Teams, value: np.ndarray, bad: np.ndarray, masks: list[int], slots: tuple[int, ...]) -> int:
    """Coverage the fit-led search misses: a team lacking a need takes a member who brings it from a team
    that does not need them for its own coverage (a swap that covers one more slot, whatever it costs in fit).
    Returns the swaps made."""
    if not slots:
        return 0
    made = 0
    for _ in range(3):
        cov = [covered([masks[x] for x in team], slots) for team in st.members]
        spare = [x for x in np.flatnonzero(st.team_of >= 0).tolist() if masks[x] and covered(
            [masks[m] for m in st.members[int(st.team_of[x])] if m != x], slots) == cov[int(st.team_of[x])]]
        changed = 0
        for a, team in enumerate(st.members):
            if not team or cov[a] >= len(slots):
                continue
            best: tuple[float, int, int] | None = None
            for y in spare:
                b = int(st.team_of[y])
                if b == a or st.team_of[y] < 0:
                    continue
                rest_b = [m for m in st.members[b] if m != y]
                for x in team:
                    rest_a = [m for m in team if m != x]
                    if bad[y, rest_a].any() or bad[x, rest_b].any():
                        continue
                    gain = covered([masks[m] for m in rest_a] + [masks[y]], slots) + covered(
                        [masks[m] for m in rest_b] + [masks[x]], slots) - cov[a] - cov[b]
                    if gain <= 0:
                        continue
                    fit = float(value[y, rest_a].sum() - value[x, rest_a].sum() + value[x, rest_b].sum()
                                - value[y, rest_b].sum())
                    if best is None or gain * COVER_COST + fit > best[0]:
                        best = (gain * COVER_COST + fit, x, y)
            if best is not None:
                _gain, x, y = best
                b = int(st.team_of[y])
                st.remove(x)
                st.remove(y)
                st.add(y, a)
                st.add(x, b)
                cov[a] = covered([masks[m] for m in st.members[a]], slots)
                cov[b] = covered([masks[m] for m in st.members[b]], slots)
                spare = [m for m in spare if m not in (x, y)]
                changed += 1
        made += changed
        if not changed:
            break
    return made


def _dissolve(st: Teams, low: int) -> None:
    """A team below the smallest size gives its members back (they join other teams or stay out)."""
    for team in st.members:
        if 0 < len(team) < low:
            for x in list(team):
                st.remove(x)


def _attempt(value: np.ndarray, bad: np.ndarray, masks: list[int], slots: tuple[int, ...], counts: list[int],
             sizes: list[int], placeable: np.ndarray, low: int, high: int, rng: np.random.Generator,
             attempt: int) -> Teams:
    small = len(masks) <= SMALL
    # Every third small attempt seeds teams with the people who have the fewest allowed partners instead of
    # dealing the needs first: language minorities then end up together.
    st = construct(value, bad, masks, counts, sizes, placeable, rng, shuffle=attempt > 0, deal=attempt % 3 != 2)
    for _ in range(2):
        place_rest(st, value, placeable, high)
        eject(st, value, placeable, high)
        if small:
            insert_by_resplit(st, value, bad, masks, slots, placeable, high)
        balance(st, value, masks, slots)
        improve(st, value, bad, masks, slots, exhaustive=small)
        if repair_cover(st, value, bad, masks, slots):
            improve(st, value, bad, masks, slots, exhaustive=small)
        _dissolve(st, low)
    if small:
        reoptimise_pairs(st, value, bad, masks, slots)
    return st


def search(value: np.ndarray, bad: np.ndarray, masks: list[int], slots: tuple[int, ...], counts: list[int],
           k: int, placeable: np.ndarray, low: int, high: int, seed: int) -> tuple[list[list[int]], list[int]]:
    """The best teams of `k` found (member indices) and the placeable members left out: construction, placing
    the rest (directly, then by ejection), the sizes balanced, local search; when someone stays out, again with
    the sizes planned for those placed. Small events several times over, with the pairwise re-split and
    random kicks, keeping the best by (people placed, teams off size `k` fewest, worth)."""
    rng = np.random.default_rng(seed)
    small = len(masks) <= SMALL
    best: tuple[tuple[int, int, float], Teams] | None = None
    for attempt in range(RESTARTS if small else 1):
        who = placeable.copy()
        for _ in range(2):
            sizes = group_sizes(int(who.sum()), k, high)
            st = _attempt(value, bad, masks, slots, counts, sizes, who, low, high, rng, attempt)
            key = _key(st, value, masks, slots, k)
            if best is None or key > best[0]:
                best = (key, st)
            out = who & (st.team_of < 0)
            if not out.any():
                break
            who &= ~out
    assert best is not None
    if small and best[0][1] < 0:
        best = _other_shapes(best, value, bad, masks, slots, counts, k, placeable, low, high, rng)
    st = best[1]
    if small:
        kick(st, value, bad, masks, slots, rng)
    left = [int(x) for x in np.flatnonzero(placeable & (st.team_of < 0))]
    return [list(m) for m in st.members if m], left


def _other_shapes(best: tuple[tuple[int, int, float], Teams], value: np.ndarray, bad: np.ndarray, masks: list[int],
                  slots: tuple[int, ...], counts: list[int], k: int, placeable: np.ndarray, low: int, high: int,
                  rng: np.random.Generator) -> tuple[tuple[int, int, float], Teams]:
    """Small events whose teams are off size: every other way to size teams for as many people with no more teams
    off size (`group_exact.shapes`), twice each; more teams may cover more needs."""
    placed, off = best[0][0], -best[0][1]
    who = placeable & (best[1].team_of >= 0)  # those the best plan placed
    for level in shapes(placed, k, low, high)[: off + 1]:
        for shape in level:
            sizes = [s for s, c in zip(range(low, high + 1), shape, strict=True) for _ in range(c)]
            if sum(1 for s in sizes if s != k) > off:
                continue
            for attempt in range(2):
                st = _attempt(value, bad, masks, slots, counts, sizes, who, low, high, rng, attempt)
                key = _key(st, value, masks, slots, k)
                if key > best[0]:
                    best = (key, st)
    return best


def _key(st: Teams, value: np.ndarray, masks: list[int], slots: tuple[int, ...], k: int) -> tuple[int, int, float]:
    placed, worth = _worth(st, value, masks, slots)
    return placed, -sum(1 for m in st.members if m and len(m) != k), worth


__all__ = ["eject", "reoptimise_pairs", "search"]
