"""Greeting newcomers and onboarding buddies."""

from __future__ import annotations

import re
import string
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from core.i18n import N_
from core.settings.hints import CHANNEL, SENTENCES, ChatHint
from core.settings.refusals import refusal
from core.settings.registry import SettingsSection, register

ALLOWED_PLACEHOLDERS = "{member} {community} {member_count} {channel:name} {moderators}"
_PLACEHOLDERS = frozenset({"member", "community", "member_count", "moderators"})
_CHANNEL_NAME = re.compile(r"^[\w-]{1,80}$")
_TRIGGER = ChatHint(chat_pattern=r"^(join|role:\S{1,90}|channel:\S{1,90})$",
                    rules='"join", "role:<role id>" or "channel:<channel id>"')


def check_greeting(text: str) -> None:
    """Refuse a greeting that names anything but the safe placeholders (no attributes, items, positions or
    conversions), so that no way of setting it (config.toml, /config, /welcome set) can store one that reads
    more than it should. cogs/welcome explains the same rules to moderators in their language."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        raise refusal(N_("A greeting has a curly brace that does not belong to a placeholder (write two braces "
                         "for a literal one).")) from None
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if conversion or not ((name in _PLACEHOLDERS and not spec)
                              or (name == "channel" and spec and _CHANNEL_NAME.match(spec))):
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise refusal(N_("“{placeholder}” is not allowed in a greeting. Use only: {allowed}."),
                          placeholder=shown[:60], allowed=ALLOWED_PLACEHOLDERS)


class WelcomeSettings(BaseModel):
    enabled: bool = Field(True, description="Greet newcomers.")
    channel: Annotated[str, CHANNEL] = Field("", max_length=100,
                                             description="Channel id for greetings; empty: DM only.")
    dm: bool = Field(True, description="Greet by direct message (falls back to the channel when DMs are closed).")
    delay_seconds: int = Field(60, ge=0, le=86400, description="Wait this long after a join before greeting.")
    messages: Annotated[list[str], SENTENCES] = Field(
        default_factory=lambda: ["Welcome to {community}, {member}! Tell us a little about yourself."],
        description="Greeting variants, one picked at random. Placeholders: {member} {community} "
        "{member_count} {channel:name} {moderators}.",
    )
    buddy: bool = Field(False, description="Give each newcomer an onboarding buddy from the greeter pool.")
    buddy_reminder_days: int = Field(2, ge=0, le=30,
                                     description="Remind a buddy who has not said hello after this many days; 0 = off.")
    nudge_day: int = Field(3, ge=0, le=30, description="Day of the nudge to inactive newcomers; 0 = off.")
    digest_day: int = Field(7, ge=0, le=60, description="Day of the moderators' digest of stalled newcomers; 0 = off.")
    digest_channel: Annotated[str, CHANNEL] = Field(
        "", max_length=100, description="Channel id (one only moderators see) for the moderators' digest; empty: "
        "by DM to the moderators Kindred knows (staff, and who changed its settings).")
    trigger: Annotated[str, _TRIGGER] = Field("join", max_length=100,
                                              description="'join', 'role:<id>' (Discord) or 'channel:<id>' (Slack).")

    @field_validator("messages")
    @classmethod
    def _safe_templates(cls, v: list[str]) -> list[str]:
        if not v or len(v) > 10:
            raise refusal(N_("Give between 1 and 10 greeting variants."))
        for text in v:
            if not text.strip() or len(text) > 1000:
                raise refusal(N_("Each greeting needs 1 to 1000 characters."))
            check_greeting(text)
        return v


SECTION = register(SettingsSection("welcome", community=WelcomeSettings, modules=("welcome",), order=40,
                                   module_titles=(("welcome", N_("Welcome")),)))
