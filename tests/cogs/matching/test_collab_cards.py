"""Card edits one at a time per card, each showing the store as it is when the edit runs: many presses at once
leave the latest count on the card, and a platform that refuses an edit costs a log line, not the feature."""

from __future__ import annotations

import asyncio
import logging

import pytest
from rich.console import Console

from cogs.matching.collab.cards import CardEditor
from core.errors import DeliveryFailed
from core.messages import Message
from core.refs import ChannelRef, CommunityRef, MessageRef
from integrations.console.community import ConsoleMessenger, Outbox
from integrations.console.render import Screen

COMMUNITY = CommunityRef(1, "console", "console", "Console")


class SlowMessenger(ConsoleMessenger):
    """The console's messenger whose edits take a few turns of the event loop, as a platform's round trip does,
    noting how many run at once."""

    def __init__(self) -> None:
        super().__init__(Screen(Console(quiet=True), muted=True), {}, Outbox())
        self.running = 0
        self.most = 0

    async def edit(self, community: CommunityRef, ref: MessageRef, message: Message) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            for _ in range(3):
                await asyncio.sleep(0)
            await super().edit(community, ref, message)
        finally:
            self.running -= 1


async def test_many_presses_at_once_leave_the_latest_count_on_the_card() -> None:
    messenger = SlowMessenger()
    card = await messenger.send(COMMUNITY, ChannelRef("console", "general"), Message("0 in"))
    other = await messenger.send(COMMUNITY, ChannelRef("console", "general"), Message("other card"))
    editor = CardEditor()
    store = {"in": 0}

    async def render() -> Message:
        return Message(f"{store['in']} in")

    async def press() -> bool:
        store["in"] += 1  # the press is stored first, then the card follows
        await asyncio.sleep(0)
        return await editor.refresh(messenger, COMMUNITY, card, render, what="event 1")

    results = await asyncio.gather(*(press() for _ in range(20)))
    assert all(results) and messenger.most == 1  # never two edits of the card at once
    assert messenger.outbox.sent[0][2].text == "20 in"
    assert messenger.outbox.sent[1][2].text == "other card"
    assert await editor.refresh(messenger, COMMUNITY, other, render, what="event 2")
    assert messenger.outbox.sent[1][2].text == "20 in"
    assert editor._locks == {}  # nothing kept once the edits are done


async def test_a_refused_edit_is_logged_once_and_the_feature_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    messenger = SlowMessenger()
    gone = MessageRef("console", "general", "7")  # never sent

    async def render() -> Message:
        return Message("1 in")

    with caplog.at_level(logging.INFO, logger="cogs.matching.collab.cards"):
        assert not await CardEditor().refresh(messenger, COMMUNITY, gone, render, what="event 1")
    assert [r.getMessage() for r in caplog.records] == ["event 1: card in general not updated: unknown_message"]
    with pytest.raises(DeliveryFailed):
        await messenger.edit(COMMUNITY, gone, Message("x"))
    assert not await CardEditor().refresh(messenger, COMMUNITY, MessageRef("console", "general", ""), render,
                                          what="event 1")  # no card was posted: nothing to edit
