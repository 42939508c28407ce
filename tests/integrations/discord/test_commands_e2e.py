"""End to end: the real bot registers the neutral command tree natively and answers slash commands."""

from __future__ import annotations

from core.affordances import neutral_path, shown_path
from core.permissions import Level
from core.settings import Settings
from core.settings.community import CommunitySettings
from tests.fakes.discord import DefaultWorld, FakeDiscord
from tests.integrations.discord.harness import KindredOnDiscord, kindred_on_discord

EPHEMERAL = 1 << 6


def _leaf_names(commands: list[dict]) -> set[str]:
    """Every chat-input command as "top sub" (the moderator parts under their own name, `match-admin preview`)."""
    names = set()
    for command in commands:
        if command.get("type", 1) != 1:
            continue
        subs = [o for o in command.get("options", []) if o["type"] in (1, 2)]
        if not subs:
            names.add(command["name"])
        names.update(f"{command['name']} {s['name']}" for s in subs)
    return names


async def test_registration_matches_the_neutral_tree(
    bot: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    registered = fake.registered_commands(world.guild)
    tree = bot.app.tree
    assert {" ".join(neutral_path(tree, n.split())) for n in _leaf_names(registered)} == {c.name for c in tree.all()}
    assert _leaf_names(registered) == {" ".join(shown_path(tree, c, split=True)) for c in tree.all()}
    by_name = {c["name"]: c for c in registered}
    profile = by_name["profile"]
    assert profile["contexts"] == [0]
    assert profile["description_localizations"]["de"]
    show = next(o for o in profile["options"] if o["name"] == "show")
    assert show["options"][0]["type"] == 6  # a member option is a Discord user
    set_ = next(o for o in profile["options"] if o["name"] == "set")
    timezone = next(o for o in set_["options"] if o["name"] == "timezone")
    assert timezone["type"] == 3 and timezone["autocomplete"] is True
    for command in tree.all():  # members never see a command they cannot use; moderators see all of them
        top = by_name[shown_path(tree, command, split=True)[0]]
        moderators_only = command.spec.level >= Level.MODERATOR
        assert top["default_member_permissions"] == (str(1 << 5) if moderators_only else None), command.name
    # Nothing global was touched when guild_ids is set; a restart with the same tree re-uploads nothing.
    assert fake.registered_commands() == []
    assert len(fake.requests("PUT")) == 1


async def test_profile_set_then_show(bot: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld) -> None:
    ana = world.members[0]
    record = await fake.slash(
        "profile set", user=ana, options={"role": "developer", "topics": "python, smart factories"}
    )
    reply = await fake.wait_for_reply(record)
    assert reply["flags"] & EPHEMERAL
    card = reply["embeds"][0]
    assert "developer" in str(card["fields"])
    assert "Saved." in (reply["content"] + card.get("description", ""))

    shown = await fake.wait_for_reply(await fake.slash("profile show", user=world.members[1], options={"member": ana}))
    fields = {f["name"]: f["value"] for f in shown["embeds"][0]["fields"]}
    assert fields["Topics"] == "python, smart factories"
    assert shown["embeds"][0]["title"] == f"Profile of {ana.global_name}"


async def test_bad_input_gets_a_clear_ephemeral_message(
    bot: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    record = await fake.slash("profile set", user=world.members[0], options={"timezone": "Mars/Olympus"})
    reply = await fake.wait_for_reply(record)
    assert reply["flags"] & EPHEMERAL
    assert "Mars/Olympus" in reply["content"]
    assert await bot.app.services.profiles.get(1) is None


async def test_autocomplete_suggests_time_zones(bot: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld) -> None:
    record = await fake.autocomplete(
        "profile set", user=world.members[0], focused="timezone", options={"timezone": "berl"}
    )
    callback = await fake.wait_for_callback(record)
    assert callback["type"] == 8
    assert {"name": "Europe/Berlin", "value": "Europe/Berlin"} in callback["data"]["choices"]


async def test_config_is_for_moderators_only(bot: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld) -> None:
    registered = {c["name"]: c for c in fake.registered_commands(world.guild)}
    assert registered["config"]["default_member_permissions"] == str(1 << 5)  # hidden from members by default
    options = {"key": "matching.hour", "value": "10"}
    refused = await fake.wait_for_reply(await fake.slash("config set", user=world.members[0], options=options))
    assert refused["flags"] & EPHEMERAL and refused["content"].startswith("Only a moderator")
    community = (await bot.app.services.communities.all("discord"))[0]
    assert (await bot.app.services.config.get(community.id)).matching.hour == 9

    await fake.wait_for_reply(await fake.slash("config set", user=world.moderator, options=options))
    assert (await bot.app.services.config.get(community.id)).matching.hour == 10

    export = await fake.wait_for_reply(await fake.slash("config export", user=world.moderator))
    [attachment] = export["attachments"]
    assert attachment["filename"].endswith(".toml")
    upload = [r for r in fake.requests() if r.files][-1]
    assert b"hour = 10" in upload.files[0].content


async def test_match_join_and_a_round_producing_intros(
    settings: Settings, fake: FakeDiscord, world: DefaultWorld
) -> None:
    intros = world.guild.channel_named("intros")
    community = CommunitySettings(intro_channel=str(intros.id))
    configured = settings.model_copy(update={"community": community})
    async with kindred_on_discord(configured, fake) as bot:
        people = world.members[:2]
        for person, topic in zip(people, ("python", "python, rust"), strict=True):
            await fake.wait_for_reply(
                await fake.slash("profile set", user=person, options={"topics": topic, "languages": "en"})
            )
            joined = await fake.wait_for_reply(await fake.slash("match join", user=person, options={}))
            assert joined["content"].startswith("You're in") and joined["flags"] & EPHEMERAL

        refused = await fake.wait_for_reply(await fake.slash("match-admin run-now", user=people[0]))
        assert refused["content"].startswith("Only a moderator")

        record = await fake.slash("match-admin run-now", user=world.moderator)
        assert (await fake.wait_for_callback(record))["type"] == 5  # long-running: deferred at once
        done = await fake.wait_for_reply(record)
        assert done["content"].startswith("Round done. Introductions: 1. Members placed: 2.")

        [thread] = fake.threads()
        assert thread.type == 12 and thread.parent_id == intros.id
        assert set(thread.member_ids) == {world.bot.id, *(p.id for p in people)}
        [intro] = fake.messages_in(thread)
        assert intro["embeds"][0]["title"].startswith("Meet ")
        assert {u["id"] for u in intro["mentions"]} == {str(p.id) for p in people}
        assert intro["mention_everyone"] is False
        del bot


async def test_find_request_and_accept_by_dm_button(settings: Settings, fake: FakeDiscord, world: DefaultWorld) -> None:
    intros = world.guild.channel_named("intros")
    configured = settings.model_copy(update={"community": CommunitySettings(intro_channel=str(intros.id))})
    ana, ben = world.members[0], world.members[1]
    async with kindred_on_discord(configured, fake):
        await fake.wait_for_reply(
            await fake.slash("profile set", user=ana, options={"wants": "rust", "languages": "en"})
        )
        await fake.wait_for_reply(
            await fake.slash("profile set", user=ben, options={"offers": "rust", "topics": "rust", "languages": "en"})
        )
        await fake.wait_for_reply(await fake.slash("match join", user=ben))  # only members taking part are found
        found = await fake.wait_for_reply(await fake.slash("match find", user=ana, options={"offers": "rust"}))
        request_id = found["components"][0]["components"][0]["custom_id"]
        assert request_id.startswith("match:req:")
        sent = await fake.click(request_id, user=ana, message=found)
        assert (await fake.wait_for_reply(sent))["content"].startswith("Request sent to")

        # Ben gets the request by DM; its buttons carry the guild, since a click in a DM names none.
        [dm] = fake.dms_to(ben)
        accept_id = dm["components"][0]["components"][0]["custom_id"]
        assert accept_id.startswith(f"g{world.guild.id}|match:acc:")
        accepted = await fake.click(accept_id, user=ben, message=dm)
        assert (await fake.wait_for_reply(accepted))["content"].startswith("Thanks! I have introduced you")
        [thread] = fake.threads()
        assert set(thread.member_ids) == {world.bot.id, ana.id, ben.id}


async def test_a_role_trigger_names_a_guild_role(bot: KindredOnDiscord, fake: FakeDiscord,
                                                 world: DefaultWorld) -> None:
    community = (await bot.app.services.communities.all("discord"))[0]
    refused = await fake.wait_for_reply(await fake.slash("config set", user=world.moderator,
                                                         options={"key": "welcome.trigger", "value": "role:abc"}))
    assert "There is no role “abc” in this community." in refused["content"]
    assert (await bot.app.services.config.get(community.id)).welcome.trigger == "join"

    role = next(r for r in world.guild.roles if r.name == "Moderator")
    await fake.wait_for_reply(await fake.slash("config set", user=world.moderator,
                                               options={"key": "welcome.trigger", "value": "role:moderator"}))
    assert (await bot.app.services.config.get(community.id)).welcome.trigger == f"role:{role.id}"
