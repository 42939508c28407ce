"""`find_people` ranks recent partners below strangers who fit as well, never suggests the blocked or capped,
and never shows more than three: properties over generated members and histories."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.matching.engine import History, Member, find_people, parse_filters

from .engine_data import options

WORDS = ["rust", "go", "ml", "iot"]
facet = st.lists(st.sampled_from(WORDS), max_size=3, unique=True).map(tuple)
zones = st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata", "America/New_York", "Pacific/Kiritimati"])


@st.composite
def person(draw: st.DrawFn, member_id: int) -> Member:
    return Member(member_id, f"P{member_id}", role=draw(st.sampled_from([None, "dev"])), topics=("rust", *draw(facet)),
                  offers=draw(facet), wants=draw(facet), timezone=draw(zones), languages=("en",))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), ago=st.integers(1, 12), partner_first=st.booleans())
def test_a_recent_partner_ranks_below_an_otherwise_equal_stranger(data: st.DataObject, ago: int,
                                                                   partner_first: bool) -> None:
    me = data.draw(person(1))
    twin = data.draw(person(2))
    partner, stranger = (twin, replace(twin, id=3)) if partner_first else (replace(twin, id=3), twin)
    current = 20
    history = History(current_round=current, rounds={current - ago: [(me.id, partner.id)]})
    found = find_people(me, [partner, stranger], parse_filters("topic:rust"), history, options())
    assert [s.member for s in found] == [stranger.id, partner.id]
    assert found[0].score > found[1].score


@settings(max_examples=100, deadline=None)
@given(data=st.data(), n=st.integers(0, 9), blocked=st.sets(st.integers(2, 10)), capped=st.sets(st.integers(2, 10)),
       limit=st.integers(0, 10))
def test_never_the_blocked_or_capped_and_never_more_than_three(data: st.DataObject, n: int, blocked: set[int],
                                                                capped: set[int], limit: int) -> None:
    me = data.draw(person(1))
    others = [data.draw(person(i)) for i in range(2, 2 + n)]
    # blocks either way round: half as (me, them), half as (them, me)
    pairs = [(me.id, b) if b % 2 else (b, me.id) for b in blocked]
    found = find_people(me, others, parse_filters("topic:rust"), History(blocked=pairs), options(), capped,
                        limit=limit)
    ids = [s.member for s in found]
    assert len(ids) <= min(3, limit) and len(set(ids)) == len(ids)
    assert not set(ids) & (blocked | capped | {me.id})
    assert len(ids) == min(3, limit, len({m.id for m in others} - blocked - capped))


@settings(max_examples=60, deadline=None)
@given(ago=st.integers(1, 12), partner_first=st.booleans(), capacity=st.integers(1, 3))
def test_a_mentor_met_lately_is_proposed_only_after_an_equal_stranger(ago: int, partner_first: bool,
                                                                       capacity: int) -> None:
    from cogs.matching.engine import MenteeRequest, MentorOffer, assign_mentors

    mentee = Member(1, "Tom", languages=("en",), timezone="UTC")
    known, new = (2, 3) if partner_first else (3, 2)
    offers = [MentorOffer(Member(i, f"M{i}", languages=("en",), timezone="UTC"), ("rust",), capacity)
              for i in sorted((known, new))]
    history = History(current_round=20, rounds={20 - ago: [(mentee.id, known)]})
    result = assign_mentors([MenteeRequest(mentee, ("rust",))], offers, options(), history=history)
    assert [m.mentor for m in result.matches] == [new]
    # the only mentor of the topic is still proposed, however recently they met
    alone = assign_mentors([MenteeRequest(mentee, ("rust",))], [o for o in offers if o.mentor.id == known],
                           options(), history=history)
    assert [m.mentor for m in alone.matches] == [known]
