"""Changes take effect at once: the resolver answers with the new value and subscribed features are told which
keys changed (the round scheduler and the welcome flow subscribe), without a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bootstrap.runtime import running_app
from cogs.config import COGS as CONFIG_COGS
from cogs.matching import COGS as MATCHING_COGS
from cogs.welcome import COGS as WELCOME_COGS
from core.dispatcher import App
from core.settings import Settings
from tests.cogs.config.conftest import KEY_A, Community


async def test_resolver_and_listeners_see_a_change_at_once(community_a: Community) -> None:
    calls: list[tuple[int, set[str]]] = []

    async def listener(community_id: int, keys: set[str]) -> None:
        calls.append((community_id, keys))

    community_a.app.services.config.subscribe(listener)
    cid = (await community_a.ref()).id
    assert (await community_a.config()).matching.hour == 9  # cached now
    await community_a.run("admin", "/config set matching.hour 15")
    assert (await community_a.config()).matching.hour == 15
    assert calls == [(cid, {"matching.hour"})]

    await community_a.run("admin", "/config set matching.hour 15")  # nothing changes: nobody is disturbed
    await community_a.run("admin", "/config set matching.hour 77")  # refused
    assert len(calls) == 1

    await community_a.submit("admin", "config:import:merge", {"toml": "[matching]\nday = 'thu'\ncadence = 'monthly'"})
    assert calls[-1] == (cid, {"matching.day", "matching.cadence"})
    await community_a.run("admin", "/config reset matching")
    assert calls[-1] == (cid, {"matching.hour", "matching.day", "matching.cadence"})
    assert (await community_a.config()).matching.hour == 9


async def test_a_failing_listener_does_not_undo_or_block_a_change(community_a: Community) -> None:
    async def broken(community_id: int, keys: set[str]) -> None:
        raise RuntimeError("listener bug")

    community_a.app.services.config.subscribe(broken)
    assert await community_a.run("admin", "/config set welcome.delay_seconds 5")
    assert (await community_a.config()).welcome.delay_seconds == 5


@pytest.fixture
async def full_app(settings: Settings) -> AsyncIterator[App]:
    async with running_app(settings, cogs=[*CONFIG_COGS, *WELCOME_COGS, *MATCHING_COGS]) as running:
        yield running


async def test_a_changed_welcome_is_used_at_once(full_app: App) -> None:
    c = Community(full_app, KEY_A)
    c.add("admin", admin=True)
    assert await c.run("admin", "/config set welcome.messages Servus {member}, schön dass du da bist!")
    assert await c.run("admin", "/welcome preview")
    assert "Servus <@admin>, schön dass du da bist!" in c.last()


async def test_a_changed_schedule_reschedules_the_round(full_app: App) -> None:
    """A community with members in the rounds has a round job; a changed hour or day moves it at once."""
    c = Community(full_app, KEY_A)
    c.add("admin", admin=True)
    assert await c.run("admin", "/config set matching.timezone Europe/Berlin")
    assert await c.run("admin", "/match join")
    scheduler = full_app.services.scheduler
    job_id = f"match:round:{(await c.ref()).id}"
    before = scheduler.get_job(job_id)
    assert before is not None, [j.id for j in scheduler.get_jobs()]
    assert await c.run("admin", "/config set matching.hour 17")
    moved = scheduler.get_job(job_id)
    assert moved is not None
    when = moved.trigger.get_next_fire_time(None, datetime.now(ZoneInfo("Europe/Berlin")))
    assert when is not None and when.hour == 17 and str(when.tzinfo) == "Europe/Berlin"
    assert await c.run("admin", "/config set matching.day fri")
    when = scheduler.get_job(job_id).trigger.get_next_fire_time(None, datetime.now(ZoneInfo("Europe/Berlin")))
    assert when.weekday() == 4 and when.hour == 17
