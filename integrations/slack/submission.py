"""Modal submits whose problems are shown in the modal, next to the field, instead of a message after it closed.

Slack lets the ack of a ``view_submission`` keep the modal open with errors (``response_action: errors``), but
the ack must come within three seconds. So the form's handler starts at once, and the ack waits for its verdict
for at most `ACK_BUDGET` seconds: a refusal (core/guard.py answers bad input with a `refused` message naming the
field) becomes the modal's errors and nothing else is said; a success acks plainly and the modal closes. A
handler still busy when the budget is spent is acked plainly and goes on; should it refuse after all, the
refusal is sent as a message as before, so nothing the person must know is lost.

A refusal not tied to a field (no permission, the store is down) is shown at the first input, since Slack has
no place for a modal-wide error.
"""

from __future__ import annotations

import asyncio
from typing import Any

from core.aio import bounded
from core.messages import Form, Message
from core.refs import MessageRef, Platform
from integrations.slack.responder import SlackResponder

ACK_BUDGET = 2.4
"""Seconds of Slack's three the ack of a modal submit waits for the handler's verdict (bolt acks within 3)."""
MAX_ERROR = 300


class SubmissionResponder:
    """Answers a modal submit; holds back its first refusal until the ack, which may show it in the modal."""

    def __init__(self, inner: SlackResponder) -> None:
        self.inner = inner
        self.refusal: Message | None = None
        self.decided = asyncio.Event()
        self._holding = True

    @property
    def locale(self) -> str | None:
        return self.inner.locale

    async def defer(self, *, ephemeral: bool = False) -> None:
        await self.inner.defer(ephemeral=ephemeral)

    async def reply(self, message: Message, *, ephemeral: bool = False) -> MessageRef:
        if self._holding and message.refused and self.refusal is None:
            self.refusal = message
            self.decided.set()
            return MessageRef(Platform.SLACK.value, self.inner.interaction.channel_id or "", "")
        return await self.inner.reply(message, ephemeral=ephemeral)

    async def open_form(self, form: Form) -> None:
        await self.inner.open_form(form)

    async def verdict(self, view: dict[str, Any], within: float = ACK_BUDGET) -> dict[str, str] | None:
        """Wait (at most ``within`` seconds, or until the handler is done: see `done`) for a refusal; the modal
        errors to ack with, or None to ack plainly."""
        try:
            await bounded(self.decided.wait(), within)
        except TimeoutError:
            pass
        self._holding = False
        if self.refusal is None:
            return None
        errors = modal_errors(self.refusal, view)
        if errors:
            self.refusal = None
        return errors

    def done(self, _task: object = None) -> None:
        """The handler finished: nothing more to wait for."""
        self.decided.set()

    async def release(self) -> None:
        """After a plain ack: a refusal held back (no field to show it at) goes out as a message."""
        self._holding = False
        refusal, self.refusal = self.refusal, None
        if refusal is not None:
            await self.inner.reply(refusal, ephemeral=True)


def input_blocks(view: dict[str, Any]) -> list[str]:
    """The block ids of the view's inputs, in order (from its blocks, else from its submitted state)."""
    ids = [str(b["block_id"]) for b in view.get("blocks") or [] if b.get("type") == "input" and b.get("block_id")]
    return ids or [str(k) for k in ((view.get("state") or {}).get("values") or {})]


def modal_errors(refusal: Message, view: dict[str, Any]) -> dict[str, str] | None:
    """``response_action: errors`` for a refusal: each named field's message at its block, or the whole message
    at the first input; None when the view has no input to show it at."""
    inputs = input_blocks(view)
    errors = {f: text[:MAX_ERROR] for f, text in refusal.field_errors.items() if f in inputs}
    if not errors and inputs:
        errors = {inputs[0]: (refusal.text or refusal.plain_text())[:MAX_ERROR]}
    return errors or None
