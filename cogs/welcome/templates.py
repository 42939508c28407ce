"""Greeting templates: checked when a moderator sets them, rendered safely for each newcomer.

Pure functions, no chat and no store. A template may only name a fixed set of placeholders; it can never read an
attribute or an item (`{member.__class__}`, `{member[0]}`), use positional fields (`{0}`, `{}`) or conversions
(`{member!r}`), because it is never passed to `str.format`: it is parsed and each placeholder is replaced by a
value we computed. Text that people control (display names, the template itself) is neutralised so that a
greeting can ping nobody but the newcomers it names: `@everyone`, `@here`, role and Slack broadcast tokens get a
zero-width space that breaks them, and only the mention tokens built here survive.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.errors import UserError
from core.i18n import N_, N_n

ZWSP = "\u200b"
PLACEHOLDERS = ("member", "community", "member_count", "channel", "moderators")
ALLOWED_TEXT = "{member} {community} {member_count} {channel:name} {moderators}"
MAX_TEMPLATE = 1000
MAX_VARIANTS = 10
MAX_NAME = 80
VARIANT_SEPARATOR = "||"

_CHANNEL_NAME = re.compile(r"^[\w-]{1,80}$")
_USER_ID = re.compile(r"^(?!(?i:everyone|here|channel))[A-Za-z0-9_.-]{1,64}$")
"""A platform user id (Discord snowflake, Slack `U…`, a console name); never one that reads as a ping word."""
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")


class TemplateError(UserError):
    """A template a moderator tried to set cannot be used; the message says why and how to fix it."""


def neutralise(text: str) -> str:
    """Text that cannot ping anyone: breaks `@everyone`, `@here`, `<@…>`, `<@&…>` and Slack's `<!here>` tokens.

    A zero-width space after each `@` and after `<!` keeps the text readable while no platform parses it as a
    mention any more.
    """
    return text.replace("@", "@" + ZWSP).replace("<!", "<" + ZWSP + "!")


def clean_name(name: str) -> str:
    """A display name as one short, harmless line (no newlines that would fake a heading, no pings)."""
    flat = " ".join(_CONTROL.sub(" ", name or "").split())
    if len(flat) > MAX_NAME:
        flat = flat[: MAX_NAME - 1] + "…"
    return neutralise(flat)


def mention_token(user_id: str) -> str | None:
    """The neutral mention token for a platform user id, or None when the id does not look like one."""
    return f"<@{user_id}>" if _USER_ID.match(user_id or "") else None


def _parse(template: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return list(string.Formatter().parse(template))
    except ValueError:
        raise TemplateError(
            N_("The greeting has a curly brace that does not belong to a placeholder. Placeholders look like "
               "{placeholder}; write two braces for a literal one."),
            placeholder="{member}",
        ) from None


def validate_template(template: str) -> str:
    """The template, stripped, if it is safe to use; raises `TemplateError` with a clear message otherwise."""
    text = _CONTROL.sub("", (template or "").replace("\r\n", "\n")).strip()
    if not text:
        raise TemplateError(N_("The greeting is empty. Write a text, e.g. Welcome to {community}, {member}!"),
                            community="{community}", member="{member}")
    if len(text) > MAX_TEMPLATE:
        raise TemplateError(N_n("A greeting can be at most {max} character long (this one has {length}).",
                                "A greeting can be at most {max} characters long (this one has {length}).", "max"),
                            max=MAX_TEMPLATE, length=len(text))
    for _literal, field, spec, conversion in _parse(text):
        if field is None:
            continue
        shown = "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if field == "" or field.isdigit():
            raise TemplateError(
                N_("“{placeholder}” is not a placeholder I know. Use only: {allowed}."),
                placeholder=shown[:60], allowed=ALLOWED_TEXT)
        if not field.isidentifier():
            raise TemplateError(
                N_("“{placeholder}” tries to read inside a placeholder, which greetings cannot do. "
                   "Use only: {allowed}."),
                placeholder=shown[:60], allowed=ALLOWED_TEXT)
        if field not in PLACEHOLDERS:
            raise TemplateError(
                N_("“{placeholder}” is not a placeholder I know. Use only: {allowed}."),
                placeholder=shown[:60], allowed=ALLOWED_TEXT)
        if conversion:
            raise TemplateError(
                N_("“{placeholder}” uses a conversion, which greetings cannot do. Use only: {allowed}."),
                placeholder=shown[:60], allowed=ALLOWED_TEXT)
        if field == "channel":
            if not spec or not _CHANNEL_NAME.match(spec):
                raise TemplateError(
                    N_("Name the channel in the placeholder, e.g. {example} (letters, digits, - and _)."),
                    example="{channel:introductions}")
        elif spec:
            raise TemplateError(
                N_("“{placeholder}” has a format after the colon; only {example} takes one."),
                placeholder=shown[:60], example="{channel:name}")
    return text


def split_variants(text: str) -> list[str]:
    """Several greeting variants typed in one line, separated by `||`."""
    return [p.strip() for p in (text or "").split(VARIANT_SEPARATOR) if p.strip()]


def validate_variants(variants: Sequence[str]) -> list[str]:
    """Every variant checked; at least one and at most `MAX_VARIANTS`."""
    if not variants:
        raise TemplateError(N_("The greeting is empty. Write a text, e.g. Welcome to {community}, {member}!"),
                            community="{community}", member="{member}")
    if len(variants) > MAX_VARIANTS:
        raise TemplateError(N_n("At most {max} greeting variant, separated by ||.",
                                "At most {max} greeting variants, separated by ||.", "max"), max=MAX_VARIANTS)
    return [validate_template(v) for v in variants]


@dataclass(frozen=True, slots=True)
class Newcomer:
    """Who a greeting is for: the platform user id (for the mention) and the display name (fallback text)."""

    user_id: str
    name: str


@dataclass(frozen=True, slots=True)
class TemplateValues:
    """The values a template can show. `join_names` turns ["a", "b", "c"] into "a, b and c" in the language."""

    newcomers: tuple[Newcomer, ...]
    community: str
    member_count: int
    moderators: str
    join_names: Callable[[list[str]], str]


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    mentions: tuple[str, ...]


def render(template: str, values: TemplateValues) -> Rendered:
    """Fill in a validated template. Unknown or unsafe fields (should one slip past validation) stay literal."""
    mentions: list[str] = []
    names: list[str] = []
    for n in values.newcomers:
        token = mention_token(n.user_id)
        if token is None:
            names.append(clean_name(n.name) or "?")
        else:
            names.append(token)
            if n.user_id not in mentions:
                mentions.append(n.user_id)
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return Rendered(neutralise(template), ())
    out: list[str] = []
    used_member = False
    for literal, field, spec, conversion in parts:
        out.append(neutralise(literal))
        if field is None:
            continue
        if field == "member" and not spec and not conversion:
            out.append(values.join_names(names) if names else "")
            used_member = True
        elif field == "community" and not spec and not conversion:
            out.append(clean_name(values.community))
        elif field == "member_count" and not spec and not conversion:
            out.append(str(int(values.member_count)))
        elif field == "moderators" and not spec and not conversion:
            out.append(clean_name(values.moderators))
        elif field == "channel" and spec and _CHANNEL_NAME.match(spec) and not conversion:
            out.append("#" + neutralise(spec))
        else:
            out.append(neutralise("{" + field + "}"))
    return Rendered("".join(out), tuple(mentions) if used_member else ())


def pick_variant(variants: Sequence[str], rng: random.Random | None = None) -> str:
    """One variant at random (the same for everyone in a batch)."""
    if not variants:
        return ""
    return (rng or random).choice(list(variants))
