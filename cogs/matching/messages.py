"""The matching feature's messages, built from plain values and a locale: no chat, no store.

Engine parts (`(kind, params)`) are rendered through the catalogue, so reasons and starters appear in the
community's language; people are named by their (harmless) display names and pinged only through `mentions`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_skeleton

from cogs.matching.engine import MatchOptions, render_starter
from cogs.matching.engine import render as render_reason
from cogs.matching.engine.timezones import valid_zone, working_slots
from core.i18n import gettext, translator
from core.messages import Button, ButtonStyle, Field, Message

MET_ID = "match:met:{intro_id}:{answer}"
AGAIN_ID = "match:again:{intro_id}:{answer}"
AGAIN_ANSWERS = ("yes", "no", "skip")
REQUEST_ID = "match:req:{target_id}"
ACCEPT_ID = "match:acc:{request_id}"
DECLINE_ID = "match:dec:{request_id}"
MENTOR_OK_ID = "mentor:ok:{mentorship_id}"
MENTOR_NO_ID = "mentor:no:{mentorship_id}"
ANSWERS = ("yes", "later", "no")
MAX_NAME = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WAKING = MatchOptions()  # the engine's waking hours (08:00-21:00 local)


def clean_name(name: str) -> str:
    """A display name as one short line that cannot ping anyone or fake formatting."""
    flat = " ".join(_CONTROL.sub(" ", name or "").split())
    if len(flat) > MAX_NAME:
        flat = flat[: MAX_NAME - 1] + "…"
    return flat.replace("@", "@\u200b").replace("<", "‹").replace(">", "›") or "?"


def _parts(raw: Sequence[Any]) -> list[tuple[str, dict[str, Any]]]:
    """Parts as stored (JSON lists) back to (kind, params) tuples."""
    return [(str(p[0]), dict(p[1])) for p in raw if isinstance(p, list | tuple) and len(p) == 2]


def reason_text(parts: Sequence[Any], locale: str) -> str:
    return render_reason(_parts(parts), lambda s: gettext(locale, s), locale=locale)


def starter_texts(parts: Sequence[Any], locale: str) -> list[str]:
    return [render_starter(p, lambda s: gettext(locale, s)) for p in _parts(parts)]


def names_line(locale: str, names: Sequence[str]) -> str:
    _ = translator(locale)
    items = [clean_name(n) for n in names]
    if len(items) <= 1:
        return items[0] if items else ""
    return _("{names} and {last}", names=", ".join(items[:-1]), last=items[-1])


def suggested_times(locale: str, zones: Sequence[tuple[str, str | None]], after: datetime, default_zone: str) -> str:
    """"Wed, Mar 4, 14:00 for Ana; Wed, Mar 4, 08:00 for Ben", one line per suggested hour, or "".

    Up to three hours after `after`, on different days, each on a working day (Monday to Friday) inside the
    waking hours of everyone, and each shown in every person's own calendar and clock (two people a day apart
    see their own weekday). The waking window is the engine's, the one its "waking hours overlap" reason uses;
    quarter-hour steps fit every real UTC offset (India, Nepal, Newfoundland)."""
    _ = translator(locale)
    named = [(clean_name(n), valid_zone(z, default_zone)) for n, z in zones]
    slots = working_slots([z for _n, z in named], after, _WAKING.waking_start_hour, _WAKING.waking_end_hour,
                          count=3, step_minutes=15)
    lines = []
    for slot in slots:
        each = [_("{time} for {name}", time=local_time(slot, z, locale), name=n) for n, z in named]
        lines.append("; ".join(each))
    return "\n".join(lines)


def local_time(at: datetime, zone: str, locale: str) -> str:
    """"Mon, Mar 9, 14:00" / "Mo., 9. März, 14:00": weekday and date as the locale writes them, 24-hour clock."""
    local = at.astimezone(ZoneInfo(zone))
    return f"{format_skeleton('MMMEd', local, locale=locale)}, {format_datetime(local, 'HH:mm', locale=locale)}"


def intro_message(
    locale: str, people: Sequence[tuple[str, str, str | None]], reason: Sequence[Any], starters: Sequence[Any],
    after: datetime, default_zone: str, *, note: str = "", group: str = "",
) -> Message:
    """The intro: which round it comes from, who, why (one sentence), two conversation starters, times that
    suit everyone.

    `people` are (platform user id, display name, time zone); the times are suggested after `after`, which the
    caller picks in the future, so no suggestion has already passed. `group` is the round's group
    (`/match join group:...`), named so that members of several circles know which one introduced them."""
    _ = translator(locale)
    names = [n for _u, n, _z in people]
    head = _("From the intro round of the group “{group}”.", group=clean_name(group)) if group else ""
    msg = Message(
        title=_("Meet {names}!", names=names_line(locale, names)),
        text="\n".join(p for p in (head, note, reason_text(reason, locale)) if p),
        mentions=tuple(u for u, _n, _z in people),
    )
    starts = starter_texts(starters, locale)
    if starts:
        msg.fields.append(Field(_("Conversation starters"), "\n".join(f"• {s}" for s in starts), inline=False))
    times = suggested_times(locale, [(n, z) for _u, n, z in people], after, default_zone)
    msg.fields.append(Field(_("Times that suit everyone"), times or _("No shared working-day hour; find an early "
                                                                       "or late slot that works."), inline=False))
    return msg


def checkin_message(locale: str, intro_id: int, partners: Sequence[str], *, mentoring: bool = False) -> Message:
    """"Did you meet ...?" with three answers; for a mentorship, whether its sessions have started."""
    _ = translator(locale)
    if mentoring:
        return Message(
            text=_("Have your mentoring sessions with {names} started?", names=names_line(locale, partners)),
            buttons=[
                Button(_("Yes, we have met"), MET_ID.format(intro_id=intro_id, answer="yes"), ButtonStyle.SUCCESS),
                Button(_("Not yet"), MET_ID.format(intro_id=intro_id, answer="later")),
                Button(_("It didn't happen"), MET_ID.format(intro_id=intro_id, answer="no")),
            ],
        )
    return Message(
        text=_("Did you meet {names}?", names=names_line(locale, partners)),
        buttons=[
            Button(_("Yes, we met"), MET_ID.format(intro_id=intro_id, answer="yes"), ButtonStyle.SUCCESS),
            Button(_("Not yet"), MET_ID.format(intro_id=intro_id, answer="later")),
            Button(_("It didn't happen"), MET_ID.format(intro_id=intro_id, answer="no")),
        ],
    )


def again_message(locale: str, intro_id: int, partners: Sequence[str], thanks: str) -> Message:
    """After "yes, we met": would they meet again? Optional; skipping is an answer too (nothing is stored)."""
    _ = translator(locale)
    return Message(
        text=thanks + "\n" + _("Would you meet {names} again? (optional)", names=names_line(locale, partners)),
        buttons=[
            Button(_("Yes, gladly"), AGAIN_ID.format(intro_id=intro_id, answer="yes"), ButtonStyle.SUCCESS),
            Button(_("Rather not"), AGAIN_ID.format(intro_id=intro_id, answer="no")),
            Button(_("Skip"), AGAIN_ID.format(intro_id=intro_id, answer="skip")),
        ],
    )


def request_message(locale: str, requester: str, reason: Sequence[Any], request_id: int, *,
                    note: str = "") -> Message:
    _ = translator(locale)
    text = _("{name} would like to be introduced to you.", name=clean_name(requester))
    why = reason_text(reason, locale)
    return Message(
        text="\n".join(p for p in (text, note, why) if p),
        buttons=[
            Button(_("Accept"), ACCEPT_ID.format(request_id=request_id), ButtonStyle.SUCCESS),
            Button(_("Not now"), DECLINE_ID.format(request_id=request_id)),
        ],
    )


def mentor_proposal(locale: str, mentee: str, topics: Sequence[str], goal: str, mentorship_id: int) -> Message:
    _ = translator(locale)
    lines = [_("{name} is looking for a mentor in {topics}.", name=clean_name(mentee), topics=", ".join(topics))]
    if goal:
        lines.append(_("Their goal: {goal}", goal=goal))
    return Message(
        text="\n".join(lines),
        buttons=[
            Button(_("Yes, I'll mentor them"), MENTOR_OK_ID.format(mentorship_id=mentorship_id), ButtonStyle.SUCCESS),
            Button(_("Not now"), MENTOR_NO_ID.format(mentorship_id=mentorship_id)),
        ],
    )


def when_text(locale: str, when: datetime, tz: str) -> str:
    return format_datetime(when.astimezone(ZoneInfo(valid_zone(tz))), "EEE d MMM yyyy, HH:mm zzz", locale=locale)
