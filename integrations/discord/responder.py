"""Answers one Discord interaction for the dispatcher: defer, (ephemeral) replies, modals, autocomplete.

Discord wants a first answer within 3 seconds and then accepts follow-ups for 15 minutes. The responder
defers on its own shortly before the deadline when the handler is still busy, turns the first reply after a
defer into an edit of the "thinking" message, and sends later replies as follow-ups. When a handler ends
without answering, `finish` acknowledges the interaction so the person never sees "This interaction failed".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord

from core.errors import UserError
from core.i18n import N_
from core.messages import Form, Message
from core.refs import MessageRef
from integrations.discord.errors import delivery_error
from integrations.discord.refs import PLATFORM
from integrations.discord.render import Rendered, render_form, render_message

log = logging.getLogger(__name__)

AUTO_DEFER_AFTER = 2.2
"""Seconds after which an unanswered interaction is deferred (Discord's limit is 3 s)."""


class InteractionResponder:
    """Implements core.context.Responder for one interaction."""

    def __init__(
        self,
        interaction: discord.Interaction,
        *,
        scope_guild_id: int | None = None,
        auto_defer_after: float | None = AUTO_DEFER_AFTER,
    ) -> None:
        self.interaction = interaction
        self.locale = str(interaction.locale)  # the person's app language: answers to them may follow it
        self.scope_guild_id = scope_guild_id  # set for DMs: component ids then carry the guild
        self.auto_defer_after = auto_defer_after
        self._lock = asyncio.Lock()
        self._deferred_ephemeral: bool | None = None
        self._original_used = False
        self._timer: asyncio.TimerHandle | None = None
        self._deferring: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle
    def arm(self) -> None:
        """Start the auto-defer timer (call when the interaction arrives). A timer, not a task: most answers
        come long before it, and a burst of interactions should not cost a sleeping task each."""
        if self.auto_defer_after is not None and self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.auto_defer_after, self._start_auto_defer, loop)

    def _start_auto_defer(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self.interaction.response.is_done():
            self._deferring = loop.create_task(self._auto_defer())

    async def _auto_defer(self) -> None:
        try:
            await self.defer(ephemeral=True)
        except Exception:
            log.warning("auto-defer of an interaction failed", exc_info=True)

    async def finish(self) -> None:
        """Stop the timer; acknowledge an interaction the handler left unanswered."""
        if self._timer is not None:
            self._timer.cancel()
        if self._deferring is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._deferring
        async with self._lock:
            try:
                if not self.interaction.response.is_done():
                    if self._updates_a_message():
                        await self.interaction.response.defer()
                    else:
                        await self.interaction.response.defer(ephemeral=True, thinking=True)
                        await self.interaction.delete_original_response()
                elif self._deferred_ephemeral is not None and not self._original_used:
                    await self.interaction.delete_original_response()
            except discord.HTTPException as error:
                delivery_error("interaction acknowledgement", error)

    def _updates_a_message(self) -> bool:
        """Components (and modals opened from them) may be acknowledged silently (type 6)."""
        kind = self.interaction.type
        return kind is discord.InteractionType.component or (
            kind is discord.InteractionType.modal_submit and self.interaction.message is not None
        )

    # ------------------------------------------------------------------ Responder
    async def defer(self, *, ephemeral: bool = False) -> None:
        async with self._lock:
            if self.interaction.response.is_done():
                return
            try:
                await self.interaction.response.defer(ephemeral=ephemeral, thinking=True)
            except discord.HTTPException as error:
                raise delivery_error("interaction defer", error) from None
            self._deferred_ephemeral = ephemeral

    async def reply(self, message: Message, *, ephemeral: bool = False) -> MessageRef:
        rendered = render_message(message, guild_id=self.scope_guild_id)
        async with self._lock:
            try:
                return await self._reply(rendered, ephemeral)
            except discord.HTTPException as error:
                raise delivery_error("interaction reply", error) from None

    async def _reply(self, rendered: Rendered, ephemeral: bool) -> MessageRef:
        interaction = self.interaction
        channel_id = str(interaction.channel_id or "")
        if not interaction.response.is_done():
            response = await interaction.response.send_message(**rendered.send_kwargs(), ephemeral=ephemeral)
            message_id = response.message_id if response is not None else None
            return MessageRef(PLATFORM, channel_id, str(message_id or ""))
        if self._deferred_ephemeral is not None and not self._original_used:
            self._original_used = True
            if self._deferred_ephemeral == ephemeral:
                edited = await interaction.edit_original_response(**rendered.edit_kwargs())
                return MessageRef(PLATFORM, channel_id, str(edited.id))
            # The "thinking" message has the wrong visibility: answer anew and remove it.
            sent = await interaction.followup.send(**rendered.send_kwargs(), ephemeral=ephemeral, wait=True)
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
            return MessageRef(PLATFORM, channel_id, str(sent.id))
        sent = await interaction.followup.send(**rendered.send_kwargs(), ephemeral=ephemeral, wait=True)
        return MessageRef(PLATFORM, channel_id, str(sent.id))

    async def open_form(self, form: Form) -> None:
        async with self._lock:
            if self.interaction.response.is_done() or self.interaction.type is discord.InteractionType.modal_submit:
                raise UserError(N_("I can't open that form from here. Please run the command again."))
            try:
                await self.interaction.response.send_modal(render_form(form, guild_id=self.scope_guild_id))
            except discord.HTTPException as error:
                raise delivery_error("open modal", error) from None

    async def autocomplete(self, suggestions: list[str]) -> None:
        """Answer an autocomplete interaction (at most 25 suggestions of at most 100 characters)."""
        choices = [discord.app_commands.Choice(name=s[:100], value=s[:100]) for s in suggestions[:25] if s]
        async with self._lock:
            if self.interaction.response.is_done():
                return
            try:
                await self.interaction.response.autocomplete(choices)
            except discord.HTTPException as error:
                delivery_error("autocomplete", error)
