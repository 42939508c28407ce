"""Members, history and options turned into numpy arrays once per round.

Matching 100,000 people means scoring millions of candidate pairs, which is only fast as array arithmetic:
facets become integer ids (padded rows), languages become bit sets, time zones become indices into a
small zone-by-zone overlap table, and history becomes sorted pair keys searched with `searchsorted`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .explore import explored_mask
from .facets import norm
from .model import History, MatchOptions, Member
from .score import reference_date
from .timezones import overlap_minutes, utc_offset_minutes, valid_zone


@dataclass(eq=False)
class Encoded:
    """Array view of one round's members. Member `i` is `members[i]`; pair keys are `lo * n + hi`."""

    members: Sequence[Member]
    options: MatchOptions
    n: int
    ids: np.ndarray
    index: dict[int, int]
    topics_a: np.ndarray  # (n, kt) int32, padding -1
    topics_b: np.ndarray  # same ids, padding -2, so padding never equals padding
    offers_a: np.ndarray
    wants_b: np.ndarray
    langs: np.ndarray  # (n, words) uint64 bit sets
    tz: np.ndarray  # (n,) int32 zone index
    tz_overlap: np.ndarray  # (zones, zones) float64 waking minutes shared
    tz_key: np.ndarray  # (n,) int32 UTC offset in minutes, for east-to-west ordering
    role: np.ndarray  # (n,) int32, -1 none
    team: np.ndarray  # (n,) int32, -1 none
    activity: np.ndarray  # (n,) float64, nan unknown
    hist_keys: np.ndarray  # sorted int64 pair keys met within the horizon
    hist_ago: np.ndarray  # int32 rounds since the most recent meeting, per key
    hist_pressure: np.ndarray  # float64 `score.repeat_pressure` of all meetings within the horizon, per key
    fullness: np.ndarray  # (n,) float64 `score.fullness`: 0 empty profile .. 1 full
    block_keys: np.ndarray  # sorted int64 pair keys that must never meet
    vocab_size: int
    language_ids: dict[str, int]
    explored: np.ndarray  # (n,) bool: pairs with this member use `options.explore_weights` (`MatchOptions.explores`)

    def __post_init__(self) -> None:
        # Column-major copies: gathering one facet slot for many pairs then reads contiguous memory; int16
        # when the vocabulary allows (it nearly always does), which halves what millions of pairs gather.
        small = np.int16 if self.vocab_size < np.iinfo(np.int16).max else np.int32
        self.topics_at = np.ascontiguousarray(self.topics_a.T, dtype=small)
        self.topics_bt = np.ascontiguousarray(self.topics_b.T, dtype=small)
        self.offers_at = np.ascontiguousarray(self.offers_a.T, dtype=small)
        self.wants_bt = np.ascontiguousarray(self.wants_b.T, dtype=small)

    def mask(self, ids: Iterable[int]) -> np.ndarray:
        """A boolean per member: True for those whose id is in `ids` (ids not in the round are ignored)."""
        out = np.zeros(self.n, dtype=bool)
        for member_id in ids:
            if (i := self.index.get(member_id)) is not None:
                out[i] = True
        return out

    def pair_keys(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        lo = np.minimum(i, j).astype(np.int64)
        hi = np.maximum(i, j).astype(np.int64)
        return lo * self.n + hi


def _facet_rows(
    values: list[tuple[str, ...]], vocab: dict[str, int], grow: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Facet tuples -> (ids padded -1, ids padded -2). Each distinct raw string is normalised once;
    empty values and duplicates within a row (after normalisation) become padding."""
    lens = [len(v) for v in values]
    flat = [x for v in values for x in v]
    raw: dict[str, int] = {}
    for x in set(flat):
        k = norm(x)
        if not k:
            raw[x] = -1
        elif k in vocab:
            raw[x] = vocab[k]
        elif grow:
            raw[x] = vocab[k] = len(vocab)
        else:
            raw[x] = -1
    rows = _scatter(np.array([raw[x] for x in flat], dtype=np.int32), np.array(lens, dtype=np.int64), -1)
    rows.sort(axis=1)
    if rows.shape[1] > 1:
        dup = np.zeros(rows.shape, dtype=bool)
        dup[:, 1:] = rows[:, 1:] == rows[:, :-1]
        rows[dup] = -1
    return rows, np.where(rows >= 0, rows, -2).astype(np.int32)


def _scatter(flat: np.ndarray, lens: np.ndarray, fill: int) -> np.ndarray:
    """Flat values + row lengths -> (n, width) array padded with `fill` (width at least 1)."""
    n = len(lens)
    width = max(1, int(lens.max()) if n else 1)
    out = np.full((n, width), fill, dtype=np.int32)
    total = int(lens.sum())
    if total:
        row_idx = np.repeat(np.arange(n), lens)
        starts = np.cumsum(lens) - lens
        col_idx = np.arange(total) - np.repeat(starts, lens)
        out[row_idx, col_idx] = flat
    return out


def _categories(values: list[str | None]) -> np.ndarray:
    """Optional strings -> int32 category ids (-1 for missing/empty), normalised."""
    ids: dict[str, int] = {}
    raw: dict[str | None, int] = {}
    for v in set(values):
        k = norm(v)
        raw[v] = ids.setdefault(k, len(ids)) if k else -1
    return np.array([raw[v] for v in values], dtype=np.int32)


def _history_arrays(
    history: History, index: dict[int, int], n: int, options: MatchOptions
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted pair keys met within the horizon and, per key, rounds since the most recent meeting and the
    repeat pressure of all meetings (each round once per pair, summed most recent first as `score` does)."""
    horizon = max(options.history_horizon, options.exclude_rounds)
    a: list[int] = []
    b: list[int] = []
    r: list[int] = []
    pa: list[np.ndarray] = []  # pairs, most of every round, go through as arrays
    pb: list[np.ndarray] = []
    pr: list[np.ndarray] = []
    for idx, groups in history.rounds.items():
        ago = history.current_round - idx
        if ago <= 0 or ago > horizon:
            continue
        pairs = [g for g in groups if len(g) == 2]
        if pairs:
            ends = np.array([index.get(x, -1) for g in pairs for x in g], dtype=np.int64).reshape(-1, 2)
            ends = ends[(ends >= 0).all(axis=1)]
            pa.append(ends[:, 0])
            pb.append(ends[:, 1])
            pr.append(np.full(len(ends), ago, dtype=np.int32))
        for g in groups:
            if len(g) == 2:
                continue
            people = [index[x] for x in g if x in index]
            for p in range(len(people)):
                for q in range(p + 1, len(people)):
                    a.append(people[p])
                    b.append(people[q])
                    r.append(ago)
    ia = np.concatenate([np.array(a, dtype=np.int64), *pa])
    ib = np.concatenate([np.array(b, dtype=np.int64), *pb])
    if not ia.size:
        return np.empty(0, np.int64), np.empty(0, np.int32), np.empty(0, np.float64)
    keys = np.minimum(ia, ib) * n + np.maximum(ia, ib)
    ago_arr = np.concatenate([np.array(r, dtype=np.int32), *pr])
    keep = ia != ib
    keys, ago_arr = keys[keep], ago_arr[keep]
    order = np.lexsort((ago_arr, keys))  # per key, most recent (smallest ago) first
    keys, ago_arr = keys[order], ago_arr[order]
    once = np.ones(keys.size, dtype=bool)  # a pair twice in one round (a round plus a request) met once
    once[1:] = (keys[1:] != keys[:-1]) | (ago_arr[1:] != ago_arr[:-1])
    keys, ago_arr = keys[once], ago_arr[once]
    first = np.ones(keys.size, dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    # `score.repeat_pressure`, one meeting per entry, summed per key (most recent first, as there).
    beyond = np.maximum(ago_arr.astype(np.int64) - options.exclude_rounds - 1, 0).astype(np.float64)
    term = 1.0 + np.power(float(options.weights.history_decay), beyond)
    pressure = np.add.reduceat(term, np.flatnonzero(first))
    return keys[first], ago_arr[first], pressure


def encode(members: Sequence[Member], history: History, options: MatchOptions) -> Encoded:
    """Build the array view. Ids must be unique (the cog guarantees that; duplicates would be one person)."""
    n = len(members)
    ref = reference_date(options)
    index = {m.id: i for i, m in enumerate(members)}
    vocab: dict[str, int] = {}
    topics_a, topics_b = _facet_rows([m.topics for m in members], vocab)
    offers_a, _ = _facet_rows([m.offers for m in members], vocab)
    _, wants_b = _facet_rows([m.wants for m in members], vocab)

    lang_ids: dict[str, int] = {norm(options.default_language) or "en": 0}
    lang_rows, _ = _facet_rows([m.languages for m in members], lang_ids)
    no_lang = (lang_rows < 0).all(axis=1)
    lang_rows[no_lang, 0] = 0  # nobody is language-less: the community default
    words = max(1, (len(lang_ids) + 63) // 64)
    langs = np.zeros((n, words), dtype=np.uint64)
    rows_idx = np.arange(n)
    for col in lang_rows.T:
        ok = col >= 0
        np.bitwise_or.at(
            langs, (rows_idx[ok], col[ok] // 64), np.left_shift(np.uint64(1), (col[ok] % 64).astype(np.uint64))
        )

    fallback = valid_zone(options.default_timezone)
    zone_ids: dict[str, int] = {}
    raw_zone: dict[str | None, int] = {}
    zones_raw = [m.timezone for m in members]
    for z in set(zones_raw):
        raw_zone[z] = zone_ids.setdefault(valid_zone(z, fallback), len(zone_ids))
    tz = np.array([raw_zone[z] for z in zones_raw], dtype=np.int32)
    zones = list(zone_ids)
    nz = len(zones)
    tz_overlap = np.zeros((max(nz, 1), max(nz, 1)), dtype=np.float64)
    for x in range(nz):
        for y in range(x, nz):
            ov = overlap_minutes(zones[x], zones[y], ref, options.waking_start_hour, options.waking_end_hour)
            tz_overlap[x, y] = tz_overlap[y, x] = ov
    offsets = np.array([utc_offset_minutes(zn, ref) for zn in zones] or [0], dtype=np.int32)

    role = _categories([m.role for m in members])
    team = _categories([m.team for m in members])
    activity = np.array([np.nan if m.activity is None else m.activity for m in members], dtype=np.float64)
    activity = np.clip(activity, 0.0, 1.0)

    hist_keys, hist_ago, hist_pressure = _history_arrays(history, index, n, options)
    full = options.weights.profile_full
    if full > 0:
        facets = (topics_a >= 0).sum(axis=1) + (offers_a >= 0).sum(axis=1) + (wants_b >= 0).sum(axis=1)
        fullness = np.minimum(facets, full) / full
    else:
        fullness = np.ones(n, dtype=np.float64)
    bk = sorted(
        {
            min(ia, ib) * n + max(ia, ib)
            for a, b in history.blocked
            if (ia := index.get(a)) is not None and (ib := index.get(b)) is not None and ia != ib
        }
    )
    return Encoded(
        members=members,
        options=options,
        n=n,
        ids=np.fromiter((m.id for m in members), dtype=np.int64, count=n),
        index=index,
        topics_a=topics_a,
        topics_b=topics_b,
        offers_a=offers_a,
        wants_b=wants_b,
        langs=langs,
        tz=tz,
        tz_overlap=tz_overlap,
        tz_key=offsets[tz],
        role=role,
        team=team,
        activity=activity,
        hist_keys=hist_keys,
        hist_ago=hist_ago,
        hist_pressure=hist_pressure,
        fullness=fullness.astype(np.float64),
        block_keys=np.array(bk, dtype=np.int64),
        vocab_size=len(vocab),
        language_ids=lang_ids,
        explored=(explored_mask(np.fromiter((m.id for m in members), dtype=np.int64, count=n), options.explore_seed,
                                options.explore_members)
                  if options.explore_weights is not None else np.zeros(n, dtype=bool)),
    )
