"""Pair rounds are maximum-cardinality and within 0.5% of the optimum on varied communities, on both
the dense and the sparse (facet-index) path; hard rules always hold."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogs.matching.engine import History, Member, ScoringContext, exact_round, pair_round, violation
from cogs.matching.engine.exact import exact_graph, matching_value, upper_bound

from .communities import SHAPES, community
from .engine_data import options


def _violations(result, people: list[Member], history: History, opts) -> int:  # type: ignore[no-untyped-def]
    ctx = ScoringContext(history, opts)
    by_id = {m.id: m for m in people}
    return sum(
        violation(by_id[a], by_id[b], ctx) is not None
        for g in result.groups for i, a in enumerate(g.members) for b in g.members[i + 1:]
    )


def _max_pairs(people: list[Member], history: History, opts) -> int:  # type: ignore[no-untyped-def]
    g = exact_graph(people, history, opts)
    for _, _, d in g.edges(data=True):
        d["weight"] = 1
    return len(nx.max_weight_matching(g, maxcardinality=True))


@st.composite
def sparse_graphs(draw):  # type: ignore[no-untyped-def]
    """Few shared languages and many exclusions: graphs where a greedy round would leave people alone."""
    n = draw(st.integers(min_value=2, max_value=40))
    pool = draw(st.integers(min_value=2, max_value=12))
    people = [
        Member(id=i + 1, name=f"P{i + 1}", topics=tuple(draw(st.lists(st.sampled_from("abcdef"), max_size=3,
                                                                        unique=True))),
               timezone=draw(st.sampled_from(["Europe/Berlin", "Asia/Tokyo", "America/Chicago"])),
               languages=tuple(draw(st.lists(st.sampled_from([f"l{k}" for k in range(pool)]), min_size=1,
                                             max_size=2, unique=True))))
        for i in range(n)
    ]
    ids = [m.id for m in people]
    pairs = st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda p: p[0] != p[1])
    blocked = draw(st.lists(pairs, max_size=n))
    last = draw(st.lists(pairs, max_size=n))
    return people, History(current_round=5, rounds={4: last}, blocked=blocked)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sparse_graphs(), st.booleans())
def test_every_round_is_maximum_cardinality(instance, dense: bool) -> None:  # type: ignore[no-untyped-def]
    people, history = instance
    opts = options(exclude_rounds=2)
    result = pair_round(people, history, opts, dense=dense)
    assert _violations(result, people, history, opts) == 0
    # Every group of 2 or 3 holds exactly one pair of the underlying matching.
    assert len(result.groups) == _max_pairs(people, history, opts)


def _chain(n: int) -> list[Member]:
    """Member i speaks only languages i and i + 1: exactly one perfect matching exists (for even n)."""
    return [Member(id=i + 1, name=f"P{i + 1}", topics=("python",) if i % 3 else (), timezone="Europe/Berlin",
                   languages=(f"l{i}", f"l{i + 1}")) for i in range(n)]


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("n", [10, 40, 1600])
def test_the_only_perfect_matching_is_found(n: int, dense: bool) -> None:
    people = _chain(n)
    result = pair_round(people, History(), options(), dense=dense)
    assert result.unplaced == ()
    assert sorted(g.members for g in result.groups) == [(i, i + 1) for i in range(1, n + 1, 2)]


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("n", [31, 120, 400])
def test_within_half_a_percent_of_the_optimum(shape: str, n: int, dense: bool) -> None:
    people, history = community(shape, n, seed=n)
    opts = options(prefer_cross_team=True)
    result = pair_round(people, history, opts, dense=dense)
    assert _violations(result, people, history, opts) == 0
    if n <= 150:  # networkx's exact optimum is quick here
        assert result.total_score >= 0.995 * exact_round(people, history, opts).total_score
    else:  # the assignment bound sits up to about half a percent above the optimum on these shapes
        assert matching_value(people, history, opts, result) >= 0.99 * upper_bound(people, history, opts)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("n", [60, 121])
def test_priority_members_get_plain_pairs_at_little_cost(shape: str, n: int) -> None:
    people, history = community(shape, n, seed=1)
    opts = options(prefer_cross_team=True)
    priority = {m.id for m in people[::10]}
    plain = pair_round(people, history, opts)
    result = pair_round(people, history, opts, priority)
    assert not [g for g in result.groups if len(g.members) != 2 and priority & set(g.members)]
    assert not priority & {u.member for u in result.unplaced}
    assert sum(len(g.members) != 2 for g in result.groups) <= sum(len(g.members) != 2 for g in plain.groups)
    assert result.total_score >= 0.98 * plain.total_score
