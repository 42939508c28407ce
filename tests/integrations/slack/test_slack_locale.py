"""Answers only the person sees follow their Slack locale (users.info include_locale) when the community allows
it (`community.follow_member_locale`); what others see stays in the community's language."""

from __future__ import annotations

from typing import Any

from tests.fakes.slack import FakeSlack, text_value
from tests.integrations.slack.conftest import BotFactory

Store = tuple[str, dict[str, Any]]


async def test_a_german_member_gets_german_answers_and_the_channel_stays_english(
        start_bot: BotFactory, slack: FakeSlack, store_url: Store) -> None:
    slack.workspace.users["U0ALICE"].locale = "de-DE"
    slack.workspace.users["U0ALICE"].is_admin = True
    slack.workspace.channels["C0GENERAL"].members.append(slack.workspace.bot_user_id)
    async with start_bot(store=store_url) as bot:
        await bot.command("/profile", "set role:Bäckerin")
        assert "Gespeichert." in str(slack.responses[-1].body), "an ephemeral answer in her language"
        assert any(c.args.get("include_locale") in (True, "true", "1") for c in slack.calls_to("users.info"))

        await bot.command("/thanks", "<@U0BOB|bob>")
        [thanks] = [m for m in slack.workspace.messages if m.channel == "C0GENERAL"]
        assert "thanked" in str(thanks.text) and "dankt" not in str(thanks.text), "public: the community's"
        await bot.command("/thanks", "<@U0BOB|bob>")
        assert "heute schon gedankt" in str(slack.responses[-1].body), "the refusal only she sees: hers"

        await bot.command("/profile", "edit")
        modal = (await slack.wait_for_call("views.open")).args["view"]
        assert modal["title"]["text"] == "Dein Profil" and modal["submit"]["text"] == "Speichern"

        await bot.event(slack.payloads.event_callback(slack.payloads.app_home_opened("U0ALICE")))
        assert "Mein Profil bearbeiten" in str(slack.workspace.home_tabs["U0ALICE"].view["blocks"])

        await bot.command("/profile", "show", user_id="U0BOB")
        assert "Profile of" in str(slack.responses[-1].body), "Bob's Slack is in English"

        await bot.command("/config", "set key:community.follow_member_locale value:false")
        await bot.command("/profile", "show")
        assert "Profile of" in str(slack.responses[-1].body), "the community turned it off: English for all"


async def test_a_refusal_in_a_modal_is_in_the_persons_language(start_bot: BotFactory, slack: FakeSlack) -> None:
    slack.workspace.users["U0ALICE"].locale = "de-AT"
    async with start_bot() as bot:
        await bot.interactive(slack.payloads.block_action("profile:form:more", value="profile:form:more"))
        call = await slack.wait_for_call("views.open")
        modal = slack.workspace.views[str(call.response["view"]["id"])]
        ack = await bot.interactive(slack.payloads.submit_view(modal, {"timezone": {"timezone":
                                                                                     text_value("Mars/Olympus")}}))
    assert ack is not None and "Zeitzone" in ack["errors"]["timezone"]
