"""A newcomer's first command: those that never read the caller's store id (`/help`) are answered without
waiting for the account to be written; every other command waits for it; the account is recorded either way."""

from __future__ import annotations

import asyncio

from core.dispatcher import App
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity


async def _answers(console: ConsoleCommunity, count: int) -> None:
    for _ in range(200):
        if len(console.outbox.sent) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no answer")


async def test_help_does_not_wait_for_the_newcomer_s_account(app: App, console: ConsoleCommunity) -> None:
    community = await app.community(KEY)
    members = app.services.members
    before = len(console.outbox.sent)
    async with app.services.store.write_lock():  # every write of the bot's own waits meanwhile
        console.current = console.add_member("newbie")
        helping = asyncio.create_task(console.handle("/help"))
        await _answers(console, before + 1)
        assert "/profile" in console.outbox.sent[before][2].plain_text()
        assert await members.by_user_id(community.id, console.current.ref.user_id) is None

        console.current = console.add_member("other")
        showing = asyncio.create_task(console.handle("/profile show"))
        await asyncio.sleep(0.2)
        assert len(console.outbox.sent) == before + 1  # needs the account: waits for the write
    await asyncio.wait_for(asyncio.gather(helping, showing), 10)
    assert len(console.outbox.sent) == before + 2
    for name in ("newbie", "other"):  # both accounts recorded (/help's when its use was counted)
        found = console.by_name(name)
        assert found is not None
        row = await members.by_user_id(community.id, found.ref.user_id)
        assert row is not None and row.display_name == name
