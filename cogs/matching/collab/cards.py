"""Keeping a posted card (a project's, an event's) in step with the store: best-effort edits, one at a time per card.

The store is the truth; the card only shows it. Each refresh renders the card from the store's current state
while it holds that card's lock, so presses in quick succession cannot leave an older count showing: whichever
edit runs last read the store last. A platform that refuses the edit (message deleted, access taken away) costs
one log line, and the feature goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from core.context import Messenger
from core.errors import DeliveryFailed
from core.messages import Message
from core.refs import CommunityRef, MessageRef

log = logging.getLogger(__name__)


class CardEditor:
    """Serialises the edits of each card; a card's lock lives only while edits of it wait or run."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str, str], asyncio.Lock] = {}
        self._users: dict[tuple[str, str, str], int] = {}

    async def refresh(self, messenger: Messenger, community: CommunityRef, ref: MessageRef,
                      render: Callable[[], Awaitable[Message | None]], *, what: str) -> bool:
        """Edit the card `ref` to what `render` builds from the store now (None: leave it); True when edited.

        `what` names the card in the log line ("project 12")."""
        if not ref.message_id:
            return False
        key = (ref.platform, ref.channel_id, ref.message_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                message = await render()
                if message is None:
                    return False
                try:
                    await messenger.edit(community, ref, message)
                except DeliveryFailed as exc:
                    log.info("%s: card in %s not updated: %s", what, ref.channel_id, exc.reason)
                    return False
                return True
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]
