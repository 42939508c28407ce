"""A round's intros are built in bulk (`plan.intro_contents`, a shortcut for pairs); every reason and every
pair of starters must be exactly what `explain_group` and `conversation_starters` say for that group."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.matching.engine import History, Member, ScoringContext, conversation_starters, explain_group, plan_round
from cogs.matching.engine.plan import intro_contents

from .communities import SHAPES, community
from .engine_data import options


def per_group(groups: list[list[Member]], ctx: ScoringContext) -> list[tuple[tuple, tuple]]:
    return [(tuple(explain_group(g, ctx)), tuple(conversation_starters(g))) for g in groups]


@settings(max_examples=25, deadline=None)
@given(shape=st.sampled_from(SHAPES), n=st.integers(2, 80), seed=st.integers(0, 10_000),
       size=st.sampled_from([2, 2, 3]), language_required=st.booleans())
def test_round_intros_equal_the_per_group_ones(shape: str, n: int, seed: int, size: int,
                                               language_required: bool) -> None:
    members, history = community(shape, n, seed)
    opts = options(group_size=size, language_required=language_required, seed=seed)
    plan = plan_round(members, history, opts)
    index = {m.id: m for m in members}
    groups = [[index[i] for i in intro.members] for intro in plan.intros]
    expected = per_group(groups, ScoringContext(history, opts))
    assert [(i.reason, i.starters) for i in plan.intros] == expected


FACETS = ["Rust", "rust ", " RUST", "go", "Go", "", "  ", "smart  factories", "Smart Factories", "ml", "iot"]
ZONES = [None, "", "Mars/Olympus", "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"]
ROLES = [None, "", " ", "developer", "Developer ", "designer"]
LANGS = [(), ("",), ("en",), ("EN", "de"), ("de",), ("fr", "de")]


@st.composite
def messy_member(draw: st.DrawFn, member_id: int) -> Member:
    facets = st.lists(st.sampled_from(FACETS), max_size=5).map(tuple)
    return Member(
        id=member_id, name=draw(st.sampled_from(["Ana", "ana", "Ben", "Chloé"])),
        role=draw(st.sampled_from(ROLES)), team=draw(st.sampled_from([None, "", "a", "A ", "b"])),
        topics=draw(facets), offers=draw(facets), wants=draw(facets),
        timezone=draw(st.sampled_from(ZONES)), languages=draw(st.sampled_from(LANGS)),
        activity=draw(st.one_of(st.none(), st.floats(-0.5, 1.5))),
    )


@settings(max_examples=200, deadline=None)
@given(data=st.data(), size=st.sampled_from([2, 2, 2, 3, 4]), language_required=st.booleans(),
       cross_team=st.booleans(), use_activity=st.booleans(), default_language=st.sampled_from(["en", "de"]))
def test_messy_profiles_give_the_same_intros(data: st.DataObject, size: int, language_required: bool,
                                             cross_team: bool, use_activity: bool, default_language: str) -> None:
    """Duplicates after normalising, blank facets and roles, unknown zones, no languages: the shortcut
    normalises exactly as the reference does."""
    ids = data.draw(st.lists(st.integers(-5, 10**12), min_size=size, max_size=size, unique=True))
    group = [data.draw(messy_member(i)) for i in ids]
    opts = options(language_required=language_required, prefer_cross_team=cross_team, use_activity=use_activity,
                   default_language=default_language)
    ctx = ScoringContext(History(blocked=[(ids[0], ids[1])]), opts)
    assert intro_contents([group], ctx) == per_group([group], ctx)
