"""HTTP mode end to end: signed requests to the bot's endpoint; bad signatures and stale requests refused."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from tests.fakes.slack import STALE_AGE_SECONDS, FakeSlack, SignedSender, Signing, text_value
from tests.integrations.slack.conftest import Bot, BotFactory
from tests.integrations.slack.test_slack_commands import texts


@pytest.fixture
async def http_bot(start_bot: BotFactory) -> AsyncIterator[Bot]:
    async with start_bot(mode="http") as running:
        yield running


def sender(bot: Bot, slack: FakeSlack) -> SignedSender:
    assert bot.integration.http_endpoint is not None
    assert bot.integration.http_endpoint.startswith("http://127.0.0.1:")
    return SignedSender(bot.integration.http_endpoint, slack.signing_secret)


async def test_http_slash_command_good_and_bad_input(http_bot: Bot, slack: FakeSlack) -> None:
    send = sender(http_bot, slack)
    good = await send.slash_command(slack.payloads.slash_command("/profile", "set topics:ml role:Analyst"))
    await http_bot.integration.idle()
    bad = await send.slash_command(slack.payloads.slash_command("/profile", "set role:"))
    await http_bot.integration.idle()

    assert (good.status, bad.status) == (200, 200)
    assert await http_bot.profile("U0ALICE") == {"role": ["Analyst"], "topics": ["ml"]}
    saved, refused = (texts(r.body) for r in slack.responses)
    assert "Saved." in saved
    assert "Tell me what to set" in refused
    assert not slack.socket.envelopes, "HTTP mode opens no Socket Mode connection"
    assert not slack.calls_to("apps.connections.open")


async def test_http_refuses_bad_unsigned_and_stale_requests(http_bot: Bot, slack: FakeSlack) -> None:
    send = sender(http_bot, slack)
    payload = slack.payloads.slash_command("/profile", "set role:Intruder")
    replies = [
        await send.slash_command(payload, signing=Signing.BAD),
        await send.slash_command(payload, signing=Signing.MISSING),
        await send.slash_command(payload, age_seconds=STALE_AGE_SECONDS),
        await send.event(slack.payloads.event_callback(slack.payloads.team_join("U0EVE")), signing=Signing.BAD),
    ]
    await http_bot.integration.idle()

    assert [r.status for r in replies] == [401, 401, 401, 401]
    assert await http_bot.profile("U0ALICE") is None
    assert slack.responses == [] and http_bot.probe.events == []
    assert http_bot.integration.stats["commands"] == 0


async def test_http_modal_submit_and_retried_event(http_bot: Bot, slack: FakeSlack) -> None:
    send = sender(http_bot, slack)
    submit = slack.payloads.view_submission("profile:edit:main", {"role": {"role": text_value("Chef")}})
    assert (await send.interaction(submit)).status == 200

    callback = slack.payloads.event_callback(slack.payloads.team_join("U0FRANK", "frank"))
    first = await send.event(callback)
    retry = await send.event(callback, retry_num=1, retry_reason="http_timeout")
    await http_bot.integration.wait_for_events(2)
    await http_bot.integration.idle()

    assert (first.status, retry.status) == (200, 200)
    assert await http_bot.profile("U0ALICE") == {"role": ["Chef"]}
    assert [e.member.user_id for e in http_bot.probe.events] == ["U0FRANK"]
    assert http_bot.integration.stats["duplicates"] == 1


async def test_http_url_verification(http_bot: Bot, slack: FakeSlack) -> None:
    reply = await sender(http_bot, slack).event({"token": "t", "challenge": "abc", "type": "url_verification"})
    assert reply.status == 200 and reply.json() == {"challenge": "abc"}


async def test_http_mode_needs_a_signing_secret(start_bot: BotFactory) -> None:
    from integrations.slack.errors import SlackStartupError

    with pytest.raises(SlackStartupError, match="signing_secret"):
        async with start_bot(mode="http", slack_options={"signing_secret": ""}):
            pass


@pytest.mark.parametrize("forged", [
    {"X-Slack-Request-Timestamp": "abc"},
    {"X-Slack-Request-Timestamp": "9" * 5000},
    {"X-Slack-Request-Timestamp": "1e10"},
    {"X-Slack-Request-Timestamp": "-1"},
    {"X-Slack-Signature": "v0=" + "é" * 64},
    {"X-Slack-Signature": "garbage", "X-Slack-Request-Timestamp": " 12"},
])
async def test_malformed_signing_headers_get_401_from_anyone_and_log_no_error(
        http_bot: Bot, slack: FakeSlack, forged: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    send = sender(http_bot, slack)
    payload = slack.payloads.slash_command("/profile", "set role:Intruder")
    reply = await send.slash_command(payload, signing=Signing.MISSING, forged=forged)
    signed = await send.slash_command(payload, forged=forged)  # a real signature does not make the header valid
    await http_bot.integration.idle()

    assert (reply.status, signed.status) == (401, 401)
    assert await http_bot.profile("U0ALICE") is None and slack.responses == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
