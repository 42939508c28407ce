"""Command, option and choice names in the languages Kindred speaks, as Discord's `name_localizations`.

Descriptions are texts of the .po catalogues; names are not texts but identifiers Discord shows in the command
picker, with rules of their own (lowercase, no spaces, unique within their level), so each language keeps them
in `locales/<lang>.toml` next to this file. A name without an entry keeps its English name, which stays what
Discord sends back in every interaction: the localised names are only what people see and type.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from core.i18n import LANGUAGES

LOCALES = Path(__file__).resolve().parent / "locales"
DISCORD_LOCALES = {"de": "de"}
"""Kindred's locale code -> Discord's locale code."""

NAME_RULE = re.compile(r"^[-_\w]{1,32}$")
"""Discord's rule for chat-input command and option names (^[-_\\p{L}\\p{N}]{1,32}$, lowercase where the script
has case); `\\w` also lets "_" and marks through, which the rule allows too."""


@dataclass(frozen=True, slots=True)
class Names:
    """One language's names: top-level commands, subcommands, options, choices, and the moderator suffix."""

    commands: dict[str, str] = field(default_factory=dict)
    subcommands: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    choices: dict[str, str] = field(default_factory=dict)
    moderator_suffix: str = ""


@cache
def names(locale: str) -> Names:
    """The names of `locale` from its table (none when it has no table)."""
    path = LOCALES / f"{locale}.toml"
    if not path.exists():
        return Names()
    data = tomllib.loads(path.read_text(encoding="utf-8"))

    def table(key: str) -> dict[str, str]:
        return {str(k): str(v) for k, v in (data.get(key) or {}).items()}

    return Names(table("commands"), table("subcommands"), table("options"), table("choices"),
                 str((data.get("moderator") or {}).get("suffix", "")))


def _localised(pick: str, english: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for locale in LANGUAGES:
        if locale == "en" or locale not in DISCORD_LOCALES:
            continue
        table: dict[str, str] = getattr(names(locale), pick)
        name = table.get(english)
        if name and name != english:
            out[DISCORD_LOCALES[locale]] = name
    return out


def command_names(english: str, *, moderator_of: str | None = None) -> dict[str, str]:
    """A top-level command's localised names; `moderator_of` names the group whose moderator part it is."""
    if moderator_of is None:
        return _localised("commands", english)
    out: dict[str, str] = {}
    for discord_locale, group in _localised("commands", moderator_of).items():
        locale = next(k for k, v in DISCORD_LOCALES.items() if v == discord_locale)
        suffix = names(locale).moderator_suffix
        if suffix:
            out[discord_locale] = (group + suffix)[:32]
    return out


def subcommand_names(english: str) -> dict[str, str]:
    return _localised("subcommands", english)


def option_names(english: str) -> dict[str, str]:
    return _localised("options", english)


def choice_names(english: str) -> dict[str, str]:
    return _localised("choices", english)
