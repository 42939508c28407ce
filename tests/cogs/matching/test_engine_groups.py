"""Rounds of groups of three or four (`group_round`): the planned sizes, hard rules inside every group,
nobody left out needlessly, priority members in a group of the planned size, the same plan for the same seed."""

from __future__ import annotations

import random
from collections import Counter
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogs.matching.engine import (
    History,
    Member,
    RoundResult,
    ScoringContext,
    group_round,
    group_sizes,
    plan_round,
    render,
    violation,
)
from cogs.matching.engine.model import MatchOptions

from .engine_data import members, options, random_history
from .test_engine_rounds import audit, placed_ids

# ---------------------------------------------------------------------- the planned sizes


def test_group_sizes_examples_of_the_module_docstring() -> None:
    assert group_sizes(10, 3) == [3, 3, 4]
    assert group_sizes(11, 3) == [3, 3, 3, 2]
    assert group_sizes(8, 3) == [3, 3, 2]
    assert group_sizes(5, 3) == [3, 2] and group_sizes(4, 3) == [4]
    assert group_sizes(11, 4) == [4, 4, 3]
    assert group_sizes(9, 4) == [4, 5]
    assert group_sizes(10, 4) == [5, 5]
    assert group_sizes(10, 4, 4) == [4, 3, 3]  # no groups of 5 (allow_extra_trios off)
    assert group_sizes(6, 4) == [3, 3] and group_sizes(5, 4) == [5] and group_sizes(5, 4, 4) == [4]
    for k in (3, 4):
        assert group_sizes(1, k) == []
        assert group_sizes(0, k) == []
    assert group_sizes(2, 3) == [2] and group_sizes(2, 4) == []  # a pair is not a group of 3 to 5
    assert group_sizes(12, 3) == [3, 3, 3, 3] and group_sizes(12, 4) == [4, 4, 4]
    assert group_sizes(7, 2) == [2, 2, 3]  # the pair engine's plan: one trio when the count is odd


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=2, max_value=5000), st.sampled_from([3, 4]), st.booleans())
def test_group_sizes_are_k_minus_one_to_k_plus_one_with_the_fewest_off_size(n: int, k: int, five: bool) -> None:
    hi = k + 1 if (k == 3 or five) else k
    sizes = group_sizes(n, k, hi)
    assert all(k - 1 <= s <= hi for s in sizes)
    off = [s for s in sizes if s != k]
    assert sizes == [k] * (len(sizes) - len(off)) + off  # full-size groups first
    if n >= 8:
        assert sum(sizes) == n  # everybody fits some shape
        # the fewest off-size groups any shape of allowed sizes has (brute force over the off-size counts)
        fewest = min(a + b for a in range(9) for b in range(9 if hi > k else 1)
                     if n - a * (k - 1) - b * hi >= 0 and (n - a * (k - 1) - b * hi) % k == 0)
        assert len(off) == fewest
    if n % k == 0:
        assert off == []


# ---------------------------------------------------------------------- properties of a round


def allowed(people: list[Member], history: History, opts: MatchOptions):  # type: ignore[no-untyped-def]
    """The scalar reference for "these two may meet" (no engine code beyond `violation`)."""
    ctx = ScoringContext(history, opts)
    by_id = {m.id: m for m in people}

    def ok(a: int, b: int) -> bool:
        return violation(by_id[a], by_id[b], ctx) is None

    return ok


def cap_of(opts: MatchOptions) -> int:
    """The largest group the engine may form (module docstring: group_size + 1, and at most 4 when
    allow_extra_trios is off)."""
    k = opts.group_size
    return k + 1 if (k + 1 <= 4 or opts.allow_extra_trios) else k


def lo_of(opts: MatchOptions) -> int:
    """The smallest group: group_size - 1."""
    return opts.group_size - 1


def best_placeable(ids: list[int], ok, cap: int, lo: int = 2) -> int:  # type: ignore[no-untyped-def]
    """The most members that groups of lo..cap, every pair allowed, can hold (exhaustive, small n only)."""
    best = 0

    def search(rest: list[int], placed: int) -> None:
        nonlocal best
        best = max(best, placed)
        if not rest or placed + len(rest) <= best:
            return
        x, others = rest[0], rest[1:]
        search(others, placed)  # x stays out
        partners = [y for y in others if ok(x, y)]
        for size in range(lo - 1, cap):
            for extra in combinations(partners, size):
                if all(ok(a, b) for a, b in combinations(extra, 2)):
                    search([y for y in others if y not in extra], placed + 1 + size)

    search(ids, 0)
    return best


def check_round(result: RoundResult, people: list[Member], history: History, opts: MatchOptions,
                priority: set[int]) -> None:
    ids = [m.id for m in people]
    placed = placed_ids(result)
    unplaced = [u.member for u in result.unplaced]
    # Every member exactly once: in one group, or reported unplaced.
    assert sorted(placed + unplaced) == sorted(ids)
    assert audit(result, people, history, opts) == []  # every pair inside every group honours the hard rules
    cap, lo = cap_of(opts), lo_of(opts)
    assert all(lo <= len(g.members) <= cap for g in result.groups)
    ok = allowed(people, history, opts)
    groups = [g.members for g in result.groups]
    for x in unplaced:
        # Nobody is left out needlessly: not while a group with room, or other members left out, would do.
        assert not any(len(g) < cap and all(ok(x, y) for y in g) for g in groups), (x, groups)
        if lo == 2:
            assert not any(ok(x, y) for y in unplaced if y != x), (x, unplaced)
            # ... nor while a member of a group of three or more could pair up with them and leave that group
            # still a group (placing everybody outranks priority).
            assert not any(len(g) >= 3 and ok(x, y) for g in groups for y in g), (x, groups)
        else:
            assert not any(ok(x, y) and ok(x, z) and ok(y, z) for y, z in combinations(unplaced, 2)
                           if x not in (y, z)), (x, unplaced)
    reasons = {u.member: u.reason for u in result.unplaced}
    for x, why in reasons.items():
        if why in ("no_common_language", "only_excluded_partners"):
            assert not any(ok(x, y) for y in ids if y != x)


@st.composite
def group_instances(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(min_value=2, max_value=22))
    seed = draw(st.integers(min_value=0, max_value=10_000))
    k = draw(st.sampled_from([3, 4]))
    langs = draw(st.sampled_from([None, [("en",)], [("en",), ("de",), ("en", "de")], [("en",), ("fr",)]]))
    people = members(n, seed=seed, languages=langs)
    ids = [m.id for m in people]
    history = random_history(ids, rounds=draw(st.integers(0, 4)), seed=seed, blocks=draw(st.integers(0, 8)))
    priority = set(draw(st.lists(st.sampled_from(ids), max_size=max(1, n // 3), unique=True)))
    opts = options(group_size=k, exclude_rounds=draw(st.integers(0, 3)),
                   allow_extra_trios=draw(st.booleans()), seed=seed)
    return people, history, opts, priority


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(group_instances(), st.booleans())
def test_groups_honour_every_hard_rule_and_leave_nobody_out_needlessly(instance, dense: bool) -> None:  # type: ignore[no-untyped-def]
    people, history, opts, priority = instance
    result = group_round(people, history, opts, priority, dense=dense)
    check_round(result, people, history, opts, priority)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(group_instances())
def test_as_many_placed_as_any_grouping_could(instance) -> None:  # type: ignore[no-untyped-def]
    people, history, opts, _priority = instance
    people = people[:9]  # the exhaustive reference is exponential
    ids = [m.id for m in people]
    result = group_round(people, history, opts)
    best = best_placeable(ids, allowed(people, history, opts), cap_of(opts), lo_of(opts))
    assert len(placed_ids(result)) == best


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("k", [3, 4])
@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7, 9, 10, 11, 13, 30, 61, 100])
def test_everyone_compatible_gets_exactly_the_planned_sizes(n: int, k: int, dense: bool) -> None:
    people = members(n, seed=n, languages=[("en",)])
    result = group_round(people, options=options(group_size=k), dense=dense)
    plan = group_sizes(n, k)
    assert len(result.unplaced) == n - sum(plan)
    # the fewest off-size groups (the shape may differ where two tie: 10 in groups of 4 as 5, 5 or 4, 3, 3)
    assert sum(len(g.members) != k for g in result.groups) == sum(s != k for s in plan)
    heuristic = group_round(people, options=options(group_size=k), dense=dense, exact=False)
    assert sorted(len(g.members) for g in heuristic.groups) == sorted(plan)


@st.composite
def priority_instances(draw):  # type: ignore[no-untyped-def]
    k = draw(st.sampled_from([3, 4]))
    n = draw(st.integers(min_value=4, max_value=24).filter(lambda x: x % k != 0))  # some groups are off-size
    seed = draw(st.integers(min_value=0, max_value=10_000))
    people = members(n, seed=seed, languages=[("en",)])
    ids = [m.id for m in people]
    history = random_history(ids, rounds=draw(st.integers(0, 2)), seed=seed)
    priority = set(draw(st.lists(st.sampled_from(ids), min_size=1, max_size=max(1, n // 4), unique=True)))
    return people, history, options(group_size=k, exclude_rounds=2, seed=seed), priority


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(priority_instances(), st.booleans())
def test_priority_members_end_in_a_group_of_the_planned_size_whenever_a_swap_allows(instance, dense: bool) -> None:  # type: ignore[no-untyped-def]
    people, history, opts, priority = instance
    k = opts.group_size
    result = group_round(people, history, opts, priority, dense=dense)
    check_round(result, people, history, opts, priority)
    ok = allowed(people, history, opts)
    groups = [g.members for g in result.groups]
    full = [g for g in groups if len(g) == k and not set(g) & priority]
    for a in groups:
        if len(a) == k:
            continue
        for p in set(a) & priority:
            rest_a = [m for m in a if m != p]
            for b in full:
                for y in b:
                    rest_b = [m for m in b if m != y]
                    # p could take y's place in b while y takes p's place in a: then p would not be here.
                    assert not (all(ok(p, z) for z in rest_b) and all(ok(y, z) for z in rest_a)), (a, p, b, y)


def test_priority_member_is_moved_out_of_the_larger_group() -> None:
    # Seven who all get on: a group of 3 and one of 4. Whoever had priority is in the group of 3.
    people = members(7, seed=1, languages=[("en",)])
    for p in (m.id for m in people):
        result = group_round(people, options=options(group_size=3), priority={p})
        mine = next(g for g in result.groups if p in g.members)
        assert len(mine.members) == 3, (p, result.groups)


@pytest.mark.parametrize("k", [3, 4])
@pytest.mark.parametrize("n", [8, 23, 70])
def test_the_same_seed_gives_the_same_groups(n: int, k: int) -> None:
    people = members(n, seed=5)
    history = random_history([m.id for m in people], rounds=3, seed=6, blocks=4)
    runs = [group_round(people, history, options(group_size=k, seed=11), priority={1, 2}) for _ in range(3)]
    assert runs[0].groups == runs[1].groups == runs[2].groups
    assert runs[0].unplaced == runs[1].unplaced


def test_language_islands_and_a_loner() -> None:
    en = [Member(i, f"E{i}", languages=("en",)) for i in range(1, 8)]  # 7: a group of 3 and one of 4
    de = [Member(i, f"D{i}", languages=("de",)) for i in range(8, 13)]  # 5: a group of 3 and a pair
    loner = Member(99, "Solo", languages=("fi",))
    people = [*en, *de, loner]
    opts = options(group_size=3)
    result = group_round(people, options=opts)
    check_round(result, people, History(), opts, set())
    assert [(u.member, u.reason) for u in result.unplaced] == [(99, "no_common_language")]
    lang = {m.id: m.languages for m in people}
    assert all(len({lang[m] for m in g.members}) == 1 for g in result.groups)
    assert sorted(len(g.members) for g in result.groups) == [2, 3, 3, 4]


def test_alone_empty_and_group_size_two_is_the_pair_engine() -> None:
    assert group_round([], options=options(group_size=3)).groups == ()
    one = group_round([Member(1, "A")], options=options(group_size=3))
    assert [(u.member, u.reason) for u in one.unplaced] == [(1, "alone")]
    people = members(9, seed=2)
    pairs = group_round(people, options=options(group_size=2))
    assert sorted(len(g.members) for g in pairs.groups) == [2, 2, 2, 3]


def test_group_score_is_the_sum_of_its_pair_scores() -> None:
    from cogs.matching.engine import pair_score

    people = members(12, seed=8, languages=[("en",)])
    opts = options(group_size=4)
    result = group_round(people, options=opts)
    ctx = ScoringContext(History(), opts)
    by_id = {m.id: m for m in people}
    for g in result.groups:
        total = sum(pair_score(by_id[a], by_id[b], ctx) or 0.0 for a, b in combinations(g.members, 2))
        assert g.score == pytest.approx(total, abs=1e-6)
    assert result.total_score == pytest.approx(sum(g.score for g in result.groups))


# ---------------------------------------------------------------------- explanations for groups


def test_group_reasons_say_each_thing_once() -> None:
    from cogs.matching.engine import explain_group

    a = Member(1, "Ana", role="developer", team="Red", topics=("rust", "go"), timezone="UTC", activity=0.9)
    b = Member(2, "Ben", role="developer", team="Blue", topics=("rust", "go"), timezone="UTC", activity=0.1)
    c = Member(3, "Chen", role="developer", team="Green", topics=("go",), timezone="UTC", activity=0.1)
    d = Member(4, "Dara", team="Red", topics=("rust",), timezone="UTC")
    ctx = ScoringContext(History(), options(group_size=4, prefer_cross_team=True))
    # Who shares a topic or a role is named together, never pair by pair ("both" is for two people only).
    assert render(explain_group([a, b, c, d], ctx)) == (
        "Ana, Ben and Dara all work on rust; Ana, Ben and Chen all work on go; Ana, Ben and Chen are all "
        "developer; 13 waking hours overlap.")
    # The teams in one list, one guide for everyone quiet; Dara (no activity known) is named with her team.
    plain = [Member(m.id, m.name, team=m.team, timezone="UTC", activity=m.activity) for m in (a, b, c, d)]
    assert render(explain_group(plain, ctx)) == (
        "You bring views from Red, Blue and Green; Ana knows the community well and can show Ben and Chen around; "
        "Dara is in Red; 13 waking hours overlap.")
    # A skill someone offers is named once, for the first who wants it.
    kofi = Member(5, "Kofi", offers=("Python", "Go"), timezone="UTC")
    gus = Member(6, "Gus", wants=("python",), timezone="UTC")
    eve = Member(7, "Eve", wants=("python", "go"), timezone="UTC")
    assert render(explain_group([kofi, gus, eve], ctx)) == (
        "Kofi offers Python, which Gus wants to learn; Kofi offers Go, which Eve wants to learn; "
        "13 waking hours overlap.")


def test_plan_of_groups_has_a_reason_and_starters_for_every_group() -> None:
    people = members(31, seed=4)
    plan = plan_round(people, options=options(group_size=3))
    assert len(plan.intros) == len(plan.result.groups)
    assert {len(i.members) for i in plan.intros} <= {2, 3, 4}
    for intro in plan.intros:
        assert intro.reason and len(intro.starters) == 2
        text = render(intro.reason)
        assert text.endswith(".") and "you both" not in text.lower() and "you are both" not in text.lower()


# ---------------------------------------------------------------------- the planned sizes under hard rules


def planned_grouping_exists(ids: list[int], ok, sizes: list[int]) -> bool:  # type: ignore[no-untyped-def]
    """Whether everybody fits in groups of exactly the planned sizes with every pair allowed (exhaustive)."""
    need = Counter(sizes)

    def search(rest: list[int]) -> bool:
        if not rest:
            return True
        x, others = rest[0], rest[1:]
        partners = [y for y in others if ok(x, y)]
        for size in [s for s, c in need.items() if c]:
            for extra in combinations(partners, size - 1):
                if all(ok(a, b) for a, b in combinations(extra, 2)):
                    need[size] -= 1
                    found = search([y for y in others if y not in extra])
                    need[size] += 1
                    if found:
                        return True
        return False

    return search(ids)


def test_a_member_with_few_partners_does_not_squeeze_everyone_into_bigger_groups() -> None:
    # Twelve people in groups of three: two speak only German, three speak German and English. Both German
    # speakers start a group at once and the first takes the bilingual ones; the second must then not keep a
    # planned group to itself (that made three groups of four), but join the first one.
    de = [Member(i, f"D{i}", languages=("de",)) for i in (1, 2)]
    both = [Member(i, f"B{i}", languages=("de", "en")) for i in (3, 4, 5)]
    en = [Member(i, f"E{i}", languages=("en",)) for i in range(6, 13)]
    people = [*de, *both, *en]
    for dense in (True, False):
        result = group_round(people, options=options(group_size=3), dense=dense)
        check_round(result, people, History(), options(group_size=3), set())
        assert sorted(len(g.members) for g in result.groups) == [3, 3, 3, 3]


def test_the_planned_sizes_whenever_the_hard_rules_allow_them() -> None:
    """A fixed sample of small constrained rounds (deterministic, so never flaky): whenever some grouping
    has exactly the planned sizes, the engine finds one (8 people in groups of 3 are two groups of 4, not 3, 3
    and a pair)."""
    checked = 0
    for seed in range(150):
        rng = random.Random(seed)
        n, k = rng.randint(4, 10), rng.choice([3, 4])
        people = members(n, seed=seed, languages=rng.choice([None, [("en",), ("de",), ("en", "de")],
                                                             [("en",), ("fr",)]]))
        ids = [m.id for m in people]
        history = random_history(ids, rounds=rng.randint(0, 3), seed=seed, blocks=rng.randint(0, 5))
        opts = options(group_size=k, exclude_rounds=rng.randint(0, 2), seed=seed)
        sizes = group_sizes(n, k)
        if not planned_grouping_exists(ids, allowed(people, history, opts), sizes):
            continue  # the hard rules allow no grouping of the planned sizes
        checked += 1
        for dense in (True, False):
            result = group_round(people, history, opts, dense=dense)
            assert not result.unplaced, seed
            assert sorted(len(g.members) for g in result.groups) == sorted(sizes), (seed, dense, result.groups)
    assert checked >= 50
