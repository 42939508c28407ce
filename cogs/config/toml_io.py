"""A community's overrides as a TOML file and back (`/config export`, `/config import`).

The file uses one table per section (`[matching]` / `hour = 10`), the same shape as config.toml, so a moderator's
export can also serve as a starting point for an operator's config file. Import reads the whole file and checks
every key before anything is applied; it accepts tables, dotted keys (`matching.hour = 10`) and quoted keys.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

import tomli_w

from cogs.config.nesting import MAX_DEPTH, TooDeep, load_toml
from cogs.config.schema import KeySpec
from cogs.config.values import ValueRefused, check_value, shown
from core.errors import UserError
from core.i18n import N_, N_n

MAX_IMPORT_CHARS = 20_000


def export_toml(overrides: Mapping[str, Any], schema: Mapping[str, KeySpec], header: list[str]) -> str:
    """The overrides in schema order, grouped by section; keys the schema no longer knows are left out."""
    tables: dict[str, dict[str, Any]] = {}
    for key, spec in schema.items():
        if key in overrides:
            tables.setdefault(spec.section, {})[spec.field] = overrides[key]
    head = "".join(f"# {line}\n" for line in header)
    body = tomli_w.dumps(tables) if tables else ""
    return head + ("\n" if head and body else "") + body


def flatten(data: Mapping[str, Any], sections: set[str]) -> tuple[dict[str, Any], list[str]]:
    """`{"matching": {"hour": 10}}` and `{"matching.hour": 10}` both become `{"matching.hour": 10}`; top-level
    names that are neither a section nor a dotted key are returned as unknown."""
    flat: dict[str, Any] = {}
    unknown: list[str] = []
    for top, value in data.items():
        if top in sections and isinstance(value, dict):
            for name, inner in value.items():
                flat[f"{top}.{name}"] = inner
        elif "." in top:
            flat[top] = value
        elif isinstance(value, dict) and value:
            unknown.extend(f"{top}.{name}" for name in value)
        else:
            unknown.append(top)
    return flat, unknown


def parse_import(text: str, schema: Mapping[str, KeySpec]) -> tuple[dict[str, Any], list[ValueRefused]]:
    """Every key of the file checked: (values to apply, problems). Raises `UserError` for a file that is not
    TOML at all. The caller applies nothing unless `problems` is empty."""
    if len(text) > MAX_IMPORT_CHARS:
        raise UserError(N_n("The file is too large (at most {max} character).",
                            "The file is too large (at most {max} characters).", "max"), max=MAX_IMPORT_CHARS)
    try:
        data = load_toml(text)
    except TooDeep:
        raise UserError(N_n("This is not valid TOML: tables or lists are nested more than {max} level deep.",
                            "This is not valid TOML: tables or lists are nested more than {max} levels deep.", "max"),
                        max=MAX_DEPTH) from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(N_("This is not valid TOML: {error}"), error=str(exc)[:200]) from None
    sections = {s.section for s in schema.values()}
    flat, unknown = flatten(data, sections)
    problems = [ValueRefused(None, shown(name), N_("Unknown key {key}. Type /config show to see the keys."))
                for name in unknown]
    values: dict[str, Any] = {}
    for key, raw in flat.items():
        spec = schema.get(key)
        if spec is None:
            problems.append(ValueRefused(None, shown(key), N_("Unknown key {key}. Type /config show to see the keys.")))
            continue
        try:
            values[key] = check_value(spec, raw)
        except ValueRefused as exc:
            problems.append(exc)
    return values, problems
