"""Answering one Slack interaction (slash command, button/select, modal submit) after it was acked.

Slack wants an ack within three seconds, so the integration acks first and the handler answers afterwards:
ephemeral answers go to the interaction's ``response_url`` (works everywhere, even where the bot is not a member),
then ``chat.postEphemeral``, then a DM; public answers go to the channel, falling back to the ``response_url``
when the bot is not in that channel. Nothing a handler says is lost because one route is closed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from core.errors import DeliveryFailed, UserError
from core.i18n import N_, gettext
from core.messages import Form, Message
from core.refs import MessageRef
from integrations.slack.blocks import FormOrigin, message_payload, render_modal
from integrations.slack.errors import delivery_error
from integrations.slack.messenger import SlackMessenger

log = logging.getLogger(__name__)

SUBMIT = N_("Save")
CLOSE = N_("Cancel")
NO_FORMS_HERE = N_("I can't open a form from here. Please use the slash command instead.")


@dataclass(frozen=True, slots=True)
class Interaction:
    """What Slack told us about the interaction: who, where, and how to answer it."""

    user_id: str
    channel_id: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None


class SlackResponder:
    """Implements core.context.Responder for one interaction."""

    def __init__(
        self, messenger: SlackMessenger, interaction: Interaction, locale: Callable[[], Awaitable[str]],
        person_locale: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.messenger = messenger
        self.interaction = interaction
        self._locale = locale
        self._person_locale = person_locale
        self.replies: list[tuple[Message, bool]] = []

    @property
    def locale(self) -> str | None:
        """The person's Slack language (``de-DE``), which answers to them follow when the community allows it
        (the dispatcher reads it; see core/context.Responder)."""
        return self._person_locale()

    async def defer(self, *, ephemeral: bool = False) -> None:
        """Nothing to do: every Slack interaction is acked before the handler runs."""

    async def _to_response_url(self, message: Message, *, ephemeral: bool) -> bool:
        url = self.interaction.response_url
        if not url:
            return False
        body = {
            "response_type": "ephemeral" if ephemeral else "in_channel",
            "replace_original": False,
            **message_payload(message),
        }
        try:
            response = await AsyncWebhookClient(url, timeout=10).send_dict(body)
        except Exception as error:  # connection problems: fall back to the Web API
            log.warning("response_url post failed: %s", type(error).__name__)
            return False
        if response.status_code != 200:
            log.warning("response_url answered %s: %s", response.status_code, (response.body or "")[:80])
            return False
        return True

    async def _files_to_dm(self, message: Message) -> None:
        if message.files:
            await self.messenger.upload(await self.messenger.open_dm(self.interaction.user_id), message.files)

    async def reply(self, message: Message, *, ephemeral: bool = False) -> MessageRef:
        self.replies.append((message, ephemeral))
        user_id, channel_id = self.interaction.user_id, self.interaction.channel_id
        if not ephemeral and channel_id:
            try:
                return await self.messenger.post(channel_id, message)
            except DeliveryFailed as error:
                if error.reason not in {"not_in_channel", "channel_not_found"}:
                    raise
                if await self._to_response_url(message, ephemeral=False):
                    await self._files_to_dm(message)
                    return MessageRef(self.messenger.platform, channel_id, "")
                raise
        if ephemeral and await self._to_response_url(message, ephemeral=True):
            await self._files_to_dm(message)
            return MessageRef(self.messenger.platform, channel_id or "", "")
        if ephemeral and channel_id and not channel_id.startswith("D"):
            try:
                return await self.messenger.post_ephemeral(channel_id, user_id, message)
            except DeliveryFailed as error:
                log.info("ephemeral reply failed (%s); answering by DM", error.reason)
        return await self.messenger.post(await self.messenger.open_dm(user_id), message)

    async def open_form(self, form: Form) -> None:
        trigger_id = self.interaction.trigger_id
        if not trigger_id:
            raise UserError(NO_FORMS_HERE)
        locale = await self._locale()
        view = render_modal(
            form,
            submit=gettext(locale, SUBMIT),
            close=gettext(locale, CLOSE),
            origin=FormOrigin(self.interaction.channel_id, self.interaction.response_url),
        )
        try:
            await self.messenger.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as error:
            raise delivery_error("views.open", error) from None


class CapturingResponder:
    """Collects what a handler replies instead of sending it (used to build the App Home tab)."""

    def __init__(self, locale: str | None = None) -> None:
        self.messages: list[Message] = []
        self.locale = locale

    async def defer(self, *, ephemeral: bool = False) -> None:
        """Nothing to defer."""

    async def reply(self, message: Message, *, ephemeral: bool = False) -> MessageRef:
        self.messages.append(message)
        return MessageRef("slack", "", "")

    async def open_form(self, form: Form) -> None:
        """Forms are not shown on the Home tab."""
