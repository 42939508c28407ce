"""`bot.py report` and `/stats overview`: numbers with their period, change and denominator, a German page in
German, a member chart that is not flat, and the generated page opened in a real headless Chromium."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from bootstrap.runtime import running_app
from cogs.engagement.api import recorder as running_recorder
from cogs.engagement.cli import _report
from cogs.engagement.report_data import Stat, funnel, member_history
from cogs.engagement.report_page import fmt_change, fmt_value
from cogs.engagement.store.identity import Account
from core.i18n import translator
from core.settings import Settings, load_settings
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity
from tests.clock import FakeClock
from tests.cogs.engagement.browser import is_blank, visit

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def _account(i: int, *, joined: datetime | None, seen: datetime, left: datetime | None = None) -> Account:
    return Account(id=i, community_id=1, platform="console", user_id=f"u{i}", display_name=f"U{i}",
                   username=f"u{i}", is_bot=False, is_staff=False, joined_at=joined, left_at=left,
                   first_seen_at=seen)


@given(st.lists(st.tuples(st.integers(0, 89), st.booleans(), st.one_of(st.none(), st.integers(0, 89))),
                min_size=1, max_size=40))
@settings(max_examples=80, deadline=None)
def test_member_history_counts_each_member_from_their_join_or_first_seen_date(
        people: list[tuple[int, bool, int | None]]) -> None:
    days = [(NOW - timedelta(days=89 - k)).strftime("%Y-%m-%d") for k in range(90)]
    accounts = []
    for i, (start, dated, gone) in enumerate(people):
        at = NOW - timedelta(days=89 - start)
        left = NOW - timedelta(days=89 - max(gone, start)) if gone is not None else None
        accounts.append(_account(i, joined=at if dated else None, seen=at, left=left))
    got = member_history(accounts, {}, set(), days)
    for day, value in got.series:
        here = sum(1 for a in accounts if (a.joined_at or a.first_seen_at).strftime("%Y-%m-%d") <= day
                   and (a.left_at is None or a.left_at.strftime("%Y-%m-%d") > day))
        assert value == here
    assert got.undated == sum(1 for _s, dated, _g in people if not dated)


def test_members_without_join_dates_still_build_up() -> None:
    days = [(NOW - timedelta(days=9 - k)).strftime("%Y-%m-%d") for k in range(10)]
    accounts = [_account(i, joined=None, seen=NOW - timedelta(days=i)) for i in range(10)]
    series = [v for _d, v in member_history(accounts, {}, set(), days).series]
    assert series == [float(k + 1) for k in range(10)]  # one more each day: not a flat line


def test_shares_of_nothing_say_no_data_yet_and_german_numbers_use_a_comma() -> None:
    de, en = translator("de"), translator("en")
    assert fmt_value(Stat(0, previous=0, of=0, previous_of=0), "en", en) == "no data yet"
    assert "%" not in fmt_value(Stat(0, of=0), "de", de)
    assert fmt_value(Stat(3, of=90), "en", en, "newcomers") == "3 of 90 newcomers (3%)"
    assert fmt_value(Stat(0.1), "de", de) == "0,1"
    assert fmt_value(Stat(1234), "de", de) == "1.234"
    assert fmt_change(Stat(12, previous=5), "en", en, 30) == "▲ 7 vs the previous 30 days"
    assert fmt_change(Stat(2, previous=5), "en", en, 7) == "▼ 3 vs the previous 7 days"
    assert fmt_change(Stat(0.3, previous=0.2), "de", de, 30).startswith("▲ 0,1 ")


def test_the_welcome_funnel_counts_only_who_could_have_reached_each_step() -> None:
    greeted = {1: NOW - timedelta(days=40), 2: NOW - timedelta(days=35), 3: NOW - timedelta(days=3),
               4: NOW - timedelta(days=200)}
    active = {1: {(NOW - timedelta(days=5)).strftime("%Y-%m-%d")}, 3: {NOW.strftime("%Y-%m-%d")}}
    steps = funnel(greeted, profiled={1, 3}, buddied={1}, active_days=active, start=NOW - timedelta(days=90),
                   end=NOW, now=NOW)
    assert [(s.key, s.count, s.of) for s in steps] == [("greeted", 3, 3), ("profile", 2, 3), ("buddy", 1, 3),
                                                       ("active_30", 1, 2)]


@pytest.fixture
async def history(tmp_path: Path) -> AsyncIterator[Settings]:
    """A console community with 60 days of history: joins, messages, thanks, greetings, matches, check-ins."""
    clock = FakeClock(NOW)
    settings_ = load_settings(None, storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'report.db'}"})
    async with running_app(settings_, clock=clock, start_scheduler=False) as app:
        console = ConsoleCommunity(app, Console(file=io.StringIO(), width=160, force_terminal=False))
        await console.setup(demo=12)
        cid = (await app.community(KEY)).id
        rec = running_recorder(app.services)
        ids = [m.ref.id for m in console.members.values() if m.ref.id is not None]
        for k, m in enumerate(ids):
            joined = NOW - timedelta(days=58 - 4 * k)
            await rec.record(cid, m, "joined", at=joined)
            await rec.record(cid, m, "greeted", at=joined + timedelta(minutes=1), target_id=ids[0],
                             value=1, label="dm")
            if k % 2:
                await rec.record(cid, m, "profile_started", at=joined + timedelta(hours=1), label="form")
            for d in range(0, 58 - 4 * k, 1 + k % 3):
                await rec.record(cid, m, "message", at=joined + timedelta(days=d, hours=2), channel="general")
            if k % 3 == 0:
                await rec.record(cid, m, "thanks", at=joined + timedelta(days=1), target_id=ids[1])
        for a, b in zip(ids[::2], ids[1::2], strict=False):
            await rec.record(cid, a, "matched", at=NOW - timedelta(days=10), target_id=b, value=1, label="round",
                             group=[b], intro="1")
            await rec.record(cid, a, "met", at=NOW - timedelta(days=5), target_id=b, value=1, label="yes",
                             intro="1")
            await rec.record(cid, a, "rated", at=NOW - timedelta(days=5), target_id=b, value=int(a % 2 == 0),
                             label="again", intro="1")
        await rec.flush()
    yield settings_


async def test_german_report_is_german_and_says_what_each_number_is(history: Settings, tmp_path: Path) -> None:
    settings_ = load_settings(None, storage={"url": history.storage.url}, community={"language": "de"})
    page = (await _report(settings_, tmp_path / "de", None, 30, now=NOW)).read_text(encoding="utf-8")
    assert '<html lang="de">' in page
    for english in ("At a glance", "no data yet", "vs the previous", "Welcome funnel", "Members matched"):
        assert english not in page, english
    assert "Auf einen Blick" in page and "gegenüber den vorherigen 30 Tagen" in page
    assert re.search(r"\d,\d", page)  # decimals with a comma
    assert not re.search(r"\b\d+\.\d\b", re.sub(r"<style>.*?</style>", "", page, flags=re.S))
    assert "Februar" in page or "März" in page  # dates through Babel


async def test_the_report_opens_in_a_real_browser(history: Settings, tmp_path: Path) -> None:
    index = await _report(history, tmp_path / "en", None, 90, now=NOW)
    page = index.read_text(encoding="utf-8")
    assert "▲" in page and " of " in page and "(90 days)" in page
    assert "Would meet again" in page and " ratings" in page  # intro outcomes: met, and rated
    segments = page[page.index("<h3>Segments</h3>"):]
    segments = segments[:segments.index("<h3>", 4)]
    assert segments.count("members now") == 3
    assert segments.count("previous 90 days") == 3  # each segment with its change against the period before
    wide = await visit(index.as_uri(), width=1280)
    assert wide.errors == []
    assert len(wide.images) == 7 and all(i["complete"] and i["width"] > 0 for i in wide.images), wide.images
    assert all(len(i["alt"]) > 40 for i in wide.images)  # the chart said in words
    assert not is_blank(wide.screenshot)
    phone = await visit(index.as_uri(), width=390, height=844)
    assert phone.errors == [] and phone.scroll_width <= phone.inner_width  # one column, no sideways scrolling


async def test_a_broken_image_is_seen(tmp_path: Path) -> None:
    """The browser check itself catches what it is there for: an image that does not load, a script error."""
    page = tmp_path / "broken.html"
    page.write_text('<!doctype html><html lang="en"><body><p>x</p><img src="missing.png" alt="gone">'
                    "<script>console.error('boom')</script></body></html>", encoding="utf-8")
    seen = await visit(page.as_uri(), width=1280)
    assert any("boom" in e for e in seen.errors)
    assert seen.images and not seen.images[0]["width"]
