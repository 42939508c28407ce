"""The invite URL asks for exactly the permissions Kindred needs: with only those, everything works; without any
one of them, something members would notice breaks.

The server's @everyone role has no permissions here (members get theirs from a role of their own), so the bot
has only what its invite granted: the real bot runs its channel work (a private intro thread with a card, a
card with a file in a channel) against the fake Discord, which enforces the permissions Discord documents.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import discord
import pytest

from bootstrap.discovery import discover
from core.errors import DeliveryFailed
from core.messages import Attachment, Message
from core.refs import ChannelRef
from core.settings import Settings
from core.settings.community import CommunitySettings
from integrations.discord.invite import kindred_permissions
from tests.fakes.discord import MISSING_ACCESS, DefaultWorld, FakeDiscord, FakeRole, Permissions, default_world
from tests.integrations.discord.harness import KindredOnDiscord, kindred_on_discord
from tests.integrations.discord.probe import Probe

GRANTED = [name for name, on in kindred_permissions() if on]


def locked_down_world(bot_permissions: int) -> DefaultWorld:
    """@everyone may do nothing; members have a role with the usual rights; the bot has `bot_permissions`."""
    world = default_world()
    guild = world.guild
    everyone = next(r for r in guild.roles if r.id == guild.id)
    everyone.permissions = 0
    member_role = FakeRole("Member", permissions=Permissions.EVERYONE_DEFAULT)
    guild.roles.append(member_role)
    for member in guild.members:
        if member.user.id != world.bot.id:
            member.role_ids.append(member_role.id)
    guild.role_named("Kindred").permissions = bot_permissions
    return world


async def channel_work(bot: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld) -> list[str]:
    """Do what Kindred does in channels; return what went wrong (empty: everything worked)."""
    problems: list[str] = []
    ana, ben = world.members[0], world.members[1]
    record = await fake.slash("probe intro", user=world.moderator, options={"first": ana, "second": ben})
    answer = (await fake.wait_for_reply(record))["content"]
    if answer != "thread:1":
        problems.append(f"intro: {answer}")
    for thread in fake.threads():
        shown = fake.messages_in(thread)
        if not shown or not shown[0]["embeds"]:
            problems.append("intro card not shown in the thread")
    # An intro thread nobody can be added to goes by DM instead, and the empty thread is deleted.
    fake.fail("PUT", re.compile(r"/channels/\d+/thread-members/\d+"), status=403, code=MISSING_ACCESS,
              message="Missing Access", count=2)
    record = await fake.slash("probe intro", user=world.moderator, options={"first": ana, "second": ben})
    answer = (await fake.wait_for_reply(record))["content"]
    if answer != "dms:2":
        problems.append(f"intro by DM: {answer}")
    elif not fake.state.deleted_channels:
        problems.append("the empty intro thread was not deleted")
    general = world.guild.channel_named("general")
    community = (await bot.app.services.communities.all("discord"))[0]
    card = Message(title="Numbers", text="this week", files=[Attachment("numbers.csv", b"week,active\n1,3\n")],
                   ref="K-0123456789abcdef")
    messenger = bot.app.messenger("discord")
    where = ChannelRef("discord", str(general.id))
    try:
        await messenger.send(community, where, card)
    except DeliveryFailed as error:
        problems.append(f"channel post: {error.reason}")
        return problems
    [posted] = [m for m in fake.messages_in(general) if m["attachments"]]
    if not posted["embeds"]:
        problems.append("card not shown in the channel")
    try:  # what a restart after a crash does before sending anything again
        found = await messenger.find_delivered(community, where, card.ref, fingerprints=[messenger.fingerprint(card)])
    except DeliveryFailed as error:
        problems.append(f"read back: {error.reason}")
    else:
        if found is None or found.message_id != posted["id"]:
            problems.append("the posted card was not found again")
    return problems


@pytest.fixture
def intro_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"community": CommunitySettings(intro_channel="#intros")})


@pytest.fixture
async def with_invite_permissions(
    intro_settings: Settings,
) -> AsyncIterator[tuple[KindredOnDiscord, FakeDiscord, DefaultWorld]]:
    world = locked_down_world(kindred_permissions().value)
    async with FakeDiscord(world) as fake, kindred_on_discord(intro_settings, fake, cogs=[*discover(), Probe]) as bot:
        yield bot, fake, world


async def test_the_invite_permissions_are_enough(
    with_invite_permissions: tuple[KindredOnDiscord, FakeDiscord, DefaultWorld],
) -> None:
    bot, fake, world = with_invite_permissions
    assert await channel_work(bot, fake, world) == []
    [thread] = fake.threads()
    assert set(thread.member_ids) == {world.bot.id, world.members[0].id, world.members[1].id}


@pytest.mark.parametrize("permission", GRANTED)
async def test_each_invite_permission_is_needed(permission: str, intro_settings: Settings) -> None:
    fewer = discord.Permissions(kindred_permissions().value)
    setattr(fewer, permission, False)
    world = locked_down_world(fewer.value)
    async with FakeDiscord(world) as fake, kindred_on_discord(intro_settings, fake, cogs=[*discover(), Probe]) as bot:
        assert await channel_work(bot, fake, world) != [], f"nothing needs {permission}"


def test_the_invite_asks_for_nothing_dangerous() -> None:
    granted = kindred_permissions()
    assert not (granted.administrator or granted.manage_guild or granted.manage_roles or granted.manage_channels)
    assert not (granted.mention_everyone or granted.manage_messages or granted.kick_members)
    # Manage Threads only to delete the bot's own empty intro threads (Discord has no narrower permission)
