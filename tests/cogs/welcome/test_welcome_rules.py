"""Pure rules of the welcome flow: buddy choice, moderator input, pacing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cogs.welcome.buddy import Greeter, choose_buddy, timezone_closeness
from cogs.welcome.inputs import check_reachable, parse_channel, parse_delay, parse_setting
from cogs.welcome.pacing import Activity, channel_ready, drip_window, seconds_until
from core.errors import OptionError, UserError

AT = datetime(2026, 3, 2, 12, tzinfo=UTC)


def test_buddy_prefers_shared_facets_and_close_time_zone() -> None:
    newcomer = {"topics": ["rust", "iot"], "timezone": ["Europe/Berlin"], "languages": ["de"]}
    far = Greeter(1, 3, 0, {"topics": ["rust"], "timezone": ["Asia/Tokyo"]})
    near = Greeter(2, 3, 0, {"topics": ["rust", "iot"], "timezone": ["Europe/Vienna"], "languages": ["de"]})
    choice = choose_buddy(99, newcomer, [far, near], at=AT)
    assert choice is not None and choice.greeter.member_id == 2
    assert "rust" in choice.shared and "iot" in choice.shared


def test_buddy_respects_capacity_self_and_load() -> None:
    full = Greeter(1, 2, 2, {"topics": ["rust"]})
    me = Greeter(5, 3, 0, {})
    assert choose_buddy(5, {"topics": ["rust"]}, [full, me], at=AT) is None
    busy = Greeter(2, 4, 3, {})
    idle = Greeter(3, 4, 0, {})
    choice = choose_buddy(9, {}, [busy, idle], at=AT)
    assert choice is not None and choice.greeter.member_id == 3


def test_buddy_load_spreads_over_the_pool() -> None:
    rng = random.Random(1)
    loads = {1: 0, 2: 0, 3: 0}
    for newcomer in range(9):
        pool = [Greeter(m, 3, loads[m], {}) for m in loads]
        choice = choose_buddy(100 + newcomer, {}, pool, at=AT, rng=rng)
        assert choice is not None
        loads[choice.greeter.member_id] += 1
    assert loads == {1: 3, 2: 3, 3: 3}
    assert choose_buddy(200, {}, [Greeter(m, 3, loads[m], {}) for m in loads], at=AT) is None


def test_timezone_closeness() -> None:
    assert timezone_closeness("Europe/Berlin", "Europe/Paris", AT) == 1.0
    assert timezone_closeness("Europe/Berlin", "Nowhere/Land", AT) == 0.0
    assert 0 <= timezone_closeness("Europe/Berlin", "Pacific/Honolulu", AT) < 0.2
    assert timezone_closeness("Pacific/Auckland", "America/Los_Angeles", AT) == 0.75  # 21 h apart = 3 h


def test_setting_parsers() -> None:
    assert parse_setting("delay", "90") == {"welcome.delay_seconds": 90}
    assert parse_setting("delay", "1h30m") == {"welcome.delay_seconds": 5400}
    assert parse_setting("delay", "5 min") == {"welcome.delay_seconds": 300}
    assert parse_setting("dm", "nein") == {"welcome.dm": False}
    assert parse_setting("buddy", "yes") == {"welcome.buddy": True}
    assert parse_setting("channel", "<#C123|general>") == {"welcome.channel": "C123"}
    assert parse_channel("#welcome") == "welcome"
    assert parse_channel("off") == ""
    assert parse_setting("message", "Hi {member} || Hey {member}") == {
        "welcome.messages": ["Hi {member}", "Hey {member}"]}


@pytest.mark.parametrize(("what", "value"), [
    ("delay", "2d"), ("delay", "-5"), ("delay", "100000"), ("delay", ""), ("dm", "maybe"), ("buddy", "2"),
    ("channel", "two words"), ("channel", "#"), ("message", "{member.__class__}"), ("message", "||"),
    ("colour", "blue"),
])
def test_bad_setting_values_are_refused(what: str, value: str) -> None:
    with pytest.raises(UserError):
        parse_setting(what, value)


@given(st.text(max_size=30))
def test_delay_parser_never_crashes(text: str) -> None:
    try:
        seconds = parse_delay(text)
    except OptionError:
        return
    assert 0 <= seconds <= 86400


def test_greetings_need_somewhere_to_go() -> None:
    check_reachable(True, "")
    check_reachable(False, "welcome")
    with pytest.raises(OptionError):
        check_reachable(False, "")


def test_pacing_rules() -> None:
    assert channel_ready(None, AT)
    assert not channel_ready(AT, AT + timedelta(seconds=29))
    assert channel_ready(AT, AT + timedelta(seconds=30))
    assert seconds_until(None, AT) == 60.0
    assert seconds_until(AT - timedelta(hours=1), AT) == 0.2
    assert seconds_until(AT + timedelta(seconds=5), AT) == 5.0
    before, after = drip_window(AT, 3)
    assert before == AT - timedelta(days=3) and after < before
    assert Activity(False, False, False).inactive
    assert Activity(False, False, False).missing() == ["profile", "message", "match"]
    assert not Activity(True, False, False).inactive
    assert not Activity(False, True, False).inactive
    assert not Activity(False, False, True).inactive
