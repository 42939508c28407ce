"""The pair score as array arithmetic, for millions of candidate pairs at once.

Mirrors `score.score` term by term (same order of additions) so that the engine, the exact reference and
the explanations all talk about the same numbers.
"""

from __future__ import annotations

import numpy as np

from .encode import Encoded
from .model import Weights
from .score import score_ceiling

_Parts = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]

CHUNK = 1 << 19


def intersect_count(a_cols: np.ndarray, b_cols: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """|set(row a_i) & set(row b_j)| per pair, from column-major padded facet arrays (slot, member).
    Padding differs between the two sides (-1/-2) and rows hold no duplicates, so counting equal cells
    counts shared elements."""
    bs = [col[j] for col in b_cols]
    cnt = np.zeros(len(i), dtype=np.int32)
    for col in a_cols:
        a = col[i]
        for b in bs:
            cnt += a == b
    return cnt


def lookup(keys: np.ndarray, sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(found mask, position) of each key in a sorted key array."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool), np.zeros(len(keys), dtype=np.int64)
    pos = np.searchsorted(sorted_keys, keys)
    pos = np.minimum(pos, len(sorted_keys) - 1)
    return sorted_keys[pos] == keys, pos


def _weighted(enc: Encoded, w: Weights, i: np.ndarray, j: np.ndarray, parts: _Parts) -> np.ndarray:
    """The pair scores with weights `w`, term by term as `score.score` adds them."""
    o = enc.options
    shared, ab, ba, common, same_role, met, pos = parts
    s = np.full(len(i), w.base, dtype=np.float64)
    s += w.topic * np.minimum(shared, w.topic_cap)
    s += w.role * same_role
    s += w.complement * (np.minimum(ab, w.complement_cap) + np.minimum(ba, w.complement_cap))
    s += w.timezone * (enc.tz_overlap[enc.tz[i], enc.tz[j]] / o.window_minutes)
    s += w.language * common
    if o.prefer_cross_team:
        ti, tj = enc.team[i], enc.team[j]
        s += w.cross_team * ((ti >= 0) & (tj >= 0) & (ti != tj))
    if o.use_activity:
        gap = np.abs(enc.activity[i] - enc.activity[j])
        s += w.activity * np.nan_to_num(gap, nan=0.0)
    fa, fb = enc.fullness[i], enc.fullness[j]
    s += w.newcomer * ((1.0 - fa) * fb + (1.0 - fb) * fa)
    span = score_ceiling(o, w)
    if met.any():
        s[met] -= w.history * span * enc.hist_pressure[pos[met]]
    low = s < w.floor  # `score.soft_floor`: squeezed into (0, floor), order kept
    if low.any():
        s[low] = w.floor * np.exp((s[low] - w.floor) / span)
    return s


def _score_chunk(enc: Encoded, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    o = enc.options
    shared = intersect_count(enc.topics_at, enc.topics_bt, i, j)
    ab = intersect_count(enc.offers_at, enc.wants_bt, i, j)
    ba = intersect_count(enc.offers_at, enc.wants_bt, j, i)
    if enc.langs.shape[1] == 1:  # up to 64 languages: one word per member, no row reduction
        lang = enc.langs[:, 0]
        common = (lang[i] & lang[j]) != 0
    else:
        common = np.any((enc.langs[i] & enc.langs[j]) != 0, axis=1)
    same_role = (enc.role[i] == enc.role[j]) & (enc.role[i] >= 0)
    keys = enc.pair_keys(i, j)
    met, pos = lookup(keys, enc.hist_keys)
    ago = np.where(met, enc.hist_ago[pos] if len(enc.hist_ago) else 0, 0)
    parts = (shared, ab, ba, common, same_role, met, pos)
    s = _weighted(enc, o.weights, i, j, parts)
    if o.explore_weights is not None and enc.explored.any():
        touch = enc.explored[i] | enc.explored[j]
        if touch.any():
            sub = np.flatnonzero(touch)
            sub_parts = (shared[sub], ab[sub], ba[sub], common[sub], same_role[sub], met[sub], pos[sub])
            s[sub] = _weighted(enc, o.explore_weights, i[sub], j[sub], sub_parts)
    blocked, _ = lookup(keys, enc.block_keys)
    ok = (i != j) & ~blocked & ~(met & (ago <= o.exclude_rounds))
    if o.language_required:
        ok &= common
    return s, ok


def score_pairs(enc: Encoded, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(scores, feasible) for pairs (i[k], j[k]) of member indices. Infeasible pairs still get a score;
    callers must drop them."""
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    if len(i) <= CHUNK:
        return _score_chunk(enc, i, j)
    scores = np.empty(len(i), dtype=np.float64)
    ok = np.empty(len(i), dtype=bool)
    for start in range(0, len(i), CHUNK):
        sl = slice(start, start + CHUNK)
        scores[sl], ok[sl] = _score_chunk(enc, i[sl], j[sl])
    return scores, ok
