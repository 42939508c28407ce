"""The App Home tab is published again after every change it shows, from whatever surface the change came; its
pause button pauses. On SQLite and PostgreSQL, in Socket Mode and over HTTP."""

from __future__ import annotations

from typing import Any

from core.events import IntroSent, MentorSessionStarted
from integrations.slack import home
from tests.fakes.slack import FakeSlack, text_value
from tests.integrations.slack.conftest import Bot, BotFactory

Store = tuple[str, dict[str, Any]]


def home_text(slack: FakeSlack, user_id: str) -> str:
    return str(slack.workspace.home_tabs[user_id].view["blocks"])


async def open_home(bot: Bot, slack: FakeSlack, user_id: str = "U0ALICE") -> dict[str, str]:
    await bot.event(slack.payloads.event_callback(slack.payloads.app_home_opened(user_id)))
    return {"id": slack.workspace.home_tabs[user_id].id, "type": "home"}


async def test_a_profile_change_by_slash_command_and_by_modal_republishes_the_tab(
        start_bot: BotFactory, slack: FakeSlack, mode: str, store_url: Store) -> None:
    async with start_bot(mode=mode, store=store_url) as bot:
        await open_home(bot, slack)
        assert "Baker" not in home_text(slack, "U0ALICE")
        published = len(slack.calls_to("views.publish"))

        await bot.command("/profile", "set role:Baker topics:bread")
        assert len(slack.calls_to("views.publish")) == published + 1, "one change, one publish"
        assert "Baker" in home_text(slack, "U0ALICE")

        await bot.command("/profile", "edit")
        view = (await slack.wait_for_call("views.open")).args["view"]
        await bot.interactive(slack.payloads.view_submission(
            view["callback_id"], {"role": {"role": text_value("Cook")}}, private_metadata=view["private_metadata"]))
        assert "Cook" in home_text(slack, "U0ALICE") and "Baker" not in home_text(slack, "U0ALICE")

        shown = len(slack.calls_to("views.publish"))
        await bot.command("/profile", "show")
        await bot.command("/help")
        assert len(slack.calls_to("views.publish")) == shown, "commands that change nothing publish nothing"


async def test_the_pause_button_pauses_and_the_tab_says_so(
        start_bot: BotFactory, slack: FakeSlack, mode: str, store_url: Store) -> None:
    async with start_bot(mode=mode, store=store_url) as bot:
        tab = await open_home(bot, slack, "U0BOB")
        assert home.command_action(("match", "pause")) in home_text(slack, "U0BOB")
        assert home.command_action(("match", "leave")) not in home_text(slack, "U0BOB")
        await bot.interactive(slack.payloads.block_action("slack:cmd:match join", view=tab, user_id="U0BOB"))
        assert "Taking part" in home_text(slack, "U0BOB")

        await bot.interactive(slack.payloads.block_action("slack:cmd:match pause", view=tab, user_id="U0BOB"))
        matching: Any = bot.app.cog("match")
        row = await matching.repo.participant((await bot.community()).id, await bot.member_id("U0BOB"))
        assert row is not None and row.status == "paused", "paused, not left"
        assert "Paused until" in home_text(slack, "U0BOB")


async def test_rounds_and_mentoring_republish_the_tabs_of_the_members_named(bot: Bot, slack: FakeSlack) -> None:
    await bot.command("/profile", "set role:Mentor", user_id="U0BOB")
    await open_home(bot, slack, "U0ALICE")
    await open_home(bot, slack, "U0BOB")
    community = await bot.community()
    alice, bob = await bot.member_id("U0ALICE"), await bot.member_id("U0BOB")
    before = len(slack.calls_to("views.publish"))

    await bot.app.emit(IntroSent(key=community.key, community=community, members=(alice, bob),
                                 conversation="group_dm", intro="r1", match="round", round=1))
    await bot.app.emit(MentorSessionStarted(key=community.key, community=community, mentor_id=bob,
                                            mentee_id=alice, intro="m1"))
    await bot.integration.idle()
    refreshed = [c.args["user_id"] for c in slack.calls_to("views.publish")[before:]]
    assert sorted(set(refreshed)) == ["U0ALICE", "U0BOB"]
    assert len(refreshed) <= 4, "changes that arrive while a tab is being published are folded into one more"


async def test_a_tab_never_opened_is_not_published(bot: Bot, slack: FakeSlack) -> None:
    await bot.command("/profile", "set role:Quiet")
    assert slack.calls_to("views.publish") == []
