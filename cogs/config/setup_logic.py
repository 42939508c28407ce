"""The guided first run as plain data: five answers in, checked setting values out.

`/setup` asks for language, moderator roles, intro channel, matching schedule and welcome on/off (five fields: a
Discord modal holds no more). The schedule is one line such as `weekly mon 9 Europe/Berlin` or `Tuesday 14:00`,
because that is how people say it; missing parts keep their current value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from cogs.config.schema import KeySpec
from cogs.config.values import ValueRefused, check_value, shown, timezones
from core.i18n import N_

# answer id -> settings key (schedule is split over several keys)
ANSWER_KEYS = {
    "language": "community.language",
    "moderator_roles": "community.moderator_roles",
    "intro_channel": "community.intro_channel",
    "welcome": "welcome.enabled",
}
SCHEDULE_KEYS = ("matching.cadence", "matching.day", "matching.hour", "matching.timezone")
DAYS = {
    "mon": ("monday", "montag", "mo"), "tue": ("tuesday", "dienstag", "di", "tues"),
    "wed": ("wednesday", "mittwoch", "mi"), "thu": ("thursday", "donnerstag", "do", "thur", "thurs"),
    "fri": ("friday", "freitag", "fr"), "sat": ("saturday", "samstag", "sa"), "sun": ("sunday", "sonntag", "so"),
}
CADENCES = {"weekly": ("weekly", "wöchentlich", "woechentlich"),
            "biweekly": ("biweekly", "fortnightly", "zweiwöchentlich", "zweiwoechentlich"),
            "monthly": ("monthly", "monatlich")}
_HOUR = re.compile(r"^(\d{1,2})(?::00|h|:00h|uhr)?$", re.IGNORECASE)
_HOUR_PM = re.compile(r"^(\d{1,2})(?::00)?(am|pm)$", re.IGNORECASE)
_FILLER = frozenset({"at", "um", "uhr", "on", "every", "each", "jeden", "jede", "o'clock", "h", "in"})


def _lookup(word: str, table: Mapping[str, tuple[str, ...]]) -> str | None:
    w = word.lower().rstrip(".,")
    for value, aliases in table.items():
        if w == value or w in aliases:
            return value
    return None


def parse_schedule(text: str, spec_hour: KeySpec | None = None) -> dict[str, Any]:
    """`weekly mon 9 Europe/Berlin` -> {"matching.cadence": "weekly", "matching.day": "mon", ...}; only the parts
    given. Raises `ValueRefused` for a word that is none of cadence, day, hour or time zone."""
    out: dict[str, Any] = {}
    for word in text.replace(",", " ").split():
        low = word.lower()
        if low in _FILLER:
            continue
        if low in ("am", "pm") and "matching.hour" in out:
            hour = out["matching.hour"] % 12
            out["matching.hour"] = hour + 12 if low == "pm" else hour
        elif low == "am":
            continue  # German "am Montag" (on Monday)
        elif (cadence := _lookup(word, CADENCES)) is not None:
            out["matching.cadence"] = cadence
        elif (day := _lookup(word, DAYS)) is not None:
            out["matching.day"] = day
        elif (m := _HOUR.match(word)) is not None:
            out["matching.hour"] = int(m.group(1))
        elif (m := _HOUR_PM.match(word)) is not None:
            hour = int(m.group(1)) % 12
            out["matching.hour"] = hour + 12 if m.group(2).lower() == "pm" else hour
        elif word.lower() in timezones():
            out["matching.timezone"] = timezones()[word.lower()]
        else:
            raise ValueRefused(None, "schedule", N_("I did not understand “{value}” in the schedule. Write e.g. "
                                                    "weekly mon 9 Europe/Berlin."), value=shown(word))
    if "matching.hour" in out and spec_hour is not None:
        out["matching.hour"] = check_value(spec_hour, out["matching.hour"])
    return out


def answers_to_values(answers: Mapping[str, str | bool | None], schema: Mapping[str, KeySpec]
                      ) -> tuple[dict[str, Any], list[ValueRefused]]:
    """Checked values for the answers given (None or missing: keep the current value), and every problem."""
    values: dict[str, Any] = {}
    problems: list[ValueRefused] = []
    for answer, key in ANSWER_KEYS.items():
        raw = answers.get(answer)
        blank = isinstance(raw, str) and not raw.strip()
        if raw is None or (blank and key in ("community.language", "welcome.enabled")):
            continue  # not answered: keep; a blank list or channel means "none" (the form shows current values)
        try:
            values[key] = check_value(schema[key], raw)
        except ValueRefused as exc:
            problems.append(exc)
            exc.in_field(answer)  # the form field it came from: shown there where forms can
    schedule = answers.get("schedule")
    if isinstance(schedule, str) and schedule.strip():
        try:
            values.update(parse_schedule(schedule, schema.get("matching.hour")))
        except ValueRefused as exc:
            problems.append(exc)
            exc.in_field("schedule")
    return values, problems


def proposed_modules(disabled: Iterable[str], welcome: bool | None, known: Iterable[str]) -> list[str]:
    """The switched-off modules after /setup: matching on (setup configures it), and the welcome module following
    the "Greet newcomers" answer, so the summary, the module list and the dry run all say the same; not answered
    (None): as it is."""
    out = {m for m in disabled if m != "matching"}
    if welcome is True:
        out.discard("welcome")
    elif welcome is False and "welcome" in known:  # `known`: the module names there are (features loaded)
        out.add("welcome")
    return sorted(out)


def schedule_text(cadence: str, day: str, hour: int, timezone: str) -> str:
    """The schedule line as the form shows it, and as `parse_schedule` reads it back."""
    return f"{cadence} {day} {hour} {timezone}"
