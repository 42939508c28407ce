"""Bidi overrides and zero-width characters never reach the store; a role trigger names a role that exists."""

from __future__ import annotations

from collections.abc import AsyncIterator

from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity


async def _overrides(console: ConsoleCommunity) -> dict[str, object]:
    return await console.app.services.overrides.all((await console.app.community(KEY)).id)


async def _lines(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def test_invisible_characters_are_stripped_from_settings_names_and_profiles(console: ConsoleCommunity) -> None:
    await console.handle("/config set key:welcome.messages value:Hi\u202e {member}\u200b, welcome!")
    await console.handle("/config set key:community.moderator_roles value:\u200bmods, ad\u200dmins\u2066")
    await console.handle("/config set key:welcome.channel value:#gene\u200bral")
    await console.handle("/welcome set what:message value:Hello\u2067 {member} 👩‍💻 || Grüße\u200f, {member}")
    await console.handle("/profile set topics:py\u200bthon, 東京\u202d role:de\u2069v about:🏳️‍🌈 مرحبا\u200e")
    await console.handle("/as Ev\u202eil\u200bMod")

    assert (await _overrides(console))["community.moderator_roles"] == ["mods", "admins"]
    assert (await _overrides(console))["welcome.channel"] == "general"
    assert (await _overrides(console))["welcome.messages"] == ["Hello {member} 👩‍💻", "Grüße, {member}"]
    community = await console.app.community(KEY)
    admin = await console.app.services.members.by_user_id(community.id, "admin")
    assert admin is not None
    profile = await console.app.services.profiles.get(admin.id)
    assert profile is not None
    assert profile.facets["topics"] == ["python", "東京"] and profile.facets["role"] == ["dev"]
    assert profile.facets["about"] == ["🏳️‍🌈 مرحبا"]
    evil = await console.app.services.members.by_user_id(community.id, "ev\u202eil\u200bmod")
    assert evil is not None and evil.display_name == "EvilMod" and evil.username == "evilmod"


async def test_a_value_of_only_invisible_characters_is_refused_not_stored_as_empty(console: ConsoleCommunity) -> None:
    await console.handle("/config set key:community.moderator_roles value:mods")
    await console.handle("/config set key:community.moderator_roles value:\u200b\u202e")
    await console.handle("/profile set topics:\u200b\u2066")
    texts = console.outbox.texts()
    assert "The value for community.moderator_roles has only invisible characters." in texts[-2]
    assert "Nothing was changed." in texts[-2]
    assert "“topics” has only invisible characters." in texts[-1]
    assert (await _overrides(console))["community.moderator_roles"] == ["mods"]


async def test_a_role_trigger_must_name_a_role_of_the_community(console: ConsoleCommunity) -> None:
    await console.handle("/config set key:welcome.trigger value:role:abc")
    assert "There is no role “abc” in this community." in console.outbox.texts()[-1]
    assert "welcome.trigger" not in await _overrides(console)

    await console.handle("/config import")
    await console.run(_lines('welcome.trigger = "role:abc"'))
    assert "There is no role “abc” in this community." in console.outbox.texts()[-1]
    assert "welcome.trigger" not in await _overrides(console)

    await console.handle("/role Verified")
    await console.handle("/config set key:welcome.trigger value:role:verified")
    assert (await _overrides(console))["welcome.trigger"] == "role:Verified"

    await console.handle("/join zoe")
    await console.handle("/role Verified zoe")  # the trigger fires: zoe's greeting is due
    welcome = console.app.cog("welcome")
    assert welcome is not None
    zoe = await console.app.services.members.by_user_id((await console.app.community(KEY)).id, "zoe")
    assert zoe is not None
    assert await welcome.flow.repo.newcomer((await console.app.community(KEY)).id, zoe.id) is not None
