"""Drop redelivered Slack events: Slack retries an event (same ``event_id``) when the ack seemed late.

A bounded memory of recently seen ids is enough: Slack retries within minutes, at most three times.
"""

from __future__ import annotations

from collections import OrderedDict


class RecentIds:
    """Remembers the last ``capacity`` ids; ``first_time(id)`` is True once per id."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()

    def first_time(self, event_id: str) -> bool:
        """Record ``event_id``; False when it was seen before (a retry). Empty ids always count as new."""
        if not event_id:
            return True
        if event_id in self._seen:
            self._seen.move_to_end(event_id)
            return False
        self._seen[event_id] = None
        if len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._seen)
