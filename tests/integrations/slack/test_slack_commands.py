"""Slash commands, buttons and modals end to end: real bot, real slack-bolt (Socket Mode), fake Slack."""

from __future__ import annotations

from typing import Any

from tests.fakes.slack import FakeSlack, select_value, text_value
from tests.integrations.slack.conftest import Bot, BotFactory


def texts(body: dict[str, Any]) -> str:
    """All visible text of a message body (fallback text and blocks)."""
    parts = [str(body.get("text", ""))]
    for block in body.get("blocks") or []:
        parts.append(str(block.get("text", {}).get("text", "")) if isinstance(block.get("text"), dict) else "")
        for field in block.get("fields") or []:
            parts.append(str(field.get("text", "")))
        for element in block.get("elements") or []:
            if isinstance(element.get("text"), dict):
                parts.append(str(element["text"].get("text", "")))
    return "\n".join(parts)


def action_ids(body: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in body.get("blocks") or []
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


async def test_slash_command_with_good_input_saves_and_answers_ephemerally(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    await bot.command("/profile", "set topics:python, rust timezone:Europe/Berlin role:Maintainer")

    assert await bot.profile("U0ALICE") == {
        "role": ["Maintainer"], "timezone": ["Europe/Berlin"], "topics": ["python", "rust"],
    }
    reply = slack.responses[-1].body
    assert reply["response_type"] == "ephemeral"
    assert "Saved." in texts(reply)
    assert "Maintainer" in texts(reply)
    assert slack.calls_to("chat.postMessage") == [], "an ephemeral answer never goes to the channel"


async def test_slash_command_with_bad_input_explains_and_changes_nothing(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    await bot.command("/profile", "set colour:blue")
    await bot.command("/profile", "sett topics:x")
    await bot.command("/nosuchthing")

    assert await bot.profile("U0ALICE") is None
    answers = [texts(r.body) for r in slack.responses]
    assert all(r.body["response_type"] == "ephemeral" for r in slack.responses)
    assert "Unknown option “colour”" in answers[0]
    assert "/profile needs one of: clear, edit, set, show" in answers[1]
    assert "There is no command /nosuchthing" in answers[2]


async def test_group_without_subcommand_lists_its_commands(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    await bot.command("/profile")
    await bot.command("/help")

    group_help, help_text = (texts(r.body) for r in slack.responses)
    assert "Commands of /profile" in group_help
    assert "/profile set" in group_help and "Edit your profile in a form" in group_help
    assert "/profile edit" in help_text


async def test_command_prefix_is_understood(start_bot: BotFactory, slack: FakeSlack) -> None:
    async with start_bot(slack_options={"command_prefix": "k-"}) as bot:
        await bot.command("/k-profile", "set role:Teacher")
        await bot.command("/k-profile")
        assert await bot.profile("U0ALICE") == {"role": ["Teacher"]}
    assert "/k-profile set" in texts(slack.responses[-1].body)


async def test_modal_opens_and_its_submit_saves(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    command = await bot.command("/profile", "edit")
    opened = await slack.wait_for_call("views.open")
    assert opened.args["trigger_id"] == command["trigger_id"]
    view = opened.args["view"]
    assert view["callback_id"] == "profile:edit:main"
    assert [b["block_id"] for b in view["blocks"]][:2] == ["role", "topics"]

    submission = slack.payloads.view_submission(
        view["callback_id"],
        {"role": {"role": text_value("Researcher")}, "topics": {"topics": text_value("robots, ethics")},
         "about": {"about": text_value(None)}},
        private_metadata=view["private_metadata"],
    )
    await bot.interactive(submission)

    assert await bot.profile("U0ALICE") == {"role": ["Researcher"], "topics": ["robots", "ethics"]}
    answer = slack.responses[-1].body
    assert "Saved." in texts(answer)
    assert answer["response_type"] == "ephemeral"
    assert "profile:form:more" in action_ids(answer)


async def test_modal_submit_with_bad_input_explains(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    await bot.command("/profile", "edit")
    view = (await slack.wait_for_call("views.open")).args["view"]
    await bot.command("/profile", "form")  # something unrelated in between
    submission = slack.payloads.view_submission(
        "profile:edit:more", {"timezone": {"timezone": text_value("Mars/Olympus")}},
        private_metadata=view["private_metadata"],
    )
    said = len(slack.responses)
    ack = await bot.interactive(submission)
    assert await bot.profile("U0ALICE") is None
    assert ack is not None and "is not a time zone I know" in ack["errors"]["timezone"], "shown in the modal"
    assert len(slack.responses) == said


async def test_button_works_after_a_restart(start_bot: BotFactory, slack: FakeSlack, mode: str) -> None:
    async with start_bot(mode=mode) as first:
        await first.command("/profile", "set role:Designer")
        await first.command("/profile", "clear")
        confirm = slack.responses[-1].body
        member_id = await first.member_id("U0ALICE")
    [button] = action_ids(confirm)
    assert button == f"profile:clear:{member_id}"

    async with start_bot(mode=mode) as second:
        assert await second.profile("U0ALICE") == {"role": ["Designer"]}
        await second.interactive(slack.payloads.block_action(button, value=button))
        assert await second.profile("U0ALICE") is None
    assert "Your profile is deleted." in texts(slack.responses[-1].body)


async def test_select_values_reach_the_component_handler(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    await bot.command("/probe", "pick")
    offered = slack.responses[-1].body
    select = next(b for b in offered["blocks"] if b["type"] == "actions")["elements"][0]
    assert select["type"] == "static_select" and select["action_id"] == "probe:pick"

    await bot.interactive(slack.payloads.block_action("probe:pick", selected="mentor"))
    assert bot.probe.picked == [["mentor"]]
    assert "picked mentor" in texts(slack.responses[-1].body)


async def test_stale_button_is_answered_plainly(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    await bot.interactive(slack.payloads.block_action("gone:feature:1", value="x"))
    assert "This button is no longer active." in texts(slack.responses[-1].body)


async def test_view_submission_select_state_is_read(bot: Bot, slack: FakeSlack) -> None:
    submission = slack.payloads.view_submission("profile:edit:more", {"timezone": {"timezone": select_value(None)},
                                                                      "team": {"team": text_value("Platform")}})
    await bot.interactive(submission)
    assert await bot.profile("U0ALICE") == {"team": ["Platform"]}


async def test_member_mentions_are_resolved_for_the_option_parser(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    await bot.command("/profile", "set role:Mentor", user_id="U0BOB")
    await bot.command("/profile", "show <@U0BOB|bob>")
    answer = texts(slack.responses[-1].body)
    assert "Profile of bob" in answer and "Mentor" in answer


async def test_expired_response_url_falls_back_to_an_ephemeral_message(bot: Bot, slack: FakeSlack) -> None:
    slack.response_url_status = 404
    await bot.command("/profile", "set colour:red")
    [ephemeral] = slack.workspace.ephemerals
    assert ephemeral.ephemeral_to == "U0ALICE" and ephemeral.channel == "C0GENERAL"
    assert "Unknown option" in (ephemeral.text or "")


async def test_commands_keep_working_after_slack_asks_to_reconnect(bot: Bot, slack: FakeSlack) -> None:
    await slack.socket.request_reconnect()
    await slack.wait_for_socket(count=2)
    await bot.command("/profile", "set role:Still here")
    assert await bot.profile("U0ALICE") == {"role": ["Still here"]}


async def test_ack_comes_first_and_long_work_continues_after_it(any_bot: Bot, slack: FakeSlack) -> None:
    bot = any_bot
    payload = slack.payloads.slash_command("/probe", "slow")
    # Both return while the handler is still blocked: the ack never waits for the work.
    if bot.mode == "http":
        reply = await bot.sender.slash_command(payload)
        assert reply.status == 200 and reply.text == ""
    else:
        ack = await slack.socket.deliver("slash_commands", payload)
        assert ack.payload is None
    assert slack.responses == []
    bot.probe.gate.set()
    await bot.integration.idle()
    assert "finally done" in texts(slack.responses[-1].body)
