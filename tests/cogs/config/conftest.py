"""Fixtures for the config feature: an App with the config cogs, and communities driven through `app.invoke`.

`Community` is a console-like community with its own CommunityKey, members and outbox (the console's own
messenger and responder classes), so two of them on one App show that nothing crosses between communities.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bootstrap.runtime import running_app
from cogs.config import COGS as CONFIG_COGS
from cogs.help.cog import Help
from cogs.profiles.cog import Profiles
from core.dispatcher import App
from core.messages import Form, Message
from core.refs import CommunityKey, CommunityRef, MemberRef
from core.settings import Settings, load_settings
from integrations.console.community import GENERAL, ConsoleMember, ConsoleMessenger, ConsoleResponder, Outbox
from integrations.console.render import Screen

OWNER_ID = "owner"
KEY_A = CommunityKey("console", "community-a", "Community A")
KEY_B = CommunityKey("console", "community-b", "Community B")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(None, storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'kindred.db'}"},
                         owners=[f"console:{OWNER_ID}"])


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    """Only the cogs this feature needs: other features are built concurrently and may be half-finished."""
    async with running_app(settings, cogs=[*CONFIG_COGS, Help, Profiles]) as running:
        yield running


@dataclass
class Community:
    """One community on the shared App; `run` types a command as a member, like the console does."""

    app: App
    key: CommunityKey
    members: dict[str, ConsoleMember] = field(default_factory=dict)
    outbox: Outbox = field(default_factory=Outbox)
    form: Form | None = None

    def __post_init__(self) -> None:
        self.screen = Screen(Console(file=io.StringIO(), width=200, force_terminal=False))
        self.messenger = ConsoleMessenger(self.screen, self.members, self.outbox)

    def add(self, name: str, *, admin: bool = False, roles: Sequence[str] = ()) -> ConsoleMember:
        """A member; `admin` makes the platform call them an administrator (a moderator for Kindred)."""
        m = self.members.get(name)
        if m is None:
            m = self.members[name] = ConsoleMember(MemberRef("console", name, name.title(), username=name,
                                                             roles=tuple(roles)), moderator=admin)
        return m

    async def ref(self) -> CommunityRef:
        return await self.app.community(self.key)

    def _responder(self, who: str) -> ConsoleResponder:
        return ConsoleResponder(self.screen, self.outbox, self.add(who).ref)

    async def run(self, who: str, text: str, raw: str | dict[str, Any] | None = None) -> bool:
        responder = self._responder(who)
        ok = await self.app.invoke(self.key, self.add(who).ref, GENERAL, text, raw, responder, self.messenger)
        self.form = responder.form
        return ok

    async def press(self, who: str, custom_id: str, values: Sequence[str] = ()) -> bool:
        responder = self._responder(who)
        ok = await self.app.press(self.key, self.add(who).ref, GENERAL, custom_id, responder, self.messenger,
                                  values=values)
        self.form = responder.form or self.form
        return ok

    async def submit(self, who: str, custom_id: str, values: dict[str, str]) -> bool:
        responder = self._responder(who)
        ok = await self.app.submit(self.key, self.add(who).ref, GENERAL, custom_id, values, responder,
                                   self.messenger)
        self.form = responder.form
        return ok

    def replies(self) -> list[Message]:
        return [m for kind, _t, m in self.outbox.sent if kind in ("reply", "ephemeral")]

    def last(self) -> str:
        return self.replies()[-1].plain_text()

    def all_text(self) -> str:
        return "\n".join(m.plain_text() for m in self.replies())

    def buttons(self) -> list[str]:
        return [b.custom_id for m in self.replies() for b in m.buttons]

    async def overrides(self) -> dict[str, Any]:
        return await self.app.services.overrides.all((await self.ref()).id)

    async def config(self) -> Any:
        return await self.app.services.config.get((await self.ref()).id)


@pytest.fixture
def community_a(app: App) -> Community:
    c = Community(app, KEY_A)
    c.add("admin", admin=True)
    c.add("alice")
    c.add(OWNER_ID)
    return c


@pytest.fixture
def community_b(app: App) -> Community:
    c = Community(app, KEY_B)
    c.add("bob", admin=True)
    c.add("admin")  # same platform account as A's admin, but no admin rights here
    return c
