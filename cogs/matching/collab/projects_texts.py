"""What /collab shows, built from plain values and a locale: the project card, list lines, suggestions, and the
messages for bad input. No chat, no store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from babel.dates import format_date

from cogs.matching import messages as msgs
from cogs.matching.collab.projects_logic import RolePick
from cogs.matching.collab.projects_store import ProjectRow
from core.i18n import N_, N_n, Text, plural_translator, translator
from core.messages import Button, ButtonStyle, Field, Message

INTEREST_ID = "collab:int:{project_id}"
ASK_ID = "collab:ask:{project_id}:{target_id}:{need}"  # need: the index of the need, or "-" (from interest)
SUGGEST_ID = "collab:sug:{project_id}"
FORM_ID = "collab:post"

INPUT_ERRORS: dict[str, Text] = {
    "no_title": N_("Give the project a title."),
    "title_too_long": N_n("The title may be at most {max} character long.",
                          "The title may be at most {max} characters long."),
    "no_needs": N_("Say who you are looking for, e.g. developer*2, designer"),
    "too_many_needs": N_n("Ask for at most {max} role or skill.", "Ask for at most {max} roles or skills."),
    "need_too_long": N_n("“{need}” is too long: at most {max} character per role or skill.",
                         "“{need}” is too long: at most {max} characters per role or skill."),
    "bad_count": N_n("Ask for 1 to {max} person per role or skill (“{need}”).",
                     "Ask for 1 to {max} people per role or skill (“{need}”)."),
    "too_many_languages": N_n("Give at most {max} language.", "Give at most {max} languages."),
    "bad_language": N_("“{language}” is not a language code; use codes such as de, en."),
    "bad_date": N_("“{text}” is not a date; write it as 2027-03-31 or 31.03.2027."),
    "date_past": N_("{date} has already passed; give a date from today on."),
    "date_far": N_("{date} is more than three years away; give an earlier date."),
    "too_long": N_n("The {field} may be at most {max} character long.",
                    "The {field} may be at most {max} characters long."),
}
FIELD_NAMES: dict[str, Text] = {"description": N_("description"), "commitment": N_("time commitment")}


def needs_text(needs: Sequence[tuple[str, int]]) -> str:
    """"developer ×2, designer"."""
    return ", ".join(f"{n} ×{c}" if c > 1 else n for n, c in needs)


def day_text(locale: str, day: date) -> str:
    return format_date(day, "medium", locale=locale)


def card(locale: str, project: ProjectRow, owner: str, interested: int = 0) -> Message:
    """The card posted in the collab channel, with its "I'm interested" button."""
    _ = translator(locale)
    fields = [Field(_("Looking for"), needs_text(project.needs), inline=False)]
    if project.languages:
        fields.append(Field(_("Languages"), ", ".join(project.languages)))
    if project.commitment:
        fields.append(Field(_("Time commitment"), project.commitment))
    if project.until is not None:
        fields.append(Field(_("Until"), day_text(locale, project.until)))
    fields.append(Field(_("Posted by"), msgs.clean_name(owner)))
    if project.status != "open":
        fields.append(Field(_("Status"), _("closed")))
    elif interested:
        fields.append(Field(_("Interested"), str(interested)))
    buttons = [Button(_("I'm interested"), INTEREST_ID.format(project_id=project.id), ButtonStyle.PRIMARY)] \
        if project.status == "open" else []
    return Message(title=_("Project: {title}", title=project.title), text=project.description, fields=fields,
                   buttons=buttons)


def list_line(locale: str, project: ProjectRow, owner: str, interested: int) -> str:
    _ = translator(locale)
    _n = plural_translator(locale)
    parts = [_("looking for {needs}", needs=needs_text(project.needs))]
    if project.languages:
        parts.append(", ".join(project.languages))
    if project.commitment:
        parts.append(project.commitment)
    if project.until is not None:
        parts.append(_("until {day}", day=day_text(locale, project.until)))
    parts.append(_("by {name}", name=msgs.clean_name(owner)))
    if interested:
        parts.append(_n("{n} person interested", "{n} people interested", interested))
    return f"#{project.id} {project.title}: " + "; ".join(parts)


def suggestions(locale: str, project: ProjectRow, picks: Mapping[str, Sequence[RolePick]],
                names: Mapping[int, str]) -> Message:
    """Up to three people per need, each with why and a "Request intro" button."""
    _ = translator(locale)
    msg = Message(title=_("People for “{title}”", title=project.title))
    index = {n: i for i, (n, _c) in enumerate(project.needs)}
    for need, count in project.needs:
        found = picks.get(need, [])
        label = f"{need} ×{count}" if count > 1 else need
        if not found:
            msg.fields.append(Field(label, _("Nobody fits yet; I keep the project listed in /collab list."),
                                    inline=False))
            continue
        lines = []
        for pick in found:
            name = msgs.clean_name(names.get(pick.member, "?"))
            lines.append(f"• {name}: {msgs.reason_text([list(p) for p in pick.reasons], locale)}")
            msg.buttons.append(Button(_("Request intro with {name} ({need})", name=name, need=need)[:80],
                                      ASK_ID.format(project_id=project.id, target_id=pick.member,
                                                    need=index[need])))
        msg.fields.append(Field(label, "\n".join(lines), inline=False))
    if not msg.buttons:
        msg.text = _("Nobody who takes part in intros fits yet. People can still say they are interested on the "
                     "card.")
    return msg
