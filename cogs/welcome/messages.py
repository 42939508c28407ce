"""The messages of the welcome flow, built from plain values and a translator: no chat, no store.

Every message that names people lists them in `mentions`, so integrations ping exactly those and nobody else;
names that people chose go through `clean_name`, so they cannot ping or fake formatting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cogs.welcome.templates import Rendered, clean_name, mention_token
from core.i18n import N_n, Translate
from core.messages import Button, ButtonStyle, Message

PROFILE_ID = "welcome:profile"
BUDDY_ID = "welcome:buddy"
HELLO_ID = "welcome:hello:{newcomer_id}"
DEFAULT_GREETING = "Welcome to {community}, {member}! Tell us a little about yourself."


def join_names(_: Translate, names: Sequence[str]) -> str:
    """"Ana", "Ana and Ben", "Ana, Ben and Chen" in the community's language."""
    items = [n for n in names if n]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return _("{names} and {last}", names=", ".join(items[:-1]), last=items[-1])


def who(user_id: str, name: str) -> str:
    """A person in a message: their mention when the id is usable, else their harmless name."""
    return mention_token(user_id) or clean_name(name) or "?"


def profile_button(_: Translate) -> Button:
    return Button(_("Set up my profile"), PROFILE_ID, ButtonStyle.PRIMARY)


def buddy_button(_: Translate) -> Button:
    return Button(_("Find me a buddy"), BUDDY_ID)


def hello_button(_: Translate, newcomer_id: int) -> Button:
    return Button(_("I've said hello"), HELLO_ID.format(newcomer_id=newcomer_id), ButtonStyle.SUCCESS)


@dataclass(frozen=True, slots=True)
class GreetingParts:
    """What the personal greeting says besides the template."""

    has_profile: bool
    channel: str = ""  # the welcome channel id, to say hello in
    buddy_name: str = ""  # the buddy's (clean) name when one was introduced
    offer_buddy: bool = False  # show "Find me a buddy" (buddies on, none assigned yet)
    no_greeter_free: bool = False
    test: bool = False  # a moderator's /welcome test: the buddy is named but nobody is introduced


def greeting_dm(_: Translate, rendered: Rendered, parts: GreetingParts) -> Message:
    """The personal greeting: the template, one clear action, and the buttons for it."""
    lines = [rendered.text]
    buttons: list[Button] = []
    if not parts.has_profile:
        lines.append(_("One thing to start with: set up your profile, so that people with your interests can "
                       "find you. It takes a minute."))
        buttons.append(profile_button(_))
    elif parts.channel:
        lines.append(_("One thing to start with: say hello in #{channel}.", channel=clean_name(parts.channel)))
    else:
        lines.append(_("One thing to start with: say hello and tell people what you are working on."))
    if parts.buddy_name and parts.test:
        lines.append(_("{buddy} would be your buddy for the first weeks. This is a test, so I have not introduced "
                       "you to each other.", buddy=parts.buddy_name))
    elif parts.buddy_name:
        lines.append(_("{buddy} is your buddy for the first weeks; I have introduced you to each other.",
                       buddy=parts.buddy_name))
    elif parts.offer_buddy:
        if parts.no_greeter_free:
            lines.append(_("All our greeters are busy right now. Press “Find me a buddy” again in a day or two."))
        buttons.append(buddy_button(_))
    return Message(text="\n\n".join(lines), buttons=buttons, mentions=rendered.mentions)


def channel_greeting(_: Translate, rendered: Rendered, newcomers: Sequence[tuple[str, str]],
                     offer_buddy: bool) -> Message:
    """The public greeting for one or several newcomers; they are named even when the template forgets to."""
    text = rendered.text
    mentions = tuple(rendered.mentions)
    if not mentions:
        named = [who(uid, name) for uid, name in newcomers]
        text = f"{join_names(_, named)}: {text}"
        mentions = tuple(uid for uid, _n in newcomers if mention_token(uid))
    buttons = [profile_button(_)] + ([buddy_button(_)] if offer_buddy else [])
    return Message(text=text, buttons=buttons, mentions=mentions)


def buddy_intro(_: Translate, newcomer: tuple[str, str], buddy: tuple[str, str], community: str,
                shared: Sequence[str], newcomer_id: int) -> Message:
    """The conversation that introduces a newcomer to their buddy."""
    n, b = who(*newcomer), who(*buddy)
    lines = [_("{newcomer}, meet {buddy}: {buddy} volunteered to help newcomers find their way around "
               "{community} and will be your buddy for the first weeks.", newcomer=n, buddy=b,
               community=clean_name(community))]
    if shared:
        lines.append(_("You have this in common: {things}.", things=", ".join(clean_name(s) for s in shared[:4])))
    lines.append(_("{buddy}, say hello when you can, then press the button so that I stop reminding you.",
                   buddy=b))
    mentions = tuple(uid for uid, _n in (newcomer, buddy) if mention_token(uid))
    return Message(text="\n\n".join(lines), buttons=[hello_button(_, newcomer_id)], mentions=mentions)


def buddy_reminder(_: Translate, newcomer_name: str, days: int, newcomer_id: int,
                   buddy: tuple[str, str] | None = None) -> Message:
    """A reminder to a buddy who has not said hello yet (addressed by mention when posted in a channel)."""
    text = _(N_n("{newcomer} joined {days} day ago and has not heard from their buddy yet. Could you say hello? "
                 "Press the button once you have.",
                 "{newcomer} joined {days} days ago and has not heard from their buddy yet. Could you say hello? "
                 "Press the button once you have.", "days"), newcomer=clean_name(newcomer_name), days=days)
    mentions: tuple[str, ...] = ()
    if buddy is not None:
        text = f"{who(*buddy)} {text}"
        mentions = tuple(uid for uid in (buddy[0],) if mention_token(uid))
    return Message(text=text, buttons=[hello_button(_, newcomer_id)], mentions=mentions)


def nudge(_: Translate, community: str, offer_buddy: bool) -> Message:
    """The day-3 nudge to a newcomer who has not done anything yet: one small step."""
    text = _("Hi again! You joined {community} a few days ago. One small step helps a lot: set up your profile, "
             "so that people with your interests can find you.", community=clean_name(community))
    buttons = [profile_button(_)] + ([buddy_button(_)] if offer_buddy else [])
    return Message(text=text, buttons=buttons)


def digest(_: Translate, stalled: Sequence[tuple[str, int, list[str]]]) -> Message:
    """The moderators' digest: who joined about a week ago and has not got going (names only, no pings)."""
    labels = {"profile": _("no profile"), "message": _("no message"), "match": _("no match")}
    lines = [
        _(N_n("{name} (joined {days} day ago): {missing}", "{name} (joined {days} days ago): {missing}", "days"),
          name=clean_name(name), days=days,
          missing=", ".join(labels[m] for m in missing))
        for name, days, missing in stalled
    ]
    return Message(
        title=_("Newcomers who could use a hello"),
        text=_("These newcomers have not got going yet. A personal hello from someone often helps.") + "\n"
        + "\n".join(f"• {line}" for line in lines),
    )
