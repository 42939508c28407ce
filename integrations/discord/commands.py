"""The neutral command tree as Discord application commands, and Discord's invocations back to neutral form.

Pure functions (data in, data out): `command_payloads` builds the JSON Discord's bulk-overwrite endpoint takes
(groups with subcommands, typed options with choices, limits and autocomplete, German localisations, default
member permissions for moderator commands); `parse_invocation` turns an interaction's `data` into the command
path and typed option values the dispatcher's shared parser expects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.commands import Command
from core.dispatcher import CommandTree
from core.i18n import LANGUAGES, gettext
from core.options import Option, OptionType
from core.permissions import Level
from core.refs import MemberRef
from integrations.discord.refs import member_ref_from_payload

# Application command option types (https://discord.com/developers/docs/interactions/application-commands)
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6

MAX_CHOICES = 25
MAX_DESCRIPTION = 100
MAX_STRING_LENGTH = 6000
MANAGE_GUILD = 1 << 5
CONTEXT_GUILD = 0
INSTALL_GUILD = 0

# Kindred's locale code -> Discord's locale code for localisations.
DISCORD_LOCALES = {"de": "de"}

_OPTION_TYPES = {
    OptionType.STRING: STRING,
    OptionType.CHOICE: STRING,
    OptionType.INTEGER: INTEGER,
    OptionType.BOOLEAN: BOOLEAN,
    OptionType.MEMBER: USER,
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
    _describe(payload, option.description, option.name)
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
        payload["choices"] = [{"name": c[:100], "value": c[:100]} for c in option.choices]
    elif option.autocomplete or option.choices:
        payload["autocomplete"] = True
    return payload


def _options(command: Command) -> list[dict[str, Any]]:
    # Discord wants required options first; core already enforces that order.
    return [option_payload(o) for o in command.spec.options]


def _permissions(levels: Iterable[Level]) -> str | None:
    """Hide a command from members when every part of it needs a moderator; checked again at run time."""
    levels = list(levels)
    if levels and min(levels) >= Level.MODERATOR:
        return str(MANAGE_GUILD)
    return None


def _top(name: str, levels: Iterable[Level]) -> dict[str, Any]:
    return {
        "type": 1,
        "name": name,
        "default_member_permissions": _permissions(levels),
        "contexts": [CONTEXT_GUILD],
        "integration_types": [INSTALL_GUILD],
        "nsfw": False,
    }


def command_payloads(tree: CommandTree) -> list[dict[str, Any]]:
    """Every neutral command as a Discord chat-input command, sorted by name (stable for comparing)."""
    payloads: list[dict[str, Any]] = []
    for name, cmd in tree.top.items():
        payload = _top(name, [cmd.spec.level])
        _describe(payload, cmd.spec.description, name)
        payload["options"] = _options(cmd)
        payloads.append(payload)
    for name, group in tree.groups.items():
        payload = _top(name, [c.spec.level for c in group.commands.values()])
        _describe(payload, group.description, name)
        subs = []
        for sub_name, cmd in sorted(group.commands.items()):
            sub: dict[str, Any] = {"type": SUB_COMMAND, "name": sub_name}
            _describe(sub, cmd.spec.description, sub_name)
            sub["options"] = _options(cmd)
            subs.append(sub)
        payload["options"] = subs
        payloads.append(payload)
    return sorted(payloads, key=lambda p: p["name"])


_COMPARED_KEYS = (
    "name",
    "description",
    "description_localizations",
    "options",
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
        if int(option.get("type", 0)) == USER:
            value = _member_value(str(value), resolved)
        invocation.values[name] = value
    return invocation


def _member_value(user_id: str, resolved: dict[str, Any]) -> MemberRef | str:
    user = (resolved.get("users") or {}).get(user_id)
    if user is None:
        return user_id
    member = (resolved.get("members") or {}).get(user_id)
    return member_ref_from_payload(user, member)
