"""Outbound side end to end: DMs, group-DM intros, files, moderator checks, and Slack errors in plain words."""

from __future__ import annotations

import logging

import pytest

from core.errors import DeliveryFailed, DMClosed
from core.messages import Message
from core.refs import ChannelRef, MemberRef
from integrations.slack.errors import SlackStartupError
from tests.fakes.slack import FakeSlack
from tests.integrations.slack.conftest import Bot, BotFactory
from tests.integrations.slack.test_slack_commands import texts


def member(user_id: str) -> MemberRef:
    return MemberRef("slack", user_id)


async def test_intro_is_one_group_dm_per_group(bot: Bot, slack: FakeSlack) -> None:
    slack.workspace.add_user("U0CAROL", "carol")
    community = await bot.community()
    people = [member("U0ALICE"), member("U0BOB"), member("U0CAROL")]

    conversation = await bot.integration.messenger.introduce(community, people, Message(text="Meet each other!"))

    [opened] = slack.calls_to("conversations.open")
    assert opened.args["users"] == "U0ALICE,U0BOB,U0CAROL"
    assert conversation.kind == "group_dm" and conversation.channel_ids[0].startswith("G")
    [posted] = slack.workspace.messages_in(conversation.channel_ids[0])
    assert posted.text == "Meet each other!"


async def test_intro_falls_back_to_dms_when_a_group_dm_cannot_be_opened(bot: Bot, slack: FakeSlack) -> None:
    community = await bot.community()
    slack.fail("conversations.open", "user_not_found")  # the group DM (someone left meanwhile)
    conversation = await bot.integration.messenger.introduce(
        community, [member("U0ALICE"), member("U0BOB")], Message(text="Say hello")
    )
    assert conversation.kind == "dms"
    assert len(conversation.channel_ids) == 2
    assert all(c.startswith("D") for c in conversation.channel_ids)


async def test_dm_to_a_deactivated_member_raises_dm_closed(bot: Bot, slack: FakeSlack) -> None:
    slack.workspace.add_user("U0GONE", "gone", deleted=True)
    with pytest.raises(DMClosed):
        await bot.integration.messenger.dm(await bot.community(), member("U0GONE"), Message(text="hi"))


async def test_moderator_checks_use_admins_and_configured_user_groups(start_bot: BotFactory, slack: FakeSlack) -> None:
    slack.workspace.add_user("U0CAROL", "carol")
    slack.workspace.add_user("U0ADMIN", "admin", is_admin=True)
    slack.workspace.add_usergroup("S0MODS", ["U0CAROL"], handle="mods")
    slack.workspace.channels["C0GENERAL"].members.extend(["U0CAROL", "U0ADMIN"])
    async with start_bot(community={"moderator_roles": ["@mods"]}) as bot:
        await bot.command("/probe", "mod", user_id="U0ALICE")
        await bot.command("/probe", "mod", user_id="U0CAROL")
        await bot.command("/probe", "mod", user_id="U0ADMIN")
    member_answer, group_answer, admin_answer = (texts(r.body) for r in slack.responses)
    assert "Only a moderator can use /probe mod" in member_answer
    assert "moderator ok" in group_answer
    assert "moderator ok" in admin_answer


async def test_not_in_channel_is_reported_in_plain_words(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    slack.workspace.add_channel("C0QUIET", "quiet", ["U0ALICE"], bot_is_member=False)
    await bot.command("/probe", "announce channel:C0QUIET")
    [answer] = slack.responses
    assert answer.body["response_type"] == "ephemeral"
    assert "I'm not a member of that channel" in texts(answer.body)
    assert "announced" not in texts(answer.body)


async def test_public_reply_falls_back_to_response_url_outside_the_bots_channels(
    bot: Bot, slack: FakeSlack
) -> None:
    slack.workspace.add_channel("C0SIDE", "side", ["U0ALICE"], bot_is_member=False)
    await bot.command("/probe", "public", channel_id="C0SIDE")
    assert slack.calls_to("chat.postMessage", ok=False)[0].error == "not_in_channel"
    [answer] = slack.responses
    assert answer.body["response_type"] == "in_channel" and "hello everyone" in texts(answer.body)


async def test_ratelimited_post_is_retried_and_nothing_is_lost(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    slack.rate_limit("chat.postMessage", times=1, retry_after=0)
    await bot.command("/probe", "public")
    calls = slack.calls_to("chat.postMessage", ok=None)
    assert [(c.status, c.error) for c in calls] == [(429, "ratelimited"), (200, None)]
    assert [m.text for m in slack.workspace.messages_in("C0GENERAL")] == ["hello everyone"]


async def test_persistent_ratelimit_is_explained_and_logged_without_secrets(
    bot: Bot, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.rate_limit("chat.postMessage", times=None, retry_after=0)
    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryFailed) as raised:
        await bot.integration.messenger.send(
            await bot.community(), ChannelRef("slack", "C0GENERAL"), Message(text="x")
        )
    assert raised.value.reason == "ratelimited"
    assert slack.bot_token not in caplog.text and slack.app_token not in caplog.text
    assert "chat.postMessage failed: ratelimited" in caplog.text


async def test_files_are_uploaded_with_files_upload_v2(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    await bot.command("/probe", "file")
    [upload] = slack.uploads
    assert upload.content == b"a,b\n1,2\n"
    stored = slack.workspace.files[upload.file_id]
    assert (stored.filename, stored.title, stored.channel_id) == ("export.csv", "Export", "C0GENERAL")
    assert [m.text for m in slack.workspace.messages_in("C0GENERAL")] == ["your export"]


async def test_invalid_bot_token_stops_the_start_with_a_clear_message(
    start_bot: BotFactory, slack: FakeSlack
) -> None:
    slack.fail("auth.test", "invalid_auth")
    with pytest.raises(SlackStartupError) as raised:
        async with start_bot():
            pass
    assert "[slack] bot_token" in str(raised.value) and "invalid_auth" in str(raised.value)
    assert slack.bot_token not in str(raised.value)


async def test_invalid_app_token_stops_the_start_with_a_clear_message(
    start_bot: BotFactory, slack: FakeSlack
) -> None:
    slack.fail("apps.connections.open", "invalid_auth")
    with pytest.raises(SlackStartupError) as raised:
        async with start_bot():
            pass
    assert "[slack] app_token" in str(raised.value)


async def test_admin_names_a_moderator_group_with_slacks_group_mention(bot: Bot, slack: FakeSlack) -> None:
    slack.workspace.add_user("U0ADMIN", "admin", is_admin=True)
    slack.workspace.add_usergroup("S0HOSTS", ["U0BOB"], handle="hosts")
    slack.workspace.channels["C0GENERAL"].members.append("U0ADMIN")

    await bot.command("/probe", "mod", user_id="U0BOB")
    await bot.command("/config", "set community.moderator_roles <!subteam^S0HOSTS|@hosts>", user_id="U0ADMIN")
    await bot.command("/probe", "mod", user_id="U0BOB")

    before, _configured, after = (texts(r.body) for r in slack.responses)
    assert "Only a moderator can use /probe mod" in before
    config = await bot.app.services.config.get((await bot.community()).id)
    assert config.community.moderator_roles == ["S0HOSTS"]
    assert "moderator ok" in after


async def test_dm_to_a_member_slack_does_not_know_is_reported_plainly(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    await bot.command("/probe", "dm member:<@U0GHOST|ghost>")
    [refused] = slack.calls_to("conversations.open", ok=False)
    assert refused.error == "user_not_found"
    [answer] = slack.responses
    assert answer.body["response_type"] == "ephemeral"
    assert "I can't find that member on Slack." in texts(answer.body)
    assert "sent" not in texts(answer.body).split()


async def test_revoked_token_mid_run_is_reported_plainly_and_logged_without_secrets(
    any_bot: Bot, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    bot = any_bot
    slack.fail("chat.postMessage", "invalid_auth")
    with caplog.at_level(logging.DEBUG):
        await bot.command("/probe", "public")
    [answer] = slack.responses  # the response URL needs no token, so the person still hears what happened
    assert "Slack did not accept Kindred's credentials" in texts(answer.body)
    assert any(r.levelno == logging.ERROR and "chat.postMessage failed: invalid_auth" in r.getMessage()
               for r in caplog.records)
    for secret in (slack.bot_token, slack.app_token, slack.signing_secret):
        assert secret not in caplog.text


async def test_a_role_trigger_names_a_user_group_of_the_workspace(bot: Bot, slack: FakeSlack) -> None:
    slack.workspace.add_user("U0ADMIN", "admin", is_admin=True)
    slack.workspace.add_usergroup("S0VERIFIED", ["U0BOB"], handle="verified")

    await bot.command("/config", "set key:welcome.trigger value:role:abc", user_id="U0ADMIN")
    await bot.command("/config", "set key:welcome.trigger value:role:@verified", user_id="U0ADMIN")

    refused, _saved = (texts(r.body) for r in slack.responses)
    assert "There is no role “abc” in this community." in refused
    config = await bot.app.services.config.get((await bot.community()).id)
    assert config.welcome.trigger == "role:S0VERIFIED"
    assert slack.calls_to("usergroups.list")
