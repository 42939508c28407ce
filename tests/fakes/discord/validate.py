"""The limits Discord enforces on what a bot sends, so a payload Discord would refuse fails here too.

Each checker returns None when the payload is fine, else a short reason the fake puts into its 400 answer
("Invalid Form Body: ..."), which discord.py raises as an HTTPException in the bot under test.
"""

from __future__ import annotations

import re
from typing import Any

NAME_RULE = re.compile(r"^[-_\w]{1,32}$")  # ^[-_\p{L}\p{N}]{1,32}$ for chat-input commands and options

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_ROWS = 5
MAX_CUSTOM_ID = 100


def message_problem(body: dict[str, Any], file_count: int, *, allow_empty: bool = False) -> str | None:
    """A message create/edit body (content, embeds, components, files)."""
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    components = body.get("components") or []
    if not allow_empty and not (
        content or embeds or file_count or components or body.get("sticker_ids") or body.get("poll")
    ):
        return "Cannot send an empty message"
    if len(content) > MAX_CONTENT:
        return f"content longer than {MAX_CONTENT}"
    if len(embeds) > MAX_EMBEDS:
        return f"more than {MAX_EMBEDS} embeds"
    total = 0
    for embed in embeds:
        problem = _embed_problem(embed)
        if problem:
            return problem
        total += len(embed.get("title") or "") + len(embed.get("description") or "")
        total += sum(len(f.get("name", "")) + len(f.get("value", "")) for f in embed.get("fields") or [])
    if total > MAX_EMBED_TOTAL:
        return f"embeds longer than {MAX_EMBED_TOTAL} characters in total"
    return components_problem(components)


def _embed_problem(embed: dict[str, Any]) -> str | None:
    if len(embed.get("title") or "") > 256:
        return "embed title longer than 256"
    if len(embed.get("description") or "") > 4096:
        return "embed description longer than 4096"
    fields = embed.get("fields") or []
    if len(fields) > 25:
        return "more than 25 embed fields"
    for item in fields:
        if not 1 <= len(item.get("name", "")) <= 256 or not 1 <= len(item.get("value", "")) <= 1024:
            return "embed field name/value length"
    return None


def components_problem(rows: list[dict[str, Any]]) -> str | None:
    """Action rows of a message: at most five, each five buttons or one select."""
    if len(rows) > MAX_ROWS:
        return f"more than {MAX_ROWS} component rows"
    seen: set[str] = set()
    for row in rows:
        if row.get("type") != 1:
            return "top-level components must be action rows"
        children = row.get("components") or []
        if not 1 <= len(children) <= 5:
            return "an action row holds 1 to 5 components"
        selects = [c for c in children if c.get("type") in (3, 5, 6, 7, 8)]
        if selects and len(children) > 1:
            return "a select must be alone in its row"
        for child in children:
            problem = _component_problem(child, seen)
            if problem:
                return problem
    return None


def _component_problem(component: dict[str, Any], seen: set[str]) -> str | None:
    kind = component.get("type")
    if kind == 2:
        if component.get("style") == 5:
            return None if component.get("url") else "a link button needs a url"
        if len(component.get("label") or "") > 80:
            return "button label longer than 80"
    elif kind == 3:
        options = component.get("options") or []
        if not 1 <= len(options) <= 25:
            return "a select has 1 to 25 options"
        values = [o.get("value") for o in options]
        if len(set(values)) != len(values):
            return "select option values must be unique"
        if not 0 <= component.get("min_values", 1) <= component.get("max_values", 1) <= len(options):
            return "select min/max values out of range"
    elif kind not in (5, 6, 7, 8):
        return f"unsupported component type {kind}"
    custom_id = component.get("custom_id") or ""
    if not 1 <= len(custom_id) <= MAX_CUSTOM_ID:
        return f"custom_id must be 1-{MAX_CUSTOM_ID} characters"
    if custom_id in seen:
        return f"duplicate custom_id {custom_id!r}"
    seen.add(custom_id)
    return None


def modal_problem(data: dict[str, Any]) -> str | None:
    """A modal (interaction callback type 9)."""
    if not 1 <= len(data.get("custom_id") or "") <= MAX_CUSTOM_ID:
        return "modal custom_id"
    if not 1 <= len(data.get("title") or "") <= 45:
        return "modal title must be 1-45 characters"
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        return "a modal holds 1 to 5 components"
    for component in components:
        if component.get("type") == 18:
            if not 1 <= len(component.get("label") or "") <= 45:
                return "label text must be 1-45 characters"
            inner = component.get("component") or {}
        elif component.get("type") == 1:
            inner = (component.get("components") or [{}])[0]
        else:
            return f"unsupported modal component type {component.get('type')}"
        if inner.get("type") == 4:
            if not 1 <= int(inner.get("max_length") or 4000) <= 4000:
                return "text input max_length must be 1-4000"
            if len(inner.get("placeholder") or "") > 100:
                return "text input placeholder longer than 100"
            if len(inner.get("value") or "") > int(inner.get("max_length") or 4000):
                return "text input value longer than its max_length"
    return None


def commands_problem(commands: list[dict[str, Any]]) -> str | None:
    """A bulk overwrite of application commands."""
    if len(commands) > 100:
        return "more than 100 commands"
    names: set[tuple[int, str, str]] = set()
    for command in commands:
        kind = int(command.get("type", 1))
        for locale, name in {"": command.get("name", ""), **(command.get("name_localizations") or {})}.items():
            if (kind, locale, name) in names:
                return f"duplicate command name {name!r}"
            names.add((kind, locale, name))
        problem = _command_problem(command, depth=0)
        if problem:
            return problem
    return None


def _name_problem(name: Any) -> str | None:
    if not isinstance(name, str) or not NAME_RULE.match(name) or name != name.lower():
        return f"invalid name {name!r}"
    return None


def _localised_names_problem(node: dict[str, Any], *, chat_input: bool) -> str | None:
    for locale, text in (node.get("name_localizations") or {}).items():
        if chat_input:
            problem = _name_problem(text)
        else:
            problem = None if isinstance(text, str) and 1 <= len(text) <= 32 else f"invalid name {text!r}"
        if problem:
            return f"{locale} {problem}"
    return None


def _siblings_problem(nodes: list[dict[str, Any]]) -> str | None:
    """Names (and each locale's names) must be unique among the options of one level."""
    seen: dict[str, set[str]] = {}
    for node in nodes:
        names = {"": node.get("name", ""), **(node.get("name_localizations") or {})}
        for locale, name in names.items():
            taken = seen.setdefault(locale, set())
            if name in taken:
                return f"duplicate {locale or 'default'} name {name!r}"
            taken.add(name)
    return None


def _command_problem(node: dict[str, Any], depth: int) -> str | None:
    name = node.get("name", "")
    if depth == 0 and int(node.get("type", 1)) != 1:  # context menu commands: any 1-32 characters, no description
        if not 1 <= len(name) <= 32 or node.get("description") or node.get("options"):
            return f"invalid context menu command {name!r}"
        return _localised_names_problem(node, chat_input=False)
    problem = _name_problem(name) or _localised_names_problem(node, chat_input=True)
    if problem:
        return problem
    description = node.get("description", "")
    if int(node.get("type", 1)) == 1 and not (1 <= len(description) <= 100):
        return f"description of {name!r} must be 1-100 characters"
    for locale, text in (node.get("description_localizations") or {}).items():
        if not 1 <= len(text) <= 100:
            return f"{locale} description of {name!r} must be 1-100 characters"
    options = node.get("options", []) or []
    if len(options) > 25:
        return f"{name!r} has more than 25 options"
    problem = _siblings_problem(options)
    if problem:
        return f"{name!r}: {problem}"
    seen_optional = False
    for option in options:
        kind = int(option.get("type", 0))
        if kind in (1, 2):
            if depth >= 2 or (kind == 2 and depth >= 1):
                return f"{option.get('name')!r} nests too deep"
            problem = _command_problem(option, depth + 1)
            if problem:
                return problem
            continue
        opt_name = option.get("name", "")
        problem = _name_problem(opt_name) or _localised_names_problem(option, chat_input=True)
        if problem:
            return f"option {problem}"
        for choice in option.get("choices", []) or []:
            for text in (choice.get("name_localizations") or {}).values():
                if not 1 <= len(text) <= 100:
                    return f"choice name {text!r} of option {opt_name!r} must be 1-100 characters"
        if kind == 7 and any(t not in (0, 2, 4, 5, 10, 11, 12, 13, 15, 16) for t in option.get("channel_types", [])):
            return f"option {opt_name!r} has an unknown channel type"
        if not (1 <= len(option.get("description", "")) <= 100):
            return f"description of option {opt_name!r} must be 1-100 characters"
        if option.get("required"):
            if seen_optional:
                return f"required option {opt_name!r} after an optional one"
        else:
            seen_optional = True
        if len(option.get("choices", []) or []) > 25:
            return f"option {opt_name!r} has more than 25 choices"
        if option.get("autocomplete") and option.get("choices"):
            return f"option {opt_name!r} has both autocomplete and choices"
    return None
