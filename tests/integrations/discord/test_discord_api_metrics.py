"""Discord's REST calls are counted for /metrics (integrations/discord/client.py `api_trace`): each 429 as rate
limited, the call that then succeeds as one call, a refusal as a failed call."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bootstrap.discovery import discover
from core import metrics
from core.settings import Settings
from tests.fakes.discord import MISSING_PERMISSIONS, DefaultWorld, FakeDiscord
from tests.integrations.discord.harness import KindredOnDiscord, kindred_on_discord
from tests.integrations.discord.probe import Probe

DISCORD = {"platform": "discord"}


@pytest.fixture
async def probed(settings: Settings, fake: FakeDiscord) -> AsyncIterator[KindredOnDiscord]:
    async with kindred_on_discord(settings, fake, cogs=[*discover(), Probe]) as running:
        yield running


def _now() -> tuple[float, float, float]:
    return (metrics.value("kindred_platform_api_calls_total", DISCORD),
            metrics.value("kindred_platform_api_errors_total", DISCORD),
            metrics.value("kindred_platform_rate_limited_total", DISCORD))


async def test_calls_429s_and_failures_are_counted(probed: KindredOnDiscord, fake: FakeDiscord,
                                                   world: DefaultWorld) -> None:
    calls, errors, limited = _now()
    fake.rate_limit("POST", re.compile(r"/interactions/\d+/[^/]+/callback"), count=2, retry_after=0.01)
    record = await fake.slash("probemod", user=world.moderator)
    await fake.wait_for_reply(record)
    after_calls, after_errors, after_limited = _now()
    assert after_limited == limited + 2
    assert after_calls >= calls + 1 and after_errors == errors

    general = world.guild.channel_named("general")
    fake.fail("POST", f"/channels/{general.id}/messages", status=403, code=MISSING_PERMISSIONS,
              message="Missing Permissions")
    record = await fake.slash("probe announce", user=world.moderator, options={"channel": str(general.id)})
    await fake.wait_for_reply(record)
    assert _now()[1] >= after_errors + 1
