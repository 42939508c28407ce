"""The simplest form of every command in the neutral tree, for the tests that run each one on each fake platform.

`declared_commands()` reads the command names the shipped cogs declare (without starting an app), so a test
parametrised over it covers a new command the day it is added. `simplest_values` gives the fewest option
values a command accepts: only the required ones, each a plain valid value. The tests run each command as the
least privileged person allowed to (its `spec.level`), so an answer is the command's own, never a refusal.
"""

from __future__ import annotations

from typing import Any

from core.commands import Command
from core.options import OptionType

APOLOGY = "Sorry, something went wrong"
"""The start of the dispatcher's generic answer to an unexpected failure: never a sensible reply."""

REFUSAL = "Only a "
"""The start of the dispatcher's permission refusal."""

OTHER_MEMBER = object()
"""Placeholder for "another member of the community" in option values; each platform puts its own in."""

EXPLICIT: dict[str, dict[str, Any]] = {
    "config reset": {"key": "matching.hour"},
    "config set": {"key": "matching.hour", "value": "10"},
    "link confirm": {"code": "ABCD-EFGH"},
    "mentor request": {"topic": "python"},
    "welcome set": {"what": "delay", "value": "30"},
}
"""Required string options whose value must mean something to the command."""

FILE_COMMANDS: dict[str, dict[str, Any]] = {
    "stats chart": {"metric": "members"},
    "export": {},
    "config export": {},
    "match insights": {},
}
"""Commands whose answer carries a file, with the options that ask for it."""


def declared_commands() -> list[str]:
    """Every command name the shipped cogs declare, sorted ("config set", "help", ...)."""
    from bootstrap.discovery import discover

    names: set[str] = set()
    for cog in discover():
        for attr in dir(cog):
            spec = getattr(getattr(cog, attr, None), "__kindred_command__", None)
            if spec is not None:
                names.add(spec.name)
    return sorted(names)


def simplest_values(command: Command) -> dict[str, Any]:
    """Values for the required options only (`OTHER_MEMBER` for members)."""
    explicit = EXPLICIT.get(command.name, {})
    values: dict[str, Any] = {}
    for option in command.spec.options:
        if not option.required:
            continue
        if option.name in explicit:
            values[option.name] = explicit[option.name]
        elif option.type is OptionType.MEMBER:
            values[option.name] = OTHER_MEMBER
        elif option.choices:
            values[option.name] = option.choices[0]
        elif option.type is OptionType.INTEGER:
            values[option.name] = option.min_value if option.min_value is not None else 1
        elif option.type is OptionType.BOOLEAN:
            values[option.name] = False
        else:
            values[option.name] = "python"
    return values


def is_sensible(text: str) -> bool:
    """A real answer: something was said, and it is neither the generic apology nor a permission refusal."""
    return bool(text.strip()) and APOLOGY not in text and not text.lstrip().startswith(REFUSAL)
