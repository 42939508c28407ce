"""Explanations come from the features that scored; starters from the group's facets; time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cogs.matching.engine import (
    REASON_TEMPLATES,
    STARTER_TEMPLATES,
    History,
    Member,
    ScoringContext,
    common_slots,
    conversation_starters,
    explain_group,
    plan_round,
    render,
    render_starter,
)
from cogs.matching.engine.timezones import arc_overlap, group_overlap_minutes, overlap_minutes

from .engine_data import members, options

ANA = Member(1, "Ana", role="developer", topics=("Rust", "Go"), offers=("Kubernetes",), timezone="Europe/Berlin")
BEN = Member(2, "Ben", role="designer", topics=("rust",), wants=("kubernetes",), timezone="Europe/London")


def test_explanation_names_scored_features() -> None:
    parts = explain_group([ANA, BEN], ScoringContext(History(), options()))
    kinds = [k for k, _ in parts]
    assert kinds == ["shared_topics", "offers", "timezone_overlap"]
    text = render(parts)
    assert text == "You both work on Rust; Ana offers Kubernetes, which Ben wants to learn; 12 waking hours overlap."


def test_nothing_in_common_still_explains() -> None:
    a = Member(1, "A", timezone="Europe/Berlin")
    b = Member(2, "B", timezone="Pacific/Auckland")
    parts = explain_group([a, b], ScoringContext(History(), options(waking_start_hour=9, waking_end_hour=17)))
    assert parts == [("fresh", {})]


def test_trio_and_language_and_translation_hook() -> None:
    a = Member(1, "A", topics=("iot",), languages=("de",), timezone="UTC")
    b = Member(2, "B", topics=("iot",), languages=("de", "en"), timezone="UTC")
    c = Member(3, "C", topics=("IoT", "ml"), languages=("de",), timezone="UTC")
    parts = explain_group([a, b, c], ScoringContext(History(), options()))
    assert ("shared_topics_some", {"names": ["A", "B", "C"], "topics": ["iot"]}) in parts  # everyone named
    assert ("common_language", {"languages": ["de"]}) in parts
    seen: list[str] = []

    def tr(s: str) -> str:
        seen.append(s)
        return "{names} arbeiten alle an {topics}" if s == REASON_TEMPLATES["shared_topics_some"] else s

    text = render(parts, tr, locale="de")
    assert text.startswith("A, B and C arbeiten alle an iot") and "Deutsch" in text
    assert REASON_TEMPLATES["common_language"] in seen


def test_starters_two_distinct_from_facets() -> None:
    st = conversation_starters([ANA, BEN])
    assert len(st) == 2 and st[0][0] != st[1][0]
    assert st[0] == ("starter_topic", {"topic": "Rust"})
    assert st[1][0] == "starter_offer"
    assert "Kubernetes" in render_starter(st[1])
    assert conversation_starters([ANA, BEN]) == st  # deterministic
    bare = conversation_starters([Member(1, "A"), Member(2, "B")])
    assert [k for k, _ in bare] == ["starter_project", "starter_learned"]
    assert all(k in STARTER_TEMPLATES for k, _ in st)


def test_plan_has_reason_and_starters_for_every_group() -> None:
    people = members(21, seed=4)
    plan = plan_round(people, options=options())
    assert len(plan.intros) == len(plan.result.groups) == 10
    for intro in plan.intros:
        assert intro.reason and len(intro.starters) == 2
        assert render(intro.reason).endswith(".")


def test_waking_overlap() -> None:
    ref = date(2025, 3, 12)
    assert overlap_minutes("Europe/Berlin", "Europe/Berlin", ref, 8, 21) == 13 * 60
    assert overlap_minutes("Europe/Berlin", "Europe/London", ref, 8, 21) == 12 * 60
    # 12 March 2025: New York is already on summer time (UTC-4), Berlin not yet (UTC+1): 5 hours apart.
    assert overlap_minutes("Europe/Berlin", "America/New_York", ref, 8, 21) == 8 * 60
    assert overlap_minutes("Europe/Berlin", "America/New_York", date(2025, 3, 1), 8, 21) == 7 * 60
    # 12 hours apart: Berlin's early morning and late evening each meet an end of Auckland's day.
    assert overlap_minutes("Europe/Berlin", "Pacific/Auckland", ref, 8, 21) == 2 * 60
    assert arc_overlap((1380, 780), (0, 780)) == 720  # wraps past midnight
    assert overlap_minutes("Europe/Berlin", "Pacific/Auckland", ref, 9, 17) == 0


def test_common_slots() -> None:
    ref = date(2025, 3, 12)
    slots = common_slots(["Europe/Berlin", "America/New_York"], ref, 8, 21)
    assert slots and all(s.tzinfo is UTC for s in slots)
    assert all(12 <= s.hour <= 19 for s in slots)  # 13:00-20:00 UTC is everyone's waking time
    assert common_slots(["Europe/Berlin", "Pacific/Auckland"], ref, 9, 17) == []
    assert isinstance(slots[0], datetime)


def test_sentence_keeps_names_as_members_spell_them() -> None:
    parts = [("offers", {"giver": "ana", "taker": "ben", "skills": ["go"]}), ("fresh", {})]
    assert render(parts) == "ana offers go, which ben wants to learn; a chance to meet someone new."
    assert render([("fresh", {})]) == "A chance to meet someone new."


def test_trio_overlap_is_the_time_everyone_is_awake() -> None:
    ref = date(2025, 3, 12)
    zones = ["UTC", "Asia/Shanghai", "Pacific/Pitcairn"]  # 8 hours apart each: every two share 5 hours
    assert overlap_minutes(zones[0], zones[1], ref, 8, 21) == 300
    assert overlap_minutes(zones[1], zones[2], ref, 8, 21) == 300
    assert group_overlap_minutes(zones, ref, 8, 21) == 0  # ... but no hour is good for all three
    trio = [Member(k + 1, f"T{k}", timezone=z) for k, z in enumerate(zones)]
    parts = explain_group(trio, ScoringContext(History(), options()))
    assert not [k for k, _ in parts if k.startswith("timezone_overlap")]
    assert common_slots(zones, ref, 8, 21) == []
    close = ["Europe/Berlin", "Europe/London", "America/New_York"]
    assert group_overlap_minutes(close, ref, 8, 21) == 8 * 60
    parts = explain_group([Member(k + 1, f"C{k}", timezone=z) for k, z in enumerate(close)],
                          ScoringContext(History(), options()))
    assert ("timezone_overlap", {"hours": 8}) in parts


def test_slots_exist_whenever_an_hour_overlaps_even_at_odd_offsets() -> None:
    ref = date(2025, 3, 12)
    # Kathmandu (UTC+5:45) and Yangon (UTC+6:30) share 75 minutes of an 08:00-10:00 window, none of it a
    # full UTC hour: quarter-hour steps still find a slot, full hours are preferred when there are any.
    assert overlap_minutes("Asia/Kathmandu", "Asia/Yangon", ref, 8, 10) == 75
    assert common_slots(["Asia/Kathmandu", "Asia/Yangon"], ref, 8, 10) == []
    odd = common_slots(["Asia/Kathmandu", "Asia/Yangon"], ref, 8, 10, step_minutes=15)
    assert [s.strftime("%H:%M") for s in odd] == ["02:15", "02:30"]
    even = common_slots(["Europe/Berlin", "America/New_York"], ref, 8, 21, step_minutes=15)
    assert even and all(s.minute == 0 for s in even)
