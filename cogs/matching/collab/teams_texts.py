"""What team formation says: the event card, the preview a moderator confirms, each team's intro, the refusals.

Plain functions from data to `Message`s in the community's language, so that the cog only decides and sends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cogs.matching.messages import clean_name, names_line
from core.i18n import N_, N_n, Text, plural_translator, translator
from core.messages import Button, ButtonStyle, Field, Message

EVENT_IN_ID = "collab:ev:in:{event_id}"
EVENT_OUT_ID = "collab:ev:out:{event_id}"
CONFIRM_ID = "collab:tm:ok:{formation_id}"
CANCEL_ID = "collab:tm:no:{formation_id}"
MAX_TEAMS_SHOWN = 20  # the preview lists this many teams in full; the rest are counted

NEEDS_ERRORS: dict[str, Text] = {
    "size": N_("A team has {low} to {high} people, not {size}."),
    "item": N_("I cannot read the need “{item}”: write a role or a role with a count, e.g. developer*2, designer."),
    "count": N_("“{item}”: a need counts at least one person."),
    "long": N_n("A need has at most {max} character: “{item}”.", "A need has at most {max} characters: “{item}”.",
                "max"),
    "too_many": N_n("The needs name {total} person, more than a team of {size}.",
                    "The needs name {total} people, more than a team of {size}.", "total"),
    "people": N_n("Teams are formed for at most {max} person at once.",
                  "Teams are formed for at most {max} people at once.", "max"),
    "strategy": N_("Unknown strategy {strategy}."),
}

REASONS = {
    "too_few": N_("too few people for one team"),
    "no_common_language": N_("shares no language with anyone else"),
    "blocked": N_("has blocked, or is blocked by, everyone else"),
    "no_team_fits": N_("no team fits without breaking a block or the common language"),
}


def source_label(locale: str, source: str, title: str = "") -> str:
    """“the group “x””, “the intro round”, or the event's title."""
    _ = translator(locale)
    kind, _sep, name = source.partition(":")
    if kind == "event":
        return _("the event “{title}”", title=clean_name(title or name))
    if name:
        return _("the group “{group}”", group=clean_name(name))
    return _("the intro round")


def event_card(locale: str, event_id: int, title: str, details: str, count: int = 0) -> Message:
    """The card with "I'm in" / "I'm out"; from the first sign-up on it counts who is in (edited on each press)."""
    _ = translator(locale)
    _n = plural_translator(locale)
    text = "\n".join(p for p in (details, _("Press “I'm in” to be placed in a team. (Event {id})", id=event_id)) if p)
    fields = [Field(_("Who's in"), _n("{n} person", "{n} people", count))] if count else []
    return Message(title=title, text=text, fields=fields, buttons=[
        Button(_("I'm in"), EVENT_IN_ID.format(event_id=event_id), ButtonStyle.PRIMARY),
        Button(_("I'm out"), EVENT_OUT_ID.format(event_id=event_id)),
    ])


def _member_line(name: str, need: str | None) -> str:
    return f"• {clean_name(name)} — {need}" if need else f"• {clean_name(name)}"


def preview(locale: str, formation_id: int, label: str, size: int, needs: str,
            teams: Sequence[tuple[Sequence[int], Mapping[int, str], Sequence[str]]],
            unplaced: Sequence[tuple[int, str]], names: Mapping[int, str], uncovered: int) -> Message:
    """The teams before anything is sent, with Confirm and Cancel."""
    _ = translator(locale)
    head = _("Teams of {size} for {source}.", size=size, source=label)
    need_line = _("Each team needs: {needs}.", needs=needs) if needs else _("No roles asked for: teams by fit alone.")
    _n = plural_translator(locale)
    gaps = (_n("{n} need stays uncovered.", "{n} needs stay uncovered.", uncovered)
            if uncovered else (_("Every need is covered.") if needs else ""))
    msg = Message(title=_("Team preview"), text="\n".join(p for p in (head, need_line, gaps) if p))
    for number, (members, covers, missing) in enumerate(teams[:MAX_TEAMS_SHOWN], start=1):
        lines = [_member_line(names.get(m, "?"), covers.get(m)) for m in members]
        if missing:
            lines.append(_("Still needed: {needs}", needs=", ".join(missing)))
        msg.fields.append(Field(_("Team {number}", number=number), "\n".join(lines), inline=False))
    if len(teams) > MAX_TEAMS_SHOWN:
        more = len(teams) - MAX_TEAMS_SHOWN
        msg.fields.append(Field(_("More teams"), _n("and {n} more team", "and {n} more teams", more),
                                inline=False))
    if unplaced:
        lines = [f"• {clean_name(names.get(m, '?'))}: {_(REASONS.get(r, REASONS['no_team_fits']))}"
                 for m, r in unplaced]
        msg.fields.append(Field(_("Not placed"), "\n".join(lines), inline=False))
    if teams:
        msg.buttons = [Button(_("Confirm and introduce the teams"), CONFIRM_ID.format(formation_id=formation_id),
                              ButtonStyle.PRIMARY),
                       Button(_("Cancel"), CANCEL_ID.format(formation_id=formation_id))]
    return msg


def team_intro(locale: str, label: str, people: Sequence[tuple[str, str, str | None]],
               missing: Sequence[str]) -> Message:
    """A team's intro: who, and who brings what. `people` are (platform user id, display name, need or None)."""
    _ = translator(locale)
    names = [n for _u, n, _need in people]
    lines = [_member_line(n, need) for _u, n, need in people]
    if missing:
        lines.append(_("Still needed: {needs}", needs=", ".join(missing)))
    return Message(
        title=_("Your team: {names}", names=names_line(locale, names)),
        text=_("You are one of the teams formed for {source}. Say hello and find a first time to meet!",
               source=label),
        fields=[Field(_("Who brings what"), "\n".join(lines), inline=False)],
        mentions=tuple(u for u, _n, _need in people),
    )
