"""New people every week: over many rounds pairs repeat only when they must, the cost of meeting again grows
with how often and how recently two people met, and thin profiles meet full ones rather than each other."""

from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.matching.engine import (
    History,
    MatchOptions,
    Member,
    ScoringContext,
    Weights,
    pair_round,
    pair_score,
    violation,
)
from cogs.matching.engine.encode import encode
from cogs.matching.engine.simulate import left_out_max, repeat_share, simulate_rounds, thin_thin_share
from cogs.matching.engine.vector import score_pairs

from .community import community

REF = date(2026, 3, 11)


def opts(**kw: object) -> MatchOptions:
    base: dict[str, object] = {"reference_date": REF, "exclude_rounds": 3}
    base.update(kw)
    return MatchOptions(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("n", "seed", "group_size", "extra"),
    [
        (120, 1, 2, {}),
        (161, 2, 2, {"empty_share": 0.15, "clusters": 3}),  # odd count, few clusters, many empty profiles
        (200, 3, 2, {"block_share": 0.5}),  # many blocks
        (180, 4, 3, {}),
    ],
)
def test_twelve_weeks_bring_new_people(n: int, seed: int, group_size: int, extra: dict[str, float]) -> None:
    c = community(n, seed, **extra)  # type: ignore[arg-type]
    options = opts(group_size=group_size)
    results = simulate_rounds(c.members, options, 12, blocks=c.blocks)
    assert len(results) == 12
    assert repeat_share(results) <= 0.02
    assert left_out_max(results) <= 1
    if group_size == 2:
        assert thin_thin_share(results, c.thin) <= 0.05
        assert thin_thin_share(results, c.empty) <= 0.05


def test_every_round_keeps_the_hard_rules_against_the_rounds_before() -> None:
    """The simulation feeds each round to the next as the bot does: nobody meets a partner of the last
    `exclude_rounds` rounds, and blocks hold in every round."""
    c = community(60, 7)
    options = opts(exclude_rounds=2)
    results = simulate_rounds(c.members, options, 8, blocks=c.blocks)
    by_id = {m.id: m for m in c.members}
    for r, result in enumerate(results):
        past = {r - k: [g.members for g in results[r - k].groups] for k in range(1, 3) if r - k >= 0}
        ctx = ScoringContext(History(current_round=r, rounds=past, blocked=c.blocks), options)
        for g in result.groups:
            for a, b in combinations(g.members, 2):
                assert violation(by_id[a], by_id[b], ctx) is None


def test_a_weak_new_partner_beats_a_strong_old_one() -> None:
    """Ana and Ben share everything and met five rounds ago; Cy and Dee share nothing with anyone. Four new
    pairs of strangers are available, so the old pair does not meet again."""
    full = {"topics": ("rust", "go", "ml"), "offers": ("k8s",), "wants": ("k8s",), "timezone": "UTC"}
    people = [Member(1, "Ana", **full), Member(2, "Ben", **full),  # type: ignore[arg-type]
              Member(3, "Cy", timezone="Asia/Tokyo"), Member(4, "Dee", timezone="America/Los_Angeles")]
    history = History(current_round=10, rounds={5: [(1, 2), (3, 4)]})
    result = pair_round(people, history, opts())
    assert {frozenset(g.members) for g in result.groups}.isdisjoint({frozenset((1, 2)), frozenset((3, 4))})


def test_a_repeat_beats_leaving_someone_out() -> None:
    people = [Member(1, "Ana", topics=("rust",)), Member(2, "Ben", topics=("go",))]
    history = History(current_round=10, rounds={r: [(1, 2)] for r in range(0, 6)})
    result = pair_round(people, history, opts())
    assert [g.members for g in result.groups] == [(1, 2)] and not result.unplaced
    assert result.groups[0].score > 0


def test_the_oldest_and_rarest_repeat_is_chosen() -> None:
    """When everyone has met everyone, the pairing repeats the meetings that cost least: not the pair that met
    twice, not the pair that met most recently, but the one that met once, a while ago."""
    people = [Member(i, f"M{i}") for i in range(1, 5)]
    rounds = {4: [(1, 2), (3, 4)], 5: [(1, 3), (2, 4)], 6: [(1, 4), (2, 3)], 2: [(1, 2), (3, 4)]}
    result = pair_round(people, History(current_round=10, rounds=rounds), opts())
    assert {frozenset(g.members) for g in result.groups} == {frozenset((1, 3)), frozenset((2, 4))}


@pytest.mark.parametrize(("n", "exclude"), [(6, 1), (8, 2), (10, 3)])
def test_small_communities_rotate_evenly(n: int, exclude: int) -> None:
    """Where repeats are unavoidable (everyone has met everyone), the pairs that met least often and longest
    ago meet again first: over 12 rounds no pair meets more than once more than any other."""
    people = [Member(i, f"M{i}", topics=("rust",) if i % 2 else ()) for i in range(1, n + 1)]
    results = simulate_rounds(people, opts(exclude_rounds=exclude), 12)
    met = Counter(frozenset(p) for r in results for g in r.groups for p in combinations(g.members, 2))
    assert len(met) == n * (n - 1) // 2
    assert max(met.values()) - min(met.values()) <= 1


meetings = st.lists(st.integers(min_value=4, max_value=12), unique=True, max_size=6)


@settings(max_examples=60, deadline=None)
@given(
    agos=meetings,
    extra=st.integers(min_value=4, max_value=12),
    topics=st.integers(min_value=0, max_value=4),
)
def test_penalty_grows_with_how_often_and_how_recently(agos: list[int], extra: int, topics: int) -> None:
    names = [f"t{k}" for k in range(topics)]
    a, b = Member(1, "A", topics=tuple(names)), Member(2, "B", topics=tuple(names))
    options = opts()

    def score(met: list[int]) -> float:
        history = History(current_round=20, rounds={20 - ago: [(1, 2)] for ago in met})
        s = pair_score(a, b, ScoringContext(history, options))
        assert s is not None and s > 0
        return s

    base = score(agos)
    if extra not in agos:  # one more meeting costs more
        assert score([*agos, extra]) < base
    for k, ago in enumerate(agos):  # the same meeting a round more recently costs more
        if ago - 1 >= 4 and ago - 1 not in agos:
            assert score([*agos[:k], ago - 1, *agos[k + 1:]]) < base
    fresh = pair_score(Member(3, "C"), Member(4, "D"), ScoringContext(History(current_round=20), options))
    if agos:  # any new pair, even of strangers, beats any repeat
        assert fresh is not None and fresh > base


facet = st.lists(st.sampled_from(["rust", "go", "ml", "ux", "data"]), max_size=4).map(tuple)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(facet, facet, facet), min_size=2, max_size=2),
    st.lists(st.tuples(facet, facet, facet), min_size=2, max_size=2),
    meetings.filter(bool),
)
def test_any_new_pair_beats_any_repeat(old: list, new: list, agos: list[int]) -> None:  # type: ignore[type-arg]
    def people(spec: list, first: int) -> list[Member]:  # type: ignore[type-arg]
        return [Member(first + k, "x", topics=t, offers=o, wants=w, timezone="UTC") for k, (t, o, w) in enumerate(spec)]

    a, b = people(old, 1)
    c, d = people(new, 3)
    history = History(current_round=20, rounds={20 - ago: [(1, 2)] for ago in agos})
    ctx = ScoringContext(history, opts())
    repeat, fresh = pair_score(a, b, ctx), pair_score(c, d, ctx)
    assert repeat is not None and fresh is not None
    assert 0 < repeat < fresh


def test_thin_profiles_gain_from_full_partners() -> None:
    ctx = ScoringContext(History(), opts(use_activity=False))
    full = Member(1, "Full", topics=("a", "b"), offers=("c",), wants=("d",))
    full2 = Member(4, "Full2", topics=("e", "f"), offers=("g",), wants=("h",))
    empty, empty2 = Member(2, "Empty"), Member(3, "Empty2")
    pairs = ((empty, full), (empty, empty2), (full, full2))
    thin_full, thin_thin, full_full = (pair_score(x, y, ctx) for x, y in pairs)
    assert thin_full is not None and thin_thin is not None and full_full is not None
    assert thin_full > thin_thin and thin_full > full_full
    result = pair_round([full, full2, empty, empty2], options=opts(use_activity=False))
    assert all(len({2, 3} & set(g.members)) == 1 for g in result.groups)


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"prefer_cross_team": True, "language_required": False, "use_activity": False},
        {"weights": Weights(newcomer=0.0, profile_full=0, history=0.3, history_decay=0.9, base=0.0)},
        {"weights": Weights(history=0.0, profile_full=1, floor=2.0), "history_horizon": 4},
    ],
)
def test_vector_and_scalar_agree_on_repeats_trios_and_thin_profiles(variant: dict[str, object]) -> None:
    c = community(70, 11, empty_share=0.2)
    options = opts(exclude_rounds=1, **variant)
    results = simulate_rounds(c.members, options, 9, blocks=c.blocks)
    rounds = {r: [g.members for g in res.groups] for r, res in enumerate(results)}
    rounds[8] = [*rounds[8], *rounds[3][:5]]  # the same pair twice in one round counts once
    history = History(current_round=9, rounds=rounds, blocked=c.blocks)
    enc = encode(c.members, history, options)
    ctx = ScoringContext(history, options)
    i, j = np.triu_indices(len(c.members), 1)
    s, ok = score_pairs(enc, i, j)
    repeats = 0
    for k in range(len(i)):
        a, b = c.members[i[k]], c.members[j[k]]
        ref = pair_score(a, b, ctx)
        assert (ref is not None) == bool(ok[k])
        if ref is not None:
            assert s[k] == pytest.approx(ref, rel=1e-12, abs=1e-15)
            repeats += bool(ctx.met_rounds_ago(a.id, b.id))
    assert repeats > 0


def test_measures() -> None:
    from cogs.matching.engine import Group, RoundResult, Unplaced

    r1 = RoundResult((Group((1, 2), 1.0), Group((3, 4, 5), 1.0)), (Unplaced(6, "alone"),))
    r2 = RoundResult((Group((2, 1), 1.0), Group((3, 6), 1.0), Group((4, 5), 1.0)), ())
    assert repeat_share([r1, r2]) == pytest.approx(2 / 7)  # 4 meetings in r1 (a trio is 3), 3 in r2
    assert repeat_share([r2], History(current_round=1, rounds={0: [(1, 2)]})) == pytest.approx(1 / 3)
    assert left_out_max([r1, r2]) == 1 and left_out_max([]) == 0
    assert thin_thin_share([r1, r2], {1, 2, 3}) == pytest.approx(4 / 6)
    assert repeat_share([]) == 0.0 and thin_thin_share([r1], set()) == 0.0
