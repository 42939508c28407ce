"""Slack Web API calls are counted for /metrics (integrations/slack/client.py): each 429 as rate limited, the
call retried after it as one call, a call Slack refuses as failed."""

from __future__ import annotations

import pytest

from core import metrics
from core.errors import DeliveryFailed
from core.messages import Message
from core.refs import ChannelRef
from tests.fakes.slack import FakeSlack
from tests.integrations.slack.conftest import Bot

SLACK = {"platform": "slack"}


def _now() -> tuple[float, float, float]:
    return (metrics.value("kindred_platform_api_calls_total", SLACK),
            metrics.value("kindred_platform_api_errors_total", SLACK),
            metrics.value("kindred_platform_rate_limited_total", SLACK))


async def test_calls_429s_and_failures_are_counted(bot: Bot, slack: FakeSlack) -> None:
    calls, errors, limited = _now()
    slack.rate_limit("chat.postMessage", times=1, retry_after=0)
    await bot.command("/probe", "public")
    after_calls, after_errors, after_limited = _now()
    assert after_limited == limited + 1
    assert after_calls >= calls + 1 and after_errors == errors

    slack.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(DeliveryFailed):
        await bot.integration.messenger.send(await bot.community(), ChannelRef("slack", "C0GENERAL"),
                                             Message(text="x"))
    assert _now()[1] == after_errors + 1
