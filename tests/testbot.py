"""`testbot`: drive the real bot through the console community one typed line at a time, like errbot's testbot.

The fixture (tests/conftest.py) is the real app (`bootstrap.runtime.running_app`) on a fresh SQLite store, with
the console community in front of it; nothing is mocked. You type what a member would type and read back what the
bot said:

    async def test_join(testbot: TestBot) -> None:
        assert "You're in" in await testbot.run("/match join")
        await testbot.as_user("alice")                      # now alice types (created if new)
        assert "Only a moderator" in await testbot.run("/config show")
        await testbot.as_user("mia", moderator=True)
        assert "matching.hour" in await testbot.run("/config show matching")

Which cogs are loaded is the `app_cogs` fixture: every discovered feature by default. To test one feature on its
own, override it in the test module (or a conftest.py) with the cog and what it needs around it:

    @pytest.fixture
    def app_cogs() -> list[type[Cog]]:
        return with_defaults(Garden)                        # Garden plus /config, /setup and /help

Settings are the `settings` fixture (override it to start with other values, e.g. `load_settings(None,
storage=..., matching={"hour": 10})`); `testbot.settings` is what the app read, `await testbot.config()` the
console community's effective settings after any `/config set`.
"""

from __future__ import annotations

import io
from typing import Any, TypeVar

from pydantic import BaseModel

from cogs.config import COGS as CONFIG_COGS
from cogs.help import COGS as HELP_COGS
from core.commands import Cog
from core.dispatcher import App
from core.messages import Form
from core.refs import CommunityRef, MemberRef
from core.settings import CommunityConfig, Settings
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity

M = TypeVar("M", bound=BaseModel)

DEFAULT_COGS: tuple[type[Cog], ...] = (*CONFIG_COGS, *HELP_COGS)
"""What a test of one feature needs around it: /config and /setup to see and change its settings, /help to list
its commands."""


def with_defaults(*cogs: type[Cog]) -> list[type[Cog]]:
    """These cogs plus `DEFAULT_COGS` (each once), for the `app_cogs` fixture."""
    return list(dict.fromkeys([*cogs, *DEFAULT_COGS]))


def screen_text(community: ConsoleCommunity) -> str:
    """What a console community printed so far (its console writes to a StringIO in tests)."""
    file = community.screen.console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


class TestBot:
    """The console community of a running app, seen as one member typing lines (at first "admin", a moderator).

    `run` returns the plain text of every message the bot sent because of the line (replies, messages only the
    caller sees, channel posts, DMs, intros), one message per paragraph. What the console prints itself ("You are
    now alice.", a form's questions) is on `screen()`; an open form is `form`, answered field by field with
    further `run` calls.
    """

    __test__ = False  # a helper, not a test class

    def __init__(self, console: ConsoleCommunity) -> None:
        self.console = console

    @property
    def app(self) -> App:
        return self.console.app

    @property
    def settings(self) -> Settings:
        """The process-wide settings the app was started with (the `settings` fixture)."""
        return self.app.services.settings

    @property
    def member(self) -> MemberRef:
        """Who is typing."""
        return self.console.current.ref

    @property
    def form(self) -> Form | None:
        """The form a command opened and the console is asking for, field by field (None when there is none)."""
        return self.console.pending_form

    async def run(self, line: str, *, as_user: str | None = None) -> str:
        """Type `line` (a command, a choice number, a console command like `/join bob`, or a message) and return
        what the bot sent because of it. `as_user` types this one line as that member, then switches back."""
        previous = self.console.current
        if as_user is not None:
            await self.as_user(as_user)
        start = len(self.console.outbox.sent)
        try:
            await self.console.enter(line)
        finally:
            if as_user is not None:
                self.console.current = previous
        return "\n\n".join(m.plain_text() for _kind, _target, m in self.console.outbox.sent[start:])

    async def as_user(self, name: str, *, moderator: bool = False) -> MemberRef:
        """Type as member `name` from now on (created if new); `moderator` makes the platform call them one."""
        await self.console.handle(f"/as {name}")
        if moderator:
            self.console.current.moderator = True
        return self.member

    def sent(self, kind: str | None = None) -> list[str]:
        """Everything the bot sent so far, oldest first; `kind` is "reply", "ephemeral", "channel", "dm" or
        "intro"."""
        return self.console.outbox.texts(kind)

    def screen(self) -> str:
        """The whole console transcript as a person would see it."""
        return screen_text(self.console)

    async def community(self) -> CommunityRef:
        return await self.app.community(KEY)

    async def config(self) -> CommunityConfig:
        """The console community's settings: config.toml's defaults with its `/config set` overrides."""
        return await self.app.services.config.get((await self.community()).id)

    async def section(self, model: type[M]) -> M:
        """One feature's section of the community's settings, typed: `await testbot.section(GardenSettings)`."""
        return (await self.config()).section(model)

    async def overrides(self) -> dict[str, Any]:
        """The keys this community changed (`{"matching.hour": 10}`)."""
        return await self.app.services.overrides.all((await self.community()).id)
