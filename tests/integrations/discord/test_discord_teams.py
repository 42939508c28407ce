"""/collab event and /collab teams on Discord: "I'm in" pressed through discord.py, the preview's Confirm, and one
private thread per team in the intro channel with only its members in it, once."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from core.settings import Settings
from core.settings.community import CommunitySettings
from tests.fakes.discord import DefaultWorld, FakeDiscord
from tests.integrations.discord.harness import kindred_on_discord


async def test_each_team_gets_one_private_thread(settings: Settings, fake: FakeDiscord, world: DefaultWorld) -> None:
    intros = world.guild.channel_named("intros")
    configured = settings.model_copy(update={"community": CommunitySettings(intro_channel=str(intros.id))})
    async with kindred_on_discord(configured, fake):
        await _run(fake, world, intros.id)


async def _run(fake: FakeDiscord, world: DefaultWorld, intros_id: int) -> None:
    posted = await fake.wait_for_reply(await fake.slash("collab-admin event", user=world.moderator,
                                                        options={"title": "Hack day"}))
    assert "Event 1 is posted" in posted["content"] + str(posted.get("embeds", ""))
    people = [world.owner, *world.members]
    for person in people:
        reply = await fake.wait_for_reply(await fake.click("collab:ev:in:1", user=person))
        assert "You're in" in reply["content"] + str(reply.get("embeds", ""))
    preview = await fake.wait_for_reply(await fake.slash("collab-admin teams", user=world.moderator,
                                                         options={"size": 2, "event": 1}))
    assert "Team preview" in str(preview.get("embeds", "")) + preview["content"]
    assert fake.threads() == []
    done = await fake.wait_for_reply(await fake.click("collab:tm:ok:1", user=world.moderator))
    assert "Introduced 2 teams." in done["content"] + str(done.get("embeds", ""))
    threads = fake.threads()
    assert len(threads) == 2 and all(t.type == 12 and t.parent_id == intros_id for t in threads)  # private
    members = [set(t.member_ids) - {world.bot.id} for t in threads]
    assert all(len(m) == 2 for m in members) and set().union(*members) == {p.id for p in people}
    for thread in threads:
        [intro] = fake.messages_in(thread)
        assert "Your team:" in str(intro.get("embeds", "")) + intro["content"]
    again = await fake.wait_for_reply(await fake.click("collab:tm:ok:1", user=world.moderator))
    assert "introduced already" in again["content"] + str(again.get("embeds", ""))
    assert len(fake.threads()) == 2


def _who_is_in(card: dict[str, Any]) -> str | None:
    fields = [f for e in card.get("embeds", []) for f in e.get("fields", [])]
    return next((f["value"] for f in fields if f["name"] == "Who's in"), None)


async def test_the_event_card_is_edited_to_count_who_is_in(settings: Settings, fake: FakeDiscord,
                                                           world: DefaultWorld) -> None:
    async with kindred_on_discord(settings, fake):
        await fake.wait_for_reply(await fake.slash("collab-admin event", user=world.moderator,
                                                   options={"title": "Hack day"}))
        card = fake.state.find_message_with_component("collab:ev:in:1")
        assert card is not None and _who_is_in(card) is None
        presses = [(world.owner, "in", "1 person"), (world.members[0], "in", "2 people"),
                   (world.owner, "out", "1 person")]
        for number, (person, which, expected) in enumerate(presses, start=1):
            await fake.wait_for_reply(await fake.click(f"collab:ev:{which}:1", user=person))
            await fake.wait_for_request("PATCH", f"/channels/{card['channel_id']}/messages/{card['id']}",
                                        count=number)
            stored = fake.state.messages[int(card["id"])]  # the same message, edited: no new one posted
            assert _who_is_in(stored) == expected and stored["edited_timestamp"]
            assert [c["custom_id"] for row in stored["components"] for c in row["components"]] == [
                "collab:ev:in:1", "collab:ev:out:1"]
        cards = [m for m in fake.messages_in(int(card["channel_id"])) if "collab:ev:in:1" in str(m["components"])]
        assert [m["id"] for m in cards] == [card["id"]]


async def test_a_card_discord_will_not_edit_costs_the_feature_one_log_line(settings: Settings, fake: FakeDiscord,
                                                               world: DefaultWorld,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    async with kindred_on_discord(settings, fake):
        await fake.wait_for_reply(await fake.slash("collab-admin event", user=world.moderator,
                                                   options={"title": "Hack day"}))
        card = fake.state.find_message_with_component("collab:ev:in:1")
        assert card is not None
        path = f"/channels/{card['channel_id']}/messages/{card['id']}"

        def mine() -> list[logging.LogRecord]:  # the integration logs the failed call on its own, as for any call
            return [r for r in caplog.records if r.name == "cogs.matching.collab.cards"]

        fake.fail("PATCH", path, status=404, code=10008, message="Unknown Message")
        with caplog.at_level(logging.INFO, logger="cogs.matching.collab.cards"):
            reply = await fake.wait_for_reply(await fake.click("collab:ev:in:1", user=world.owner))
            assert "You're in" in reply["content"] + str(reply.get("embeds", ""))
            await fake.wait_for_request("PATCH", path)
            await fake.wait_until(lambda: mine(), what="the log line")
        assert [r.getMessage() for r in mine()] == [
            f"event 1: card in {card['channel_id']} not updated: unknown_message"]
        await fake.wait_for_reply(await fake.click("collab:ev:in:1", user=world.members[0]))
        await fake.wait_for_request("PATCH", path, count=2)  # the next change brings the card up to date
        assert _who_is_in(fake.state.messages[int(card["id"])]) == "2 people"
