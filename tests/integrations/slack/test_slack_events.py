"""Events API end to end: joins, messages, reactions, the Home tab, and retried deliveries processed once."""

from __future__ import annotations

from core.events import MemberJoined, MessagePosted, ReactionAdded
from tests.fakes.slack import FakeSlack
from tests.integrations.slack.conftest import Bot, BotFactory


async def test_team_join_produces_the_welcome_event(bot: Bot, slack: FakeSlack) -> None:
    await bot.event(slack.payloads.event_callback(slack.payloads.team_join("U0CAROL", "carol")))

    [joined] = bot.probe.events
    assert isinstance(joined, MemberJoined)
    assert (joined.member.user_id, joined.trigger) == ("U0CAROL", "join")
    assert joined.community is not None and joined.community.external_id == slack.workspace.team_id
    row = await bot.app.services.members.by_user_id(joined.community.id, "U0CAROL")
    assert row is not None and row.joined_at is not None and row.display_name == "carol"


async def test_retried_event_is_processed_once(bot: Bot, slack: FakeSlack) -> None:
    callback = slack.payloads.event_callback(slack.payloads.team_join("U0DAN", "dan"))
    await bot.event(callback)
    await bot.event(callback, retry_attempt=1, retry_reason="timeout")
    await bot.event(callback, retry_attempt=2, retry_reason="timeout")

    assert [e.member.user_id for e in bot.probe.events] == ["U0DAN"]
    assert bot.integration.stats["duplicates"] == 2
    assert len(slack.socket.acks) == 3, "every delivery, retried or not, is acked"


async def test_member_joined_channel_is_a_channel_trigger(bot: Bot, slack: FakeSlack) -> None:
    await bot.event(slack.payloads.event_callback(slack.payloads.member_joined_channel("U0BOB", "C0GENERAL")))
    [joined] = bot.probe.events
    assert isinstance(joined, MemberJoined) and joined.trigger == "channel:C0GENERAL"


async def test_messages_are_logged_without_text_and_bots_and_edits_are_ignored(bot: Bot, slack: FakeSlack) -> None:
    pay = slack.payloads
    await bot.event(pay.event_callback(pay.message("U0ALICE", "hello there")))
    await bot.event(pay.event_callback(pay.message("U0BOB", "a reply", thread_ts="1700000200.000001")))
    await bot.event(pay.event_callback(pay.message("U0ALICE", "edited", subtype="message_changed")))
    await bot.event(pay.event_callback(pay.message("U0OTHERBOT", "beep", bot_id="B0OTHER")))
    await bot.event(pay.event_callback(pay.message("U0ALICE", "joined", subtype="channel_join")))

    posted = [e for e in bot.probe.events if isinstance(e, MessagePosted)]
    assert [(e.member.user_id, e.length, e.in_thread, e.text) for e in posted] == [
        ("U0ALICE", len("hello there"), False, None),
        ("U0BOB", len("a reply"), True, None),
    ]
    assert posted[0].channel.channel_id == "C0GENERAL"


async def test_message_text_is_kept_only_when_the_community_says_so(start_bot: BotFactory, slack: FakeSlack) -> None:
    async with start_bot(engagement={"store_message_text": True}) as bot:
        await bot.event(slack.payloads.event_callback(slack.payloads.message("U0ALICE", "keep me")))
        [posted] = bot.probe.events
    assert isinstance(posted, MessagePosted) and posted.text == "keep me"


async def test_reaction_added_names_the_message_author(bot: Bot, slack: FakeSlack) -> None:
    pay = slack.payloads
    await bot.event(pay.event_callback(pay.reaction_added("U0BOB", "pray", item_user="U0ALICE")))
    [reaction] = bot.probe.events
    assert isinstance(reaction, ReactionAdded)
    assert (reaction.member.user_id, reaction.emoji) == ("U0BOB", "pray")
    assert reaction.message_author is not None and reaction.message_author.user_id == "U0ALICE"
    assert reaction.message_author.id, "the author is resolved to a stored member"


async def test_app_home_shows_profile_and_buttons_that_run_commands(bot: Bot, slack: FakeSlack) -> None:
    await bot.command("/profile", "set role:Gardener topics:soil")
    await bot.event(slack.payloads.event_callback(slack.payloads.app_home_opened("U0ALICE")))

    published = await slack.wait_for_call("views.publish")
    assert published.args["user_id"] == "U0ALICE"
    view = slack.workspace.home_tabs["U0ALICE"].view
    text = str(view["blocks"])
    assert "Profile of" in text and "Gardener" in text
    buttons = [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "slack:cmd:profile edit" in buttons and "slack:cmd:help" in buttons

    home_view = {"id": slack.workspace.home_tabs["U0ALICE"].id, "type": "home"}
    await bot.interactive(slack.payloads.block_action("slack:cmd:profile edit", view=home_view))
    opened = await slack.wait_for_call("views.open")
    assert opened.args["view"]["callback_id"] == "profile:edit:main"
    assert len(slack.calls_to("views.publish")) == 2, "the Home tab is refreshed after a press on it"
