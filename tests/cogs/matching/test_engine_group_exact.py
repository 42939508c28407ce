"""The exact partition (`group_exact.milp_optimum`) against an exhaustive search, and `group_round` against it
on varied small communities (clusters, language minorities, blocks, history, priority members)."""

from __future__ import annotations

from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogs.matching.engine import group_round, group_sizes
from cogs.matching.engine.group_exact import milp_optimum, shapes
from cogs.matching.engine.model import MatchOptions

from .group_data import instance
from .test_engine_groups import allowed, cap_of, check_round, lo_of


def lexicographic_best(ids: list[int], ok, score, k: int, lo: int, hi: int, prio: set[int]):  # type: ignore[no-untyped-def]
    """(placed, -off-size groups, priority members at size k, score) of the best partition, exhaustively."""
    best: tuple[int, int, int, float] | None = None

    def search(rest: list[int], key: tuple[int, int, int, float]) -> None:
        nonlocal best
        if not rest:
            if best is None or key > best:
                best = key
            return
        x, others = rest[0], rest[1:]
        search(others, key)  # x stays out
        partners = [y for y in others if ok(x, y)]
        for size in range(lo - 1, hi):
            for extra in combinations(partners, size):
                group = (x, *extra)
                if all(ok(a, b) for a, b in combinations(extra, 2)):
                    s = sum(score(a, b) for a, b in combinations(group, 2))
                    p = sum(m in prio for m in group) if len(group) == k else 0
                    search([y for y in others if y not in extra],
                           (key[0] + len(group), key[1] - (len(group) != k), key[2] + p, key[3] + s))

    search(ids, (0, 0, 0, 0.0))
    assert best is not None
    return best


def key_of(result, k: int, prio: set[int]) -> tuple[int, int, int, float]:  # type: ignore[no-untyped-def]
    groups = [g.members for g in result.groups]
    return (sum(len(g) for g in groups), -sum(len(g) != k for g in groups),
            sum(m in prio for g in groups if len(g) == k for m in g), result.total_score)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 100_000))
def test_milp_is_the_lexicographic_optimum_of_an_exhaustive_search(seed: int) -> None:
    people, history, opts, prio = instance(seed, (3, 8))
    from cogs.matching.engine import ScoringContext, pair_score

    ctx = ScoringContext(history, opts)
    by_id = {m.id: m for m in people}
    ok = allowed(people, history, opts)

    def score(a: int, b: int) -> float:
        return pair_score(by_id[a], by_id[b], ctx) or 0.0

    k = opts.group_size
    want = lexicographic_best([m.id for m in people], ok, score, k, lo_of(opts), cap_of(opts), prio)
    got = key_of(milp_optimum(people, history, opts, prio), k, prio)
    assert got[:3] == want[:3]
    assert abs(got[3] - want[3]) <= 1e-4 * max(1.0, want[3])


def test_group_round_reaches_the_optimum_on_varied_small_rounds() -> None:
    """Deterministic sample of rounds of 5 to 24 members: as many placed and as few off-size groups as the
    optimum, and at least 99% of its score."""
    for seed in range(24):
        people, history, opts, prio = instance(seed)
        best = milp_optimum(people, history, opts, prio)
        got = group_round(people, history, opts, prio)
        check_round(got, people, history, opts, prio)
        kb, kg = key_of(best, opts.group_size, prio), key_of(got, opts.group_size, prio)
        assert kg[:3] == kb[:3], seed
        assert kg[3] >= 0.99 * kb[3], seed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 100_000), st.booleans())
def test_groups_keep_the_rules_and_place_the_most_on_generated_communities(seed: int, exact: bool) -> None:
    people, history, opts, prio = instance(seed, (3, 40))
    result = group_round(people, history, opts, prio, exact=exact and len(people) <= 24)
    check_round(result, people, history, opts, prio)


def test_shapes_list_every_way_fewest_off_size_first() -> None:
    assert shapes(10, 4, 3, 5) == [[(0, 0, 2), (2, 1, 0)]]
    assert shapes(8, 3, 2, 4)[0] == [(1, 2, 0)]  # 3, 3, 2: one group off size
    assert shapes(2, 4, 3, 5) == []


def test_sizes_stay_in_range_at_scale() -> None:
    from .group_data import community, group_history

    for k, n in ((4, 300), (3, 301), (4, 302)):
        people = community(n, seed=n)
        ids = [m.id for m in people]
        history = group_history(ids, 6, k, n, n // 10)
        opts = MatchOptions(group_size=k, seed=n)
        result = group_round(people, history, opts, set(ids[:15]))
        sizes = [len(g.members) for g in result.groups]
        assert all(k - 1 <= s <= k + 1 for s in sizes)
        # a few off-size groups where language minorities force them; never unbounded
        assert sum(s != k for s in sizes) <= sum(s != k for s in group_sizes(n, k)) + 6
