"""What moderators type after `/welcome set ...`, turned into settings overrides: pure, and strict.

Each parser returns the `section.field` overrides to store or raises an `OptionError` that tells the moderator
what to type instead; nothing is stored before every check passed.
"""

from __future__ import annotations

import re
from typing import Any

from cogs.welcome.templates import split_variants, validate_variants
from core.errors import OptionError
from core.i18n import N_, N_n

SETTABLE = ("message", "channel", "dm", "delay", "buddy")
KEYS = {
    "message": "welcome.messages",
    "channel": "welcome.channel",
    "dm": "welcome.dm",
    "delay": "welcome.delay_seconds",
    "buddy": "welcome.buddy",
}
MAX_DELAY = 86400
_TRUE = {"yes", "y", "on", "true", "1", "ja", "j", "an", "ein"}
_FALSE = {"no", "n", "off", "false", "0", "nein", "aus"}
_OFF = {"off", "none", "-", "aus", "keiner", "no"}
_CHANNEL_TOKEN = re.compile(r"^<#([A-Za-z0-9_-]{1,100})(?:\|[^>]*)?>$")
_CHANNEL_ID = re.compile(r"^[\w-]{1,100}$")
_DURATION = re.compile(r"^(?:([0-9]{1,6})h)?(?:([0-9]{1,6})m(?:in)?)?(?:([0-9]{1,6})s(?:ec)?)?$")
_SECONDS = re.compile(r"^[0-9]{1,9}$")


def parse_bool(what: str, value: str) -> bool:
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise OptionError(N_("“{what}” must be yes or no, not “{value}”."), what=what, value=value[:40])


def parse_channel(value: str) -> str:
    """A channel mention (`<#123>`, `<#C1|general>`), an id or a name; `off` clears it."""
    text = value.strip()
    if text.lower() in _OFF:
        return ""
    m = _CHANNEL_TOKEN.match(text)
    if m:
        return m.group(1)
    text = text.lstrip("#")
    if not _CHANNEL_ID.match(text):
        raise OptionError(
            N_("“{value}” is not a channel. Pick the channel (#name) or give its id; off turns channel "
               "greetings off."),
            value=value[:60])
    return text


def parse_delay(value: str) -> int:
    """Seconds, or a duration such as 90s, 5m, 1h30m; between 0 and one day."""
    text = value.strip().lower().replace(" ", "")
    if _SECONDS.fullmatch(text):
        seconds = int(text)
    else:
        m = _DURATION.fullmatch(text)
        if not text or m is None or not any(m.groups()):
            raise OptionError(N_("“{value}” is not a delay. Give seconds (90) or a duration (5m, 1h30m)."),
                              value=value[:40])
        h, mins, s = (int(g) if g else 0 for g in m.groups())
        seconds = h * 3600 + mins * 60 + s
    if seconds > MAX_DELAY:
        raise OptionError(N_n("The delay can be at most one day ({max} second).",
                              "The delay can be at most one day ({max} seconds).", "max"), max=MAX_DELAY)
    return seconds


def parse_setting(what: str, value: str) -> dict[str, Any]:
    """The overrides for `/welcome set <what> <value>`."""
    if what not in SETTABLE:
        raise OptionError(N_("“{value}” is not allowed for “{name}”. Choose one of: {allowed}."),
                          value=what[:40], name="what", allowed=", ".join(SETTABLE))
    if not value.strip():
        raise OptionError(N_("The option “{name}” is required."), name="value")
    key = KEYS[what]
    if what == "message":
        return {key: validate_variants(split_variants(value))}
    if what == "channel":
        return {key: parse_channel(value)}
    if what == "delay":
        return {key: parse_delay(value)}
    return {key: parse_bool(what, value)}


def check_reachable(dm: bool, channel: str) -> None:
    """Greetings need somewhere to go: refuse a change that turns off both the DM and the channel."""
    if not dm and not channel:
        raise OptionError(N_("Greetings need somewhere to go: set a welcome channel before turning DMs off, "
                             "or keep DMs on."))
