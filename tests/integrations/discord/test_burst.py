"""A burst of joins and commands at once (a raid, a big announcement), on the real bot against the fake Discord:
every command gets its real answer, every newcomer exactly one greeting, and the event queue stays within its
bound while the gateway keeps delivering. Timing is measured by bench/burst.py, never asserted here."""

from __future__ import annotations

import asyncio
import re

from core.refs import CommunityKey
from core.settings import Settings
from tests.fakes.discord import FakeDiscord, FakeMember, FakeUser, default_world, new_user
from tests.integrations.discord.harness import kindred_on_discord

JOINS = 40
COMMANDS = 30
EVENT_BOUND = 8  # far below the burst, so that producers have to wait for room


def _greetings(fake: FakeDiscord, user: FakeUser) -> int:
    return len(fake.dms_to(user))


async def test_a_burst_of_joins_never_costs_an_answer_and_greets_everyone_once(settings: Settings) -> None:
    world = default_world(member_count=COMMANDS)
    welcome = settings.welcome.model_copy(update={"delay_seconds": 0})
    configured = settings.model_copy(update={"welcome": welcome})
    async with FakeDiscord(world) as fake, kindred_on_discord(configured, fake) as bot:
        events = bot.app.events
        events.max_size = EVENT_BOUND
        newcomers = [new_user(f"newcomer{i}", global_name=f"Newcomer {i}") for i in range(JOINS)]
        records = []
        for i in range(JOINS):
            await fake.member_join(newcomers[i])
            if i < COMMANDS:
                records.append(await fake.slash("help", user=world.members[i]))

        await fake.wait_until(lambda: all(r.answered_at is not None for r in records), timeout=60,
                              what="every real answer")
        await fake.wait_until(lambda: all(_greetings(fake, u) for u in newcomers), timeout=60,
                              what="a greeting for every newcomer")
        assert await events.drain(within=30)
        welcome_cog = bot.app.cog("welcome")
        assert welcome_cog is not None
        await welcome_cog.tick()  # anything still due would be sent now: nobody may get a second greeting
        await asyncio.sleep(0.2)

        for record in records:
            answer = await fake.wait_for_reply(record)
            assert "Kindred commands" in str(answer["embeds"]) + answer["content"]
            assert "/help" in str(answer["embeds"]) + answer["content"]
        assert [_greetings(fake, u) for u in newcomers] == [1] * JOINS
        assert events.stats.max_queued <= EVENT_BOUND
        assert events.stats.waited_for_room > 0  # the bound was reached, and held
        assert events.stats.failed == 0
        community = await bot.app.community(CommunityKey("discord", str(world.guild.id)))
        for user in newcomers:
            row = await bot.app.services.members.by_user_id(community.id, str(user.id))
            assert row is not None and row.joined_at is not None  # every join was recorded



async def test_the_level_check_of_a_command_needs_no_member_lookup(settings: Settings) -> None:
    """A person outside discord.py's member cache (a large guild, a join the gateway has not told yet): the
    interaction carries their roles and permissions, so the moderator check asks Discord nothing."""
    world = default_world()
    async with FakeDiscord(world) as fake, kindred_on_discord(settings, fake):
        mod_role = world.guild.role_named("Moderator")
        unseen = new_user("unseen", global_name="Unseen Moderator")
        world.guild.members.append(FakeMember(unseen, role_ids=[mod_role.id]))  # no GUILD_MEMBER_ADD sent
        answer = await fake.wait_for_reply(await fake.slash("config show", user=unseen))
        assert "Only a" not in answer["content"] + str(answer["embeds"])  # a moderator command, allowed
        lookups = fake.requests("GET", re.compile(r"/guilds/\d+/members/\d+"))
        assert lookups == []
