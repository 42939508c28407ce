"""The pure side of projects: reading what a poster typed, and who is suggested for a role (any community)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.matching.collab.projects_logic import (
    MIN_OVERLAP,
    ProjectInputError,
    need_part,
    overlap_with,
    parse_needs,
    parse_project,
    parse_when,
    project_fit,
    suggest_for_project,
)
from cogs.matching.engine import History, MatchOptions, Member
from cogs.matching.engine.facets import languages_of

TODAY = date(2026, 3, 3)
OPTIONS = MatchOptions(reference_date=TODAY)


def test_needs_read_counts_in_several_ways_and_add_up() -> None:
    assert parse_needs("developer*2, designer") == (("developer", 2), ("designer", 1))
    assert parse_needs("3 writers; tester x2; Developer (1)") == (("writers", 3), ("tester", 2), ("Developer", 1))
    assert parse_needs("developer, developer*2") == (("developer", 3),)
    for bad, code in [("", "no_needs"), ("dev*0", "bad_count"), ("dev*11", "bad_count"), ("dev*6, dev*5", "bad_count"),
                      (",".join(f"n{i}" for i in range(9)), "too_many_needs"), ("x" * 61, "need_too_long")]:
        with pytest.raises(ProjectInputError) as err:
            parse_needs(bad)
        assert err.value.code == code, bad


def test_when_takes_the_date_out_of_the_commitment() -> None:
    assert parse_when("3 h a week, until 2026-06-30", None, TODAY) == ("3 h a week", date(2026, 6, 30))
    assert parse_when("2 Std. pro Woche bis 31.12.2026", None, TODAY) == ("2 Std. pro Woche", date(2026, 12, 31))
    assert parse_when("evenings", "2026-03-03", TODAY) == ("evenings", TODAY)
    assert parse_when("", None, TODAY) == ("", None)
    for commitment, until, code in [("until 2026-03-02", None, "date_past"), ("", "tomorrow", "bad_date"),
                                    ("", "2026-02-30", "bad_date"), ("", "2030-01-01", "date_far")]:
        with pytest.raises(ProjectInputError) as err:
            parse_when(commitment, until, TODAY)
        assert err.value.code == code


def test_a_project_needs_a_title() -> None:
    with pytest.raises(ProjectInputError) as err:
        parse_project(title="  ", description="", needs="dev", languages="", commitment="", until=None, today=TODAY)
    assert err.value.code == "no_title"
    p = parse_project(title=" Web  site ", description=" hi ", needs="dev", languages="DE, en", commitment="",
                      until=None, today=TODAY)
    assert (p.title, p.description, p.languages) == ("Web site", "hi", ("de", "en"))


ROLES = ["developer", "designer", "backend developer", "writer", None]
ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo", "Pacific/Auckland", None]
LANGS = [("en",), ("de",), ("en", "de"), ("fi",), ()]


@st.composite
def people(draw: st.DrawFn) -> list[Member]:
    n = draw(st.integers(1, 25))
    return [Member(i, f"m{i}", role=draw(st.sampled_from(ROLES)),
                   offers=tuple(draw(st.lists(st.sampled_from(["figma", "design", "python", "writing"]), max_size=2))),
                   timezone=draw(st.sampled_from(ZONES)), languages=draw(st.sampled_from(LANGS)))
            for i in range(n)]


@settings(max_examples=60, deadline=None)
@given(people(), st.sampled_from(LANGS), st.sets(st.integers(0, 25), max_size=5), st.integers(1, 3),
       st.lists(st.tuples(st.integers(0, 25), st.integers(0, 25)), max_size=6))
def test_suggestions_keep_every_rule(members: list[Member], langs: tuple[str, ...], capped: set[int], per_role: int,
                                     blocks: list[tuple[int, int]]) -> None:
    owner = members[0]
    needs = (("developer", 2), ("design", 1), ("writer", 1))
    history = History(blocked=blocks)
    picks = suggest_for_project(owner, needs, langs, members, history, OPTIONS, capped, per_role)
    seen: list[int] = []
    project_langs = frozenset(langs) or languages_of(owner.languages, OPTIONS.default_language)
    by_id = {m.id: m for m in members}
    for need, found in picks.items():
        assert len(found) <= per_role <= 3
        for pick in found:
            m = by_id[pick.member]
            assert m.id != owner.id and m.id not in capped
            assert (owner.id, m.id) not in blocks and (m.id, owner.id) not in blocks
            assert need_part(need, m) is not None
            assert languages_of(m.languages, OPTIONS.default_language) & project_langs
            assert overlap_with(owner, m, OPTIONS) >= MIN_OVERLAP
            assert pick.reasons and pick.reasons[0][0] in ("match_role", "match_offers")
            seen.append(m.id)
    assert len(seen) == len(set(seen))  # nobody for two needs of one project


def test_fitting_projects_rank_first() -> None:
    me = Member(1, "me", role="developer", languages=("en",), timezone="Europe/Berlin")
    owner = Member(2, "o", languages=("en",), timezone="Europe/Berlin")
    far = Member(3, "f", languages=("ja",), timezone="Asia/Tokyo")
    fits = project_fit((("developer", 1),), (), owner, me, OPTIONS)
    assert fits > project_fit((("painter", 1),), (), owner, me, OPTIONS) > project_fit((("painter", 1),), (), far, me,
                                                                                      OPTIONS)
