"""Typed command options and the one parser every integration uses.

Discord hands over typed values, Slack and the console hand over text such as
`topics:python,rust timezone:Europe/Berlin` or `@bob for the review`. Both go through `parse_options`, so that
limits, choices and error messages are the same everywhere.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from core.errors import OptionError
from core.i18n import N_, N_n
from core.refs import ChannelRef, MemberRef, RoleRef

MAX_TEXT = 4000
_TRUE = {"true", "yes", "y", "on", "1", "ja", "j", "wahr"}
_FALSE = {"false", "no", "n", "off", "0", "nein", "falsch"}
_KEY = re.compile(r"(?<!\S)([A-Za-z_][\w-]*):(?!//)")
_MENTION = re.compile(r"^<@!?([A-Za-z0-9]+)(?:\|([^>]*))?>$")
_CHANNEL_MENTION = re.compile(r"^<#([A-Za-z0-9]+)(?:\|([^>]*))?>$")  # Discord <#id>, Slack <#C1|name>
_ROLE_MENTION = re.compile(r"^<(?:@&|!subteam\^)([A-Za-z0-9]+)(?:\|@?([^>]*))?>$")  # Discord <@&id>, Slack group
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

TOO_MANY = N_n("“{name}” takes at most {max} item.", "“{name}” takes at most {max} items.", "max")
TOO_LONG = N_n("“{name}” is too long (at most {max} character).", "“{name}” is too long (at most {max} characters).",
               "max")
TOO_SHORT = N_n("“{name}” is too short (at least {min} character).",
                "“{name}” is too short (at least {min} characters).", "min")


class OptionType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    MEMBER = "member"
    CHOICE = "choice"
    CHANNEL = "channel"
    """A channel: Discord's channel picker; typed text takes a mention (`<#id>`, Slack's `<#C1|name>`), `#name`
    or an id (and `-` for none, which handlers read as clearing). The value is a `ChannelRef`."""
    ROLE = "role"
    """A role (Discord's role picker) or user group: typed text takes a mention (`<@&id>`, Slack's
    `<!subteam^S1|@team>`), `@name`, a name or an id. The value is a `RoleRef`; with `multiple`, a list of them
    (Discord's picker gives one)."""


@dataclass(frozen=True, slots=True)
class Option:
    """One typed option of a command.

    `multiple` turns a string option into a comma-separated list; `autocomplete` names a cog method
    `async (ctx, current: str) -> list[str]` that suggests values while the person types.
    """

    name: str
    type: OptionType = OptionType.STRING
    description: str = ""
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    min_length: int | None = None
    max_length: int | None = 200
    multiple: bool = False
    autocomplete: str | None = None
    max_items: int = 20

    def with_(self, **changes: Any) -> Option:
        return replace(self, **changes)


def string(name: str, description: str = "", **kw: Any) -> Option:
    return Option(name, OptionType.STRING, description, **kw)


def integer(name: str, description: str = "", **kw: Any) -> Option:
    return Option(name, OptionType.INTEGER, description, **kw)


def boolean(name: str, description: str = "", **kw: Any) -> Option:
    return Option(name, OptionType.BOOLEAN, description, **kw)


def member(name: str, description: str = "", **kw: Any) -> Option:
    return Option(name, OptionType.MEMBER, description, **kw)


def channel(name: str, description: str = "", **kw: Any) -> Option:
    return Option(name, OptionType.CHANNEL, description, **kw)


def role(name: str, description: str = "", **kw: Any) -> Option:
    return Option(name, OptionType.ROLE, description, **kw)


def choice(name: str, choices: Sequence[str], description: str = "", **kw: Any) -> Option:
    return Option(name, OptionType.CHOICE, description, choices=tuple(choices), **kw)


MemberResolver = Callable[[str], Awaitable[MemberRef | None]]


@dataclass(slots=True)
class RawArgs:
    """Options as text, split into `key:value` pairs and leading positional words."""

    named: dict[str, str] = field(default_factory=dict)
    positional: list[str] = field(default_factory=list)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def split_text(text: str, options: Sequence[Option]) -> RawArgs:
    """Split free text into named and positional parts.

    A `key:` starts a new option only when `key` is one of the command's options, so values may contain spaces
    (`topic:smart factories`) and colons (`about:see https://x`) without quoting. An unknown `key:` before any known
    one is reported, since it is almost always a typo.
    """
    text = _CONTROL.sub("", text or "").strip()
    known = {o.name.lower(): o.name for o in options}
    raw = RawArgs()
    marks = [(m.start(), m.end(), m.group(1)) for m in _KEY.finditer(text)]
    # quoted spans hide keys inside them
    quoted = [(m.start(), m.end()) for m in re.finditer(r"\"[^\"]*\"|'[^']*'", text)]
    marks = [mk for mk in marks if not any(a < mk[0] < b for a, b in quoted)]
    boundaries = [(s, e, known[k.lower()]) for s, e, k in marks if k.lower() in known]
    first = boundaries[0][0] if boundaries else len(text)
    head = text[:first]
    by_name = {o.name: o for o in options}
    for s, e, k in marks:
        if k.lower() in known or e >= len(text) or text[e].isspace():
            continue  # "Note: ..." is prose, not an option
        before = [b for b in boundaries if b[0] < s]
        owner = by_name[before[-1][2]] if before else None
        free_text = (
            owner is not None
            and not owner.multiple
            and (owner.max_length is None or owner.max_length > 200 or owner is options[-1])
        )
        if not free_text:
            raise OptionError(
                N_("Unknown option “{name}”. This command takes: {allowed}."),
                name=k,
                allowed=", ".join(o.name for o in options) or "-",
            )
    if head.strip():
        try:
            raw.positional = shlex.split(head)
        except ValueError:
            raw.positional = head.split()
    for i, (_s, e, name) in enumerate(boundaries):
        end = boundaries[i + 1][0] if i + 1 < len(boundaries) else len(text)
        if name in raw.named:
            raise OptionError(N_("The option “{name}” was given twice."), name=name)
        raw.named[name] = _unquote(text[e:end])
    return raw


def _assign_positional(raw: RawArgs, options: Sequence[Option]) -> dict[str, str]:
    """Give positional words to the options not named, in order; the last string option takes the rest."""
    values = dict(raw.named)
    free = [o for o in options if o.name not in values]
    words = list(raw.positional)
    for i, opt in enumerate(free):
        if not words:
            break
        if i == len(free) - 1 and opt.type is OptionType.STRING:
            values[opt.name] = " ".join(words)
            words = []
        else:
            values[opt.name] = words.pop(0)
    if words:
        raise OptionError(N_("I did not understand “{text}”."), text=" ".join(words)[:80])
    return values


async def convert(option: Option, value: Any, resolve_member: MemberResolver | None) -> Any:
    """Turn one raw value (text or an already-typed value) into the option's type, checking its limits."""
    name = option.name
    if option.type is OptionType.MEMBER:
        if isinstance(value, MemberRef):
            return value
        text = str(value).strip()
        m = _MENTION.match(text)
        key = m.group(1) if m else text.lstrip("@")
        found = await resolve_member(key) if resolve_member and key else None
        if found is None:
            raise OptionError(N_("I can't find a member called “{who}” here."), who=text[:80])
        return found
    if option.type is OptionType.CHANNEL:
        return value if isinstance(value, ChannelRef) else _channel(option, value)
    if option.type is OptionType.ROLE:
        return _roles(option, value)
    if option.type is OptionType.INTEGER:
        if isinstance(value, bool):
            raise OptionError(N_("“{name}” must be a whole number."), name=name)
        try:
            number = int(str(value).strip())
        except ValueError:
            raise OptionError(N_("“{name}” must be a whole number."), name=name) from None
        if option.min_value is not None and number < option.min_value:
            raise OptionError(N_("“{name}” must be at least {min}."), name=name, min=option.min_value)
        if option.max_value is not None and number > option.max_value:
            raise OptionError(N_("“{name}” must be at most {max}."), name=name, max=option.max_value)
        return number
    if option.type is OptionType.BOOLEAN:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise OptionError(N_("“{name}” must be yes or no."), name=name)
    text = _CONTROL.sub("", str(value)).strip()
    if option.type is OptionType.CHOICE:
        for c in option.choices:
            if c.lower() == text.lower():
                return c
        raise OptionError(
            N_("“{value}” is not allowed for “{name}”. Choose one of: {allowed}."),
            value=text[:80],
            name=name,
            allowed=", ".join(option.choices),
        )
    limit = option.max_length if option.max_length is not None else MAX_TEXT
    if option.multiple:
        items = [i.strip() for i in text.split(",") if i.strip()]
        if len(items) > option.max_items:
            raise OptionError(TOO_MANY, name=name, max=option.max_items)
        for item in items:
            if len(item) > limit:
                raise OptionError(TOO_LONG, name=name, max=limit)
        if option.choices:
            allowed = {c.lower(): c for c in option.choices}
            bad = [i for i in items if i.lower() not in allowed]
            if bad:
                raise OptionError(
                    N_("“{value}” is not allowed for “{name}”. Choose one of: {allowed}."),
                    value=bad[0][:80],
                    name=name,
                    allowed=", ".join(option.choices),
                )
            items = [allowed[i.lower()] for i in items]
        return items
    if len(text) > limit:
        raise OptionError(TOO_LONG, name=name, max=limit)
    if option.min_length is not None and len(text) < option.min_length:
        raise OptionError(TOO_SHORT, name=name, min=option.min_length)
    if option.choices:
        allowed_map = {c.lower(): c for c in option.choices}
        if text.lower() not in allowed_map:
            raise OptionError(
                N_("“{value}” is not allowed for “{name}”. Choose one of: {allowed}."),
                value=text[:80],
                name=name,
                allowed=", ".join(option.choices),
            )
        return allowed_map[text.lower()]
    return text


def _channel(option: Option, value: Any) -> ChannelRef:
    """A channel typed as text; its platform is left empty (the handler knows the community's)."""
    text = _CONTROL.sub("", str(value)).strip()
    m = _CHANNEL_MENTION.match(text)
    channel_id, name = (m.group(1), m.group(2) or "") if m else (text.lstrip("#"), text.lstrip("#"))
    if not channel_id or len(channel_id) > 100 or any(c.isspace() for c in channel_id):
        raise OptionError(N_("“{value}” is not a channel. Mention it (#channel) or give its id."),
                          value=text[:80])
    return ChannelRef("", channel_id, name)


def _role(text: str) -> RoleRef:
    m = _ROLE_MENTION.match(text)
    if m:
        return RoleRef(m.group(1), m.group(2) or "")
    name = text.lstrip("@").strip()
    return RoleRef(name, name)


def _roles(option: Option, value: Any) -> RoleRef | list[RoleRef]:
    """A role (or with `multiple`, a comma-separated list of them); Discord hands over a `RoleRef` already."""
    if isinstance(value, RoleRef):
        return [value] if option.multiple else value
    text = _CONTROL.sub("", str(value)).strip()
    items = [i.strip() for i in text.split(",") if i.strip()] if option.multiple else [text]
    if len(items) > option.max_items:
        raise OptionError(TOO_MANY, name=option.name, max=option.max_items)
    roles = [_role(i) for i in items]
    if not roles or any(not r.role_id or len(r.role_id) > 100 for r in roles):
        raise OptionError(N_("“{value}” is not a role. Mention it (@role) or give its name or id."),
                          value=text[:80])
    return roles if option.multiple else roles[0]


async def parse_options(
    options: Sequence[Option],
    raw: str | Mapping[str, Any] | None,
    resolve_member: MemberResolver | None = None,
) -> dict[str, Any]:
    """Parse and validate a command's options from text or typed values.

    Returns a value for every option (the default when not given); raises `OptionError` with a message for the
    person on the first problem. Nothing is changed anywhere before this returns.
    """
    if raw is None:
        given: dict[str, Any] = {}
    elif isinstance(raw, str):
        given = _assign_positional(split_text(raw, options), options)
    else:
        known = {o.name for o in options}
        unknown = [k for k in raw if k not in known]
        if unknown:
            raise OptionError(
                N_("Unknown option “{name}”. This command takes: {allowed}."),
                name=unknown[0],
                allowed=", ".join(o.name for o in options) or "-",
            )
        given = dict(raw)
    result: dict[str, Any] = {}
    for opt in options:
        if opt.name in given and given[opt.name] is not None and given[opt.name] != "":
            result[opt.name] = await convert(opt, given[opt.name], resolve_member)
        elif opt.required:
            raise OptionError(N_("The option “{name}” is required."), name=opt.name)
        else:
            result[opt.name] = opt.default
    return result
