"""Departures in the console community (`/leave NAME`, `/join NAME`), on SQLite and PostgreSQL: the shared
scenario of tests/departures.py, driven through the console's own commands and the real dispatcher."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from bootstrap.runtime import running_app
from core.dispatcher import App
from core.settings import load_settings
from integrations.console.community import GENERAL, KEY, ConsoleResponder
from integrations.console.repl import ConsoleCommunity
from tests.clock import FakeClock
from tests.conftest import screen_text
from tests.departures import MODERATOR, WELCOME, Reply, run_departure_scenario


class ConsoleDepartures:
    """The scenario's `Community` for the console: the moderator is the console's `admin`."""

    def __init__(self, app: App, console: ConsoleCommunity, clock: FakeClock) -> None:
        self.app = app
        self.console = console
        self.clock = clock

    @staticmethod
    def _who(who: str) -> str:
        return "admin" if who == MODERATOR else who

    def name(self, who: str) -> str:
        return self._who(who)

    def _answer(self, since: int) -> Reply:
        answers = [m for k, _t, m in self.console.outbox.sent[since:] if k in ("reply", "ephemeral")]
        assert answers, "the bot did not answer"
        return Reply("\n".join(m.plain_text() + "\n" + "\n".join(b.label for b in m.buttons) for m in answers),
                     {f.name: f.value for m in answers for f in m.fields})

    async def command(self, who: str, path: str, **options: Any) -> Reply:
        await self.console.handle(f"/as {self._who(who)}")
        since = len(self.console.outbox.sent)
        await self.console.handle(" ".join([f"/{path}", *(f"{k}:{v}" for k, v in options.items())]))
        return self._answer(since)

    async def press(self, who: str, custom_id: str) -> Reply:
        await self.console.handle(f"/as {self._who(who)}")
        since = len(self.console.outbox.sent)
        responder = ConsoleResponder(self.console.screen, self.console.outbox, self.console.current.ref)
        await self.app.press(KEY, self.console.current.ref, GENERAL, custom_id, responder, self.console.messenger)
        return self._answer(since)

    async def post(self, who: str, text: str) -> None:
        await self.console.handle(f"/as {who}")
        await self.console.handle(text)

    async def arrive(self, who: str) -> None:
        await self.console.handle(f"/join {who}")

    async def depart(self, who: str) -> None:
        await self.console.handle(f"/leave {who}")

    def dms(self, who: str) -> list[str]:
        return [m.plain_text() for k, t, m in self.console.outbox.sent if k == "dm" and t == who]

    async def member_id(self, who: str) -> int:
        row = await self.app.services.members.by_user_id(await self.community_id(), self._who(who))
        assert row is not None, f"{who} is not in the store"
        return row.id

    async def community_id(self) -> int:
        return (await self.app.community(KEY)).id


async def test_a_member_who_left_the_console_community(store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    clock = FakeClock(datetime.now(UTC))  # console events carry the real time of their arrival
    settings = load_settings(None, storage={"url": url}, welcome=WELCOME)
    async with running_app(settings, clock=clock, connect_args=connect_args, start_scheduler=False) as app:
        console = ConsoleCommunity(app, Console(file=io.StringIO(), width=160, force_terminal=False))
        await console.setup(demo=0)
        await run_departure_scenario(ConsoleDepartures(app, console, clock))


async def test_members_shows_who_left_and_join_brings_them_back(console: ConsoleCommunity) -> None:
    await console.handle("/join Zoe")
    await console.handle("/leave zoe")
    await console.handle("/leave nobody")
    await console.handle("/members")
    out = screen_text(console)
    assert "- Zoe (left)" in out and "- admin (moderator)" in out
    assert "No member called nobody." in out
    await console.handle("/join zoe")
    await console.handle("/members")
    assert screen_text(console).rstrip().endswith("- Zoe")
