"""A posted project and an intro made for a project reach the engagement log (project_posted, collab_intro), are
exported in every format, and are shown and forgotten like every other kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cogs.engagement.api import recorder as running_recorder
from cogs.engagement.export import FORMATS, export_all
from core.dispatcher import App
from integrations.console.repl import ConsoleCommunity
from tests.cogs.engagement.helpers import events
from tests.cogs.engagement.test_export import read_back


async def seed(console: ConsoleCommunity) -> tuple[int, int]:
    await console.handle("/as pia")
    await console.handle("/profile set role:designer timezone:Europe/Berlin languages:en")
    await console.handle("/match join")
    pia = console.current.ref.id
    await console.handle("/as olaf")
    olaf = console.current.ref.id
    await console.handle("/profile set role:founder timezone:Europe/Berlin languages:en")
    await console.handle("/collab post title:Garden app needs:designer*2, developer")
    await console.handle("1")  # "Request intro with pia (designer)"
    await console.handle("/as pia")
    await console.handle("2")  # pia accepts in the direct message ([2] Accept, [3] Not now)
    return olaf, pia


async def test_a_project_and_its_intro_are_recorded(console: ConsoleCommunity, app: App) -> None:
    olaf, pia = await seed(console)
    [posted] = await events(app, kind="project_posted")
    assert posted.member_id == olaf and posted.value == 3 and posted.meta and posted.meta["project"]
    rows = await events(app, kind="collab_intro")
    assert {(r.member_id, r.target_id, r.label) for r in rows} == {(olaf, pia, "requester"), (pia, olaf, "member")}
    assert all(r.meta and r.meta["project"] == posted.meta["project"] and r.meta["intro"] for r in rows)
    matched = await events(app, kind="matched")
    assert {r.label for r in matched} == {"collab"}


@pytest.mark.parametrize("fmt", FORMATS)
async def test_they_are_exported(console: ConsoleCommunity, app: App, tmp_path: Path, fmt: str) -> None:
    await seed(console)
    await running_recorder(app.services).flush()
    await export_all(app.services.store, tmp_path / fmt, fmt)
    back = read_back(tmp_path / fmt / f"events.{fmt}")
    kinds = [r["kind"] for r in back]
    assert "project_posted" in kinds and kinds.count("collab_intro") == 2
    activities = json.loads((tmp_path / fmt / "activities.json").read_text(encoding="utf-8"))
    assert {"kindred:project_posted", "kindred:collab_intro"} <= {a["activity"]["activity_type_key"]
                                                                   for a in activities}


async def test_privacy_show_counts_them_and_forget_erases_them(console: ConsoleCommunity, app: App) -> None:
    olaf, _pia = await seed(console)
    await console.handle("/as olaf")
    await console.handle("/privacy show")
    shown = console.outbox.sent[-1][2].plain_text()
    assert "1 posted project" in shown and "1 project introduction" in shown
    await console.handle("/privacy forget")
    await console.handle("1")
    assert not [r for r in await events(app) if r.member_id == olaf]
