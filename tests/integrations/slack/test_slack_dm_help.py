"""message.im: a person writing to the bot gets a short help once per message, in their language; bots, edits
and retries get none."""

from __future__ import annotations

from tests.fakes.slack import FakeSlack
from tests.integrations.slack.conftest import Bot, BotFactory


def _dm_texts(slack: FakeSlack, user_id: str) -> list[str]:
    dm = slack.workspace.dm_channel_of(user_id).id
    return [str(m.text or "") + str(m.blocks or "") for m in slack.workspace.messages if m.channel == dm]


async def test_a_direct_message_is_answered_with_the_main_commands(any_bot: Bot, slack: FakeSlack) -> None:
    bot, pay = any_bot, slack.payloads
    dm = slack.workspace.dm_channel_of("U0ALICE").id
    callback = pay.event_callback(pay.message("U0ALICE", "hello?", channel_id=dm, channel_type="im"))
    await bot.event(callback)
    await bot.event(callback, retry=1)  # Slack's redelivery is not answered twice

    [answer] = _dm_texts(slack, "U0ALICE")
    assert "Hi, I'm Kindred" in answer
    for usage in ("/profile edit", "/match join", "/match find", "/mentor request", "/help"):
        assert usage in answer
    assert bot.probe.events == [], "a DM to the bot is not community activity"


async def test_bots_edits_and_shares_get_no_help(any_bot: Bot, slack: FakeSlack) -> None:
    bot, pay = any_bot, slack.payloads
    dm = slack.workspace.dm_channel_of("U0BOB").id
    await bot.event(pay.event_callback(pay.message("U0BOB", "changed", channel_id=dm, channel_type="im",
                                                   subtype="message_changed")))
    await bot.event(pay.event_callback(pay.message("U0BOB", "beep", channel_id=dm, channel_type="im",
                                                   bot_id="B0OTHER")))
    await bot.event(pay.event_callback(pay.message("U0BOB", "shared", channel_id=dm, channel_type="im",
                                                   subtype="file_share")))
    assert _dm_texts(slack, "U0BOB") == []  # (the bot's own posts never reach a listener: bolt drops them)


async def test_the_help_follows_the_community_language_and_modules(start_bot: BotFactory, slack: FakeSlack) -> None:
    slack.workspace.users["U0ALICE"].is_admin = True
    slack.workspace.users["U0BOB"].locale = "fr-FR"  # a language Kindred does not speak: the community's
    slack.workspace.add_user("U0CARO", "caro", locale="de-CH")
    async with start_bot() as bot:
        await bot.command("/config", "set key:community.language value:de", user_id="U0ALICE")
        await bot.command("/config", "module name:matching state:off", user_id="U0ALICE")
        for user_id in ("U0BOB", "U0CARO"):
            dm = slack.workspace.dm_channel_of(user_id).id
            await bot.event(slack.payloads.event_callback(slack.payloads.message(user_id, "hallo", channel_id=dm,
                                                                                 channel_type="im")))
        await bot.command("/config", "set key:community.language value:en", user_id="U0ALICE")
        dm = slack.workspace.dm_channel_of("U0CARO").id
        await bot.event(slack.payloads.event_callback(slack.payloads.message("U0CARO", "und?", channel_id=dm,
                                                                             channel_type="im")))
    [answer] = _dm_texts(slack, "U0BOB")
    assert "Hallo, ich bin Kindred" in answer
    assert "/profile edit" in answer and "/match" not in answer
    first, second = _dm_texts(slack, "U0CARO")
    assert "Hallo, ich bin Kindred" in first and "Hallo, ich bin Kindred" in second, "her Slack speaks German"
