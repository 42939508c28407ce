"""Mentor assignment respects capacity and fit; on-demand find returns at most three, safely."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.matching.engine import (
    FilterError,
    History,
    Member,
    MenteeRequest,
    MentorOffer,
    assign_mentors,
    find_people,
    parse_filters,
    render,
)

from .engine_data import members, options

TOPICS = ["rust", "go", "ml", "design", "sales"]


def test_assignment_beats_greedy_order() -> None:
    # A fits both mentors, B only M1; a greedy loop giving A the better M1 strands B.
    m1 = MentorOffer(Member(10, "M1", timezone="UTC"), ("rust", "go"), 1)
    m2 = MentorOffer(Member(11, "M2", timezone="Asia/Tokyo"), ("go",), 1)
    a = MenteeRequest(Member(1, "A", timezone="UTC"), ("go",))
    b = MenteeRequest(Member(2, "B", timezone="UTC"), ("rust",))
    result = assign_mentors([a, b], [m1, m2], options())
    assert {(x.mentee, x.mentor) for x in result.matches} == {(1, 11), (2, 10)}
    assert result.unassigned == ()


def test_unassigned_reasons() -> None:
    mentor = MentorOffer(Member(10, "M", languages=("de",)), ("rust",), 1)
    reqs = [
        MenteeRequest(Member(1, "Topicless"), ("cobol",)),
        MenteeRequest(Member(2, "English", languages=("en",)), ("rust",)),
        MenteeRequest(Member(3, "German1", languages=("de",)), ("rust",)),
        MenteeRequest(Member(4, "German2", languages=("de",)), ("rust",)),
    ]
    result = assign_mentors(reqs, [mentor], options())
    assert len(result.matches) == 1 and result.matches[0].mentor == 10
    reasons = dict(result.unassigned)
    assert reasons[1] == "no_mentor_for_topic"
    assert reasons[2] == "no_common_language"
    assert sorted(reasons.values()).count("no_capacity") == 1


def test_excluded_pairs_and_zero_capacity() -> None:
    mentor = MentorOffer(Member(10, "M"), ("rust",), 2)
    full = MentorOffer(Member(11, "Full"), ("rust",), 0)
    req = MenteeRequest(Member(1, "A"), ("rust",))
    assert assign_mentors([req], [mentor, full], options(), excluded={(1, 10)}).matches == ()
    assert assign_mentors([], [mentor], options()).matches == ()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sets(st.sampled_from(TOPICS), min_size=1), st.integers(0, 3)), min_size=0, max_size=6),
    st.lists(st.sets(st.sampled_from(TOPICS), min_size=1, max_size=2), min_size=0, max_size=15),
)
def test_capacity_is_never_exceeded(mentor_specs, mentee_specs) -> None:  # type: ignore[no-untyped-def]
    offers = [
        MentorOffer(Member(100 + k, f"M{k}"), tuple(sorted(topics)), cap)
        for k, (topics, cap) in enumerate(mentor_specs)
    ]
    reqs = [MenteeRequest(Member(k + 1, f"E{k}"), tuple(sorted(t))) for k, t in enumerate(mentee_specs)]
    result = assign_mentors(reqs, offers, options())
    load = Counter(m.mentor for m in result.matches)
    caps = {o.mentor.id: o.capacity for o in offers}
    assert all(load[mid] <= caps[mid] for mid in load)
    assert len({m.mentee for m in result.matches}) == len(result.matches)
    for m in result.matches:
        offer = next(o for o in offers if o.mentor.id == m.mentor)
        req = next(r for r in reqs if r.mentee.id == m.mentee)
        assert set(m.topics) <= set(offer.topics) & set(req.topics) and m.topics
    # Everyone is either assigned or told why not.
    assert len(result.matches) + len(result.unassigned) == len(reqs)
    # Maximal: an unassigned mentee never has a fitting mentor with spare capacity.
    for mentee_id, _ in result.unassigned:
        req = next(r for r in reqs if r.mentee.id == mentee_id)
        for o in offers:
            if set(o.topics) & set(req.topics):
                assert load[o.mentor.id] >= o.capacity


# --- find -----------------------------------------------------------------------------------------


def test_parse_filters() -> None:
    f = parse_filters("role:production topic:smart factories offers:kubernetes language:de")
    assert [(x.key, x.values) for x in f] == [
        ("role", ("production",)),
        ("topic", ("smart factories",)),
        ("offers", ("kubernetes",)),
        ("language", ("de",)),
    ]
    assert [(x.key, x.values) for x in parse_filters("tz:Europe/Berlin want: rust, go")] == [
        ("timezone", ("Europe/Berlin",)),
        ("wants", ("rust", "go")),
    ]
    assert [(x.key, x.values) for x in parse_filters("kubernetes")] == [("any", ("kubernetes",))]


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "no_filters"), ("colour:red", "unknown_key"), ("topic:", "empty_value"), ("topic: , ,", "empty_value"),
     ("topic:" + "x" * 101, "too_long"), (" ".join(f"topic:t{i}" for i in range(9)), "too_many")],
)
def test_bad_filters(text: str, code: str) -> None:
    with pytest.raises(FilterError) as err:
        parse_filters(text)
    assert err.value.code == code


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_parse_filters_never_crashes(text: str) -> None:
    try:
        parsed = parse_filters(text)
    except FilterError:
        return
    assert 1 <= len(parsed) <= 8
    assert all(f.values and all(v.strip() for v in f.values) for f in parsed)


def community() -> list[Member]:
    return [
        Member(1, "Me", topics=("rust",), wants=("kubernetes",), timezone="Europe/Berlin", languages=("en", "de")),
        Member(2, "Ana", role="Production", topics=("smart factories", "rust"), offers=("Kubernetes",),
               timezone="Europe/Berlin", languages=("de",)),
        Member(3, "Ben", role="production", topics=("smart factories",), offers=("kubernetes",),
               timezone="America/New_York", languages=("en",)),
        Member(4, "Cem", role="production", topics=("smart factories",), offers=("kubernetes",),
               timezone="Asia/Tokyo", languages=("en",)),
        Member(5, "Dee", role="production", topics=("smart factories",), offers=("kubernetes",),
               timezone="Europe/London", languages=("en",)),
        Member(6, "Eli", role="production", topics=("smart factories",), offers=("kubernetes",),
               timezone="Europe/Paris", languages=("fi",)),
        Member(7, "Fay", role="design", topics=("ux",), languages=("en",)),
    ]


def test_find_returns_at_most_three_ranked_with_reasons() -> None:
    people = community()
    me = people[0]
    found = find_people(me, people, parse_filters("role:production offers:kubernetes"), options=options())
    assert 1 <= len(found) <= 3
    ids = [s.member for s in found]
    assert ids[0] == 2  # shares rust, same time zone, offers what I want
    assert 1 not in ids and 6 not in ids  # never me; Eli shares no language with me
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)
    text = render(found[0].reasons)
    # Each wish is answered once: "offers:kubernetes" by the complement reason, not twice.
    assert text == "Ana is Production; you both work on rust; they offer Kubernetes, which you want to learn; " \
                   "13 waking hours overlap."
    assert text.count("Kubernetes") == 1


def test_find_respects_caps_blocks_and_limit() -> None:
    people = community()
    me = people[0]
    flt = parse_filters("topic:smart factories")
    history = History(blocked=[(3, 1)])
    found = find_people(me, people, flt, history, options(), capped={2}, limit=10)
    ids = [s.member for s in found]
    assert len(ids) <= 3
    assert 2 not in ids and 3 not in ids and 1 not in ids
    assert set(ids) <= {4, 5}
    assert find_people(me, people, parse_filters("topic:cobol"), options=options()) == []


def test_find_language_and_timezone_filters() -> None:
    people = community()
    me = people[0]
    german = find_people(me, people, parse_filters("language:German"), options=options())
    assert [s.member for s in german] == [2]
    berlin = find_people(me, people, parse_filters("timezone:Berlin"), options=options())
    assert [s.member for s in berlin] == [2]
    plus9 = find_people(me, people, parse_filters("tz:UTC+9"), options=options())
    assert [s.member for s in plus9] == [4]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 1000), st.sets(st.integers(1, 40), max_size=20), st.sampled_from(["topic:rust", "python",
       "role:developer", "language:en", "offers:go,ml"]))
def test_find_invariants(seed: int, capped: set[int], text: str) -> None:
    people = members(40, seed=seed)
    me = people[0]
    found = find_people(me, people, parse_filters(text), options=options(), capped=capped)
    ids = [s.member for s in found]
    assert len(ids) <= 3 and len(set(ids)) == len(ids)
    assert me.id not in ids and not set(ids) & capped


def test_find_reasons_say_each_thing_once() -> None:
    people = community()
    me = people[0]
    found = find_people(me, people, parse_filters("topic:rust role:production"), options=options())
    assert [s.member for s in found] == [2]
    text = render(found[0].reasons)
    assert text.count("rust") == 1 and "you both work on rust" in text and "Ana is Production" in text
    # A wish the fit reasons do not cover keeps its own reason.
    ben = find_people(me, people, parse_filters("topic:smart factories tz:UTC-4"), options=options())
    assert [s.member for s in ben] == [3]
    assert render(ben[0].reasons).startswith("Ben works on smart factories; Ben lives in America/New_York; ")
