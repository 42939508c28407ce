"""The neutral command tree as Discord application commands, and Discord's invocations back to neutral form.

Pure functions (data in, data out): `command_payloads` builds the JSON Discord's bulk-overwrite endpoint takes
(groups with subcommands, typed options with choices, limits and autocomplete, German names and descriptions,
member commands in a member's context menu); `parse_invocation` turns an interaction's `data` into the command
path and typed option values the dispatcher's shared parser expects.

Members never see a command they cannot use: Discord hides a command (its default member permission) but not one
subcommand, so a group mixing member and moderator subcommands becomes two commands (core/affordances.py), the
moderator part with Manage Server as its default permission. That is only what Discord shows; a server can change
it, so the dispatcher checks the level again on every use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.affordances import is_mixed, moderates, moderator_name
from core.commands import TARGET, Command
from core.dispatcher import CommandTree
from core.i18n import LANGUAGES, gettext
from core.options import Option, OptionType
from core.refs import ChannelRef, MemberRef, RoleRef
from integrations.discord.names import (
    DISCORD_LOCALES,
    choice_names,
    command_names,
    option_names,
    subcommand_names,
)
from integrations.discord.refs import PLATFORM, member_ref_from_payload

# Application command option types (https://discord.com/developers/docs/interactions/application-commands)
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
CHANNEL = 7
ROLE = 8
CHAT_INPUT = 1
USER_COMMAND = 2  # an entry of a member's context menu ("Apps")
GUILD_TEXT = 0

MAX_CHOICES = 25
MAX_DESCRIPTION = 100
MAX_STRING_LENGTH = 6000
MANAGE_GUILD = 1 << 5
CONTEXT_GUILD = 0
INSTALL_GUILD = 0

_OPTION_TYPES = {
    OptionType.STRING: STRING,
    OptionType.CHOICE: STRING,
    OptionType.INTEGER: INTEGER,
    OptionType.BOOLEAN: BOOLEAN,
    OptionType.MEMBER: USER,
    OptionType.CHANNEL: CHANNEL,
    OptionType.ROLE: ROLE,
}


def _description(msgid: str, fallback: str) -> tuple[str, dict[str, str]]:
    """English description (1-100 chars) and its localisations where they differ."""
    english = (gettext("en", msgid) if msgid else "") or fallback
    english = english[:MAX_DESCRIPTION]
    localised: dict[str, str] = {}
    for locale in LANGUAGES:
        if locale == "en" or locale not in DISCORD_LOCALES or not msgid:
            continue
        text = gettext(locale, msgid)[:MAX_DESCRIPTION]
        if text and text != english:
            localised[DISCORD_LOCALES[locale]] = text
    return english, localised


def _describe(payload: dict[str, Any], msgid: str, fallback: str) -> None:
    english, localised = _description(msgid, fallback)
    payload["description"] = english
    if localised:
        payload["description_localizations"] = localised


def option_payload(option: Option) -> dict[str, Any]:
    """One typed option; choices beyond Discord's 25 become autocomplete."""
    payload: dict[str, Any] = {"type": _OPTION_TYPES[option.type], "name": option.name}
    _name(payload, option_names(option.name))
    _describe(payload, option.description, option.name)
    if option.type is OptionType.CHANNEL:
        payload["channel_types"] = [GUILD_TEXT]  # where messages and intro threads can go
    if option.required:
        payload["required"] = True
    if option.type is OptionType.INTEGER:
        if option.min_value is not None:
            payload["min_value"] = option.min_value
        if option.max_value is not None:
            payload["max_value"] = option.max_value
    if option.type in (OptionType.STRING, OptionType.CHOICE) and not option.multiple:
        if option.min_length is not None:
            payload["min_length"] = max(0, min(option.min_length, MAX_STRING_LENGTH))
        if option.max_length is not None and option.type is OptionType.STRING:
            payload["max_length"] = max(1, min(option.max_length, MAX_STRING_LENGTH))
    if option.choices and not option.multiple and len(option.choices) <= MAX_CHOICES:
        payload["choices"] = [_choice(c) for c in option.choices]
    elif option.autocomplete or option.choices:
        payload["autocomplete"] = True
    return payload


def _choice(value: str) -> dict[str, Any]:
    choice: dict[str, Any] = {"name": value[:100], "value": value[:100]}
    _name(choice, choice_names(value))
    return choice


def _name(payload: dict[str, Any], localised: dict[str, str]) -> None:
    if localised:
        payload["name_localizations"] = localised


def _options(command: Command) -> list[dict[str, Any]]:
    # Discord wants required options first; core already enforces that order.
    return [option_payload(o) for o in command.spec.options]


def _top(name: str, *, moderators_only: bool, kind: int = CHAT_INPUT) -> dict[str, Any]:
    """A top-level command; one only moderators may use is hidden from members (and checked at run time)."""
    return {
        "type": kind,
        "name": name,
        "default_member_permissions": str(MANAGE_GUILD) if moderators_only else None,
        "contexts": [CONTEXT_GUILD],
        "integration_types": [INSTALL_GUILD],
        "nsfw": False,
    }


def _group(name: str, description: str, commands: list[tuple[str, Command]], *, moderators_only: bool,
           moderator_of: str | None = None) -> dict[str, Any]:
    payload = _top(name, moderators_only=moderators_only)
    _name(payload, command_names(name, moderator_of=moderator_of))
    _describe(payload, description, moderator_of or name)
    subs = []
    for sub_name, cmd in sorted(commands):
        sub: dict[str, Any] = {"type": SUB_COMMAND, "name": sub_name}
        _name(sub, subcommand_names(sub_name))
        _describe(sub, cmd.spec.description, sub_name)
        sub["options"] = _options(cmd)
        subs.append(sub)
    payload["options"] = subs
    return payload


def user_command_payload(command: Command) -> dict[str, Any]:
    """A member command (core.commands.user_command) as an entry of a member's context menu: its name is the
    label people see (spaces and capitals allowed), translated like any text."""
    payload = _top(gettext("en", command.spec.description)[:32], moderators_only=moderates(command),
                   kind=USER_COMMAND)
    _name(payload, {DISCORD_LOCALES[loc]: text for loc in LANGUAGES if loc in DISCORD_LOCALES
                    and (text := gettext(loc, command.spec.description)[:32]) != payload["name"]})
    payload["description"] = ""
    return payload


def command_payloads(tree: CommandTree, user_commands: Iterable[Command] = ()) -> list[dict[str, Any]]:
    """Every neutral command as a Discord command, sorted by type and name (stable for comparing). A group whose
    subcommands mix levels becomes two: its member part, and `<group>-admin` for moderators (core/affordances)."""
    payloads: list[dict[str, Any]] = []
    for name, cmd in tree.top.items():
        payload = _top(name, moderators_only=moderates(cmd))
        _name(payload, command_names(name))
        _describe(payload, cmd.spec.description, name)
        payload["options"] = _options(cmd)
        payloads.append(payload)
    for name, group in tree.groups.items():
        members = [(n, c) for n, c in group.commands.items() if not moderates(c)]
        moderators = [(n, c) for n, c in group.commands.items() if moderates(c)]
        if is_mixed(group):
            payloads.append(_group(name, group.description, members, moderators_only=False))
            payloads.append(_group(moderator_name(name), group.description, moderators, moderators_only=True,
                                   moderator_of=name))
        else:
            payloads.append(_group(name, group.description, members or moderators, moderators_only=not members))
    payloads += [user_command_payload(c) for c in user_commands]
    return sorted(payloads, key=lambda p: (p["type"], p["name"]))


_COMPARED_KEYS = (
    "name",
    "description",
    "description_localizations",
    "options",
    "name_localizations",
    "default_member_permissions",
    "contexts",
    "type",
)


_SERVER_KEYS = frozenset({"id", "application_id", "version", "guild_id"})


def _normalise(value: Any) -> Any:
    """Drop server-added keys and empty values, so a fetched command compares equal to the one we built."""
    if isinstance(value, dict):
        return {
            k: _normalise(v)
            for k, v in sorted(value.items())
            if k not in _SERVER_KEYS and v is not None and v is not False and v != [] and v != {}
        }
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def same_commands(registered: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> bool:
    """Whether Discord already has exactly these commands (so start-up need not re-upload them)."""

    def key(commands: list[dict[str, Any]]) -> list[Any]:
        picked = [{k: c.get(k) for k in _COMPARED_KEYS} for c in commands]
        return sorted((_normalise(p) for p in picked), key=lambda p: str(p.get("name")))

    return key(registered) == key(wanted)


@dataclass(slots=True)
class Invocation:
    """A slash command as the dispatcher wants it: path, typed values, which option is being typed."""

    path: tuple[str, ...]
    values: dict[str, Any] = field(default_factory=dict)
    focused: str | None = None
    current: str = ""


def parse_invocation(data: dict[str, Any]) -> Invocation:
    """Path and option values of a chat-input (or autocomplete) interaction's `data`.

    User options become `MemberRef`s from `resolved` (store ids are filled in later by the caller).
    """
    path = [str(data.get("name", ""))]
    if int(data.get("type", CHAT_INPUT)) == USER_COMMAND:  # the member it was used on, as its only option
        target = str(data.get("target_id", ""))
        return Invocation(tuple(path), {TARGET: _member_value(target, data.get("resolved") or {})})
    options: list[dict[str, Any]] = list(data.get("options") or [])
    while options and int(options[0].get("type", 0)) in (SUB_COMMAND, SUB_COMMAND_GROUP):
        path.append(str(options[0]["name"]))
        options = list(options[0].get("options") or [])
    resolved = data.get("resolved") or {}
    invocation = Invocation(tuple(path))
    for option in options:
        name = str(option["name"])
        value = option.get("value")
        if option.get("focused"):
            invocation.focused = name
            invocation.current = str(value or "")
            continue
        kind = int(option.get("type", 0))
        if kind == USER:
            value = _member_value(str(value), resolved)
        elif kind == CHANNEL:
            value = _channel_value(str(value), resolved)
        elif kind == ROLE:
            value = _role_value(str(value), resolved)
        invocation.values[name] = value
    return invocation


def _member_value(user_id: str, resolved: dict[str, Any]) -> MemberRef | str:
    user = (resolved.get("users") or {}).get(user_id)
    if user is None:
        return user_id
    member = (resolved.get("members") or {}).get(user_id)
    return member_ref_from_payload(user, member)


def _channel_value(channel_id: str, resolved: dict[str, Any]) -> ChannelRef:
    channel = (resolved.get("channels") or {}).get(channel_id) or {}
    return ChannelRef(PLATFORM, channel_id, str(channel.get("name") or ""),
                      is_thread=int(channel.get("type", 0)) in (10, 11, 12))


def _role_value(role_id: str, resolved: dict[str, Any]) -> RoleRef:
    role = (resolved.get("roles") or {}).get(role_id) or {}
    return RoleRef(role_id, str(role.get("name") or ""))
