"""The short help a person gets when they write to the bot directly (Slack's ``message.im``).

Kindred is driven by slash commands and buttons; a message in its DM is most often someone trying to talk to it.
Instead of silence, they get the handful of commands that matter most, each with its description, in their
language, and where to find everything else. Commands of a module the community switched off are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.commands import Command
from core.i18n import N_, gettext
from core.messages import Message
from integrations.slack.manifest import slash_name

MAIN_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("profile", "edit"),
    ("match", "join"),
    ("match", "find"),
    ("mentor", "request"),
    ("help",),
)
"""What a newcomer to Kindred wants first: a profile, the intro rounds, finding someone, a mentor, all commands."""

DM_HELP_TITLE = N_("Hi, I'm Kindred")
DM_HELP_INTRO = N_("I don't read messages here, but these commands work anywhere in Slack:")
DM_HELP_HOME = N_("My Home tab shows your profile and your intro rounds.")


def is_direct_message(event: dict[str, Any]) -> bool:
    """A message in the bot's DM (``message.im``), not in a channel or group DM."""
    return event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D")


def dm_help(find: Callable[[tuple[str, ...]], Command | None], disabled: set[str], locale: str,
            prefix: str = "") -> Message:
    """The help message: the main commands this community offers, with their descriptions in ``locale``."""
    lines = [gettext(locale, DM_HELP_INTRO)]
    for path in MAIN_COMMANDS:
        command = find(path)
        if command is None or (command.cog.module and command.cog.module in disabled):
            continue
        usage = " ".join((slash_name(path[0], prefix), *path[1:]))
        lines.append(f"• `{usage}` — {gettext(locale, command.spec.description)}")
    lines.append(gettext(locale, DM_HELP_HOME))
    return Message(title=gettext(locale, DM_HELP_TITLE), text="\n".join(lines))
