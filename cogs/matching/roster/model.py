"""What a roster file holds, validated with pydantic, and how a problem in it is told: one line naming the place.

A roster is written by hand or exported from a spreadsheet, so every mistake must say where it is
(`members[3].timezone: unknown time zone 'Mars/Base'`), and a typo in a key (`topic` for `topics`) must not
silently drop data: unknown keys are refused. Types are strict (`"2"` is not a group size) except dates, which
are ISO text (`2026-03-11`). Checks across the file (duplicate ids, unknown members in blocks or history, history
oldest first) run after the shapes are valid (`check_references`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)

Loc = tuple[str | int, ...]


class RosterError(ValueError):
    """A problem with the roster: where (`loc`, as pydantic names places) and what."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def _iso_date(value: Any) -> Any:
    """Dates are ISO text; a number is refused rather than read as a Unix timestamp."""
    if isinstance(value, date) or value is None:
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a date like 2026-03-11, got {value!r}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"expected a date like 2026-03-11, got {value!r}") from None


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def check_zone(name: str) -> str:
    """A time zone of the IANA database (`Europe/Berlin`), else an error naming it."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like 'Europe/Berlin')") from None
    return name


def _text_list(value: Any) -> Any:
    """Facet lists: stripped, empty entries dropped (a trailing `;` in a spreadsheet cell means nothing)."""
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return [x.strip() for x in value if x.strip()]
    return value


TextList = Annotated[list[StrictStr], BeforeValidator(_text_list)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RosterSettings(_Strict):
    """The bot's matching settings that a round needs (names as in the issue, defaults as the bot's)."""

    group_size: StrictInt = Field(2, ge=2, le=4)
    no_repeat_rounds: StrictInt = Field(4, ge=0, le=52)
    language_required: StrictBool = True
    prefer_cross_team: StrictBool = False
    default_language: StrictStr = Field("en", min_length=1)
    default_timezone: StrictStr = "UTC"
    learning: StrictBool = True  # learn from the history's `met` answers (`matching.learning` in the bot)

    @field_validator("default_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_zone(value)


class RosterMember(_Strict):
    """One person. Only `id` is required: an empty profile still takes part (meeting someone beats not
    meeting); no time zone means the settings' default, no languages the default language."""

    id: StrictStr = Field(min_length=1)
    name: StrictStr | None = None
    role: StrictStr | None = None
    team: StrictStr | None = None
    topics: TextList = []
    offers: TextList = []
    wants: TextList = []
    timezone: StrictStr | None = None
    languages: TextList = []
    priority: StrictBool = False

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("an id cannot be blank")
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return check_zone(value.strip()) if value and value.strip() else None


class RosterRound(_Strict):
    """An earlier round: its groups and, optionally, what the check-ins said per group (met or not, or null)."""

    date: IsoDate | None = None
    groups: list[list[StrictStr]]
    met: list[StrictBool | None] | None = None


class Roster(_Strict):
    settings: RosterSettings = RosterSettings()
    date: IsoDate | None = None
    members: list[RosterMember]
    blocks: list[tuple[StrictStr, StrictStr]] = []
    history: list[RosterRound] = []


def parse_roster(data: Any) -> Roster:
    """The roster in `data` (parsed JSON, or the CSV reader's equivalent), or `RosterError` for its first problem."""
    if not isinstance(data, dict):
        raise RosterError((), f"expected an object with \"members\" (and optionally \"settings\", \"date\", "
                              f"\"blocks\", \"history\"), got {_kind(data)}")
    try:
        roster = Roster.model_validate(data)
    except ValidationError as exc:
        raise _first(exc) from None
    check_references(roster)
    return roster


def check_references(roster: Roster) -> None:
    """Checks across the file: every id once, blocks and history only of listed members, history oldest first
    and before the roster's date, each earlier round a partition of some members with one `met` per group."""
    first: dict[str, int] = {}
    for i, m in enumerate(roster.members):
        if m.id in first:
            raise RosterError(("members", i, "id"), f"duplicate id {m.id!r} (also members[{first[m.id]}])")
        first[m.id] = i
    for b, pair in enumerate(roster.blocks):
        for k, who in enumerate(pair):
            if who not in first:
                raise RosterError(("blocks", b, k), f"unknown member {who!r} (not in members)")
    previous: date | None = None
    for r, rnd in enumerate(roster.history):
        if rnd.date is not None:
            if previous is not None and rnd.date < previous:
                raise RosterError(("history", r, "date"), f"{rnd.date} is before the round above it ({previous}); "
                                                          "history is oldest first")
            if roster.date is not None and rnd.date >= roster.date:
                raise RosterError(("history", r, "date"), f"{rnd.date} is not before the roster's date {roster.date}")
            previous = rnd.date
        seen: dict[str, int] = {}
        for g, group in enumerate(rnd.groups):
            if len(group) < 2:
                raise RosterError(("history", r, "groups", g), "a group needs at least two members")
            for k, who in enumerate(group):
                if who not in first:
                    raise RosterError(("history", r, "groups", g, k), f"unknown member {who!r} (not in members)")
                if who in seen:
                    raise RosterError(("history", r, "groups", g, k),
                                      f"{who!r} is also in groups[{seen[who]}] of this round")
                seen[who] = g
        if rnd.met is not None and len(rnd.met) != len(rnd.groups):
            raise RosterError(("history", r, "met"), f"{len(rnd.met)} values for {len(rnd.groups)} group(s) "
                                                     "(one per group: true, false or null)")


def _kind(value: Any) -> str:
    """How a JSON value is called in a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, int | float):
        return f"{value!r} (a number)"
    if isinstance(value, str):
        return f"{value!r} (text)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_EXPECTED = {
    "string_type": "text", "int_type": "a whole number", "bool_type": "true or false", "list_type": "a list",
    "tuple_type": "a list of two member ids", "model_type": "an object", "dict_type": "an object",
}


_BOUNDS = {"less_than_equal": "at most {}", "greater_than_equal": "at least {}", "less_than": "less than {}",
           "greater_than": "more than {}", "too_short": "at least {} item(s)", "too_long": "at most {} item(s)",
           "string_too_short": "at least {} character(s)"}


def _first(exc: ValidationError) -> RosterError:
    """The first of pydantic's errors as a `RosterError` with a message a person understands; how many more
    there are is added, so a fix-and-retry loop knows how far it is from done."""
    errors = exc.errors(include_url=False)
    err = errors[0]
    loc: Loc = tuple(err["loc"])
    kind, value = err["type"], err.get("input")
    if kind in _EXPECTED:
        message = f"expected {_EXPECTED[kind]}, got {_kind(value)}"
    elif kind in ("too_short", "too_long") and len(loc) == 2 and loc[0] == "blocks":
        message = f"expected a list of two member ids, got {len(value) if isinstance(value, list) else value!r}"
    elif kind == "string_too_short" and value == "":
        message = "is empty"
    elif kind in _BOUNDS:
        limit = next(iter((err.get("ctx") or {}).values()), "?")
        message = f"expected {_BOUNDS[kind].format(limit)}, got {_kind(value)}"
    elif kind == "missing":
        message = "is missing"
    elif kind == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}" + _known(loc[:-1])
    else:
        message = str(err["msg"]).removeprefix("Value error, ")
    more = len(errors) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return RosterError(loc, message)


def _known(parent: Sequence[str | int]) -> str:
    """The keys allowed where an unknown key was found."""
    model: type[BaseModel] = Roster
    for part in parent:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return ""
        inner: Any = {"settings": RosterSettings, "members": RosterMember,
                      "history": RosterRound}.get(str(part))
        if inner is None:
            return ""
        model = inner
    return f" (known: {', '.join(model.model_fields)})"


def dotted(loc: Loc) -> str:
    """A place as the file's own path: `members[3].timezone`, `blocks[0][1]`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the file"
