"""Maximum cardinality: nobody is left alone who could have been placed in a pair.

The score-driven stages (greedy, LP, local search, short swaps) nearly always pair everybody, but on sparse
allowed graphs (rare languages, many exclusions; at worst a chain where member i shares a language only
with i - 1 and i + 1) they can leave two people alone although a different set of pairs would place them.
Edmonds' blossom search settles it: from each lonely member, grow an alternating tree over the allowed
pairs; reaching another lonely member gives an augmenting path (flip it: one more pair, nobody loses
their place), and a search that fails proves that member cannot gain a partner without someone else
losing one. Each search only walks the part of the graph it needs, and it runs only when two or more
members are still alone, so the usual round pays nothing.

Which pairs count as allowed: every allowed pair up to `FULL_MAX` members; above, the candidate edges plus,
per language, every pair of a small language group and each speaker's neighbours in a random cycle of a
large one (a random graph of that degree has a matching as large as the whole group's, with
overwhelming probability).
"""

from __future__ import annotations

import numpy as np

from .candidates import all_pairs, unique_sorted
from .encode import Encoded
from .vector import score_pairs

FULL_MAX = 3000
SMALL_GROUP = 64
CYCLE_LINKS = 4


def _language_links(enc: Encoded, rng: np.random.Generator) -> list[np.ndarray]:
    n = enc.n
    out: list[np.ndarray] = []
    for lid in range(len(enc.language_ids)):
        bit = ((enc.langs[:, lid // 64] >> np.uint64(lid % 64)) & np.uint64(1)).astype(bool)
        speakers = np.nonzero(bit)[0].astype(np.int64)
        if speakers.size < 2:
            continue
        if speakers.size <= SMALL_GROUP:
            x, y = all_pairs(speakers.size)
            out.append(speakers[x] * n + speakers[y])
            continue
        ring = rng.permutation(speakers)
        for d in range(1, CYCLE_LINKS + 1):
            a, b = ring, np.roll(ring, -d)
            out.append(np.minimum(a, b) * n + np.maximum(a, b))
    return out


def allowed_graph(
    enc: Encoded, u: np.ndarray, v: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(u, v, score) of the allowed pairs the search may use (see the module docstring)."""
    n = enc.n
    if n <= FULL_MAX:
        a, b = all_pairs(n)
    else:
        keys = [np.minimum(u, v) * n + np.maximum(u, v)]
        if enc.options.language_required:
            keys += _language_links(enc, rng)
        else:
            ring = rng.permutation(n)
            keys += [np.minimum(ring, np.roll(ring, -d)) * n + np.maximum(ring, np.roll(ring, -d))
                     for d in range(1, CYCLE_LINKS + 1)]
        k = unique_sorted(np.concatenate(keys))
        a, b = k // n, k % n
    s, ok = score_pairs(enc, a, b)
    return a[ok], b[ok], s[ok]


def _adjacency(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> list[list[int]]:
    """Neighbour lists, best-scoring partner first (so augmenting paths prefer good pairs)."""
    order = np.argsort(-np.concatenate((w, w)), kind="stable")
    src = np.concatenate((u, v))[order]
    dst = np.concatenate((v, u))[order]
    by = np.argsort(src, kind="stable")
    src, dst = src[by], dst[by]
    bounds = np.searchsorted(src, np.arange(n + 1))
    flat = dst.tolist()
    return [flat[bounds[i]:bounds[i + 1]] for i in range(n)]


def _search(root: int, adj: list[list[int]], match: list[int]) -> bool:
    """One Edmonds search from lonely `root`; flips the augmenting path and returns True if it finds one.
    Tree state lives in dicts so that a search costs what it visits, not the round's size."""
    parent: dict[int, int] = {}
    base: dict[int, int] = {root: root}
    even = {root}
    queue = [root]
    tree = [root]

    def b(x: int) -> int:
        return base.get(x, x)

    def lca(x: int, y: int) -> int:
        seen: set[int] = set()
        while True:
            x = b(x)
            seen.add(x)
            if match[x] < 0:
                break
            x = parent[match[x]]
        while True:
            y = b(y)
            if y in seen:
                return y
            y = parent[match[y]]

    def mark(x: int, top: int, child: int, blossom: set[int]) -> None:
        while b(x) != top:
            blossom.add(b(x))
            blossom.add(b(match[x]))
            parent[x] = child
            child = match[x]
            x = parent[match[x]]

    qi = 0
    while qi < len(queue):
        x = queue[qi]
        qi += 1
        for y in adj[x]:
            if b(x) == b(y) or match[x] == y:
                continue
            if y == root or (match[y] >= 0 and match[y] in parent):
                top = lca(x, y)
                blossom: set[int] = set()
                mark(x, top, y, blossom)
                mark(y, top, x, blossom)
                for z in tree:
                    if b(z) in blossom:
                        base[z] = top
                        if z not in even:
                            even.add(z)
                            queue.append(z)
            elif y not in parent:
                parent[y] = x
                tree.append(y)
                if match[y] < 0:
                    while y >= 0:  # flip the path root ... x, y
                        px = parent[y]
                        nxt = match[px]
                        match[y], match[px] = px, y
                        y = nxt
                    return True
                z = match[y]
                tree.append(z)
                even.add(z)
                queue.append(z)
    return False


def maximise_pairs(
    enc: Encoded, mate: np.ndarray, pscore: np.ndarray, u: np.ndarray, v: np.ndarray, rng: np.random.Generator
) -> int:
    """Augment `mate` (in place) until no lonely member can gain a partner; returns how many pairs were
    added. `u`, `v` are the round's candidate edges (part of the searched graph above `FULL_MAX`)."""
    free = np.nonzero(mate < 0)[0]
    if free.size < 2:
        return 0
    a, b, s = allowed_graph(enc, u, v, rng)
    degree = np.bincount(np.concatenate((a, b)), minlength=enc.n)
    free = free[degree[free] > 0]
    if free.size < 2:
        return 0
    adj = _adjacency(enc.n, a, b, s)
    match = mate.tolist()
    added = 0
    for root in free.tolist():
        if match[root] < 0 and _search(root, adj, match):
            added += 1
    new = np.array(match, dtype=np.int64)
    changed = np.nonzero(new != mate)[0]
    mate[:] = new
    if changed.size:
        sc, _ = score_pairs(enc, changed, mate[changed])
        pscore[changed] = sc
    return added
