"""Slash command text as Slack sends it, turned into the neutral ``group sub key:value ...`` text.

Slack sends ``/profile`` with text ``set topics:python`` and, because the manifest asks it to escape, members and
channels as ``<@U123|bob>`` and ``<#C123|general>``, user groups as ``<!subteam^S123|@mods>``, and ``&``, ``<``,
``>`` as entities. The shared option parser understands ``<@U123>``; channels and user groups become their ids
(what the settings store), everything else becomes the text the person typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.dispatcher import CommandTree
from core.i18n import N_, gettext
from core.messages import Message
from integrations.slack.manifest import slash_name

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^<>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|[^<>]*)?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^<>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|<>]+)(?:\|[^<>]*)?>")

GROUP_HELP_TITLE = N_("Commands of {command}")


@dataclass(frozen=True, slots=True)
class SlashInvocation:
    """A slash command resolved to Kindred's tree: the top-level name and the rest of the text."""

    name: str
    text: str

    @property
    def full_text(self) -> str:
        """What the dispatcher's ``split_command_text`` expects: ``group sub options``."""
        return f"{self.name} {self.text}".strip()


def top_level_name(command: str, prefix: str = "") -> str:
    """``/k-profile`` with prefix ``k-`` -> ``profile``."""
    name = command.strip().lstrip("/").lower()
    if prefix and name.startswith(prefix):
        name = name[len(prefix) :]
    return name


def unescape(text: str) -> str:
    """Slack's escaped command text back to what the person typed (mentions kept as ``<@U123>``)."""
    text = _USER.sub(lambda m: f"<@{m.group(1)}>", text)
    text = _CHANNEL.sub(lambda m: m.group(1), text)
    text = _SUBTEAM.sub(lambda m: m.group(1), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = _LINK.sub(lambda m: m.group(1).removeprefix("mailto:"), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mentioned_users(text: str) -> list[str]:
    """User ids mentioned in (unescaped) command text, in order, once each."""
    return list(dict.fromkeys(_USER.findall(text)))


def parse(command: str, text: str, prefix: str = "") -> SlashInvocation:
    """The invocation for one slash command payload."""
    return SlashInvocation(top_level_name(command, prefix), unescape(text or "").strip())


def wants_group_help(tree: CommandTree, invocation: SlashInvocation) -> bool:
    """``/profile`` alone or ``/profile help`` (when the group has no ``help`` of its own)."""
    group = tree.groups.get(invocation.name)
    if group is None:
        return False
    words = invocation.text.split()
    return not words or (words[0].lower() == "help" and "help" not in group.commands)


def group_help(tree: CommandTree, name: str, locale: str, prefix: str = "") -> Message:
    """The subcommands of one group with their descriptions, for ``/profile`` without a subcommand."""
    group = tree.groups[name]
    command = slash_name(name, prefix)
    lines = []
    for sub, cmd in sorted(group.commands.items()):
        args = " ".join(f"<{o.name}>" if o.required else f"[{o.name}]" for o in cmd.spec.options[:4])
        if len(cmd.spec.options) > 4:
            args += " …"
        usage = f"{command} {sub} {args}".rstrip()
        lines.append(f"`{usage}` — {gettext(locale, cmd.spec.description)}")
    return Message(title=gettext(locale, GROUP_HELP_TITLE, command=command), text="\n".join(lines))
