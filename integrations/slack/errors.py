"""Slack Web API failures in plain words, and logged without secrets.

Slack answers a failed call with an error code (``not_in_channel``, ``user_not_found``, ``ratelimited``, ...).
The integration turns each into a ``DeliveryFailed`` that is also a ``UserError``: features that expect delivery
problems (a closed DM) can catch ``DeliveryFailed``/``DMClosed``; anything uncaught reaches the dispatcher, which
tells the person the plain-words message in their language instead of "something went wrong".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

from core.errors import DeliveryFailed, DMClosed, StartupFailed, UserError
from core.i18n import N_

log = logging.getLogger(__name__)

_CREDENTIALS = N_("Slack did not accept Kindred's credentials. Please tell the person who runs Kindred.")

PLAIN_WORDS: dict[str, str] = {
    "not_in_channel": N_("I'm not a member of that channel. Invite me with /invite, then try again."),
    "channel_not_found": N_("I can't find that channel, or I'm not allowed to see it."),
    "is_archived": N_("That channel is archived."),
    "user_not_found": N_("I can't find that member on Slack."),
    "user_disabled": N_("That member's Slack account is deactivated."),
    "cannot_dm_bot": N_("I can't send direct messages to a bot."),
    "ratelimited": N_("Slack asked me to slow down. Please try again in a minute."),
    "invalid_auth": _CREDENTIALS,
    "not_authed": _CREDENTIALS,
    "account_inactive": _CREDENTIALS,
    "token_revoked": _CREDENTIALS,
    "missing_scope": N_("Kindred lacks a Slack permission for this. Please reinstall the app from the current "
                        "manifest."),
    "expired_trigger_id": N_("That took too long. Please try again."),
}
UNKNOWN = N_("Slack refused this ({code}). It has been logged.")

DM_CLOSED_CODES = frozenset({"cannot_dm_bot", "user_disabled", "user_not_found", "messages_tab_disabled"})
CREDENTIAL_CODES = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked"})


def error_code(error: SlackApiError) -> str:
    """The Slack error code of a failed call (``"ratelimited"`` for an HTTP 429 without a body)."""
    response: Any = error.response
    try:
        code = response.get("error") if response is not None else None
    except AttributeError:
        code = None
    if not code and getattr(response, "status_code", None) == 429:
        return "ratelimited"
    return str(code or "unknown_error")


def retry_after(error: SlackApiError) -> float | None:
    """Seconds Slack asked to wait, when it rate-limited the call."""
    headers = getattr(error.response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def transient(error: BaseException) -> bool:
    """A failure that may pass: no connection, a timeout, or Slack's own server error (5xx)."""
    if isinstance(error, SlackApiError):
        return getattr(error.response, "status_code", 200) >= 500
    return isinstance(error, OSError | aiohttp.ClientError | asyncio.TimeoutError)


def plain_words(code: str) -> tuple[str, dict[str, Any]]:
    """The message id (and parameters) that explains an error code to a person."""
    if code in PLAIN_WORDS:
        return PLAIN_WORDS[code], {}
    return UNKNOWN, {"code": code[:60]}


class SlackDeliveryFailed(DeliveryFailed, UserError):
    """Slack refused a call; ``reason`` is Slack's code, ``msgid`` the plain-words message for the person."""

    def __init__(self, code: str, *, retry_after: float | None = None) -> None:
        super().__init__(code, retry_after=retry_after)
        self.msgid, self.params = plain_words(code)


class SlackDMClosed(DMClosed, UserError):
    """The member cannot receive a DM from the bot (deactivated, unknown, or a bot)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.msgid, self.params = plain_words(code)


def delivery_error(method: str, error: SlackApiError, *, dm: bool = False) -> DeliveryFailed:
    """Log a failed call (method, code, Retry-After; never the token or the payload) and explain it."""
    code = error_code(error)
    wait = retry_after(error)
    level = logging.ERROR if code in CREDENTIAL_CODES else logging.WARNING
    log.log(level, "Slack %s failed: %s%s", method, code, f" (retry after {wait:g} s)" if wait else "")
    if dm and code in DM_CLOSED_CODES:
        return SlackDMClosed(code)
    return SlackDeliveryFailed(code, retry_after=wait)


class SlackStartupError(StartupFailed):
    """Kindred cannot connect to Slack with the configured settings; the message names the setting and `code`
    is the process's exit code (2 a setting, 3 a token Slack refuses, 4 unreachable)."""
