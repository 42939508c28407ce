"""Neutral messages and forms rendered as Discord's native UI: content, an embed card, components, files, modals.

Components are stateless: their custom ids carry everything the handler needs and the integration answers
every click from `on_interaction`, so a button works after a restart. The discord.py `View`/`Modal` objects
are used only to build the payload and are stopped before sending, so discord.py keeps no per-message state.

Mentions: a message may ping only the user ids it lists in `Message.mentions` — never @everyone/@here and
never a role, whatever text a member put into a profile or a message.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from typing import Any

import discord

from core.messages import Button, ButtonStyle, FieldStyle, Form, Message, Select
from integrations.discord.refs import snowflake

log = logging.getLogger(__name__)

MAX_CONTENT = 2000
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_TITLE = 256
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_ROWS = 5
BUTTONS_PER_ROW = 5
MAX_SELECT_OPTIONS = 25
MAX_MODAL_FIELDS = 5
MAX_CUSTOM_ID = 100
EMBED_COLOUR = 0x5865F2
EMPTY = "\u200b"

# A custom id rendered into a DM carries its guild, because a click in a DM names no guild.
GUILD_PREFIX = "g"
GUILD_SEPARATOR = "|"

_STYLES = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
    ButtonStyle.SUCCESS: discord.ButtonStyle.success,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}


def clip(text: str, limit: int) -> str:
    """Cut text to Discord's limit, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def scoped_id(custom_id: str, guild_id: int | None) -> str:
    """Prefix a custom id with its guild (for DMs) when it still fits Discord's 100 characters."""
    if guild_id is None:
        return custom_id
    scoped = f"{GUILD_PREFIX}{guild_id}{GUILD_SEPARATOR}{custom_id}"
    return scoped if len(scoped) <= MAX_CUSTOM_ID else custom_id


def unscope_id(custom_id: str) -> tuple[str, int | None]:
    """(the feature's custom id, the guild it was scoped to or None)."""
    head, sep, rest = custom_id.partition(GUILD_SEPARATOR)
    if sep and head.startswith(GUILD_PREFIX) and head[1:].isdigit():
        return rest, int(head[1:])
    return custom_id, None


def allowed_mentions(user_ids: tuple[str, ...] | list[str]) -> discord.AllowedMentions:
    """Ping only these users; never @everyone, @here, roles or the replied-to author."""
    users = [discord.Object(i) for i in (snowflake(u) for u in user_ids) if i is not None]
    return discord.AllowedMentions(everyone=False, roles=False, users=users or False, replied_user=False)


@dataclass(slots=True)
class Rendered:
    """Keyword arguments for discord.py's send/edit methods."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)
    allowed_mentions: discord.AllowedMentions = field(default_factory=lambda: allowed_mentions(()))
    nonce: str | None = None  # a delivery's (integrations/discord/trace.py); never shown

    def send_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"allowed_mentions": self.allowed_mentions}
        if self.nonce:
            kwargs["nonce"] = self.nonce
        if self.content:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = self.embeds
        if self.view is not None:
            kwargs["view"] = self.view
        if self.files:
            kwargs["files"] = self.files
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """For editing a deferred response: every part is set (absent ones cleared)."""
        return {
            "content": self.content,
            "embeds": self.embeds,
            "view": self.view,
            "attachments": self.files,
            "allowed_mentions": self.allowed_mentions,
        }


def render_message(message: Message, *, guild_id: int | None = None, extra_mentions: tuple[str, ...] = ()) -> Rendered:
    """Build the Discord form of a neutral message.

    `guild_id` scopes component ids (pass it for DMs); `extra_mentions` adds users that may be pinged.
    """
    rendered = Rendered(allowed_mentions=allowed_mentions((*message.mentions, *extra_mentions)))
    card = bool(message.title or message.fields)
    text = message.text or ""
    pings = bool(message.mentions or extra_mentions)
    if text and (not card or pings) and len(text) <= MAX_CONTENT:
        # Mentions only notify from content, so text with mentions stays there.
        rendered.content = text
        text = ""
    if card or text:
        embed = discord.Embed(colour=EMBED_COLOUR)
        if message.title:
            embed.title = clip(message.title, MAX_EMBED_TITLE)
        if text:
            embed.description = clip(text, MAX_EMBED_DESCRIPTION)
        for item in message.fields[:MAX_FIELDS]:
            embed.add_field(
                name=clip(item.name or "\u200b", MAX_FIELD_NAME),
                value=clip(item.value or "\u200b", MAX_FIELD_VALUE),
                inline=item.inline,
            )
        if len(message.fields) > MAX_FIELDS:
            log.warning("message has %d fields; Discord shows %d", len(message.fields), MAX_FIELDS)
        rendered.embeds.append(embed)
    rendered.view = render_components(message.buttons, message.selects, guild_id=guild_id)
    rendered.files = [
        discord.File(io.BytesIO(f.data), filename=f.filename, description=f.description or None) for f in message.files
    ]
    if not (rendered.content or rendered.embeds or rendered.files or rendered.view):
        rendered.content = EMPTY  # Discord refuses an empty message (50006)
    return rendered


def render_components(
    buttons: list[Button], selects: list[Select], *, guild_id: int | None = None
) -> discord.ui.View | None:
    """Buttons five to a row, each select on its own row, at most five rows; a stopped (stateless) View."""
    if not buttons and not selects:
        return None
    view = discord.ui.View(timeout=None)
    row = 0
    for select in selects:
        if row >= MAX_ROWS:
            break
        options = [
            discord.SelectOption(
                label=clip(o.label, 100), value=o.value[:100], description=clip(o.description, 100) or None
            )
            for o in select.options[:MAX_SELECT_OPTIONS]
        ]
        high = max(1, min(select.max_values, len(options)))
        view.add_item(
            discord.ui.Select(
                custom_id=scoped_id(select.custom_id, guild_id),
                placeholder=clip(select.placeholder, 150) or None,
                min_values=max(0, min(select.min_values, high)),
                max_values=high,
                options=options,
                row=row,
            )
        )
        row += 1
    for start in range(0, len(buttons), BUTTONS_PER_ROW):
        if row >= MAX_ROWS:
            log.warning("message has more components than Discord's five rows; the rest are left out")
            break
        for button in buttons[start : start + BUTTONS_PER_ROW]:
            view.add_item(
                discord.ui.Button(
                    label=clip(button.label, 80),
                    custom_id=scoped_id(button.custom_id, guild_id),
                    style=_STYLES.get(button.style, discord.ButtonStyle.secondary),
                    row=row,
                )
            )
        row += 1
    view.stop()
    return view


def render_form(form: Form, *, guild_id: int | None = None) -> discord.ui.Modal:
    """A modal with one labelled text input per field (Discord allows five); stopped, so nothing is kept."""
    modal = discord.ui.Modal(title=clip(form.title, 45), custom_id=scoped_id(form.custom_id, guild_id), timeout=None)
    if len(form.fields) > MAX_MODAL_FIELDS:
        log.warning("form %s has %d fields; Discord shows %d", form.custom_id[:40], len(form.fields), MAX_MODAL_FIELDS)
    for item in form.fields[:MAX_MODAL_FIELDS]:
        limit = max(1, min(item.max_length, 4000))
        text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id=item.id,
            style=discord.TextStyle.paragraph if item.style is FieldStyle.PARAGRAPH else discord.TextStyle.short,
            required=item.required,
            default=clip(item.default, limit) or None,
            placeholder=clip(item.placeholder, 100) or None,
            max_length=limit,
        )
        modal.add_item(discord.ui.Label(text=clip(item.label, 45), component=text_input))
    modal.stop()
    return modal


def form_values(components: list[dict[str, Any]]) -> dict[str, str]:
    """Field id -> submitted text from a modal submit's components (rows or labels)."""
    values: dict[str, str] = {}
    for component in components:
        kind = component.get("type")
        if kind == 1:
            values.update(form_values(component.get("components", [])))
        elif kind == 18 and isinstance(component.get("component"), dict):
            values.update(form_values([component["component"]]))
        elif kind == 4 and "custom_id" in component:
            values[str(component["custom_id"])] = str(component.get("value") or "")
        elif "custom_id" in component and "values" in component:
            values[str(component["custom_id"])] = ",".join(str(v) for v in component["values"])
    return values
