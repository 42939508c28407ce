"""Intros people can act on: meeting times on working days inside everyone's waking hours (in each person's own
calendar, across half-hour and date-line zones), and group reasons that name every member."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.matching.engine import History, Member, ScoringContext, explain_group, render, working_slots
from cogs.matching.engine.explain import named_in
from cogs.matching.engine.timezones import utc_offset_minutes
from cogs.matching.messages import intro_message, suggested_times

from .engine_data import options

ODD = ["Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Australia/Adelaide", "Australia/Eucla", "Asia/Tehran",
       "Pacific/Chatham", "Pacific/Marquesas", "Asia/Yangon", "Australia/Lord_Howe"]
DATE_LINE = ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Pacific/Auckland", "Pacific/Tongatapu", "Pacific/Apia",
             "Etc/GMT+12", "Etc/GMT-14", "Pacific/Honolulu", "Pacific/Fiji"]
COMMON = ["UTC", "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles", "America/Sao_Paulo",
          "Asia/Tokyo", "Asia/Shanghai", "Africa/Lagos", "Australia/Sydney"]
ZONES = ODD + DATE_LINE + COMMON
START, END = 8, 21  # the engine's waking hours (MatchOptions defaults)

moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31),
                       timezones=st.just(UTC))


def in_working_hours(slot: datetime, zone: str) -> bool:
    begin = slot.astimezone(ZoneInfo(zone))
    end = (slot + timedelta(hours=1)).astimezone(ZoneInfo(zone))
    return (begin.weekday() < 5 and begin.date() == end.date() and begin.hour >= START
            and (end.hour, end.minute) <= (END, 0))


@settings(max_examples=150, deadline=None)
@given(zones=st.lists(st.sampled_from(ZONES), min_size=1, max_size=4), after=moments)
def test_slots_fall_on_working_days_inside_everyones_waking_hours(zones: list[str], after: datetime) -> None:
    slots = working_slots(zones, after, START, END)
    assert len(slots) <= 3 and slots == sorted(set(slots))
    for slot in slots:
        assert slot >= after
        for zone in zones:
            assert in_working_hours(slot, zone), (slot, zone)
    days = [s.astimezone(ZoneInfo(sorted(set(zones))[0])).date() for s in slots]
    assert len(set(days)) == len(days)  # one suggestion per day: people pick the day that suits them
    offsets = [utc_offset_minutes(z, after.date()) for z in zones]
    if max(offsets) - min(offsets) <= 6 * 60:  # at least seven waking hours shared: three days always found
        assert len(slots) == 3


@settings(max_examples=60, deadline=None)
@given(zones=st.lists(st.sampled_from(ZONES), min_size=2, max_size=4), after=moments,
       locale=st.sampled_from(["en", "de"]))
def test_the_intro_shows_each_person_their_own_weekday_and_time(zones: list[str], after: datetime,
                                                                locale: str) -> None:
    people = [(f"u{i}", f"P{i}", z) for i, z in enumerate(zones)]
    text = suggested_times(locale, [(n, z) for _u, n, z in people], after, "UTC")
    slots = working_slots(zones, after, START, END, step_minutes=15)
    lines = text.splitlines() if text else []
    assert len(lines) == len(slots)
    weekend = ("Sat", "Sun") if locale == "en" else ("Sa.", "So.")
    for line, slot in zip(lines, slots, strict=True):
        for i, zone in enumerate(zones):
            local = slot.astimezone(ZoneInfo(zone))
            assert f"{local:%H:%M}" in line.split(";")[i] and f"P{i}" in line.split(";")[i]
        assert not any(day in line for day in weekend)


def test_a_weekend_round_suggests_monday_not_sunday() -> None:
    saturday = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)
    slots = working_slots(["Europe/Berlin", "America/New_York"], saturday, START, END)
    assert [s.astimezone(ZoneInfo("America/New_York")).strftime("%a") for s in slots] == ["Mon", "Tue", "Wed"]
    # Kiritimati (UTC+14) and Honolulu (UTC-10) read the same clock a day apart: Kiritimati's Monday is
    # Honolulu's Sunday, so the first shared working day is Kiritimati's Tuesday (Honolulu's Monday).
    slots = working_slots(["Pacific/Kiritimati", "Pacific/Honolulu"], saturday, START, END)
    assert slots and slots[0].astimezone(ZoneInfo("Pacific/Kiritimati")).strftime("%a") == "Tue"
    assert slots[0].astimezone(ZoneInfo("Pacific/Honolulu")).strftime("%a") == "Mon"
    # Kathmandu (UTC+5:45): the suggested time is a full hour there and in Berlin when one fits both.
    for slot in working_slots(["Asia/Kathmandu", "Europe/Berlin"], saturday, START, END):
        assert slot.astimezone(ZoneInfo("Asia/Kathmandu")).minute in (0, 15, 30, 45)
        assert in_working_hours(slot, "Asia/Kathmandu") and in_working_hours(slot, "Europe/Berlin")
    # no working-day hour at all in two weeks: nothing is suggested (the intro says so)
    assert working_slots(["Europe/Berlin", "Pacific/Auckland"], saturday, 9, 17) == []


def test_the_intro_names_its_group_and_says_when() -> None:
    people = [("u1", "Ana", "Europe/Berlin"), ("u2", "Ben", "America/New_York")]
    sunday = datetime(2026, 3, 8, 20, 0, tzinfo=UTC)
    msg = intro_message("en", people, [], [], sunday, "UTC", group="design")
    assert msg.text.startswith("From the intro round of the group “design”.")
    times = next(f.value for f in msg.fields if f.name == "Times that suit everyone")
    assert times.splitlines()[0].startswith("Mon, Mar 9, ") and "for Ben" in times and "Sun" not in times
    de = intro_message("de", people, [], [], sunday, "UTC", group="design")
    assert de.text.startswith("Aus der Vorstellungsrunde der Gruppe „design“.")
    assert next(f.value for f in de.fields if f.name == "Zeiten, die für alle passen").startswith("Mo., 9. März, ")
    main = intro_message("en", people, [], [], sunday, "UTC")
    assert "intro round of the group" not in main.text  # the main round needs no name


WORDS = ["rust", "go", "ml", "iot", "ux"]
facet = st.lists(st.sampled_from(WORDS), max_size=3, unique=True).map(tuple)


@st.composite
def groups(draw: st.DrawFn) -> list[Member]:
    size = draw(st.integers(3, 5))
    return [Member(
        id=i + 1, name=f"Name{i}", role=draw(st.sampled_from([None, "developer", "designer"])),
        team=draw(st.sampled_from([None, "a", "b"])), topics=draw(facet), offers=draw(facet), wants=draw(facet),
        timezone=draw(st.sampled_from(ZONES)), languages=draw(st.sampled_from([(), ("en",), ("de",), ("en", "de")])),
        activity=draw(st.sampled_from([None, 0.0, 0.2, 1.0])),
    ) for i in range(size)]


@settings(max_examples=200, deadline=None)
@given(group=groups(), cross_team=st.booleans(), language=st.booleans())
def test_group_reasons_name_every_member(group: list[Member], cross_team: bool, language: bool) -> None:
    opts = options(prefer_cross_team=cross_team, language_required=language, use_activity=True)
    parts = explain_group(group, ScoringContext(History(), opts))
    named = set().union(*(named_in(p) for p in parts))
    assert {m.name for m in group} <= named
    text = render(parts)
    assert all(m.name in text for m in group)


def test_a_trio_member_without_shared_features_is_named_with_what_they_bring() -> None:
    ana = Member(1, "Ana", topics=("rust",), timezone="UTC")
    ben = Member(2, "Ben", topics=("rust",), timezone="UTC")
    cy = Member(3, "Cy", topics=("pottery",), timezone="UTC")
    dee = Member(4, "Dee", timezone="UTC")
    ctx = ScoringContext(History(), options())
    text = render(explain_group([ana, ben, cy], ctx))
    assert text == "Ana and Ben both work on rust; Cy works on pottery; 13 waking hours overlap."
    text = render(explain_group([ana, ben, dee], ctx))
    assert text == "Ana and Ben both work on rust; a chance for Dee to meet someone new; 13 waking hours overlap."


@settings(max_examples=20, deadline=None)
@given(n=st.integers(5, 40), seed=st.integers(0, 10_000), size=st.sampled_from([3, 4]))
def test_every_group_of_a_planned_round_names_all_its_members(n: int, seed: int, size: int) -> None:
    from cogs.matching.engine import plan_round

    from .engine_data import members

    people = members(n, seed=seed)
    by_id = {m.id: m for m in people}
    plan = plan_round(people, options=options(group_size=size, prefer_cross_team=seed % 2 == 0))
    for intro in plan.intros:
        if len(intro.members) > 2:
            named = set().union(*(named_in(p) for p in intro.reason))
            assert {by_id[i].name for i in intro.members} <= named, intro.reason
