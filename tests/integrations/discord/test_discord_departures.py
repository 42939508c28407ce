"""Departures on Discord: a member removed from the guild (GUILD_MEMBER_REMOVE) has left for Kindred, and a new
GUILD_MEMBER_ADD brings them back. The real bot (real discord.py) against the fake Discord, on SQLite and
PostgreSQL: the shared scenario of tests/departures.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bootstrap.discovery import discover
from core.events import MemberJoined, MemberLeft, MessagePosted
from core.settings import load_settings
from tests.clock import FakeClock
from tests.departures import MEMBERS, MODERATOR, WELCOME, Reply, run_departure_scenario
from tests.fakes.discord import DefaultWorld, FakeDiscord, FakeUser, default_world
from tests.fakes.discord.server import new_user
from tests.integrations.discord.harness import KindredOnDiscord, as_registered, kindred_on_discord
from tests.integrations.discord.probe import Probe


def visible(message: dict[str, Any]) -> Reply:
    """A Discord message as the member reads it: content, embeds (with their fields) and button labels."""
    parts = [str(message.get("content") or "")]
    fields: dict[str, str] = {}
    for embed in message.get("embeds") or []:
        parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        for f in embed.get("fields") or []:
            parts.append(f"{f['name']}: {f['value']}")
            fields[str(f["name"])] = str(f["value"])
    for row in message.get("components") or []:
        parts += [str(c.get("label") or "") for c in row.get("components") or []]
    return Reply("\n".join(parts), fields)


class DiscordDepartures:
    """The scenario's `Community` on the fake Discord guild (the moderator has Manage Server)."""

    def __init__(self, bot: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld, clock: FakeClock) -> None:
        self.app = bot.app
        self.fake = fake
        self.world = world
        self.clock = clock
        self.users: dict[str, FakeUser] = {MODERATOR: world.moderator}
        self.users.update(zip(MEMBERS, world.members, strict=True))
        probe = bot.app.cog("probe")
        assert isinstance(probe, Probe)
        self.probe = probe

    def name(self, who: str) -> str:
        return who

    async def command(self, who: str, path: str, **options: Any) -> Reply:
        record = await self.fake.slash(as_registered(self.app, path), user=self.users[who], options=options)
        return visible(await self.fake.wait_for_reply(record))

    async def press(self, who: str, custom_id: str) -> Reply:
        record = await self.fake.click(custom_id, user=self.users[who])
        return visible(await self.fake.wait_for_reply(record))

    async def _taken_in(self, kind: type, who: str, before: int) -> None:
        """Wait until the probe (the last cog: every feature's handler ran before it) saw one more such event."""
        user_id = str(self.users[who].id)

        def count() -> int:
            return sum(1 for e in self.probe.seen_of(kind) if e.member.user_id == user_id)  # type: ignore[attr-defined]

        await self.fake.wait_until(lambda: count() > before, what=f"{kind.__name__} of {who}")

    def _seen(self, kind: type, who: str) -> int:
        user = self.users.get(who)
        return 0 if user is None else sum(
            1 for e in self.probe.seen_of(kind) if e.member.user_id == str(user.id))  # type: ignore[attr-defined]

    async def post(self, who: str, text: str) -> None:
        before = self._seen(MessagePosted, who)
        await self.fake.post_message(self.users[who], text, channel="general")
        await self._taken_in(MessagePosted, who, before)

    async def arrive(self, who: str) -> None:
        before = self._seen(MemberJoined, who)
        user = self.users.setdefault(who, new_user(who, global_name=who))
        await self.fake.member_join(user)
        await self._taken_in(MemberJoined, who, before)

    async def depart(self, who: str) -> None:
        before = self._seen(MemberLeft, who)
        await self.fake.member_leave(self.users[who])
        await self._taken_in(MemberLeft, who, before)

    def dms(self, who: str) -> list[str]:
        user = self.users.get(who)
        return [] if user is None else [visible(m).text for m in self.fake.dms_to(user)]

    async def member_id(self, who: str) -> int:
        row = await self.app.services.members.by_user_id(await self.community_id(), str(self.users[who].id))
        assert row is not None, f"{who} is not in the store"
        return row.id

    async def community_id(self) -> int:
        return (await self.app.services.communities.all("discord"))[0].id


async def test_a_member_who_left_the_guild(store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    world = default_world(member_count=len(MEMBERS))
    for user, who in zip(world.members, MEMBERS, strict=True):
        user.username = user.global_name = who
    clock = FakeClock(datetime.now(UTC))  # Discord events carry the real time of their arrival
    settings = load_settings(None, storage={"url": url}, welcome=WELCOME)
    async with (FakeDiscord(world) as fake,
                kindred_on_discord(settings, fake, cogs=[*discover(), Probe], clock=clock,
                                   connect_args=connect_args) as bot):
        await run_departure_scenario(DiscordDepartures(bot, fake, world, clock))
