"""Errors that end a command with a message to the person instead of a traceback.

A `UserError` carries an English message id and its parameters; the dispatcher translates it into the community's
language when it tells the person. Anything else that escapes a handler is logged and answered with a generic
apology, so that no internal detail (or secret) reaches chat.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from core.i18n import Text, gettext


class KindredError(Exception):
    """Base of Kindred's own errors."""


class UserError(KindredError):
    """Something the person can fix: wrong input, missing permission, unknown member.

    `field` names the form field the problem is in, when it came from a form: a platform that can show the
    message next to that field (Slack's modal errors) does, and the form stays open with what was typed."""

    field: str | None = None

    def __init__(self, msgid: Text, **params: Any) -> None:
        super().__init__(gettext("en", msgid, **params))
        self.msgid = msgid
        self.params = params

    def in_field(self, field: str) -> UserError:
        """The same error, tied to the form field `field` (the first field named wins)."""
        if self.field is None:
            self.field = field
        return self


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


class ExitCode(IntEnum):
    """What the process's exit code tells its supervisor (systemd, Docker); README "Command line" lists them.

    Restarting helps with 4 (the platform was unreachable: try again later), not with 2 or 3 (a person must fix
    a setting or a credential first)."""

    OK = 0
    CRASH = 1
    CONFIG = 2
    REJECTED = 3
    UNREACHABLE = 4
    INTERRUPTED = 130


class StartupFailed(KindredError):
    """The bot cannot start, or a command-line tool cannot run: one line per problem for the person running it
    (naming the setting to change, never a secret), and the exit code for its supervisor."""

    prefix = ""

    def __init__(self, lines: str | list[str], code: ExitCode = ExitCode.CONFIG) -> None:
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("; ".join(self.lines))
        self.code = code

    def report(self) -> list[str]:
        """The lines to print, each starting with `kindred: `."""
        return [f"kindred: {self.prefix}{line}" for line in self.lines]
