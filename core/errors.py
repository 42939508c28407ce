"""Errors that end a command with a message to the person instead of a traceback.

A `UserError` carries an English message id and its parameters; the dispatcher translates it into the community's
language when it tells the person. Anything else that escapes a handler is logged and answered with a generic
apology, so that no internal detail (or secret) reaches chat.
"""

from __future__ import annotations

from typing import Any


class KindredError(Exception):
    """Base of Kindred's own errors."""


class UserError(KindredError):
    """Something the person can fix: wrong input, missing permission, unknown member."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid.format(**params) if params else msgid)
        self.msgid = msgid
        self.params = params


class OptionError(UserError):
    """An option value that does not parse or is out of range."""


class PermissionDenied(UserError):
    """The caller's level is below what the command needs."""


class NotFound(UserError):
    """A member, command or record the person named does not exist here."""


class DeliveryFailed(KindredError):
    """A platform refused to deliver a message (DMs closed, unknown channel, missing access)."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class DeliveryUnverified(DeliveryFailed):
    """An earlier attempt may or may not have delivered the message, and the platform's history cannot tell
    (no permission to read it, or too much written since): it is not sent again, so nobody gets it twice."""


class DMClosed(DeliveryFailed):
    """The member does not accept direct messages from the bot."""

    def __init__(self, reason: str = "dm_closed") -> None:
        super().__init__(reason)
