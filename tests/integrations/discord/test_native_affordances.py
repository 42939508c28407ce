"""Discord's own affordances, with the real bot and the real discord.py against the fake Discord (SQLite and
PostgreSQL): moderator commands members never see, German command names, channel and role pickers, a member's
context menu, and answers in the person's own language while public messages keep the community's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.affordances import is_mixed, moderator_name
from core.settings import load_settings
from tests.fakes.discord import DefaultWorld, FakeDiscord, InteractionRecord, default_world
from tests.integrations.discord.harness import KindredOnDiscord, kindred_on_discord

EPHEMERAL = 1 << 6
MANAGE_GUILD = str(1 << 5)


@pytest.fixture
def world() -> DefaultWorld:
    return default_world()


@pytest.fixture
async def fake(world: DefaultWorld) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(world) as server:
        yield server


@pytest.fixture
async def bot(store_url: tuple[str, dict[str, Any]], fake: FakeDiscord) -> AsyncIterator[KindredOnDiscord]:
    url, connect_args = store_url
    settings = load_settings(None, storage={"url": url})
    async with kindred_on_discord(settings, fake, connect_args=connect_args) as running:
        yield running


def text_of(message: dict[str, Any]) -> str:
    parts = [str(message.get("content") or "")]
    for embed in message.get("embeds") or []:
        parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        parts += [f"{f.get('name')}: {f.get('value')}" for f in embed.get("fields") or []]
    return "\n".join(p for p in parts if p)


async def answer(fake: FakeDiscord, record: InteractionRecord) -> dict[str, Any]:
    return await fake.wait_for_reply(record)


async def test_sync_hides_moderator_commands_and_names_them_in_german(
    bot: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    registered = {(c.get("type", 1), c["name"]): c for c in fake.registered_commands(world.guild)}
    tree = bot.app.tree
    mixed = sorted(name for name, group in tree.groups.items() if is_mixed(group))
    assert {"greeter", "link", "match", "stats"} <= set(mixed)
    for group in mixed:  # two commands: the members' part visible to all, the moderators' part hidden
        members, moderators = registered[(1, group)], registered[(1, moderator_name(group))]
        assert members["default_member_permissions"] is None
        assert moderators["default_member_permissions"] == MANAGE_GUILD
        assert {o["name"] for o in moderators["options"]} == {
            n for n, c in tree.groups[group].commands.items() if c.spec.level >= 1}
        assert {o["name"] for o in members["options"]} == {
            n for n, c in tree.groups[group].commands.items() if c.spec.level == 0}
        assert moderators["name_localizations"]["de"].endswith("-verwaltung")
    assert {"preview", "run-now", "schedule"} <= {o["name"] for o in registered[(1, "match-admin")]["options"]}
    assert {o["name"] for o in registered[(1, "stats-admin")]["options"]} == {
        "overview", "top", "retention", "chart", "staff", "segments"}
    assert {o["name"] for o in registered[(1, "greeter-admin")]["options"]} == {"list"}
    assert {o["name"] for o in registered[(1, "link-admin")]["options"]} == {"suggest", "communities"}
    for only_moderators in ("config", "welcome", "segment", "setup", "export"):
        assert registered[(1, only_moderators)]["default_member_permissions"] == MANAGE_GUILD
    match = registered[(1, "match")]
    assert match["name_localizations"] == {"de": "kennenlernen"}
    join = next(o for o in match["options"] if o["name"] == "join")
    assert join["name_localizations"] == {"de": "mitmachen"}
    cadence = next(o for o in join["options"] if o["name"] == "cadence")
    assert cadence["name_localizations"] == {"de": "rhythmus"}
    assert {c["value"]: c["name_localizations"]["de"] for c in cadence["choices"]}["weekly"] == "wöchentlich"
    # channels and roles are picked, not typed as ids
    setup = {o["name"]: o for o in registered[(1, "setup")]["options"]}
    assert setup["intro_channel"]["type"] == 7 and setup["intro_channel"]["channel_types"] == [0]
    assert setup["moderator_roles"]["type"] == 8
    config = {o["name"]: o for o in registered[(1, "config")]["options"]}
    channel_keys = [c["value"] for c in config["channel"]["options"][0]["choices"]]
    assert {"community.intro_channel", "welcome.channel"} <= set(channel_keys)
    assert [o["type"] for o in config["channel"]["options"]] == [3, 7]
    assert [c["value"] for c in config["role"]["options"][0]["choices"]] == ["community.moderator_roles"]
    assert [o["type"] for o in config["role"]["options"]] == [3, 8, 5]
    # a member's context menu
    view, ask = registered[(2, "View profile")], registered[(2, "Request intro")]
    assert view["name_localizations"] == {"de": "Profil ansehen"}
    assert ask["name_localizations"] == {"de": "Vorstellung anfragen"}
    assert view["default_member_permissions"] is None and not view.get("options")


async def test_moderator_commands_run_under_their_own_name_and_are_still_checked(
    bot: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    preview = await answer(fake, await fake.slash("match-admin preview", user=world.moderator))
    assert preview["flags"] & EPHEMERAL and text_of(preview).startswith("Nobody takes part in this round yet")
    # Discord's default permission is only what it shows: a server may show the command to everyone
    refused = await answer(fake, await fake.slash("stats-admin top", user=world.members[0]))
    assert refused["content"].startswith("Only a moderator")
    helped = text_of(await answer(fake, await fake.slash("help", user=world.moderator, options={"topic": "match"})))
    assert "/match-admin preview" in helped and "/match preview" not in helped and "/match join" in helped
    by_discord_name = await answer(fake, await fake.slash("help", user=world.moderator,
                                                          options={"topic": "match-admin run-now"}))
    assert text_of(by_discord_name).count("/match-admin run-now") == 1
    member_help = text_of(await answer(fake, await fake.slash("help", user=world.members[0],
                                                              options={"topic": "match"})))
    assert "-admin" not in member_help and "/match join" in member_help


async def test_channel_and_role_pickers_set_the_settings(
    bot: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    intros, mods = world.guild.channel_named("intros"), world.guild.role_named("Moderator")
    done = await answer(fake, await fake.slash("config channel", user=world.moderator,
                                               options={"key": "community.intro_channel", "channel": intros}))
    assert done["flags"] & EPHEMERAL and "community.intro_channel" in text_of(done)
    await answer(fake, await fake.slash("config role", user=world.moderator,
                                        options={"key": "community.moderator_roles", "role": mods}))
    community = (await bot.app.services.communities.all("discord"))[0]
    config = await bot.app.services.config.get(community.id)
    assert config.community.intro_channel == str(intros.id)
    assert config.community.moderator_roles == [str(mods.id)]
    again = await answer(fake, await fake.slash("config role", user=world.moderator,
                                                options={"key": "community.moderator_roles", "role": mods}))
    assert "Nothing was changed" in text_of(again)
    await answer(fake, await fake.slash("config role", user=world.moderator,
                                        options={"key": "community.moderator_roles", "role": mods, "remove": True}))
    assert (await bot.app.services.config.get(community.id)).community.moderator_roles == []
    general = world.guild.channel_named("general")
    summary = await answer(fake, await fake.slash("setup", user=world.moderator,
                                                  options={"intro_channel": general, "moderator_roles": mods}))
    assert f"{intros.id} → {general.id}" in text_of(summary) and f"→ {mods.id}" in text_of(summary)


async def test_view_profile_and_request_intro_from_a_members_menu(
    bot: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    ana, ben = world.members[0], world.members[1]
    await answer(fake, await fake.slash("profile set", user=ben, options={"topics": "rust", "languages": "en"}))
    card = await answer(fake, await fake.user_command("View profile", user=ana, target=ben))
    assert card["flags"] & EPHEMERAL and "rust" in text_of(card)
    not_yet = await answer(fake, await fake.user_command("Request intro", user=ana, target=ben))
    assert "not taking part" in text_of(not_yet)
    await answer(fake, await fake.slash("match join", user=ben))
    sent = await answer(fake, await fake.user_command("Request intro", user=ana, target=ben))
    assert sent["flags"] & EPHEMERAL and text_of(sent).startswith("Request sent to")
    assert fake.dms_to(ben), "the request reaches the other member as with /match find's button"
    twice = await answer(fake, await fake.user_command("Request intro", user=ana, target=ben))
    assert "already asked" in text_of(twice)  # the same caps as the button
    itself = await answer(fake, await fake.user_command("Request intro", user=ana, target=ana))
    assert "yourself" in text_of(itself)


async def test_answers_follow_the_persons_locale_and_public_messages_the_communitys(
    bot: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    ana, ben = world.members[0], world.members[1]
    ana.locale = "de"
    helped = await answer(fake, await fake.slash("help", user=ana))
    assert helped["flags"] & EPHEMERAL and "Kindred-Befehle" in text_of(helped)
    thanked = await answer(fake, await fake.slash("thanks", user=ana, options={"member": ben}))
    assert not thanked.get("flags", 0) & EPHEMERAL
    assert "thanked" in thanked["content"] and "dankt" not in thanked["content"]
    english = await answer(fake, await fake.slash("help", user=ben))
    assert "Kindred commands" in text_of(english)
    await answer(fake, await fake.slash("config set", user=world.moderator,
                                        options={"key": "community.follow_member_locale", "value": "no"}))
    community_language = await answer(fake, await fake.slash("help", user=ana))
    assert "Kindred commands" in text_of(community_language)
