"""The pure functions: metrics, segments, CRM parsing and matching, event validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cogs.engagement import metrics, segments
from cogs.engagement.crm import AccountId, compare_segments, match_records, parse_crm_csv
from cogs.engagement.kinds import InvalidEvent, validate

NOW = datetime(2025, 6, 30, 12, tzinfo=UTC)
TODAY = NOW.date()


def d(days_ago: int) -> str:
    return metrics.day_str(TODAY - timedelta(days=days_ago))


def test_overview_counts_people_once_and_leaves_out_staff() -> None:
    persons = {1: "p1", 2: "p1", 3: "m3", 4: "m4"}  # 1 and 2 are one person on two platforms
    daily = [(1, "message", d(0), 3), (2, "message", d(1), 2), (3, "reaction", d(0), 1), (4, "message", d(0), 9),
             (3, "joined", d(2), 1), (5, "left", d(3), 1), (1, "matched", d(4), 1), (None, "message", d(0), 1)]
    ov = metrics.overview(present=[1, 2, 3, 4], daily=daily, met_values={1: 3, 0: 1}, persons=persons,
                          excluded={4}, start=TODAY - timedelta(days=6), end=TODAY + timedelta(days=1))
    assert ov.members == 2  # p1 and m3; 4 is staff
    assert ov.messages == 3 + 2 + 1  # staff's 9 left out, the forgotten member's 1 kept
    assert ov.active == 2 and ov.wau == 2 and ov.mau == 2
    assert ov.new == 1 and ov.left == 1
    assert ov.dau == pytest.approx((2 + 1) / 7)  # today p1 and m3, yesterday p1
    assert ov.matched == 1 and ov.match_rate == 0.5
    assert ov.meeting_rate == 0.75


def test_rollups_count_like_raw_days() -> None:
    rollups = [(d(40), "message", 10, 3), (d(40), "_active", 0, 4), (d(41), "joined", 2, 2)]
    ov = metrics.overview(present=[], daily=[], rollups=rollups, persons={}, excluded=set(),
                          start=TODAY - timedelta(days=59), end=TODAY + timedelta(days=1))
    assert ov.messages == 10 and ov.new == 2 and ov.dau == pytest.approx(4 / 60)


def test_members_series_walks_back_from_today() -> None:
    daily = [(1, "joined", d(1), 1), (2, "joined", d(1), 1), (3, "left", d(0), 1)]
    series = metrics.daily_series("members", daily=daily, persons={}, excluded=set(),
                                  start=TODAY - timedelta(days=2), end=TODAY + timedelta(days=1), members_now=10)
    assert [v for _, v in series] == [9, 11, 10]
    joins = metrics.daily_series("joins", daily=daily, persons={}, excluded=set(),
                                 start=TODAY - timedelta(days=2), end=TODAY + timedelta(days=1))
    assert [v for _, v in joins] == [0, 2, 0]


def test_activity_scores_decay_and_value_help() -> None:
    daily = [(1, "message", d(0), 10), (2, "message", d(7), 10), (3, "command", d(0), 4)]
    scores = metrics.activity_scores(daily, {4: 1}, today=TODAY)
    assert scores[1] == pytest.approx(10) and scores[2] == pytest.approx(5)  # a week halves it
    assert scores[4] == metrics.THANKS_RECEIVED_WEIGHT  # one thanks outweighs a handful of messages
    levels = metrics.activity_levels(scores, [1, 2, 3, 4, 5])
    assert levels[5] == 0.0 and levels[1] == 1.0
    assert 0 < levels[3] < levels[2] < levels[1]
    assert metrics.activity_label(0) == "quiet" and metrics.activity_label(1.0) == "very active"
    # one active day ranks first in a quiet community, but is not "very active"
    assert metrics.activity_label(1.0, active_days=1) == "occasional"
    assert metrics.activity_label(1.0, active_days=0) == "quiet"
    assert metrics.activity_label(1.0, active_days=8) == "active"
    assert metrics.activity_label(1.0, active_days=20) == "very active"
    assert metrics.activity_label(0.2, active_days=20) == "occasional"


@given(st.dictionaries(st.integers(1, 50), st.floats(0, 1000, allow_nan=False), max_size=30))
def test_levels_are_between_zero_and_one_and_keep_order(scores: dict[int, float]) -> None:
    levels = metrics.activity_levels(scores, list(range(1, 51)))
    assert all(0.0 <= v <= 1.0 for v in levels.values())
    for a in scores:
        for b in scores:
            if scores[a] < scores[b]:
                assert levels[a] <= levels[b]


def test_retention_compares_supported_newcomers() -> None:
    joined = NOW - timedelta(days=100)

    def nc(mid: int, active_day: int | None, supported: bool, left_day: int | None = None) -> metrics.Newcomer:
        days = frozenset({metrics.day_str(joined + timedelta(days=active_day))} if active_day is not None else ())
        return metrics.Newcomer(mid, joined, joined + timedelta(days=left_day) if left_day else None, days,
                                joined + timedelta(days=3) if supported else None)

    rows = metrics.retention([nc(1, 95, True), nc(2, 10, True), nc(3, 45, False), nc(4, 95, False, left_day=20),
                              metrics.Newcomer(5, NOW - timedelta(days=10), None, frozenset(), None)], now=NOW)
    by = {r.horizon: r for r in rows}
    assert (by[30].supported, by[30].supported_retained, by[30].others, by[30].others_retained) == (2, 1, 2, 1)
    assert (by[90].supported_retained, by[90].others_retained) == (1, 0)  # 4 left before day 90 (and 30)
    assert by[30].supported_rate == 0.5


def test_segments() -> None:
    joined = {1: NOW - timedelta(days=5), 2: NOW - timedelta(days=10), 3: NOW - timedelta(days=200)}
    last = {1: NOW - timedelta(days=1), 3: NOW - timedelta(days=14)}
    assert segments.new_active(joined, last, NOW) == [1]
    assert segments.at_risk(joined, NOW, has_profile=set(), messaged={1}, matched=set()) == [2]
    assert segments.at_risk(joined, NOW, has_profile={2}, messaged=set(), matched=set()) == []
    scores = {1: 1.0, 2: 2.0, 3: 50.0, 4: 3.0}
    assert segments.top_quarter(scores) == {3}
    assert segments.recently_inactive(scores, last, NOW) == [3]
    assert segments.top_helpers({5: 1, 6: 3, 7: 0}) == [6, 5]


# ---------------------------------------------------------------------------------------------- CRM
def test_crm_csv_parses_and_matches() -> None:
    text = ["Email,Discord,Slack,Plan,Company", "ANA@x.org,@ana#, ,pro,Acme", "ben@x.org,,U0BEN,free,"]
    res = parse_crm_csv(text, "email")
    assert res.ok, res.errors
    assert [r.key_value for r in res.records] == ["ana@x.org", "ben@x.org"]
    assert res.records[0].attributes == {"email": "ana@x.org", "discord": "ana#", "plan": "pro", "company": "Acme"}
    accounts = [AccountId(1, "discord", "123", "ana#"), AccountId(2, "slack", "U0BEN", "ben"),
                AccountId(3, "slack", "U0X", "ana#")]
    matches = match_records(res.records, accounts)
    assert matches == {0: [1], 1: [2]}
    counts = compare_segments(res.records, matches, present={1, 2}, active={1}, attribute="plan")
    assert counts["pro"].active == 1 and counts["free"].passive == 1


@pytest.mark.parametrize("lines,key,problem", [
    ([], "email", "empty"),
    (["name,plan", "x,y"], "email", "key column 'email' is missing"),
    (["email,plan", "not-an-email,pro"], "email", "is not an email address"),
    (["email,plan", "a@b.co,pro", "A@B.co,free"], "email", "already appears on line 2"),
    (["email,plan", "a@b.co"], "email", "expected 2 fields"),
    (["email,email", "a@b.co,x"], "email", "columns appear twice"),
    (["email,1st", "a@b.co,x"], "email", "must start with a letter"),
    (["email,plan", ",pro"], "email", "the email is empty"),
    (["discord,plan", "x," + "y" * 300], "discord", "longer than 200"),
    (["email"], "email", "no rows"),
    (["email,plan", "a@b.co,pro"], "phone", "--key must be one of"),
])
def test_crm_bad_input_is_explained(lines: list[str], key: str, problem: str) -> None:
    res = parse_crm_csv(lines, key)
    assert not res.ok and res.records == []
    assert any(problem in e for e in res.errors), res.errors


@given(st.lists(st.text(max_size=40), max_size=8))
def test_crm_free_form_input_never_crashes(lines: list[str]) -> None:
    res = parse_crm_csv(lines, "email")
    assert res.ok or res.errors
    assert not (res.records and res.errors)


# ---------------------------------------------------------------------------------------------- kinds
@given(st.text(max_size=30), st.dictionaries(st.text(max_size=10), st.one_of(st.none(), st.integers(),
                                                                             st.text(max_size=300), st.floats())))
def test_validate_accepts_only_declared_slots(kind: str, meta: dict[str, object]) -> None:
    try:
        *_slots, clean = validate(kind, meta=meta)
    except InvalidEvent:
        return
    assert clean is None or all(isinstance(v, str | int | list | bool) for v in clean.values())
    assert clean is None or all(len(v) <= 200 for v in clean.values() if isinstance(v, str))


def test_validate_normalises() -> None:
    k, value, label, channel, meta = validate("met", value=True, label="x" * 100, channel="c" * 100,
                                              meta={"intro": 42})
    assert (k, value, len(label or ""), len(channel or ""), meta) == ("met", 1, 64, 64, {"intro": "42"})
    assert date(2025, 1, 2) == metrics.parse_day("2025-01-02")
