"""Modal submits answered in the modal: a problem is shown under its field and the modal stays open with what
was typed, nothing is saved and no message is sent; a good submit closes it. Both modes, SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.fakes.slack import FakeSlack, FakeView, text_value
from tests.integrations.slack.conftest import Bot, BotFactory

Store = tuple[str, dict[str, Any]]


async def opened_modal(slack: FakeSlack, callback_id: str) -> FakeView:
    call = await slack.wait_for_call("views.open", lambda c: c.args["view"].get("callback_id") == callback_id)
    return slack.workspace.views[str(call.response["view"]["id"])]


def answers(slack: FakeSlack) -> int:
    """Messages the bot sent anywhere: response URLs, posts, ephemerals."""
    return len(slack.responses) + len(slack.workspace.messages) + len(slack.workspace.ephemerals)


async def test_a_bad_value_is_shown_under_its_field_and_nothing_changes(
        start_bot: BotFactory, slack: FakeSlack, mode: str, store_url: Store) -> None:
    async with start_bot(mode=mode, store=store_url) as bot:
        await bot.command("/profile", "set role:Baker")
        await bot.interactive(slack.payloads.block_action("profile:form:more", value="profile:form:more"))
        modal = await opened_modal(slack, "profile:edit:more")
        assert {"team", "timezone"} <= set(modal.input_blocks())
        said = answers(slack)

        ack = await bot.interactive(slack.payloads.submit_view(modal, {
            "team": {"team": text_value("Platform")}, "timezone": {"timezone": text_value("Mars/Olympus")}}))

        assert ack is not None and ack["response_action"] == "errors"
        assert list(ack["errors"]) == ["timezone"]
        assert "is not a time zone I know" in ack["errors"]["timezone"]
        assert not modal.closed and modal.errors == ack["errors"], "the modal stays open with the error"
        assert await bot.profile("U0ALICE") == {"role": ["Baker"]}, "nothing was saved, not even the good team"
        assert answers(slack) == said, "no message after the fact"

        ack = await bot.interactive(slack.payloads.submit_view(modal, {
            "team": {"team": text_value("Platform")}, "timezone": {"timezone": text_value("Europe/Vienna")}}))
        assert ack is None and modal.closed
        assert await bot.profile("U0ALICE") == {"role": ["Baker"], "team": ["Platform"],
                                                "timezone": ["Europe/Vienna"]}
        assert "Saved." in str(slack.responses[-1].body)


async def test_a_refusal_without_a_field_is_shown_at_the_first_input(bot: Bot, slack: FakeSlack) -> None:
    slack.workspace.users["U0ALICE"].is_admin = True
    await bot.command("/setup")
    modal = await opened_modal(slack, "setup:form")
    said = answers(slack)
    first = modal.input_blocks()[0]

    # Bob is no moderator: the same form submitted by him is refused as a whole
    ack = await bot.interactive(slack.payloads.submit_view(modal, {first: {first: text_value("de")}},
                                                           user_id="U0BOB"))
    assert ack is not None and list(ack["errors"]) == [first]
    assert "Only a moderator" in ack["errors"][first]
    assert answers(slack) == said


async def test_a_slow_handler_is_acked_in_time_and_answers_by_message(any_bot: Bot, slack: FakeSlack) -> None:
    """The ack never waits past its budget (Slack allows three seconds): a handler still busy then is acked
    plainly and answers with a message when it is done, as before."""
    bot = any_bot
    bot.integration.submit_budget = 0.01
    await bot.command("/probe", "form")
    modal = await opened_modal(slack, "probe:slowform")
    payload = slack.payloads.submit_view(modal, {"note": {"note": text_value("hello")}})
    if bot.mode == "http":
        answer = (await bot.sender.interaction(payload)).json()
    else:
        answer = (await slack.socket.deliver("interactive", payload)).payload
    modal.settle(answer)
    assert answer is None and modal.closed
    bot.probe.gate.set()
    await bot.integration.idle()
    assert "the note is refused, slowly" in str(slack.responses[-1].body)


async def test_setup_shows_each_problem_under_its_own_field(bot: Bot, slack: FakeSlack) -> None:
    slack.workspace.users["U0ALICE"].is_admin = True
    await bot.command("/setup")
    modal = await opened_modal(slack, "setup:form")
    config_before = await bot.app.services.config.get((await bot.community()).id)

    ack = await bot.interactive(slack.payloads.submit_view(modal, {
        "language": {"language": text_value("klingon")}, "schedule": {"schedule": text_value("whenever")},
        "welcome": {"welcome": text_value("yes")}}))

    assert ack is not None and set(ack["errors"]) == {"language", "schedule"}
    assert not modal.closed
    config_after = await bot.app.services.config.get((await bot.community()).id)
    assert config_after == config_before
