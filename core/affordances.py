"""What a platform with native command menus shows differently from the neutral tree, worked out once here.

Discord can hide a command from members (its default member permission) but not one subcommand of it. So a group
whose subcommands mix member and moderator levels is shown there as two commands: the group with the member
subcommands, and `<group>-admin` with the moderator ones, which only moderators see. Which groups split follows
from each subcommand's declared level, so a new group gets the same treatment without a list to edit. The neutral
path stays the same everywhere (Slack, the console, the dispatcher's own permission check, which still runs: a
server can change who sees a command). `/help` names the commands as the person's platform shows them.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.commands import Cog, Command
from core.dispatcher import CommandTree, Group
from core.permissions import Level

MODERATOR_SUFFIX = "-admin"


def moderates(command: Command) -> bool:
    """Whether only moderators (or admins) may use the command."""
    return command.spec.level >= Level.MODERATOR


def is_mixed(group: Group) -> bool:
    """Whether the group has both member and moderator subcommands (shown as two commands where that helps)."""
    levels = {moderates(c) for c in group.commands.values()}
    return levels == {True, False}


def moderator_name(group: str) -> str:
    """The name of the command holding a mixed group's moderator subcommands (`match` -> `match-admin`)."""
    return group + MODERATOR_SUFFIX


def split_names(tree: CommandTree) -> dict[str, str]:
    """Moderator command name -> neutral group name, for every mixed group; raises when a name is taken."""
    names = {moderator_name(name): name for name, group in tree.groups.items() if is_mixed(group)}
    taken = sorted(set(names) & (set(tree.groups) | set(tree.top)))
    if taken:
        raise ValueError(f"{taken[0]!r} is both a command and the moderator part of a group")
    return names


def neutral_path(tree: CommandTree, path: Iterable[str]) -> tuple[str, ...]:
    """The neutral path of a command as the split tree names it (`match-admin preview` -> `match preview`)."""
    words = tuple(path)
    if words and words[0].endswith(MODERATOR_SUFFIX):
        group = words[0][: -len(MODERATOR_SUFFIX)]
        if group in tree.groups and is_mixed(tree.groups[group]):
            return (group, *words[1:])
    return words


def shown_path(tree: CommandTree, command: Command, *, split: bool) -> tuple[str, ...]:
    """How a platform names the command: with `split`, a mixed group's moderator subcommand under its own name."""
    path = command.spec.path
    if split and len(path) == 2 and moderates(command):
        group = tree.groups.get(path[0])
        if group is not None and is_mixed(group):
            return (moderator_name(path[0]), *path[1:])
    return path


def user_commands(cogs: Iterable[Cog]) -> dict[str, Command]:
    """Every command used on a member (`@user_command`) by its neutral name; raises on a name declared twice."""
    found: dict[str, Command] = {}
    for cog in cogs:
        for command in cog.user_commands():
            if command.name in found:
                raise ValueError(f"user command {command.name!r} declared twice")
            found[command.name] = command
    return found
