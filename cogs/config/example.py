"""config.example.toml, generated from the settings models so it can never drift from them.

Every key of `Settings` is written with its description, what it allows and its default (keys without a default,
and secrets, are written commented out). A test compares the committed file with `render_example_toml()`;
after changing a settings model run `uv run bot.py config-example --write`.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from cogs.config.schema import Kind, constraints, spec_for
from cogs.config.values import inline_toml
from core.permissions import Level
from core.settings import registry, settings_model
from core.settings.hints import Shape, hint_of

EXAMPLE_PATH = Path(__file__).resolve().parents[2] / "config.example.toml"

HEADER = """\
# Kindred configuration: copy this file to config.toml and change what you need.
#
# Generated from the settings registry (each feature's settings.py) by `uv run bot.py config-example --write`;
# do not edit by hand. Every key is optional: the value shown is the default. Keys written as comments
# have no default (or are secrets, which belong in environment variables).
#
# Environment variables override this file: KINDRED_<SECTION>__<KEY>, e.g. KINDRED_MATCHING__HOUR=10
# or KINDRED_DISCORD__TOKEN=... . Choose another file with --config or KINDRED_CONFIG.
#
# Sections marked "per community" are defaults: moderators can change them for their own community
# in chat (/config set <section>.<key> <value>, /config show, /setup).
"""


def _plain(annotation: Any) -> tuple[Any, bool]:
    """(annotation without None, whether None is allowed)."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _quoted(values: tuple[Any, ...]) -> str:
    return ", ".join(inline_toml(v) for v in values)


def _type_text(annotation: Any, *, plural: bool = False) -> str:
    ann, _optional = _plain(annotation)
    if get_origin(ann) is Literal:
        return ("any of " if plural else "one of ") + _quoted(get_args(ann))
    if get_origin(ann) is list:
        return "a list of " + _type_text(get_args(ann)[0], plural=True)
    if get_origin(ann) is dict:
        return "a table of named entries"
    names = {bool: ("true or false", "true/false values"), int: ("a whole number", "whole numbers"),
             float: ("a number", "numbers"), str: ("text", "texts"), SecretStr: ("secret text", "secret texts")}
    if ann in names:
        return names[ann][1 if plural else 0]
    return getattr(ann, "__name__", str(ann))


def _bounds(c: dict[str, Any]) -> str:
    lo, gt, hi = c.get("minimum"), c.get("exclusive_minimum"), c.get("maximum")
    if gt is not None:
        return f"greater than {gt}" + (f" and at most {hi}" if hi is not None else "")
    if lo is not None and hi is not None:
        return f"from {lo} to {hi}"
    if lo is not None:
        return f"at least {lo}"
    if hi is not None:
        return f"at most {hi}"
    return ""


SHAPE_RULES = {
    Shape.TIMEZONE: 'an IANA time zone name such as "Europe/Berlin"',
    Shape.CHANNEL: "a channel id; empty for none",
    Shape.ROLES: "a list of role names or ids (Discord) or user group handles or ids (Slack)",
}


def rules_text(section: str, name: str, info: FieldInfo) -> str:
    """What a key allows, in TOML terms."""
    c = constraints(info)
    hint = hint_of(info)
    if hint.rules:
        return hint.rules
    if hint.shape in SHAPE_RULES:
        return SHAPE_RULES[hint.shape]
    parts = [_type_text(info.annotation), _bounds(c)]
    if c.get("max_length") is not None:
        parts.append(f"at most {c['max_length']} characters")
    if c.get("pattern"):
        parts.append(f"matching {c['pattern']}")
    return ", ".join(p for p in parts if p)


def _example(annotation: Any, info: FieldInfo) -> str:
    ann, _optional = _plain(annotation)
    if get_origin(ann) is list:
        return "[]"
    if ann is int:
        return str(constraints(info).get("minimum", 1))
    if ann is bool:
        return "false"
    return '""'


def _wrap(text: str, width: int = 108) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


def _comment(text: str) -> list[str]:
    return [f"# {line}" for line in _wrap(text)]


def env_name(section: str, name: str) -> str:
    return "KINDRED_" + (f"{section.upper()}__" if section else "") + name.upper()


def _field_lines(section: str, name: str, info: FieldInfo) -> list[str]:
    lines = _comment(info.description or name)
    ann, _optional = _plain(info.annotation)
    lines += _comment(f"Allowed: {rules_text(section, name, info)}.")
    if section in _community_sections():
        spec = spec_for(section, name, info)
        if spec.kind is Kind.TABLE:
            lines += _table_help(name, ann)
        who = "the bot owner" if spec.level >= Level.OWNER else "moderators"
        lines += _comment(f"Per community ({who}): /config set {spec.key} <value>")
    default = info.get_default(call_default_factory=True)
    secret = isinstance(ann, type) and issubclass(ann, SecretStr)
    if secret:
        lines += _comment(f"Secret: better set {env_name(section, name)} in the environment.")
        lines.append(f'# {name} = ""')
    elif default is None:
        lines += _comment("Not set by default.")
        lines.append(f"# {name} = {_example(ann, info)}")
    else:
        lines.append(f"{name} = {inline_toml(default)}")
    return lines


def _table_help(name: str, ann: Any) -> list[str]:
    args = get_args(ann)
    model = args[1] if len(args) == 2 else None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    out = _comment("Each entry has:")
    for fname, finfo in model.model_fields.items():
        about = f"{finfo.description} " if finfo.description else ""
        out += _comment(f"- {fname}: {about}({rules_text('', fname, finfo)}; "
                        f"default {inline_toml(finfo.get_default(call_default_factory=True))})")
    example = {"company": model().model_dump() | {"description": "Your company"}}
    out.append(f"# Example: {name} = {inline_toml(example)}")
    return out


def _section_doc(model: type[BaseModel]) -> str:
    doc = (model.__doc__ or sys.modules[model.__module__].__doc__ or "").strip()
    first = doc.splitlines()[0] if doc else ""
    return first.split(". ")[0].rstrip(".") + "." if first else ""


def _community_sections() -> set[str]:
    return {s.name for s in registry.sections() if s.per_community}


def render_example_toml(model: type[BaseModel] | None = None) -> str:
    """The whole example file as text (default: of every registered section)."""
    model = settings_model() if model is None else model
    top: list[str] = []
    tables: list[str] = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            tables.append("")
            doc = _section_doc(ann)
            if doc and not doc.startswith(("Each ", "Usage")):
                tables += _comment(doc)
            if name in _community_sections():
                tables += _comment("Per community: the default for every community; moderators can change it in chat.")
            tables.append(f"[{name}]")
            for fname, finfo in ann.model_fields.items():
                tables.append("")
                tables += _field_lines(name, fname, finfo)
        else:
            top.append("")
            top += _field_lines("", name, info)
    return HEADER + "\n".join([*top, *tables]).rstrip() + "\n"


def write_example(path: Path = EXAMPLE_PATH) -> bool:
    """Write the example file; returns whether it changed."""
    text = render_example_toml()
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if old == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True
