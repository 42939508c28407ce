"""One matching round: everybody opted in gets a partner (one trio when the count is odd).

Pipeline: encode -> candidate edges -> LP / assignment relaxation or greedy -> 2-opt improvement ->
place whoever is still alone (pair them up, or swap along a short augmenting path) -> the odd one out joins
the pair that suits them best. Hard rules are checked on every pair that is formed; a member who cannot be
placed without breaking one is reported as unplaced with a reason instead.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence

import numpy as np

from .assignment import EXACT_MAX, EXACT_REST, assignment_matching, exact_small_matching
from .candidates import all_pairs, candidate_graph, dense_matrix, scored_candidates
from .cardinality import maximise_pairs
from .encode import Encoded, encode
from .lp import PRICE_BLOCK_MAX, PRICE_MAX, blocked_lp_pairs, lp_pairs
from .matching import greedy, improve, improve_dense, select_disjoint
from .model import Group, History, MatchOptions, Member, RoundResult, Unplaced
from .vector import score_pairs

MAX_AUGMENT = 64


def _row(enc: Encoded, x: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores and feasibility of member x against everybody."""
    return score_pairs(enc, np.full(enc.n, x, dtype=np.int64), np.arange(enc.n, dtype=np.int64))


def _pair_up_free(
    enc: Encoded, mate: np.ndarray, pscore: np.ndarray, rng: np.random.Generator, edges: list[np.ndarray]
) -> None:
    """Match members still alone among themselves: all pairs if few, else fresh facet-index candidates
    among just them (a few rounds, as each round frees fewer). New candidate edges are appended to
    `edges` (u, v, w) so later improvement can use them."""
    for _ in range(4):
        free = np.nonzero(mate < 0)[0]
        if free.size < 2:
            return
        if free.size <= 500:
            x, y = all_pairs(free.size)
            a, b = free[x], free[y]
            s, ok = score_pairs(enc, a, b)
            a, b, s = a[ok], b[ok], s[ok]
        else:
            mask = np.zeros(enc.n, dtype=bool)
            mask[free] = True
            a, b, s = scored_candidates(enc, rng, mask)
        before = free.size
        greedy(mate, pscore, a, b, s)
        edges[0], edges[1], edges[2] = (np.concatenate((e, x)) for e, x in zip(edges, (a, b, s), strict=True))
        if free.size <= 500 or int((mate < 0).sum()) > 0.8 * before:
            return


def _augment(enc: Encoded, mate: np.ndarray, pscore: np.ndarray, locked: np.ndarray) -> None:
    """Length-3 augmenting paths: lonely x and y, pair (v, w) -> (x, v), (y, w). Places two more people
    at the cost of breaking one pair; the best such swap (by total score change) is taken for each x."""
    free = np.nonzero(mate < 0)[0][:MAX_AUGMENT]
    if free.size < 2:
        return
    rows = [_row(enc, int(x)) for x in free]
    scores = np.stack([r[0] for r in rows])  # (f, n)
    feas = np.stack([r[1] for r in rows])
    for fi, x in enumerate(free.tolist()):
        if mate[x] >= 0:
            continue
        cand = np.nonzero(feas[fi] & (mate >= 0) & ~locked)[0]
        if cand.size == 0:
            continue
        partners = mate[cand]
        alone = (mate[free] < 0) & (free != x)
        if not alone.any():
            break
        ok = feas[:, partners] & alone[:, None]
        gain = scores[fi, cand][None, :] + scores[:, partners] - pscore[cand][None, :]
        gain = np.where(ok, gain, -np.inf)
        flat = int(np.argmax(gain))
        yi, k = divmod(flat, cand.size)
        if not np.isfinite(gain[yi, k]):
            continue
        y, vv = int(free[yi]), int(cand[k])
        ww = int(mate[vv])
        mate[x], mate[vv] = vv, x
        mate[y], mate[ww] = ww, y
        pscore[x] = pscore[vv] = scores[fi, vv]
        pscore[y] = pscore[ww] = scores[yi, ww]


def _reason(enc: Encoded, x: int, feasible_row: np.ndarray) -> str:
    others = np.arange(enc.n) != x
    if not (feasible_row & others).any():
        if enc.options.language_required:
            common = np.any((enc.langs & enc.langs[x]) != 0, axis=1) & others
            if not common.any():
                return "no_common_language"
        return "only_excluded_partners"
    return "no_free_partner"


def _swap_out_priority(
    enc: Encoded, mate: np.ndarray, pscore: np.ndarray, locked: np.ndarray, prio: np.ndarray, x: int
) -> int:
    """A priority member x is alone: give them the partner of a non-priority member b whose pair suffers
    least, and return b (who then joins a trio instead). Returns x when no such swap exists."""
    sx, okx = _row(enc, x)
    matched = np.nonzero((mate >= 0) & okx & ~locked)[0]
    if matched.size == 0:
        return x
    partners = mate[matched]
    good = ~prio[partners]
    if not good.any():
        return x
    loss = np.where(good, pscore[matched] - sx[matched], np.inf)
    k = int(np.argmin(loss))
    a, b = int(matched[k]), int(partners[k])
    mate[b] = -1
    mate[a], mate[x] = x, a
    pscore[a] = pscore[x] = sx[a]
    pscore[b] = 0.0
    locked[a] = locked[x] = True
    return b


def _free_priority(
    enc: Encoded, mate: np.ndarray, pscore: np.ndarray, locked: np.ndarray, prio: np.ndarray,
    trio: tuple[int, int, int], in_trio: np.ndarray,
) -> tuple[int, int, int]:
    """A priority member still in a trio (every pair the extra member could join held one) trades places
    with a non-priority member q of a plain pair (q, r): q joins the trio, the priority member pairs with r.
    Only swaps that keep every pair allowed count; the one that costs least is taken, even at a loss,
    because priority outranks score. Returns the trio as it now stands (pair part, pair part, extra)."""
    for p in trio:
        if not prio[p]:
            continue
        aa, bb, x = trio
        rest = [m for m in trio if m != p]
        q = np.nonzero((mate >= 0) & ~in_trio & ~prio & ~locked)[0]
        if q.size == 0:
            return trio
        r = mate[q]
        s0, ok0 = _row(enc, rest[0])
        s1, ok1 = _row(enc, rest[1])
        sp, okp = _row(enc, p)
        ok = ok0[q] & ok1[q] & okp[r]
        if not ok.any():
            continue
        sx, _ = _row(enc, x)
        old = pscore[aa] + (sx[aa] + sx[bb]) / 2 + pscore[q]
        if p == x:  # the extra member changes: the pair part stays
            new = pscore[aa] + (s0[q] + s1[q]) / 2
        else:  # q takes p's place next to `other`; the extra x stays
            other = bb if p == aa else aa
            s_other = s0 if rest[0] == other else s1
            new = s_other[q] + (sx[q] + sx[other]) / 2
        gain = np.where(ok, new + sp[r] - old, -np.inf)
        k = int(np.argmax(gain))
        qq, rr = int(q[k]), int(r[k])
        mate[p], mate[rr] = rr, p
        pscore[p] = pscore[rr] = sp[rr]
        if p == x:
            mate[qq] = -1
            pscore[qq] = 0.0
            trio = (aa, bb, qq)
        else:
            mate[qq], mate[other] = other, qq
            pscore[qq] = pscore[other] = s_other[qq]
            trio = (qq, other, x)
        in_trio[p], in_trio[qq] = False, True
    return trio


def _place_leftovers(
    enc: Encoded, mate: np.ndarray, pscore: np.ndarray, locked: np.ndarray, prio: np.ndarray
) -> tuple[list[Group], list[Unplaced], list[tuple[int, int, int]]]:
    """Attach each remaining member to the pair that suits them best (a trio); the first trio is the
    normal odd-count case, further ones only as a last resort and only when allowed."""
    trios: list[tuple[int, int, int]] = []
    unplaced: list[Unplaced] = []
    in_trio = np.zeros(enc.n, dtype=bool)
    queue = [int(x) for x in np.nonzero(mate < 0)[0]]
    queue.sort(key=lambda x: not prio[x])  # priority members first, so they can swap out
    for x in queue:
        if prio[x]:
            x = _swap_out_priority(enc, mate, pscore, locked, prio, x)
        sx, okx = _row(enc, x)
        if trios and not enc.options.allow_extra_trios:
            unplaced.append(Unplaced(int(enc.ids[x]), _reason(enc, x, okx)))
            continue
        a = np.nonzero(mate >= 0)[0]
        a = a[a < mate[a]]
        b = mate[a]
        valid = okx[a] & okx[b] & ~in_trio[a]
        value = (sx[a] + sx[b]) / 2
        pick = valid & ~prio[a] & ~prio[b]
        if not pick.any():
            pick = valid
        if not pick.any():
            unplaced.append(Unplaced(int(enc.ids[x]), _reason(enc, x, okx)))
            continue
        k = int(np.argmax(np.where(pick, value, -np.inf)))
        aa, bb = int(a[k]), int(b[k])
        trios.append((aa, bb, x))
        in_trio[[aa, bb, x]] = True
    for t in range(len(trios)):
        trios[t] = _free_priority(enc, mate, pscore, locked, prio, trios[t], in_trio)
    groups: list[Group] = []
    for aa, bb, x in trios:
        sx, _ = score_pairs(enc, np.array([x, x]), np.array([aa, bb]))
        groups.append(
            Group((int(enc.ids[aa]), int(enc.ids[bb]), int(enc.ids[x])), float(pscore[aa] + sx.mean()))
        )
    return groups, unplaced, trios


def _pair_groups(
    enc: Encoded, mate: np.ndarray, pscore: np.ndarray, trios: Sequence[tuple[int, int, int]]
) -> list[Group]:
    """Plain pairs (low index first) as groups of member ids; one array pass, as a round can hold 50,000."""
    in_trio = np.zeros(enc.n, dtype=bool)
    for t in trios:
        in_trio[list(t)] = True
    a = np.nonzero((mate > np.arange(enc.n)) & ~in_trio)[0]
    return [Group((x, y), s) for x, y, s in zip(enc.ids[a].tolist(), enc.ids[mate[a]].tolist(),
                                               pscore[a].tolist(), strict=True)]


def _settle_rest(enc: Encoded, mate: np.ndarray, pscore: np.ndarray, prio: np.ndarray) -> None:
    """Pair the members the LP left fractional (its odd cycles, usually a handful) exactly, on a matrix of
    just those members."""
    rest = np.nonzero(mate < 0)[0]
    if not 2 <= rest.size <= EXACT_REST:
        return
    sub = np.full((rest.size, rest.size), -np.inf)
    x, y = all_pairs(rest.size)
    s, ok = score_pairs(enc, rest[x], rest[y])
    sub[x[ok], y[ok]] = s[ok]
    sub[y[ok], x[ok]] = s[ok]
    for i, j in exact_small_matching(sub, np.arange(rest.size), ~prio[rest]):
        a, b = rest[i], rest[j]
        mate[a], mate[b] = b, a
        pscore[a] = pscore[b] = sub[i, j]


def pair_round(
    members: Sequence[Member],
    history: History | None = None,
    options: MatchOptions | None = None,
    priority: Collection[int] = (),
    *,
    dense: bool | None = None,
) -> RoundResult:
    """Pair everybody in `members` for the round described by `history` and `options`.

    `priority` holds ids of members who were left out or in a trio last time: they get a plain pair this
    time whenever a swap allows (never the extra member of a trio, never left out when someone else can
    be). They do not choose first: that would cost the round several percent for no fairness gained.
    `dense` forces (True) or forbids (False)
    scoring every pair; by default small rounds are dense and large ones use the facet index.
    """
    history = history or History()
    options = options or MatchOptions()
    if len(members) < 2:
        return RoundResult((), tuple(Unplaced(m.id, "alone") for m in members))
    t0 = time.perf_counter()
    enc = encode(members, history, options)
    rng = np.random.default_rng(options.seed)
    n = enc.n
    mate = np.full(n, -1, dtype=np.int64)
    pscore = np.zeros(n, dtype=np.float64)
    locked = np.zeros(n, dtype=bool)
    prio = enc.mask(priority)
    t1 = time.perf_counter()
    u, v, w, matrix = candidate_graph(enc, rng, dense)
    t2 = time.perf_counter()
    if matrix is not None:
        # Small round: exact when very small, else the assignment relaxation; then 2-opt over every pair of pairs.
        free = np.nonzero(mate < 0)[0]
        solve = exact_small_matching if free.size <= EXACT_MAX else assignment_matching
        for a, b in solve(matrix, free, ~prio):
            mate[a], mate[b] = b, a
            pscore[a] = pscore[b] = matrix[a, b]
    elif n <= EXACT_MAX:
        # A handful of people: the blossom algorithm is exact and instant, whichever path was asked for.
        small = dense_matrix(enc)
        for a, b in exact_small_matching(small, np.nonzero(mate < 0)[0], ~prio):
            mate[a], mate[b] = b, a
            pscore[a] = pscore[b] = small[a, b]
    else:
        if n <= PRICE_BLOCK_MAX:
            # Up to several thousand members every pair can be priced: the LP optimum leads (see lp.py).
            price = lp_pairs if n <= PRICE_MAX else blocked_lp_pairs
            u, v, w, whole = price(enc, enc.options.candidates_per_member, (u, v))
            free = whole & (mate[u] < 0) & (mate[v] < 0)
            a, b = u[free], v[free]
            mate[a], mate[b] = b, a
            pscore[a], pscore[b] = w[free], w[free]
            _settle_rest(enc, mate, pscore, prio)
        greedy(mate, pscore, u, v, w)
    greedy_score = float(pscore.sum() / 2)
    t3 = time.perf_counter()
    if matrix is not None:
        moves = improve_dense(matrix, mate, pscore, locked, options.improve_passes * 10)
    else:
        moves = improve(enc, mate, pscore, locked, u, v, w, options.improve_passes)
    t4 = time.perf_counter()
    free_after_greedy = int((mate < 0).sum())
    edges = [u, v, w]
    _pair_up_free(enc, mate, pscore, rng, edges)
    u, v, w = edges
    free_after_pairing = int((mate < 0).sum())
    t45 = time.perf_counter()
    _augment(enc, mate, pscore, locked)
    maximise_pairs(enc, mate, pscore, u, v, rng)
    free_after_augment = int((mate < 0).sum())
    t46 = time.perf_counter()
    if matrix is not None:
        moves += improve_dense(matrix, mate, pscore, locked, options.improve_passes * 10)
    else:
        moves += improve(enc, mate, pscore, locked, u, v, w, 3)
    trio_groups, unplaced, trios = _place_leftovers(enc, mate, pscore, locked, prio)
    t5 = time.perf_counter()
    groups = _pair_groups(enc, mate, pscore, trios)
    groups.extend(trio_groups)
    return RoundResult(
        groups=tuple(groups),
        unplaced=tuple(unplaced),
        stats={
            "candidates": len(u),
            "greedy_score": greedy_score,
            "moves": moves,
            "encode_s": t1 - t0,
            "candidates_s": t2 - t1,
            "greedy_s": t3 - t2,
            "improve_s": t4 - t3,
            "place_s": t5 - t4,
            "pair_free_s": t45 - t4,
            "augment_s": t46 - t45,
            "free_after_greedy": free_after_greedy,
            "free_after_pairing": free_after_pairing,
            "free_after_augment": free_after_augment,
        },
    )


def matching_from_pairs(
    members: Sequence[Member], history: History, options: MatchOptions, pairs: Collection[tuple[int, int]],
    priority: Collection[int] = (),
) -> RoundResult:
    """Finish a given matching (member ids) the way `pair_round` does: leftovers join trios. Used to turn
    the exact reference matching into a comparable round."""
    enc = encode(members, history, options)
    n = enc.n
    mate = np.full(n, -1, dtype=np.int64)
    pscore = np.zeros(n, dtype=np.float64)
    locked = np.zeros(n, dtype=bool)
    prio = enc.mask(priority)
    if pairs:
        a = np.array([enc.index[x] for x, _ in pairs], dtype=np.int64)
        b = np.array([enc.index[y] for _, y in pairs], dtype=np.int64)
        s, _ = score_pairs(enc, a, b)
        mate[a], mate[b] = b, a
        pscore[a], pscore[b] = s, s
    trio_groups, unplaced, trios = _place_leftovers(enc, mate, pscore, locked, prio)
    groups = _pair_groups(enc, mate, pscore, trios)
    groups.extend(trio_groups)
    return RoundResult(tuple(groups), tuple(unplaced))


__all__ = ["matching_from_pairs", "pair_round", "select_disjoint"]
