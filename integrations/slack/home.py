"""The App Home tab: the member's profile, their match status and buttons for the common commands.

The tab is built from what Kindred's own commands answer (``/profile show``, ``/match status``, ...), so it
always says the same as the commands do and no feature needs Slack-specific code. Buttons on the tab carry the
command they run in their action id (``slack:cmd:profile edit``), which works after a restart like every other
Kindred button.
"""

from __future__ import annotations

from typing import Any

from core.i18n import N_
from core.messages import Button, ButtonStyle, Message
from integrations.slack.blocks import Block, render_blocks

COMMAND_ACTION = "slack:cmd:"
"""Action-id prefix of buttons that run a command: the rest is the command path."""

HOME_SECTIONS: tuple[tuple[str, ...], ...] = (
    ("profile", "show"),
    ("match", "status"),
    ("mentor", "status"),
)
"""Commands whose answers fill the tab, when the community has them."""

HOME_BUTTONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("profile", "edit"), N_("Edit my profile")),
    (("match", "join"), N_("Join the intro rounds")),
    (("match", "pause"), N_("Pause the intro rounds")),
    (("match", "find"), N_("Find someone")),
    (("help",), N_("All commands")),
)
"""Commands offered as buttons, when they exist and need no options."""

HOME_TITLE = N_("Kindred")
HOME_INTRO = N_("Meet the people in this workspace who know what you want to learn. Type /help for all commands.")

MAX_HOME_BLOCKS = 100


def command_action(path: tuple[str, ...]) -> str:
    """The action id of a button that runs the command ``path``."""
    return COMMAND_ACTION + " ".join(path)


def command_of_action(action_id: str) -> tuple[str, ...] | None:
    """The command path a button runs, or None for an ordinary (feature) button."""
    if not action_id.startswith(COMMAND_ACTION):
        return None
    path = tuple(action_id[len(COMMAND_ACTION) :].split())
    return path if 1 <= len(path) <= 2 else None


def home_buttons(labels: list[tuple[tuple[str, ...], str]]) -> list[Button]:
    """Buttons for (path, translated label) pairs; the first one is the primary action."""
    return [
        Button(label, command_action(path), ButtonStyle.PRIMARY if i == 0 else ButtonStyle.SECONDARY)
        for i, (path, label) in enumerate(labels)
    ]


def home_view(title: str, intro: str, sections: list[Message], buttons: list[Button]) -> dict[str, Any]:
    """The ``views.publish`` view: a header, the intro, each section's blocks, then the command buttons."""
    blocks: list[Block] = render_blocks(Message(title=title, text=intro, buttons=buttons))
    for section in sections:
        blocks.append({"type": "divider"})
        blocks.extend(render_blocks(section))
    if len(blocks) > MAX_HOME_BLOCKS:
        blocks = blocks[:MAX_HOME_BLOCKS]
    return {"type": "home", "callback_id": "kindred:home", "blocks": blocks}
