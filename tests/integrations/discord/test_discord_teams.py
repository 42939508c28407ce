"""/collab event and /collab teams on Discord: "I'm in" pressed through discord.py, the preview's Confirm, and one
private thread per team in the intro channel with only its members in it, once."""

from __future__ import annotations

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
    posted = await fake.wait_for_reply(await fake.slash("collab event", user=world.moderator,
                                                        options={"title": "Hack day"}))
    assert "Event 1 is posted" in posted["content"] + str(posted.get("embeds", ""))
    people = [world.owner, *world.members]
    for person in people:
        reply = await fake.wait_for_reply(await fake.click("collab:ev:in:1", user=person))
        assert "You're in" in reply["content"] + str(reply.get("embeds", ""))
    preview = await fake.wait_for_reply(await fake.slash("collab teams", user=world.moderator,
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
