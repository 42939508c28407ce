"""Discord API failures in plain words, logged without secrets.

discord.py raises `HTTPException` (with Discord's JSON error `code`), `Forbidden`, `NotFound` or, when a wait
would be too long, `RateLimited`. The integration turns each into a `DeliveryFailed` that is also a `UserError`:
features that expect delivery problems (a closed DM) catch `DeliveryFailed`/`DMClosed`; anything uncaught
reaches the dispatcher, which tells the person the plain-words message in their language.

Log lines name the action, HTTP status and Discord code only: never a URL (interaction and webhook URLs carry
tokens), never a payload.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from core.errors import DeliveryFailed, DMClosed, StartupFailed, UserError
from core.i18n import N_

log = logging.getLogger(__name__)

# Discord JSON error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json)
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_INTERACTION = 10062
ALREADY_ACKNOWLEDGED = 40060
MISSING_ACCESS = 50001
CANNOT_DM_USER = 50007
MISSING_PERMISSIONS = 50013
THREAD_LOCKED = 50083
MAX_THREAD_PARTICIPANTS = 30033

PLAIN_WORDS: dict[str, str] = {
    "dm_closed": N_("That member does not accept direct messages from me."),
    "missing_permissions": N_(
        "I lack a Discord permission for this here. A moderator can check my role's permissions."
    ),
    "missing_access": N_("I can't see that channel. A moderator can give my role access to it."),
    "unknown_channel": N_("I can't find that channel any more. It may have been deleted."),
    "unknown_message": N_("I can't find that message any more. It may have been deleted."),
    "unknown_member": N_("That member is no longer in this server."),
    "unknown_user": N_("I can't find that Discord user."),
    "rate_limited": N_("Discord asked me to slow down. Please try again in a minute."),
    "expired": N_("That took too long. Please try again."),
    "no_intro_channel": N_("No intro channel is set, and nobody could be reached by direct message."),
    "intro_failed": N_("I could not reach any of the people to introduce."),
}
UNKNOWN = N_("Discord refused this ({code}). It has been logged.")

_BY_CODE = {
    CANNOT_DM_USER: "dm_closed",
    MISSING_PERMISSIONS: "missing_permissions",
    MISSING_ACCESS: "missing_access",
    UNKNOWN_CHANNEL: "unknown_channel",
    UNKNOWN_MESSAGE: "unknown_message",
    UNKNOWN_MEMBER: "unknown_member",
    UNKNOWN_USER: "unknown_user",
    UNKNOWN_INTERACTION: "expired",
    THREAD_LOCKED: "missing_permissions",
}


def plain_words(reason: str, code: int | str = 0) -> tuple[str, dict[str, Any]]:
    """The message id (and parameters) that explains a failure to a person."""
    if reason in PLAIN_WORDS:
        return PLAIN_WORDS[reason], {}
    return UNKNOWN, {"code": str(code or reason)[:60]}


class DiscordDeliveryFailed(DeliveryFailed, UserError):
    """Discord refused a call. `reason` is a short word (see PLAIN_WORDS); `code` Discord's JSON code."""

    def __init__(self, reason: str, *, code: int = 0, status: int = 0, retry_after: float | None = None) -> None:
        super().__init__(reason, retry_after=retry_after)
        self.code = code
        self.status = status
        self.msgid, self.params = plain_words(reason, code or status)


class DiscordDMClosed(DMClosed, UserError):
    """The member does not accept DMs from the bot (Discord code 50007)."""

    def __init__(self, reason: str = "dm_closed") -> None:
        super().__init__(reason)
        self.code = CANNOT_DM_USER
        self.msgid, self.params = plain_words("dm_closed")


def reason_of(error: discord.HTTPException) -> str:
    """A short word for a discord.py HTTP error."""
    if isinstance(error, discord.RateLimited) or error.status == 429:
        return "rate_limited"
    if error.code in _BY_CODE:
        return _BY_CODE[error.code]
    if isinstance(error, discord.Forbidden):
        return "missing_permissions"
    if isinstance(error, discord.NotFound):
        return "unknown_channel"
    return f"http_{error.status}"


def delivery_error(action: str, error: Exception, *, dm: bool = False) -> DeliveryFailed:
    """Log a failed call (action, status, code; never URL, token or payload) and explain it."""
    if isinstance(error, discord.RateLimited):
        log.warning("Discord %s rate limited for %.1f s", action, error.retry_after)
        return DiscordDeliveryFailed("rate_limited", status=429, retry_after=error.retry_after)
    if not isinstance(error, discord.HTTPException):
        log.warning("Discord %s failed: %s", action, type(error).__name__)
        return DiscordDeliveryFailed("network", code=0)
    reason = reason_of(error)
    level = logging.INFO if reason == "dm_closed" else logging.WARNING
    log.log(level, "Discord %s failed: HTTP %s, code %s (%s)", action, error.status, error.code, reason)
    if dm and reason == "dm_closed":
        return DiscordDMClosed()
    return DiscordDeliveryFailed(reason, code=error.code, status=error.status)


class DiscordStartupError(StartupFailed):
    """Kindred cannot connect to Discord with the configured settings; the message says what to change and
    `code` is the process's exit code (2 a setting, 3 refused by Discord, 4 unreachable)."""
