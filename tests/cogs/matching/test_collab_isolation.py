"""A project belongs to its community: another community's moderator neither sees it in /collab list nor closes
it, and its buttons do nothing there (a custom id carries only the project's number)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bootstrap.runtime import running_app
from cogs.config import COGS as CONFIG_COGS
from cogs.matching import COGS as MATCHING_COGS
from cogs.profiles.cog import Profiles
from core.dispatcher import App
from core.settings import Settings
from tests.cogs.config.conftest import KEY_A, KEY_B, Community


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    async with running_app(settings, cogs=[*CONFIG_COGS, Profiles, *MATCHING_COGS], start_scheduler=False) as running:
        yield running


async def test_another_communitys_moderator_cannot_see_close_or_act(app: App) -> None:
    a, b = Community(app, KEY_A), Community(app, KEY_B)
    a.add("ana")
    a.add("dev")
    b.add("mod", admin=True)
    await a.run("dev", "/profile set role:developer languages:en timezone:UTC")
    await a.run("dev", "/match join")
    await a.run("ana", "/collab post title:Secret plan needs:developer")
    assert "Posted “Secret plan” (#1)" in a.last()
    dev = await app.services.members.by_user_id((await a.ref()).id, "dev")
    assert dev is not None
    dev_id = dev.id

    await b.run("mod", "/collab list")
    assert "No open projects yet" in b.last()
    await b.run("mod", "/collab close project:1")
    assert "There is no open project “1” here." in b.last()
    await b.run("mod", "/collab close project:Secret plan")
    assert "There is no open project “Secret plan” here." in b.last()
    for custom_id in ("collab:int:1", "collab:sug:1", f"collab:ask:1:{dev_id}:0"):
        await b.press("mod", custom_id)
        assert "This button is no longer active." in b.last(), custom_id

    await a.run("ana", "/collab list")
    assert "Secret plan" in a.last() and "1 person interested" not in a.last()
