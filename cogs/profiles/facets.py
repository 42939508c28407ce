"""Facet definitions and value checks: pure functions, no chat, no store."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

import annotated_types as at
from babel import Locale, UnknownLocaleError

from cogs.profiles.settings import BUILTIN_FIELDS, ProfileSettings
from core import options as opt
from core.errors import OptionError
from core.i18n import N_, N_n
from core.text import clean_line, only_invisible


@dataclass(frozen=True, slots=True)
class FacetField:
    name: str
    description: str
    multiple: bool
    allowed: tuple[str, ...] = ()
    max_length: int = 60


BUILTIN = (
    FacetField("role", N_("What you do (e.g. developer, production, community manager)"), False),
    FacetField("team", N_("Your organisation or team"), False),
    FacetField("topics", N_("Topics you work on, comma-separated"), True),
    FacetField("offers", N_("Skills you can offer others, comma-separated"), True),
    FacetField("wants", N_("What you want to learn, comma-separated"), True),
    FacetField("timezone", N_("Your time zone, e.g. Europe/Berlin"), False),
    FacetField("languages", N_("Languages you speak as ISO codes, e.g. en,de"), True),
    FacetField("about", N_("A sentence or two about you"), False),
)
CORE_FOR_COMPLETE = ("role", "topics", "timezone", "languages")
FORM_MAIN = ("role", "topics", "offers", "wants", "about")
FORM_MORE = ("team", "timezone", "languages")
FORM_SIZE = 5  # a Discord modal holds at most five inputs


def fields_for(settings: ProfileSettings) -> list[FacetField]:
    fields = [
        f if f.name != "about" else FacetField(f.name, f.description, False, (), settings.about_max_length)
        for f in BUILTIN
    ]
    fields = [
        f if f.name == "about" else FacetField(f.name, f.description, f.multiple, f.allowed, settings.value_max_length)
        for f in fields
    ]
    for name, extra in settings.extra_fields.items():
        fields.append(
            FacetField(name, extra.description or name, extra.multiple, tuple(extra.allowed), settings.value_max_length)
        )
    return fields


def is_builtin(name: str) -> bool:
    return name in BUILTIN_FIELDS


@cache
def ceiling(setting: str) -> int:
    """The largest value a per-community limit of `ProfileSettings` may take (its `le` bound)."""
    info = ProfileSettings.model_fields[setting]
    return next(m.le for m in info.metadata if isinstance(m, at.Le) and isinstance(m.le, int))


def field_option(f: FacetField, settings: ProfileSettings | None = None) -> opt.Option:
    """The `/profile set` option for one field. With `settings`, the limits are that community's; without, the
    largest any community may set (for platforms that register options once, the handler checks the rest)."""
    if settings is None:
        length = ceiling("about_max_length") if f.name == "about" else ceiling("value_max_length")
        items = ceiling("max_items")
    else:
        length = f.max_length
        items = settings.max_items
    auto = "suggest_timezone" if f.name == "timezone" else None if f.name == "about" else "suggest_values"
    return opt.string(f.name, f.description[:100], multiple=f.multiple, max_length=length, max_items=items,
                      autocomplete=auto)


def form_parts(fields: list[FacetField]) -> list[tuple[str, ...]]:
    """The edit form in parts of at most five inputs: the main facets, then team, time zone, languages and the
    first extra fields, then the other extra fields five at a time."""
    extras = [f.name for f in fields if not is_builtin(f.name)]
    room = FORM_SIZE - len(FORM_MORE)
    parts = [FORM_MAIN, (*FORM_MORE, *extras[:room])]
    rest = extras[room:]
    parts += [tuple(rest[i : i + FORM_SIZE]) for i in range(0, len(rest), FORM_SIZE)]
    return parts


def part_id(index: int) -> str:
    """`main`, `more`, `more2`, ... (stable ids: buttons and forms carry them)."""
    return "main" if index == 0 else "more" if index == 1 else f"more{index}"


def part_index(part: str) -> int | None:
    """The inverse of `part_id`; None for anything else."""
    if part in ("main", "more"):
        return 0 if part == "main" else 1
    digits = part.removeprefix("more")
    return int(digits) if digits != part and digits in {str(i) for i in range(2, 10)} else None


@cache
def _timezones() -> dict[str, str]:
    return {tz.lower(): tz for tz in available_timezones()}


def timezone_names() -> list[str]:
    return sorted(_timezones().values())


def normalise_timezone(value: str) -> str:
    tz = _timezones().get(value.strip().lower().replace(" ", "_"))
    if tz is None:
        raise OptionError(
            N_("“{value}” is not a time zone I know. Use a name like Europe/Berlin or America/New_York."),
            value=value[:60],
        )
    return tz


def normalise_language(value: str) -> str:
    code = value.strip().lower().replace("_", "-")
    if not (2 <= len(code) <= 3 and code.isalpha()):
        raise OptionError(N_("“{value}” is not a language code. Use ISO codes like en, de, fr."), value=value[:20])
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        raise OptionError(N_("“{value}” is not a language code. Use ISO codes like en, de, fr."),
                          value=value[:20]) from None
    return code


def language_name(code: str, locale: str) -> str:
    try:
        return Locale.parse(code).get_display_name(locale) or code
    except (UnknownLocaleError, ValueError):
        return code


def clean_values(field: FacetField, values: list[str], max_items: int) -> list[str]:
    """Validate and normalise the values given for one field (raises OptionError with a clear message)."""
    out: list[str] = []
    for raw in values:
        if only_invisible(raw):
            raise OptionError(N_("“{name}” has only invisible characters."), name=field.name)
        value = clean_line(raw)
        if not value:
            continue
        if len(value) > field.max_length:
            raise OptionError(
                N_n("“{name}” is too long (at most {max} character).",
                    "“{name}” is too long (at most {max} characters).", "max"), name=field.name, max=field.max_length
            )
        if field.name == "timezone":
            value = normalise_timezone(value)
        elif field.name == "languages":
            value = normalise_language(value)
        elif field.allowed:
            allowed = {a.lower(): a for a in field.allowed}
            if value.lower() not in allowed:
                raise OptionError(
                    N_("“{value}” is not allowed for “{name}”. Choose one of: {allowed}."),
                    value=value[:60],
                    name=field.name,
                    allowed=", ".join(field.allowed),
                )
            value = allowed[value.lower()]
        elif field.multiple:
            value = value.lower() if value.isascii() else value
        if value.lower() not in {v.lower() for v in out}:
            out.append(value)
    if len(out) > max_items:
        raise OptionError(N_n("“{name}” takes at most {max} item.", "“{name}” takes at most {max} items.", "max"),
                          name=field.name, max=max_items)
    return out if field.multiple else out[:1]


def is_complete(facets: dict[str, list[str]]) -> bool:
    return all(facets.get(name) for name in CORE_FOR_COMPLETE)
