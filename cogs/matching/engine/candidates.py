"""Which pairs are worth scoring at all.

Small rounds score every pair. Large rounds never build the N^2 graph: members are bucketed by what they
have in common (each topic, each pair of topics, each language, each skill offered/wanted) and, inside a
bucket ordered east to west with a random tie-break, each member is linked to a few neighbours. That
yields pairs that share something and are awake at similar hours, plus a few time-zone-near and random
pairs so everybody has options. Only the best `k` scored candidates per member are kept.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from .encode import Encoded
from .vector import score_pairs

# Neighbours linked per bucket entry, by kind of bucket (tuned on the benchmark's synthetic communities).
WIDTH = {"topic": 1, "topic2": 4, "topic3": 6, "skill": 3, "skill_topic": 5, "swap": 6, "language": 1, "zone": 1}


def unique_sorted(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort-based; numpy's hash-based unique is slower on millions of int64)."""
    keys = np.sort(keys)
    if keys.size == 0:
        return keys
    keep = np.empty(keys.size, dtype=bool)
    keep[0] = True
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    return keys[keep]


def all_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every unordered pair (dense mode for small rounds)."""
    u, v = np.triu_indices(n, 1)
    return u.astype(np.int64), v.astype(np.int64)


def _pair_key(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Unordered pair key lo * n + hi (self pairs dropped)."""
    keep = a != b
    a, b = a[keep], b[keep]
    return np.minimum(a, b) * n + np.maximum(a, b)


def _windows(keys: np.ndarray, members: np.ndarray, rank: np.ndarray, width: int) -> list[np.ndarray]:
    """Link each entry to the next `width` entries of the same bucket (buckets ordered by `rank`);
    returns pair keys."""
    if len(keys) < 2 or width <= 0:
        return []
    n = len(rank)
    k, m = _by_bucket_then_rank(keys, members, rank)
    out: list[np.ndarray] = []
    for d in range(1, width + 1):
        if d >= len(k):
            break
        same = k[:-d] == k[d:]
        out.append(_pair_key(m[:-d][same], m[d:][same], n))
    return out


def _by_bucket_then_rank(
    keys: np.ndarray, members: np.ndarray, rank: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(keys, members) ordered by key, then by the member's rank (a permutation of 0..n-1). Packed into one
    int64 (key * n + rank) and value-sorted when that fits: ten times faster than `lexsort` on millions."""
    n = len(rank)
    if len(keys) and int(keys.min()) >= 0 and int(keys.max()) < (1 << 62) // max(n, 1):
        packed = keys.astype(np.int64) * n + rank[members]
        packed.sort()
        by_rank = np.empty(n, dtype=np.int64)
        by_rank[rank] = np.arange(n)
        return packed // n, by_rank[packed % n]
    order = np.lexsort((rank[members], keys))
    return keys[order], members[order]


def _nearest(
    src_keys: np.ndarray, src_members: np.ndarray, dst_keys: np.ndarray, dst_members: np.ndarray,
    rank: np.ndarray, n: int, reach: int,
) -> list[np.ndarray]:
    """Link each source entry to the `2 * reach` destination entries of the same bucket nearest in rank
    (used for offers -> wants, where the two sides are different lists); returns pair keys."""
    if len(src_keys) == 0 or len(dst_keys) == 0 or reach <= 0:
        return []
    dbucket, dm = _by_bucket_then_rank(dst_keys, dst_members, rank)
    dk = dbucket * n + rank[dm]
    q = src_keys.astype(np.int64) * n + rank[src_members]
    pos = np.searchsorted(dk, q)
    out: list[np.ndarray] = []
    last = len(dk) - 1
    for d in range(-reach, reach):
        idx = pos + d
        valid = (idx >= 0) & (idx <= last)
        idx = np.clip(idx, 0, last)
        valid &= dbucket[idx] == src_keys
        out.append(_pair_key(src_members[valid], dm[idx[valid]], n))
    return out


def _flat(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values, member index) of every non-padding cell of a padded facet array."""
    mask = rows >= 0
    members = np.nonzero(mask)[0].astype(np.int64)
    return rows[mask].astype(np.int64), members


def _combo(x: np.ndarray, y: np.ndarray, v: int, inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(key, member) for every combination of one facet from `x` and one from `y` of the same member."""
    keys: list[np.ndarray] = []
    members: list[np.ndarray] = []
    for a in x.T:
        for b in y.T:
            ok = (a >= 0) & (b >= 0) & inside
            keys.append(a[ok].astype(np.int64) * v + b[ok])
            members.append(np.nonzero(ok)[0].astype(np.int64))
    if not keys:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(keys), np.concatenate(members)


def indexed_pairs(
    enc: Encoded, rng: np.random.Generator, width: int = 3, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs from the facet buckets (sparse mode for large rounds), unique, low index first.
    With `mask`, only members where it is True take part (used to re-pair whoever is still alone)."""
    n = enc.n
    inside = np.ones(n, dtype=bool) if mask is None else mask
    if int(inside.sum()) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = np.lexsort((rng.random(n), enc.tz_key))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    links: list[np.ndarray] = []

    def flat(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        vals, members = _flat(rows)
        ok = inside[members]
        return vals[ok], members[ok]

    topic_vals, topic_members = flat(enc.topics_a)
    links += _windows(topic_vals, topic_members, rank, WIDTH["topic"])

    # Two and three shared interests: the best matches, and rare inside big single-topic buckets.
    v = max(enc.vocab_size, 1)
    kt = enc.topics_a.shape[1]
    for size, kind in ((2, "topic2"), (3, "topic3")):
        keys: list[np.ndarray] = []
        members: list[np.ndarray] = []
        for cols in combinations(range(kt), size):
            ok = inside.copy()
            key = np.zeros(n, dtype=np.int64)
            for c in cols:
                col = enc.topics_a[:, c]
                ok &= col >= 0
                key = key * v + col
            keys.append(key[ok])
            members.append(np.nonzero(ok)[0].astype(np.int64))
        if keys and WIDTH[kind]:
            links += _windows(np.concatenate(keys), np.concatenate(members), rank, WIDTH[kind])

    offer_vals, offer_members = flat(enc.offers_a)
    want_vals, want_members = flat(enc.wants_b)
    links += _nearest(want_vals, want_members, offer_vals, offer_members, rank, n, WIDTH["skill"])
    links += _nearest(offer_vals, offer_members, want_vals, want_members, rank, n, WIDTH["skill"])

    # Combined keys find the pairs worth most: "offers s and works on t" meets "wants s and works on t",
    # and "offers s1, wants s2" meets "offers s2, wants s1" (each can teach the other).
    wants_a = np.where(enc.wants_b >= 0, enc.wants_b, -1)
    give_t = _combo(enc.offers_a, enc.topics_a, v, inside)
    take_t = _combo(wants_a, enc.topics_a, v, inside)
    links += _nearest(*take_t, *give_t, rank, n, WIDTH["skill_topic"])
    links += _nearest(*give_t, *take_t, rank, n, WIDTH["skill_topic"])
    give_w = _combo(enc.offers_a, wants_a, v, inside)
    take_w = _combo(wants_a, enc.offers_a, v, inside)
    links += _nearest(*give_w, *take_w, rank, n, WIDTH["swap"])

    # Languages (so speakers of a rare language find each other), time-zone neighbours, random pairs.
    for lid in range(len(enc.language_ids)):
        bit = ((enc.langs[:, lid // 64] >> np.uint64(lid % 64)) & np.uint64(1)).astype(bool)
        speakers = np.nonzero(bit & inside)[0].astype(np.int64)
        links += _windows(np.zeros(len(speakers), np.int64), speakers, rank, WIDTH["language"])
    everyone = np.nonzero(inside)[0].astype(np.int64)
    links += _windows(np.zeros(everyone.size, np.int64), everyone, rank, WIDTH["zone"])
    shuffled = rng.permutation(n)
    links += _windows(np.zeros(everyone.size, np.int64), everyone, shuffled, 1)

    pairs = unique_sorted(np.concatenate(links)) if links else np.empty(0, np.int64)
    return pairs // n, pairs % n


def scored_candidates(
    enc: Encoded, rng: np.random.Generator, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indexed candidates, scored, forbidden pairs dropped, `k` best per member kept, best first."""
    u, v = indexed_pairs(enc, rng, mask=mask)
    s, ok = score_pairs(enc, u, v)
    u, v, s = u[ok], v[ok], s[ok]
    keep = top_k(u, v, s, enc.options.candidates_per_member)
    u, v, s = u[keep], v[keep], s[keep]
    order = np.argsort(-s, kind="stable")
    return u[order], v[order], s[order]


def top_k(u: np.ndarray, v: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """Indices of edges that are among the `k` best of at least one endpoint.

    Each edge gets its rank by score once; (node, rank) then packs into one int64 per edge end, and a
    plain value sort of those (cheaper than an argsort of float keys, a third of the candidate stage at
    100,000 members) lists every node's edges best first."""
    e = len(u)
    if e == 0:
        return np.empty(0, np.int64)
    if e >= PREFILTER_MIN:
        maybe = _maybe_top(u, v, w, k)
        if maybe is not None:
            return maybe[_top_k(u[maybe], v[maybe], w[maybe], k)]
    return _top_k(u, v, w, k)


PREFILTER_MIN = 200_000  # edges from which `_maybe_top` pays for itself
BINS = 32


def _maybe_top(u: np.ndarray, v: np.ndarray, w: np.ndarray, k: int) -> np.ndarray | None:
    """The edges that can be among the `k` best of an endpoint, found without sorting (None: keep all).

    Scores are cut into `BINS` value bins (monotone, so an edge in a lower bin scores lower); each node's
    edges are counted per bin, and an edge below the bin in which both its endpoints reach `k` edges is
    among neither's `k` best. Dropping those leaves every node's `k` best, in the same order (edge order
    is kept), so `top_k` finds the same edges; at 100,000 members it sorts a third as many."""
    lo, hi = float(w.min()), float(w.max())
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return None
    n = int(max(u.max(), v.max())) + 1
    if n * BINS > 4 * len(u):  # sparse graph: counting per bin costs more than it saves
        return None
    q = ((w - lo) * ((BINS - 1) / (hi - lo))).astype(np.int64)
    np.clip(q, 0, BINS - 1, out=q)
    counts = np.bincount(u * BINS + q, minlength=n * BINS)
    counts += np.bincount(v * BINS + q, minlength=n * BINS)
    above = np.cumsum(counts.reshape(n, BINS)[:, ::-1], axis=1)  # above[x, j]: edges of x in bin >= BINS-1-j
    # The highest bin b with k edges of x in bins >= b (those hold x's k best); 0 when x has fewer than k.
    floor = np.maximum((above >= k).sum(axis=1) - 1, 0)
    return np.flatnonzero((q >= floor[u]) | (q >= floor[v]))


def _top_k(u: np.ndarray, v: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    e = len(u)
    desc = np.argsort(-w, kind="stable")  # edge ids, best first
    rank = np.empty(e, dtype=np.int64)
    rank[desc] = np.arange(e)
    key = np.concatenate((u, v)).astype(np.int64) * e + np.concatenate((rank, rank))
    key.sort()
    node = key // e
    change = np.empty(2 * e, dtype=bool)
    change[0] = True
    np.not_equal(node[1:], node[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    first = np.repeat(starts, np.diff(np.append(starts, 2 * e)))
    within = np.arange(2 * e) - first  # position of the edge among its node's edges, best first
    keep = np.zeros(e, dtype=bool)
    keep[desc[key[within < k] % e]] = True
    return np.flatnonzero(keep)


def dense_matrix(enc: Encoded) -> np.ndarray:
    """All pair scores as an n x n matrix, -inf where a hard rule forbids the pair (small rounds only)."""
    n = enc.n
    u, v = all_pairs(n)
    s, ok = score_pairs(enc, u, v)
    m = np.full((n, n), -np.inf)
    m[u[ok], v[ok]] = s[ok]
    m[v[ok], u[ok]] = s[ok]
    return m


def matrix_top_k(m: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each member's `k` best feasible partners from a score matrix, as unique edges (u < v)."""
    n = m.shape[0]
    k = min(k, n - 1)
    if k <= 0:
        e = np.empty(0, np.int64)
        return e, e, np.empty(0)
    best = np.argpartition(-m, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(n), k)
    cols = best.ravel()
    good = np.isfinite(m[rows, cols])
    lo = np.minimum(rows[good], cols[good])
    hi = np.maximum(rows[good], cols[good])
    keys = unique_sorted(lo * n + hi)
    lo, hi = keys // n, keys % n
    return lo, hi, m[lo, hi]


def candidate_graph(
    enc: Encoded, rng: np.random.Generator, dense: bool | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Feasible candidate edges (u, v, score), best first, at most about `k` per member; plus the full
    score matrix in dense mode (None otherwise)."""
    if dense is None:
        dense = enc.n <= enc.options.dense_threshold
    k = enc.options.candidates_per_member
    matrix: np.ndarray | None = None
    if dense:
        matrix = dense_matrix(enc)
        u, v, s = matrix_top_k(matrix, k)
    else:
        return (*scored_candidates(enc, rng), None)
    order = np.argsort(-s, kind="stable")
    return u[order], v[order], s[order], matrix
