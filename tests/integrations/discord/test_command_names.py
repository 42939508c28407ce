"""German command, option and choice names (Discord's name_localizations) follow Discord's rules.

Discord refuses the whole command upload when one localised name breaks its rule (lowercase letters, digits,
"-" and "_", 1 to 32 characters) or repeats another name of the same level in the same language, so every name
is checked here against the shipped tree, and every command, subcommand and option has a German name unless it
reads the same in German.
"""

from __future__ import annotations

import re
from typing import Any

from core.affordances import user_commands
from core.dispatcher import App
from integrations.discord.commands import command_payloads
from integrations.discord.names import names

RULE = re.compile(r"^[-_\w]{1,32}$")  # Discord: ^[-_\p{L}\p{N}]{1,32}$, lowercase where the script has case
SAME_IN_GERMAN = {"code", "format", "mentor", "name", "segment", "status", "system", "team", "teams"}
"""Names a German speaker reads as they are."""


def _levels(payloads: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Each level of names Discord keeps unique: the top-level chat commands, then each command's options."""
    chat = [p for p in payloads if p["type"] == 1]
    levels = [("top", chat)]
    todo = list(chat)
    while todo:
        node = todo.pop()
        options = node.get("options") or []
        levels.append((node["name"], options))
        todo += [o for o in options if o["type"] in (1, 2)]
    return levels


def _all_names(payloads: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    """(English name, German name or "", whether it is a command or subcommand) of every chat command node."""
    out = []
    for _where, nodes in _levels(payloads):
        for node in nodes:
            german = (node.get("name_localizations") or {}).get("de", "")
            out.append((node["name"], german, node["type"] in (1, 2) or "default_member_permissions" in node))
    return out


async def test_every_german_name_follows_discords_rule_and_is_unique_in_its_level(app: App) -> None:
    payloads = command_payloads(app.tree, user_commands(app.cogs).values())
    for english, german, _command in _all_names(payloads):
        for name in (english, german):
            if name:
                assert RULE.match(name) and name == name.lower(), f"{english!r} -> {name!r} breaks Discord's rule"
    for where, nodes in _levels(payloads):
        german = [(n.get("name_localizations") or {}).get("de", n["name"]) for n in nodes]
        assert len(set(german)) == len(german), f"two German names alike under {where}: {sorted(german)}"
    for payload in payloads:
        if payload["type"] == 2:  # a member's context menu: any text of 1-32 characters
            assert 1 <= len(payload["name_localizations"]["de"]) <= 32


async def test_every_command_and_option_has_a_german_name(app: App) -> None:
    missing = sorted({english for english, german, _command in _all_names(command_payloads(app.tree))
                      if not german and english not in SAME_IN_GERMAN})
    assert missing == [], f"add German names to integrations/discord/locales/de.toml: {missing}"


async def test_the_table_has_no_stale_names(app: App) -> None:
    """Every entry names something the tree has (a renamed command does not leave its old German name behind)."""
    payloads = command_payloads(app.tree)
    tops = {p["name"] for p in payloads}
    subs = {o["name"] for p in payloads for o in p.get("options") or [] if o["type"] == 1}
    leaves = [o for p in payloads for s in p.get("options") or [] for o in (s.get("options") or [s])]
    options = {o["name"] for o in leaves if o["type"] not in (1, 2)}
    choices = {c["value"] for o in leaves for c in o.get("choices") or []}
    de = names("de")
    assert set(de.commands) <= tops
    assert set(de.subcommands) <= subs
    assert set(de.options) <= options
    assert set(de.choices) <= choices
    assert RULE.match(de.moderator_suffix)
