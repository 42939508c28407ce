"""Exports name every member of every intro group with the round it came from: two real rounds with a trio, read
back from CSV, JSON Lines and Parquet and from the Orbit-style activities."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from bootstrap.runtime import running_app
from cogs.engagement.activities import match_partners
from cogs.engagement.api import recorder as running_recorder
from cogs.engagement.export import FORMATS, export_all, match_rows
from core.dispatcher import App
from core.settings import load_settings
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity
from tests.clock import FakeClock
from tests.cogs.engagement.test_export import read_back

NAMES = ["ana", "ben", "chen", "dara", "eli"]  # five people in pairs: one pair and one trio


@pytest.fixture
async def rounds_app(tmp_path: Path) -> AsyncIterator[tuple[App, ConsoleCommunity, int]]:
    clock = FakeClock(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    settings_ = load_settings(None, storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'rounds.db'}"})
    async with running_app(settings_, clock=clock, start_scheduler=False) as app:
        console = ConsoleCommunity(app, Console(file=io.StringIO(), width=160, force_terminal=False))
        await console.setup(demo=6)
        for name in NAMES:
            await console.handle(f"/as {name}")
            await console.handle("/match join")
        await console.handle("/as admin")
        await console.handle("/match run-now")
        first = len(_groups(console))
        clock.now += timedelta(days=7)
        await console.handle("/match run-now")
        await running_recorder(app.services).flush()
        yield app, console, first


def _groups(console: ConsoleCommunity) -> list[tuple[str, ...]]:
    return [tuple(t.split(",")) for k, t, _m in console.outbox.sent if k == "intro"]


@pytest.mark.parametrize("fmt", FORMATS)
async def test_every_member_of_every_group_appears_with_its_round(
        rounds_app: tuple[App, ConsoleCommunity, int], tmp_path: Path, fmt: str) -> None:
    app, console, first = rounds_app
    groups = _groups(console)
    number = [1 if i < first else 2 for i in range(len(groups))]
    assert len(groups[:first]) >= 2 and len(groups[first:]) >= 2, groups
    assert 3 in [len(g) for g in groups[:first]], groups  # five people in pairs: round 1 has a trio
    community = await app.community(KEY)
    user_of = {}
    for g in groups:
        for u in g:
            ref = await app.services.members.by_user_id(community.id, u)
            assert ref is not None
            user_of[ref.id] = u
    result = await export_all(app.services.store, tmp_path / fmt, fmt)
    rows = read_back(tmp_path / fmt / f"matches.{fmt}")
    got = {(int(r["round"] or 0), user_of[int(r["member_id"] or 0)], user_of[int(r["partner_id"] or 0)])
           for r in rows}
    expected = {(number[i], a, b) for i, g in enumerate(groups) for a in g for b in g if a != b}
    assert got == expected  # a trio's three members each with both partners, in round 1 and round 2
    assert len(rows) == len(expected) == result.rows["matches"] == sum(len(g) * (len(g) - 1) for g in groups)
    assert all(r["kind"] == "round" for r in rows)

    activities = json.loads((tmp_path / fmt / "activities.json").read_text(encoding="utf-8"))
    matched = [a["activity"] for a in activities if a["activity"]["activity_type_key"] == "kindred:matched"]
    assert len(matched) == sum(len(g) for g in groups)  # one per member per round
    trio_rounds = sorted(p["round"] for a in matched if len((p := a["properties"])["partners"]) == 2)
    assert trio_rounds == sorted(number[i] for i, g in enumerate(groups) if len(g) == 3 for _ in g)
    for a in matched:
        props = a["properties"]
        assert props["person"] not in props["partners"]


@given(st.lists(st.integers(1, 50), min_size=2, max_size=5, unique=True), st.integers(0, 9))
@settings(max_examples=60, deadline=None)
def test_match_rows_expand_any_group(group: list[int], number: int) -> None:
    """Each member's event of a group of any size yields one row per partner, never the member themself."""
    rows = [(i, 1, "console", m, "matched", "2026-03-02 10:00:00.000000", None,
             next(p for p in group if p != m), number, "round",
             json.dumps({"group": [p for p in group if p != m], "intro": "7"}), None)
            for i, m in enumerate(group)]
    out = match_rows(rows, lambda m: f"m{m}" if m is not None else None)
    assert {(r[2], r[4]) for r in out} == {(a, b) for a in group for b in group if a != b}
    assert len(out) == len(group) * (len(group) - 1)
    assert {r[7] for r in out} == {number or None}


def test_match_partners_of_older_or_odd_events() -> None:
    assert match_partners(None, 5) == [5]  # an event of an older version names only its target
    assert match_partners('{"intro": "3"}', None) == [None]
    assert match_partners("not json", 4) == [4]
    assert match_partners('{"group": [2, "x", 3]}', 2) == [2, 3]
