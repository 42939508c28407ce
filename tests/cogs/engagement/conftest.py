"""Fixtures for the engagement tests: the real app with a clock the test controls, and a second community on
another platform (driven through the same console messenger) for cross-platform identity."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from rich.console import Console

from bootstrap.runtime import running_app
from cogs.engagement.api import recorder as running_recorder
from cogs.engagement.recorder import Recorder
from cogs.engagement.store.groups import GroupRepo
from core.dispatcher import App
from core.refs import ChannelRef, CommunityKey, CommunityRef, MemberRef
from core.settings import Settings
from integrations.console.community import KEY, ConsoleMessenger, ConsoleResponder
from integrations.console.repl import ConsoleCommunity
from tests.clock import FakeClock


class Clock(FakeClock):
    """services.clock for tests: starts at the real time (events from the console carry it) and moves on demand."""

    def __init__(self) -> None:
        super().__init__(datetime.now(UTC))

    def catch_up(self) -> None:
        """Move to the real time again: events from the console carry the real time of their arrival."""
        self.now = max(self.now, datetime.now(UTC))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def app(settings: Settings, clock: Clock) -> AsyncIterator[App]:
    async with running_app(settings, clock=clock) as running:
        yield running


@pytest.fixture
def recorder(app: App) -> Recorder:
    rec = running_recorder(app.services)
    assert isinstance(rec, Recorder)
    return rec


SLACK_KEY = CommunityKey("slack", "T0KINDRED", "Kindred Slack")
SLACK_CHANNEL = ChannelRef("slack", "C0GENERAL", "general")


class OtherMessenger(ConsoleMessenger):
    """The console's outbox, posing as the Slack integration's messenger (DMs to Slack accounts land there)."""

    platform = "slack"


@dataclass
class OtherPlatform:
    """A Slack-platform community driven through the console's messenger and responders."""

    app: App
    console: ConsoleCommunity
    community: CommunityRef

    async def member(self, user_id: str, name: str, username: str = "") -> MemberRef:
        return await self.app.resolve_member(self.community, MemberRef("slack", user_id, name,
                                                                       username=username or name.lower()))

    async def run(self, member: MemberRef, text: str) -> None:
        responder = ConsoleResponder(self.console.screen, self.console.outbox, member)
        await self.app.invoke(SLACK_KEY, member, SLACK_CHANNEL, text, None, responder, self.console.messenger)

    async def press(self, member: MemberRef, custom_id: str) -> None:
        responder = ConsoleResponder(self.console.screen, self.console.outbox, member)
        await self.app.press(SLACK_KEY, member, SLACK_CHANNEL, custom_id, responder, self.console.messenger)

    async def join_console(self) -> None:
        """Join the console community and this one into one linked group (as their moderators would)."""
        console = await self.app.community(KEY)
        await GroupRepo(self.app.services.store).join(console.id, 0, self.community.id, 0, self.app.services.clock())


@pytest.fixture
async def slack(app: App, console: ConsoleCommunity) -> OtherPlatform:
    app.register_messenger(OtherMessenger(console.screen, console.members, console.outbox))
    return OtherPlatform(app, console, await app.community(SLACK_KEY))


def fresh_console(app: App) -> ConsoleCommunity:
    return ConsoleCommunity(app, Console(file=io.StringIO(), width=120, force_terminal=False))


def last_reply(console: ConsoleCommunity) -> str:
    return console.outbox.sent[-1][2].plain_text()
