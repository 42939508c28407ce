"""How settings, changes and the audit trail look in chat. Builds neutral Messages; `_` is the caller's
translator (ctx._), so these functions are plain and testable without a platform."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from cogs.config.editor import Change, value_of
from cogs.config.schema import KeySpec
from cogs.config.store.audit import AuditRow
from cogs.config.values import allowed, format_value
from core.i18n import N_
from core.messages import Button, ButtonStyle, Field, Message
from core.permissions import Level
from core.settings import CommunityConfig, registry

Translate = Callable[..., str]
FIELD_MAX = 1000  # Discord allows 1024 characters in an embed field
LINE_MAX = 60


def cut(text: str, limit: int = LINE_MAX) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def display(spec: KeySpec | None, value: Any, _: Translate, limit: int = LINE_MAX) -> str:
    """A value for people: as `/config set` accepts it, "(empty)" when empty, cut to `limit`."""
    if spec is None:
        text = str(value)
    else:
        try:
            text = format_value(spec, value)
        except (TypeError, ValueError):
            text = str(value)
    return cut(text, limit) if text else _("(empty)")


def _join(lines: Iterable[str]) -> str:
    out, size = [], 0
    for line in lines:
        if size + len(line) + 1 > FIELD_MAX:
            out.append("…")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out) or "-"


def overview(config: CommunityConfig, overrides: Mapping[str, Any], schema: Mapping[str, KeySpec],
             _: Translate, community_name: str) -> Message:
    """All keys, one card field per section; keys set for this community are starred."""
    by_section: dict[str, list[str]] = {}
    for key, spec in schema.items():
        mark = " *" if key in overrides else ""
        by_section.setdefault(spec.section, []).append(
            f"{spec.field} = {display(spec, value_of(config, key), _, 40)}{mark}")
    return Message(
        title=_("Settings of {community}", community=community_name or "-"),
        text=_("* = set for this community; everything else comes from config.toml. "
               "Details: /config show <key> or <section>. Change: /config set <key> <value>."),
        fields=[Field(section, _join(lines), inline=False) for section, lines in by_section.items()],
    )


def section_view(section: str, config: CommunityConfig, overrides: Mapping[str, Any],
                 schema: Mapping[str, KeySpec], _: Translate) -> Message:
    """One section with each key's value and description."""
    fields = []
    for key, spec in schema.items():
        if spec.section != section:
            continue
        mark = " *" if key in overrides else ""
        body = f"{display(spec, value_of(config, key), _, 200)}\n{_(spec.description)}" if spec.description \
            else display(spec, value_of(config, key), _, 200)
        fields.append(Field(key + mark, cut(body, FIELD_MAX), inline=False))
    return Message(title=_("Settings: {section}", section=section), fields=fields[:25],
                   text=_("* = set for this community; everything else comes from config.toml."))


def key_view(spec: KeySpec, config: CommunityConfig, defaults: CommunityConfig, overridden: bool,
             last: AuditRow | None, _: Translate) -> Message:
    """One key: value, default, what is allowed, the last change."""
    msgid, params = allowed(spec)
    fields = [
        Field(_("Value"), display(spec, value_of(config, spec.key), _, FIELD_MAX), inline=False),
        Field(_("Default (config.toml)"), display(spec, value_of(defaults, spec.key), _, FIELD_MAX), inline=False),
    ]
    if overridden and last is not None:
        fields.append(Field(_("Last change"), _("{when} by {who}", when=when(last), who=last.who or _("(unknown)")),
                            inline=False))
    if spec.level >= Level.OWNER:
        fields.append(Field(_("Who may change it"), _("Only the bot owner."), inline=False))
    parts = [_(spec.description) if spec.description else "", _(msgid, **params)]
    if not overridden:
        parts.append(_("Not set for this community: the default applies."))
    text = "\n".join(p for p in parts if p)
    return Message(title=spec.key, text=text, fields=fields)


def when(row: AuditRow) -> str:
    return row.at.strftime("%Y-%m-%d %H:%M UTC")


def change_lines(changes: Iterable[Change], schema: Mapping[str, KeySpec], _: Translate) -> list[str]:
    lines = []
    for c in changes:
        spec = schema.get(c.key)
        line = f"{c.key}: {display(spec, c.old, _)} → {display(spec, c.new, _)}"
        if c.reset:
            line += " " + _("(default)")
        lines.append(line)
    return lines


def history_view(rows: list[AuditRow], schema: Mapping[str, KeySpec], _: Translate, what: str) -> Message:
    """Newest first: when, key, old → new, who, how."""
    title = _("Settings history: {what}", what=what) if what else _("Settings history")
    if not rows:
        return Message(title=title, text=_("No changes recorded yet."))
    lines = []
    for r in rows:
        spec = schema.get(r.key)
        lines.append(_("{when} · {key}: {old} → {new} · {who} ({action})", when=when(r), key=r.key,
                       old=display(spec, r.old, _, 40), new=display(spec, r.new, _, 40),
                       who=r.who or _("(unknown)"), action=_(ACTIONS.get(r.action, r.action))))
    return Message(title=title, text="\n".join(lines))


ACTIONS = {"set": N_("set"), "reset": N_("reset"), "import": N_("import"), "setup": N_("setup"),
           "module": N_("module")}


def module_name(name: str, _: Translate) -> str:
    """A module as people read it, with the name `/config module` takes: "Vorstellungsrunden (matching)"."""
    title = _(registry.module_title(name))
    return title if title == name else f"{title} ({name})"


def modules_view(disabled: Iterable[str], _: Translate) -> Message:
    """Each module on or off, with a button to switch it."""
    off = set(disabled)
    lines, buttons = [], []
    for name in registry.modules():
        title = module_name(name, _)
        if name in off:
            lines.append(_("{module}: off", module=title))
            buttons.append(Button(_("Switch {module} on", module=title), f"config:module:{name}:on",
                                  ButtonStyle.SUCCESS))
        else:
            lines.append(_("{module}: on", module=title))
            buttons.append(Button(_("Switch {module} off", module=title), f"config:module:{name}:off",
                                  ButtonStyle.SECONDARY))
    return Message(title=_("Modules"), text="\n".join(lines), buttons=buttons)


def close_keys(text: str, names: Iterable[str]) -> list[str]:
    """Keys that look like what was typed, for "did you mean" hints."""
    names = list(names)
    tail = {n.split(".")[-1]: n for n in names}
    found = difflib.get_close_matches(text.lower(), names, n=3, cutoff=0.6)
    found += [tail[t] for t in difflib.get_close_matches(text.lower().split(".")[-1], list(tail), n=3, cutoff=0.75)]
    return list(dict.fromkeys(found))[:3]
