"""The per-community key schema, read from the pydantic settings models (one source of truth).

Every leaf of `CommunityConfig` becomes a `KeySpec`: its dotted key (`matching.hour`), its kind (how a moderator
types it in chat), its allowed range or choices and its description. Nothing here is written by hand per key
here is written per key: what pydantic cannot express (a text that is a channel or a time zone) is marked on
the field itself (core/settings/hints.py), and which keys only the bot owner may change comes from the settings
registry (a section's `process` model), so a field added to a feature's settings shows up in `/config` without
touching this cog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from core.permissions import Level
from core.settings import community_model, registry, unoptional
from core.settings.hints import NO_HINT, ChatHint, Shape, hint_of


class Kind(StrEnum):
    """How a value is typed in chat and shown back."""

    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    CHOICE = "choice"
    TEXT = "text"
    TIMEZONE = "timezone"
    CHANNEL = "channel"
    LIST = "list"
    TABLE = "table"  # a mapping of names to small records, typed as a TOML inline table




@dataclass(frozen=True, slots=True)
class KeySpec:
    """One per-community setting as moderators see it."""

    key: str
    section: str
    field: str
    kind: Kind
    description: str
    default: Any
    choices: tuple[str, ...] = ()  # CHOICE, or the allowed items of a LIST
    minimum: float | None = None  # inclusive
    maximum: float | None = None  # inclusive
    exclusive_minimum: float | None = None
    max_length: int | None = None  # TEXT/CHANNEL length, or each LIST item's length
    pattern: str | None = None
    separator: str = ","  # LIST: "," or "|" (Shape.SENTENCES)
    level: Level = Level.MODERATOR
    annotation: Any = None
    hint: ChatHint = NO_HINT  # what the settings model marks on the field (core/settings/hints.py)

    @property
    def is_list(self) -> bool:
        return self.kind is Kind.LIST


def _literal_choices(annotation: Any) -> tuple[str, ...] | None:
    if get_origin(annotation) is Literal:
        return tuple(str(a) for a in get_args(annotation))
    return None


def constraints(info: FieldInfo) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for meta in info.metadata:
        if isinstance(meta, at.Ge):
            out["minimum"] = meta.ge
        elif isinstance(meta, at.Gt):
            out["exclusive_minimum"] = meta.gt
        elif isinstance(meta, at.Le):
            out["maximum"] = meta.le
        elif isinstance(meta, at.Lt):
            out["maximum"] = meta.lt  # close enough for a message; pydantic still enforces the strict bound
        elif isinstance(meta, at.MaxLen):
            out["max_length"] = meta.max_length
        elif getattr(meta, "pattern", None):
            out["pattern"] = meta.pattern
    return out


def spec_for(section: str, name: str, info: FieldInfo, owner_keys: frozenset[str] | None = None) -> KeySpec:
    """Describe one settings field; raises TypeError for a type chat cannot edit (a reminder to extend this).
    `owner_keys` are the process-wide keys (default: the registry's), which only the bot owner may change."""
    key = f"{section}.{name}"
    owner_keys = registry.owner_keys() if owner_keys is None else owner_keys
    hint = hint_of(info)
    ann = unoptional(info.annotation)
    base: dict[str, Any] = {
        "key": key,
        "section": section,
        "field": name,
        "description": info.description or "",
        "default": info.get_default(call_default_factory=True),
        "level": Level.OWNER if key in owner_keys else Level.MODERATOR,
        "annotation": info.annotation,
        "pattern": hint.chat_pattern,
        "hint": hint,
        **constraints(info),
    }
    choices = _literal_choices(ann)
    if ann is bool:
        return KeySpec(kind=Kind.BOOL, **base)
    if ann is int:
        return KeySpec(kind=Kind.INT, **base)
    if ann is float:
        return KeySpec(kind=Kind.FLOAT, **base)
    if choices is not None:
        return KeySpec(kind=Kind.CHOICE, choices=choices, **base)
    if ann is str:
        kinds: dict[Shape | None, Kind] = {Shape.TIMEZONE: Kind.TIMEZONE, Shape.CHANNEL: Kind.CHANNEL}
        kind = kinds.get(hint.shape, Kind.TEXT)
        return KeySpec(kind=kind, **base)
    if get_origin(ann) is list:
        (item,) = get_args(ann)
        item_choices = _literal_choices(item)
        if item is not str and item_choices is None:
            raise TypeError(f"{key}: list items of type {item!r} cannot be edited in chat yet")
        sep = "|" if hint.shape is Shape.SENTENCES else ","
        return KeySpec(kind=Kind.LIST, choices=item_choices or (), separator=sep, **base)
    if get_origin(ann) is dict:
        return KeySpec(kind=Kind.TABLE, **base)
    raise TypeError(f"{key}: settings of type {ann!r} cannot be edited in chat yet")


def build_schema(model: type[BaseModel] | None = None) -> dict[str, KeySpec]:
    """Every leaf key of a two-level settings model (`section.field`, default: the per-community one), in
    declaration order."""
    model = community_model() if model is None else model
    owner_keys = registry.owner_keys()
    out: dict[str, KeySpec] = {}
    for section, sinfo in model.model_fields.items():
        sub = sinfo.annotation
        if not (isinstance(sub, type) and issubclass(sub, BaseModel)):
            continue
        for name, info in sub.model_fields.items():
            spec = spec_for(section, name, info, owner_keys)
            out[spec.key] = spec
    return out


_schemas: dict[tuple[object, ...], dict[str, KeySpec]] = {}


def community_schema() -> dict[str, KeySpec]:
    """The schema of the per-community settings, built once (again when a feature registers a section)."""
    key = registry.fingerprint()
    if key not in _schemas:
        _schemas[key] = build_schema()
    return _schemas[key]


def sections(schema: dict[str, KeySpec] | None = None) -> list[str]:
    schema = schema if schema is not None else community_schema()
    return list(dict.fromkeys(s.section for s in schema.values()))


_FOLD = re.compile(r"[\s_\-]+")


def find_key(text: str, schema: dict[str, KeySpec] | None = None) -> KeySpec | None:
    """The spec a person meant: exact key, any case, `-`/`_`/space-insensitive (`matching.group-size`)."""
    schema = schema if schema is not None else community_schema()
    wanted = text.strip().lower()
    if wanted in schema:
        return schema[wanted]
    folded = _FOLD.sub("_", wanted)
    return next((s for k, s in schema.items() if k == folded), None)


def suggest_keys(current: str, *, extra: tuple[str, ...] = (), schema: dict[str, KeySpec] | None = None,
                 limit: int = 25) -> list[str]:
    """Keys for autocomplete (plus `extra` names such as sections): prefix matches first, then the rest."""
    schema = schema if schema is not None else community_schema()
    cur = current.strip().lower()
    names = list(dict.fromkeys([*extra, *schema]))
    starts = [n for n in names if n.startswith(cur) or n.split(".")[-1].startswith(cur)]
    contains = [n for n in names if cur in n and n not in starts]
    return (starts + contains)[:limit]
