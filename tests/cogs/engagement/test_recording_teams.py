"""A confirmed team formation reaches the engagement log (team_formed, one row per member with the need they
bring), is exported in every format, and is shown and forgotten like every other kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from cogs.engagement.api import recorder as running_recorder
from cogs.engagement.export import FORMATS, export_all
from core.dispatcher import App
from integrations.console.repl import ConsoleCommunity
from tests.cogs.engagement.helpers import events
from tests.cogs.engagement.test_export import read_back

PEOPLE = [("ana", "role:developer"), ("ben", "role:designer"), ("cleo", "role:developer"), ("dan", "offers:domain")]


async def seed(console: ConsoleCommunity) -> dict[str, int]:
    ids = {}
    for name, facets in PEOPLE:
        await console.handle(f"/as {name}")
        ids[name] = console.current.ref.id
        await console.handle(f"/profile set {facets} timezone:Europe/Berlin languages:en")
        await console.handle("/match join group:cohort")
    await console.handle("/as admin")
    await console.handle("/collab teams size:4 needs:developer,designer group:cohort")
    await console.handle("1")  # Confirm
    return ids


async def test_a_formed_team_is_recorded_for_each_member(console: ConsoleCommunity, app: App) -> None:
    ids = await seed(console)
    rows = await events(app, kind="team_formed")
    assert {r.member_id for r in rows} == set(ids.values())
    labels = {r.member_id: r.label for r in rows}
    assert labels[ids["ben"]] == "designer" and labels[ids["dan"]] in ("", None)
    assert all(r.value == 4 and r.meta and r.meta["source"] == "group:cohort" and r.meta["team"] for r in rows)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_it_is_exported(console: ConsoleCommunity, app: App, tmp_path: Path, fmt: str) -> None:
    await seed(console)
    await running_recorder(app.services).flush()
    await export_all(app.services.store, tmp_path / fmt, fmt)
    kinds = [r["kind"] for r in read_back(tmp_path / fmt / f"events.{fmt}")]
    assert kinds.count("team_formed") == 4


async def test_privacy_show_counts_it_and_forget_erases_it(console: ConsoleCommunity, app: App) -> None:
    ids = await seed(console)
    await console.handle("/as ana")
    await console.handle("/privacy show")
    assert "1 team joined" in console.outbox.sent[-1][2].plain_text()
    await console.handle("/privacy forget")
    await console.handle("1")
    assert not [r for r in await events(app) if r.member_id == ids["ana"]]
