"""Departures on Slack: a member deactivated in the workspace (``user_change`` with ``deleted: true``) has left
for Kindred, and a reactivation brings them back. The real bot (real slack-bolt) against the fake Slack, in both
modes, on SQLite and PostgreSQL: the shared scenario of tests/departures.py, plus what ``user_change`` may say."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.events import MemberJoined, MemberLeft
from core.refs import CommunityKey, MemberRef
from integrations.slack.events import user_changed
from tests.clock import FakeClock
from tests.departures import MODERATOR, WELCOME, Reply, run_departure_scenario
from tests.fakes.slack import FakeSlack
from tests.integrations.slack.conftest import Bot, BotFactory
from tests.integrations.slack.test_slack_commands import texts

SLACK_TIME = datetime.fromtimestamp(1_700_000_000, UTC)
"""The fake's events carry Slack timestamps of this day (``event_ts``): the bot's clock stands there too."""


def uid(who: str) -> str:
    return f"U0{who.upper()}"


def fields_of(body: dict[str, Any]) -> dict[str, str]:
    """The ``*name*\\nvalue`` fields of a Block Kit message."""
    found: dict[str, str] = {}
    for block in body.get("blocks") or []:
        pieces = [f.get("text", "") for f in block.get("fields") or []]
        if isinstance(block.get("text"), dict):
            pieces.append(block["text"].get("text", ""))
        for piece in pieces:
            head, _, value = str(piece).partition("\n")
            if head.startswith("*") and head.endswith("*") and len(head) > 2:
                found[head.strip("*")] = value
    return found


class SlackDepartures:
    """The scenario's `Community` on the fake Slack workspace (the moderator is a workspace admin)."""

    def __init__(self, bot: Bot, slack: FakeSlack, clock: FakeClock) -> None:
        self.bot = bot
        self.app = bot.app
        self.slack = slack
        self.clock = clock

    def name(self, who: str) -> str:
        return who

    def _answer(self, since: int) -> Reply:
        bodies = [r.body for r in self.slack.responses[since:]]
        assert bodies, "the bot did not answer"
        buttons = [str(e.get("text", {}).get("text", "")) for b in bodies for block in b.get("blocks") or []
                   if block.get("type") == "actions" for e in block["elements"]]
        return Reply("\n".join([*(texts(b) for b in bodies), *buttons]),
                     {k: v for b in bodies for k, v in fields_of(b).items()})

    async def command(self, who: str, path: str, **options: Any) -> Reply:
        group, _, sub = path.partition(" ")
        text = " ".join([sub, *(f"{k}:{v}" for k, v in options.items())]).strip()
        since = len(self.slack.responses)
        await self.bot.command(f"/{group}", text, user_id=uid(who))
        return self._answer(since)

    async def press(self, who: str, custom_id: str) -> Reply:
        since = len(self.slack.responses)
        await self.bot.interactive(self.slack.payloads.block_action(custom_id, user_id=uid(who)))
        return self._answer(since)

    async def post(self, who: str, text: str) -> None:
        await self.bot.event(self.slack.payloads.event_callback(self.slack.payloads.message(uid(who), text)))

    async def arrive(self, who: str) -> None:
        pay = self.slack.payloads
        user = self.slack.workspace.users.get(uid(who))
        if user is not None and user.deleted:
            await self.bot.event(pay.event_callback(pay.user_change(uid(who), deleted=False)))
        else:
            await self.bot.event(pay.event_callback(pay.team_join(uid(who), who)))

    async def depart(self, who: str) -> None:
        pay = self.slack.payloads
        await self.bot.event(pay.event_callback(pay.user_change(uid(who), deleted=True)))

    def dms(self, who: str) -> list[str]:
        workspace = self.slack.workspace
        return [str(m.text) for m in workspace.messages_in(workspace.dm_channel_of(uid(who)).id)]

    async def member_id(self, who: str) -> int:
        return await self.bot.member_id(uid(who))

    async def community_id(self) -> int:
        return (await self.bot.community()).id


def add_members(slack: FakeSlack) -> None:
    slack.workspace.add_user(uid(MODERATOR), MODERATOR, is_admin=True)
    for who in ("ana", "ben", "cleo", "dev"):
        slack.workspace.add_user(uid(who), who)
        slack.workspace.channels["C0GENERAL"].members.append(uid(who))


async def test_a_deactivated_member_has_left(
        start_bot: BotFactory, slack: FakeSlack, mode: str, store_url: tuple[str, dict[str, Any]]) -> None:
    add_members(slack)
    clock = FakeClock(SLACK_TIME)
    async with start_bot(mode=mode, store=store_url, clock=clock, welcome=WELCOME) as bot:
        await run_departure_scenario(SlackDepartures(bot, slack, clock))


async def test_user_change_is_a_departure_or_a_return_only_when_it_is_news(
        start_bot: BotFactory, slack: FakeSlack, store_url: tuple[str, dict[str, Any]]) -> None:
    pay = slack.payloads
    slack.workspace.add_user("U0GHOST", "ghost")
    async with start_bot(store=store_url) as bot:
        await bot.command("/profile", "set topics:rust", user_id="U0BOB")  # bob is known to Kindred
        await bot.event(pay.event_callback(pay.user_change("U0BOB", real_name="Robert")))  # a new name
        await bot.event(pay.event_callback(pay.user_change("U0GHOST", deleted=True)))  # never seen by Kindred
        assert bot.probe.events == []
        assert await bot.app.services.members.by_user_id((await bot.community()).id, "U0GHOST") is None

        await bot.event(pay.event_callback(pay.user_change("U0BOB", deleted=True)))
        await bot.event(pay.event_callback(pay.user_change("U0BOB", deleted=True, real_name="Bob")))  # again
        [left] = bot.probe.events
        assert isinstance(left, MemberLeft) and left.member.user_id == "U0BOB"
        row = await bot.app.services.members.by_user_id((await bot.community()).id, "U0BOB")
        assert row is not None and row.left_at == left.at

        await bot.event(pay.event_callback(pay.user_change("U0BOB", deleted=False)))
        [_left, back] = bot.probe.events
        assert isinstance(back, MemberJoined) and back.trigger == "join"
        row = await bot.app.services.members.by_user_id((await bot.community()).id, "U0BOB")
        assert row is not None and row.left_at is None and row.joined_at == back.at
        # a team_join of a member marked as gone is a return too
        await bot.event(pay.event_callback(pay.user_change("U0BOB", deleted=True)))
        await bot.event(pay.event_callback(pay.team_join("U0BOB")))
        row = await bot.app.services.members.by_user_id((await bot.community()).id, "U0BOB")
        assert row is not None and row.left_at is None
        assert [type(e) for e in bot.probe.events] == [MemberLeft, MemberJoined, MemberLeft, MemberJoined]
        # and a deactivated member is no moderator any more, even a workspace admin
        slack.workspace.add_user("U0ADMIN", "admin", is_admin=True)
        await bot.event(pay.event_callback(pay.user_change("U0ADMIN", deleted=True)))
        assert not await bot.integration.directory.is_admin("U0ADMIN")


@pytest.mark.parametrize(("deleted", "gone", "bot", "expected"), [
    (True, False, False, MemberLeft),   # deactivated: a departure
    (True, True, False, None),          # said again: nothing new
    (True, None, False, None),          # never seen by Kindred: nothing to leave
    (False, True, False, MemberJoined),  # reactivated: a return
    (False, False, False, None),        # a new name, a status: nothing
    (False, None, False, None),
    (True, False, True, None),          # apps and bots are no members
])
def test_what_a_user_change_means(deleted: bool, gone: bool | None, bot: bool, expected: type | None) -> None:
    key = CommunityKey("slack", "T0KINDRED")
    body = {"event_id": "Ev0X", "event": {"event_ts": "1700000100.000001"}}
    member = MemberRef("slack", "U0X", "x", is_bot=bot)
    event = user_changed(key, body, member, deleted=deleted, gone=gone)
    assert (type(event) if event is not None else None) is expected
    if event is not None:
        assert event.event_id == "Ev0X" and event.at == datetime.fromtimestamp(1700000100.000001, UTC)
        assert not isinstance(event, MemberJoined) or event.trigger == "join"
