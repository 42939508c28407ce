"""Events API end to end: joins, messages, reactions, the Home tab, and retried deliveries processed once."""

from __future__ import annotations

from core.dispatcher import App
from core.events import MemberJoined, MessagePosted, ReactionAdded
from integrations.slack import home
from tests.fakes.slack import FakeSlack
from tests.integrations.slack.conftest import Bot, BotFactory


async def test_team_join_produces_the_welcome_event(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    await bot.event(slack.payloads.event_callback(slack.payloads.team_join("U0CAROL", "carol")))

    [joined] = bot.probe.events
    assert isinstance(joined, MemberJoined)
    assert (joined.member.user_id, joined.trigger) == ("U0CAROL", "join")
    assert joined.community is not None and joined.community.external_id == slack.workspace.team_id
    row = await bot.app.services.members.by_user_id(joined.community.id, "U0CAROL")
    assert row is not None and row.joined_at is not None and row.display_name == "carol"


async def test_retried_event_is_processed_once(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    callback = slack.payloads.event_callback(slack.payloads.team_join("U0DAN", "dan"))
    await bot.event(callback)
    await bot.event(callback, retry=1)
    await bot.event(callback, retry=2)

    assert [e.member.user_id for e in bot.probe.events] == ["U0DAN"]
    assert bot.integration.stats["duplicates"] == 2
    delivered = len(bot.http_replies) if bot.mode == "http" else len(slack.socket.acks)
    assert delivered == 3, "every delivery, retried or not, is acked"
    row = await bot.app.services.members.by_user_id((await bot.community()).id, "U0DAN")
    assert row is not None


async def test_member_joined_channel_is_a_channel_trigger(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    await bot.event(slack.payloads.event_callback(slack.payloads.member_joined_channel("U0BOB", "C0GENERAL")))
    [joined] = bot.probe.events
    assert isinstance(joined, MemberJoined) and joined.trigger == "channel:C0GENERAL"


async def test_messages_are_logged_without_text_and_bots_and_edits_are_ignored(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
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


async def test_reaction_added_names_the_message_author(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    pay = slack.payloads
    await bot.event(pay.event_callback(pay.reaction_added("U0BOB", "pray", item_user="U0ALICE")))
    [reaction] = bot.probe.events
    assert isinstance(reaction, ReactionAdded)
    assert (reaction.member.user_id, reaction.emoji) == ("U0BOB", "pray")
    assert reaction.message_author is not None and reaction.message_author.user_id == "U0ALICE"
    assert reaction.message_author.id, "the author is resolved to a stored member"


async def test_app_home_shows_profile_and_buttons_that_run_commands(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    await bot.command("/profile", "set role:Gardener topics:soil")
    await bot.event(slack.payloads.event_callback(slack.payloads.app_home_opened("U0ALICE")))

    published = await slack.wait_for_call("views.publish")
    assert published.args["user_id"] == "U0ALICE"
    view = slack.workspace.home_tabs["U0ALICE"].view
    text = str(view["blocks"])
    assert "Profile of" in text and "Gardener" in text
    assert "Your intro rounds" in text and "Not taking part" in text, "the match status is on the tab"
    buttons = [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [home.command_action(path) for path, _label in home.HOME_BUTTONS]

    home_view = {"id": slack.workspace.home_tabs["U0ALICE"].id, "type": "home"}
    await bot.interactive(slack.payloads.block_action("slack:cmd:profile edit", view=home_view))
    opened = await slack.wait_for_call("views.open")
    assert opened.args["view"]["callback_id"] == "profile:edit:main"
    assert len(slack.calls_to("views.publish")) == 2, "the Home tab is refreshed after a press on it"


async def test_team_join_gets_the_welcome_dm(start_bot: BotFactory, slack: FakeSlack, mode: str) -> None:
    async with start_bot(mode=mode, welcome={"delay_seconds": 0}) as bot:
        await bot.event(slack.payloads.event_callback(slack.payloads.team_join("U0ERIN", "erin")))
        opened = await slack.wait_for_call("conversations.open", lambda c: c.args.get("users") == "U0ERIN")
        dm = str(opened.response["channel"]["id"])
        greeting = await slack.wait_for_call("chat.postMessage", lambda c: c.args.get("channel") == dm)
    assert "Kindred Test" in str(greeting.args["text"]) and "<!channel>" not in str(greeting.args)
    [message] = slack.workspace.messages_in(dm)
    assert message.text == greeting.args["text"]


async def test_home_tab_buttons_and_sections_name_real_commands(app: App) -> None:
    for path in [*home.HOME_SECTIONS, *(p for p, _label in home.HOME_BUTTONS)]:
        command = app.find(path)
        assert command is not None, f"the Home tab names /{' '.join(path)}, which does not exist"
        assert not any(o.required for o in command.spec.options)


async def test_home_tab_join_button_runs_the_command(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    await bot.event(slack.payloads.event_callback(slack.payloads.app_home_opened("U0BOB")))
    home_view = {"id": slack.workspace.home_tabs["U0BOB"].id, "type": "home"}
    await bot.interactive(slack.payloads.block_action("slack:cmd:match join", view=home_view, user_id="U0BOB"))
    # A press on the tab has no channel and no response URL: the answer comes by DM.
    dm = slack.workspace.open_conversation(["U0BOB"]).id
    [answer] = slack.workspace.messages_in(dm)
    assert "You're in" in str(answer.text)
    await slack.wait_for_call("views.publish", count=2)
    refreshed = str(slack.workspace.home_tabs["U0BOB"].view["blocks"])
    assert "Not taking part" not in refreshed and "Next round" in refreshed
