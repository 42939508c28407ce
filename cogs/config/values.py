"""Turning what a moderator types (or a TOML file holds) into a checked setting value, and back into text.

Pure functions over a `KeySpec`: `parse_text` reads chat text, `check_value` checks a typed value against the
key's type, range and choices, `validate_config` checks the resulting settings as a whole with pydantic (which also
runs the models' own validators). Every refusal is a `ValueRefused` naming the key and what it allows, so that
the person learns how to fix it and nothing is stored.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, get_args
from zoneinfo import available_timezones

from pydantic import BaseModel, TypeAdapter, ValidationError

from cogs.config.nesting import MAX_DEPTH, TooDeep, load_json, load_toml
from cogs.config.schema import KeySpec, Kind
from core.community_config import apply_overrides
from core.errors import OptionError
from core.i18n import N_, N_n, Plural, Text
from core.settings import CommunityConfig
from core.settings.hints import Shape
from core.settings.refusals import SETTING_ERROR
from core.text import clean_line, clean_text, only_invisible

MAX_SHOWN = 80
_TRUE = frozenset({"true", "yes", "y", "on", "1", "ja", "j", "an", "wahr", "enable", "enabled"})
_FALSE = frozenset({"false", "no", "n", "off", "0", "nein", "aus", "falsch", "disable", "disabled"})
_EMPTY = frozenset({"-", "none", "[]", "{}"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INT = re.compile(r"^[+-]?\d{1,12}$")
_FLOAT = re.compile(r"^[+-]?(\d{1,20}([.,]\d{0,20})?|[.,]\d{1,20})([eE][+-]?\d{1,3})?$")
_CHANNEL = re.compile(r"^<#([A-Za-z0-9]+)(?:\|[^>]*)?>$")
_ROLE = re.compile(r"^<@&([0-9]+)>$|^<!subteam\^([A-Za-z0-9]+)(?:\|[^>]*)?>$")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")

Translate = Callable[..., str]


class ValueRefused(OptionError):
    """A value a key does not accept. `msgid`/`params` say what is wrong; `allowed()` says what would do."""

    def __init__(self, spec: KeySpec | None, key: str, msgid: Text, **params: Any) -> None:
        super().__init__(msgid, key=key, **params)
        self.spec = spec
        self.key = key


def shown(value: Any) -> str:
    """A value quoted back to the person, cut short so a pasted novel does not flood the reply."""
    text = value if isinstance(value, str) else inline_toml(value)
    text = _CONTROL.sub("", text).replace("\n", " ")
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def allowed(spec: KeySpec) -> tuple[Text, dict[str, Any]]:
    """What a key accepts, as a message id with its parameters (translated by the caller)."""
    lo, hi, gt = _num(spec.minimum), _num(spec.maximum), _num(spec.exclusive_minimum)
    match spec.kind:
        case Kind.BOOL:
            return N_("Allowed: yes or no (also true/false, on/off)."), {}
        case Kind.INT:
            if lo and hi:
                return N_("Allowed: a whole number from {min} to {max}."), {"min": lo, "max": hi}
            if lo:
                return N_("Allowed: a whole number of at least {min}."), {"min": lo}
            if hi:
                return N_("Allowed: a whole number of at most {max}."), {"max": hi}
            return N_("Allowed: a whole number."), {}
        case Kind.FLOAT:
            if gt and hi:
                return N_("Allowed: a number greater than {min} and at most {max}."), {"min": gt, "max": hi}
            if lo and hi:
                return N_("Allowed: a number from {min} to {max}."), {"min": lo, "max": hi}
            return N_("Allowed: a number."), {}
        case Kind.CHOICE:
            return N_("Allowed: one of {choices}."), {"choices": ", ".join(spec.choices)}
        case Kind.TIMEZONE:
            return N_("Allowed: an IANA time zone such as Europe/Berlin or America/New_York."), {}
        case Kind.CHANNEL:
            return N_("Allowed: a channel (mention or id), or - for none."), {}
        case Kind.LIST if spec.choices:
            return N_("Allowed: a comma-separated list of {choices}, or - for none."), {
                "choices": ", ".join(spec.choices)}
        case Kind.LIST if spec.separator == "|":
            return N_("Allowed: items separated by | or new lines, or - for none."), {}
        case Kind.LIST:
            return N_("Allowed: a comma-separated list, or - for none."), {}
        case Kind.TABLE:
            return N_("Allowed: a TOML inline table such as {example}, or - for none."), {
                "example": table_example(spec)}
        case _ if spec.key == "welcome.trigger":
            return N_("Allowed: join, role:<role id> or channel:<channel id>."), {}
        case _ if spec.max_length:
            return N_n("Allowed: text of at most {max} character, or - for none.",
                       "Allowed: text of at most {max} characters, or - for none.", "max"), {"max": spec.max_length}
        case _:
            return N_("Allowed: any text, or - for none."), {}


def explain(exc: ValueRefused, translate: Translate) -> str:
    """The full refusal in the person's language: what is wrong, then what is allowed."""
    text = translate(exc.msgid, **exc.params)
    if exc.spec is not None:
        msgid, params = allowed(exc.spec)
        text = f"{text} {translate(msgid, **params)}"
    return text


def table_example(spec: KeySpec) -> str:
    """An inline-table example built from the value model of a mapping key (e.g. profiles.extra_fields)."""
    args = get_args(spec.annotation)
    model = args[1] if len(args) == 2 else None
    if isinstance(model, type) and issubclass(model, BaseModel):
        return inline_toml({"name": model().model_dump()})
    return '{ name = "value" }'


@cache
def timezones() -> dict[str, str]:
    """Known IANA zones by lower-case name, so `europe/berlin` finds `Europe/Berlin`."""
    return {z.lower(): z for z in sorted(available_timezones()) if not z.startswith(("posix/", "right/"))}


def _clean(text: str) -> str:
    """Typed text without control characters, bidi overrides and zero-width characters (core/text.py)."""
    return clean_text(text).strip()


def _visible(spec: KeySpec, text: str) -> None:
    """Text that is nothing but invisible characters would be stored as empty, which means "none": refuse it."""
    if only_invisible(text):
        raise ValueRefused(spec, spec.key, N_("The value for {key} has only invisible characters."))


def sanitised(value: Any) -> Any:
    """A setting's value with every string cleaned of invisible characters (tables and lists included), so
    that nothing reaches the store by a path that skipped `check_value` (see ConfigEditor.apply)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [sanitised(v) for v in value]
    if isinstance(value, dict):
        return {clean_line(str(k)): sanitised(v) for k, v in value.items()}
    return value


def _split_list(spec: KeySpec, text: str) -> list[Any]:
    if text.startswith("["):
        try:
            data = load_toml(f"v = {text}")["v"]
        except TooDeep:
            raise _too_deep(spec) from None
        except tomllib.TOMLDecodeError:
            raise ValueRefused(spec, spec.key, N_("“{value}” is not a valid list for {key}."),
                               value=shown(text)) from None
        return list(data)
    sep = "\n" if spec.separator == "|" and "\n" in text else spec.separator
    parts = text.split(sep)
    return [p.strip() for p in parts if p.strip()]


def _too_deep(spec: KeySpec) -> ValueRefused:
    return ValueRefused(spec, spec.key, TOO_DEEP, max=MAX_DEPTH)


TOO_DEEP = N_n("The value for {key} nests tables or lists more than {max} level deep.",
               "The value for {key} nests tables or lists more than {max} levels deep.", "max")


def _role_id(item: str) -> str:
    m = _ROLE.match(item)
    if m:
        return m.group(1) or m.group(2)
    return item.lstrip("@")


def parse_text(spec: KeySpec, raw: str) -> Any:
    """Read chat text as a value of the key's type (not yet range-checked; see `check_value`)."""
    _visible(spec, raw)
    text = _clean(raw)
    key = spec.key
    match spec.kind:
        case Kind.BOOL:
            word = text.lower()
            if word in _TRUE:
                return True
            if word in _FALSE:
                return False
            raise ValueRefused(spec, key, N_("“{value}” is not yes or no."), value=shown(text))
        case Kind.INT:
            if not _INT.match(text.replace("_", "")):
                raise ValueRefused(spec, key, N_("“{value}” is not a whole number."), value=shown(text))
            return int(text.replace("_", ""))
        case Kind.FLOAT:
            if not _FLOAT.match(text):
                raise ValueRefused(spec, key, N_("“{value}” is not a number."), value=shown(text))
            return float(text.replace(",", "."))
        case Kind.CHOICE:
            return {c.lower(): c for c in spec.choices}.get(text.lower(), text)
        case Kind.TIMEZONE:
            return timezones().get(text.lower(), text)
        case Kind.CHANNEL:
            if text.lower() in _EMPTY:
                return ""
            m = _CHANNEL.match(text)
            return m.group(1) if m else text.lstrip("#")
        case Kind.LIST:
            if text.lower() in _EMPTY or not text:
                return []
            return _split_list(spec, text)
        case Kind.TABLE:
            if text.lower() in _EMPTY or not text:
                return {}
            try:
                return load_toml(f"v = {text}")["v"]
            except TooDeep:
                raise _too_deep(spec) from None
            except tomllib.TOMLDecodeError:
                pass
            try:
                return load_json(text)
            except TooDeep:
                raise _too_deep(spec) from None
            except ValueError:
                raise ValueRefused(spec, key, N_("“{value}” is not a valid TOML table."), value=shown(text)) from None
        case _:
            return "" if text.lower() in _EMPTY else text


def _check_text(spec: KeySpec, value: str) -> str:
    if spec.max_length is not None and len(value) > spec.max_length:
        raise ValueRefused(spec, spec.key, N_n("The value for {key} is too long ({length} character).",
                                                "The value for {key} is too long ({length} characters).", "length"),
                           length=len(value))
    if spec.pattern and value and not re.fullmatch(spec.pattern, value):
        raise ValueRefused(spec, spec.key, N_("“{value}” is not allowed for {key}."), value=shown(value))
    return value


def _check_range(spec: KeySpec, number: float) -> None:
    too_low = (spec.minimum is not None and number < spec.minimum) or (
        spec.exclusive_minimum is not None and number <= spec.exclusive_minimum)
    too_high = spec.maximum is not None and number > spec.maximum
    if too_low or too_high:
        raise ValueRefused(spec, spec.key, N_("{value} is out of range for {key}."), value=_num(number))


def check_value(spec: KeySpec, value: Any) -> Any:
    """The value normalised for storage (JSON-compatible), or `ValueRefused` naming what the key allows."""
    key = spec.key
    if isinstance(value, str):
        value = parse_text(spec, value)
    wrong = ValueRefused(spec, key, N_("“{value}” is not a valid value for {key}."), value=shown(value))
    match spec.kind:
        case Kind.BOOL:
            if not isinstance(value, bool):
                raise wrong
            return value
        case Kind.INT:
            if isinstance(value, bool) or not isinstance(value, int):
                raise wrong
            _check_range(spec, value)
            return value
        case Kind.FLOAT:
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise wrong
            _check_range(spec, float(value))
            return float(value)
        case Kind.CHOICE:
            if not isinstance(value, str) or value not in spec.choices:
                raise ValueRefused(spec, key, N_("“{value}” is not allowed for {key}."), value=shown(value))
            return value
        case Kind.TIMEZONE:
            if not isinstance(value, str) or value.lower() not in timezones():
                raise ValueRefused(spec, key, N_("“{value}” is not a known time zone."), value=shown(value))
            return timezones()[value.lower()]
        case Kind.TEXT | Kind.CHANNEL:
            if not isinstance(value, str):
                raise wrong
            return _check_text(spec, value)
        case Kind.LIST:
            if not isinstance(value, list | tuple) or not all(isinstance(i, str) for i in value):
                raise wrong
            for item in value:
                _visible(spec, item)
            return _check_items(spec, [_clean(i) for i in value if _clean(i)])
        case Kind.TABLE:
            if not isinstance(value, dict):
                raise wrong
            return _normalise_table(spec, sanitised(value))
    raise wrong  # pragma: no cover - every kind is handled above


def _normalise_table(spec: KeySpec, value: dict[str, Any]) -> dict[str, Any]:
    """Through the field's own type, so unknown inner keys are dropped and only JSON-safe data is stored."""
    try:
        adapter: TypeAdapter[Any] = TypeAdapter(spec.annotation)
        return adapter.dump_python(adapter.validate_python(value), mode="json")
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        reason = f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid"))
        raise ValueRefused(spec, spec.key, N_("The value for {key} is not valid: {reason}."),
                           reason=reason[:200]) from None


def _check_items(spec: KeySpec, items: list[str]) -> list[str]:
    if spec.hint.shape is Shape.ROLES:
        items = [r for r in (_role_id(i) for i in items) if r]
    if spec.choices:
        by_lower = {c.lower(): c for c in spec.choices}
        bad = [i for i in items if i.lower() not in by_lower]
        if bad:
            raise ValueRefused(spec, spec.key, N_("“{value}” is not allowed for {key}."), value=shown(bad[0]))
        items = [by_lower[i.lower()] for i in items]
    for item in items:
        _check_text(spec, item)
    return list(dict.fromkeys(items))


def validate_config(defaults: CommunityConfig, overrides: Mapping[str, Any],
                    specs: Mapping[str, KeySpec] | None = None) -> CommunityConfig:
    """The settings with these overrides, checked as a whole; the first problem raises `ValueRefused`."""
    try:
        return apply_overrides(defaults, dict(overrides))
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = [str(p) for p in err.get("loc", ())]
        key = ".".join(loc[:2]) or "?"
        spec = (specs or {}).get(key)
        context = err.get("ctx") or {}
        if err.get("type") == SETTING_ERROR and "msgid" in context:  # a message of ours: translatable
            params = {k: v for k, v in context.items() if k not in ("msgid", "msgid_plural", "count", "key")}
            msgid: Text = str(context["msgid"])
            if "msgid_plural" in context:  # a counted text (N_n)
                msgid = Plural(str(msgid), str(context["msgid_plural"]), str(context.get("count", "n")))
            raise ValueRefused(spec, key, msgid, **params) from None
        reason = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        raise ValueRefused(spec, key, N_("The value for {key} is not valid: {reason}."), reason=reason) from None


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def inline_toml(value: Any) -> str:
    """A value as TOML inline syntax (`[“a”, “b”]`, `{ name = { multiple = true } }`), one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(inline_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_toml_key(str(k))} = {inline_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value), ensure_ascii=False)


def format_value(spec: KeySpec, value: Any) -> str:
    """A value the way `/config set` accepts it back (empty text for an empty value)."""
    match spec.kind:
        case Kind.BOOL:
            return "true" if value else "false"
        case Kind.INT | Kind.FLOAT:
            return _num(value) if spec.kind is Kind.INT else repr(float(value))
        case Kind.LIST:
            items = [str(v) for v in value or []]
            sep = spec.separator
            if any(sep in i or "\n" in i for i in items) or (len(items) == 1 and items[0].lower() in _EMPTY):
                return inline_toml(items)  # quoted: a lone "-" written bare would read back as "clear"
            return f" {sep} ".join(items) if sep == "|" else ", ".join(items)
        case Kind.TABLE:
            return inline_toml(value) if value else ""
        case _:
            return str(value)
