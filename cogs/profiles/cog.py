"""Profile commands: show, set, edit (a form), clear.

The fields are the built-in facets plus the extra fields of the community's settings (`profiles.extra_fields`,
from config.toml or set by moderators with /config), and the limits are the community's too: everything is read
per request, so a moderator's change applies to the next command. `/profile set` declares the built-in fields and
the extra fields of config.toml as its options (Discord registers those once), plus `field:`/`value:` for any field
by name; typed text (console, Slack) takes every field of the community as an option.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet  # `set` is the /profile set handler here
from typing import Any

from cogs.profiles.facets import (
    CORE_FOR_COMPLETE,
    FacetField,
    clean_values,
    field_option,
    fields_for,
    form_parts,
    is_complete,
    language_name,
    part_id,
    part_index,
    timezone_names,
)
from cogs.profiles.settings import ProfileSettings
from core import options as opt
from core.commands import Autocomplete, Cog, CommandSpec, command, on_component, on_form, user_command
from core.context import Context
from core.errors import OptionError, UserError
from core.events import ProfileUpdated
from core.i18n import N_
from core.messages import Button, Field, FieldStyle, Form, FormField, Message
from core.messages import ButtonStyle as Style
from core.ports import ProfileRecord
from core.refs import CommunityKey, MemberRef

FORM_LABEL_MAX = 45  # Discord's limit for a modal input label
BUTTON_LABEL_MAX = 80


def _by_field_options() -> list[opt.Option]:
    return [
        opt.string("field", N_("Any profile field by name, e.g. one your moderators added"), max_length=40,
                   autocomplete="suggest_fields"),
        opt.string("value", N_("The value for “field” (comma-separated for a list; - clears it)"),
                   max_length=4000, autocomplete="suggest_values"),
    ]


class Profiles(Cog):
    name = "profiles"
    module = "profiles"
    groups = {"profile": N_("Your profile: what you do, know and want to learn")}

    def customise(self, spec: CommandSpec) -> CommandSpec:
        if spec.path == ("profile", "set"):
            fields = fields_for(self.services.settings.profiles)
            return spec.with_options([*(field_option(f) for f in fields), *_by_field_options()])
        return spec

    async def options_for(self, ctx: Context, spec: CommandSpec) -> Sequence[opt.Option]:
        if spec.path != ("profile", "set"):
            return spec.options
        ps = await self._settings(ctx.community.id)
        return [*(field_option(f, ps) for f in fields_for(ps)), *_by_field_options()]

    async def _settings(self, community_id: int) -> ProfileSettings:
        return (await self.services.config.get(community_id)).profiles

    async def _fields(self, community_id: int) -> list[FacetField]:
        return fields_for(await self._settings(community_id))

    # ------------------------------------------------------------------ rendering
    def render(self, ctx: Context, member: MemberRef, profile: ProfileRecord | None,
               fields: list[FacetField]) -> Message:
        title = ctx._("Profile of {name}", name=member.display_name)
        if profile is None or profile.empty:
            return Message(title=title, text=ctx._("No profile yet. Set one with /profile set or /profile edit."))
        cards = []
        for f in fields:
            values = profile.values(f.name)
            if not values:
                continue
            if f.name == "languages":
                values = [f"{language_name(v, ctx.locale)} ({v})" for v in values]
            cards.append(Field(label(ctx, f), ", ".join(values), inline=f.name != "about"))
        missing = [name for name in CORE_FOR_COMPLETE if not profile.values(name)]
        text = ctx._("Still missing: {fields}.", fields=", ".join(missing)) if missing else ""
        return Message(title=title, text=text, fields=cards)

    # ------------------------------------------------------------------ commands
    @command("profile show", N_("Show your profile or another member's"),
             options=[opt.member("member", N_("Whose profile (default: yours)"))])
    async def show(self, ctx: Context, member: MemberRef | None = None) -> None:
        who = member or ctx.member
        profile = await self.services.profiles.get(who.id)
        await ctx.reply(self.render(ctx, who, profile, await self._fields(ctx.community.id)), ephemeral=True)

    @user_command("view-profile", N_("View profile"))
    async def view(self, ctx: Context, member: MemberRef) -> None:
        """A member's "Apps" menu (Discord): the same card as /profile show, only for the one asking."""
        await self.show(ctx, member)

    @command("profile set", N_("Set one or more profile fields, e.g. topics:python,rust timezone:Europe/Berlin"))
    async def set(self, ctx: Context, field: str | None = None, value: str | None = None, **values: Any) -> None:
        given: dict[str, list[str]] = {k: v if isinstance(v, list) else [v]
                                       for k, v in values.items() if v not in (None, "", [])}
        # "-" clears a field, whether typed as its own option (topics:-) or as field:topics value:-
        clears: set[str] = {k for k, v in given.items() if [str(x).strip() for x in v] == ["-"]}
        given.update({k: [] for k in clears})
        if field is not None or value is not None:
            if not field or value is None:
                raise OptionError(N_("Give both “field” and “value”, e.g. field:plant value:Linz"))
            name = field.strip().lower()
            if name in given:
                raise OptionError(N_("The option “{name}” was given twice."), name=name)
            target = next((f for f in await self._fields(ctx.community.id) if f.name == name), None)
            if value.strip() == "-":
                clears.add(name)
                given[name] = []
            else:
                given[name] = value.split(",") if target is not None and target.multiple else [value]
        if not given:
            raise UserError(N_("Tell me what to set, e.g. /profile set topics:python,rust timezone:Europe/Berlin"))
        await self._save(ctx, given, clear=clears)

    @command("profile edit", N_("Edit your profile in a form"))
    async def edit(self, ctx: Context) -> None:
        await ctx.open_form(await self._form(ctx, 0))

    @command("profile clear", N_("Delete your profile"))
    async def clear(self, ctx: Context) -> None:
        await ctx.reply(Message(
            text=ctx._("Delete your whole profile? This cannot be undone."),
            buttons=[Button(ctx._("Yes, delete it"), f"profile:clear:{ctx.member.id}", Style.DANGER)],
        ), ephemeral=True)

    # ------------------------------------------------------------------ components and forms
    @on_component("profile:clear:{member_id}")
    async def clear_confirmed(self, ctx: Context, member_id: str, values: list[str]) -> None:
        if str(ctx.member.id) != member_id:
            raise UserError(N_("This button is not for you."))
        await self.services.profiles.clear(ctx.member.id)
        await ctx.reply(ctx._("Your profile is deleted."), ephemeral=True)

    @on_component("profile:form:{part}")
    async def open_part(self, ctx: Context, part: str, values: list[str]) -> None:
        index = part_index(part)
        if index is None or index >= len(form_parts(await self._fields(ctx.community.id))):
            raise UserError(N_("This button is no longer active."))
        await ctx.open_form(await self._form(ctx, index))

    @on_form("profile:edit:{part}")
    async def form_submitted(self, ctx: Context, part: str, values: dict[str, str]) -> None:
        index = part_index(part)
        if index is None:
            raise UserError(N_("This form is no longer active."))
        by_name = {f.name: f for f in await self._fields(ctx.community.id)}
        given: dict[str, list[str]] = {}
        for name, text in values.items():
            f = by_name.get(name)  # a field removed while the form was open is left alone
            if f is not None:
                given[name] = (text or "").split(",") if f.multiple else [text or ""]
        await self._save(ctx, given, clear=set(given), next_part=index + 1)

    async def _form(self, ctx: Context, index: int) -> Form:
        fields = await self._fields(ctx.community.id)
        by_name = {f.name: f for f in fields}
        parts = form_parts(fields)
        index = min(index, len(parts) - 1)
        profile = await self.services.profiles.get(ctx.member.id)
        inputs = []
        for name in parts[index]:
            f = by_name[name]
            current = ", ".join(profile.values(name)) if profile else ""
            hint = ctx._("One of: {allowed}", allowed=", ".join(f.allowed)) if f.allowed else ctx._(f.description)
            inputs.append(FormField(
                id=name,
                label=label(ctx, f)[:FORM_LABEL_MAX],
                style=FieldStyle.PARAGRAPH if name == "about" else FieldStyle.SHORT,
                default=current,
                placeholder=hint[:100],
                max_length=f.max_length if not f.multiple else min(4000, f.max_length * 10),
            ))
        return Form(f"profile:edit:{part_id(index)}", ctx._("Your profile"), tuple(inputs))

    async def _save(self, ctx: Context, given: dict[str, list[str]], *, clear: AbstractSet[str] = frozenset(),
                    next_part: int | None = None) -> None:
        """Check every value first (nothing is stored when one is wrong), then store them together.
        Fields in `clear` may be emptied; others given empty are left as they are."""
        ps = await self._settings(ctx.community.id)
        fields = fields_for(ps)
        by_name = {f.name: f for f in fields}
        cleaned: dict[str, list[str]] = {}
        for name, raw in given.items():
            f = by_name.get(name)
            if f is None:
                raise OptionError(N_("There is no profile field “{name}” here. The fields are: {allowed}."),
                                  name=name[:40], allowed=", ".join(by_name)).in_field(name)
            try:
                vals = clean_values(f, raw, ps.max_items)
            except UserError as exc:  # in a form, shown next to the field
                raise exc.in_field(name) from None
            if vals or name in clear:
                cleaned[name] = vals
        if not cleaned:
            raise UserError(N_("Tell me what to set, e.g. /profile set topics:python,rust timezone:Europe/Berlin"))
        profile = await self.services.profiles.set_fields(ctx.community.id, ctx.member.id, cleaned)
        msg = self.render(ctx, ctx.member, profile, fields)
        msg.text = "\n".join(p for p in (ctx._("Saved."), msg.text) if p)
        parts = form_parts(fields)
        if next_part is not None and next_part < len(parts):
            names = [label(ctx, by_name[n]) for n in parts[next_part]]
            text = (ctx._("More: team, time zone, languages") if parts[next_part] == ("team", "timezone", "languages")
                    else ctx._("More: {fields}", fields=", ".join(names)))
            msg.buttons.append(Button(text[:BUTTON_LABEL_MAX], f"profile:form:{part_id(next_part)}"))
        await ctx.reply(msg, ephemeral=True)
        await self.app.emit(ProfileUpdated(
            key=CommunityKey(ctx.community.platform, ctx.community.external_id), community=ctx.community,
            member=ctx.member, fields=tuple(cleaned), complete=is_complete(profile.facets), at=self.services.clock(),
        ))

    async def forget_member(self, community_id: int, member_id: int) -> None:
        await self.services.profiles.clear(member_id)

    # ------------------------------------------------------------------ autocomplete
    async def suggest_values(self, ac: Autocomplete) -> list[str]:
        name = str(ac.options.get("field") or "").strip().lower() if ac.option == "value" else ac.option
        head, _, last = ac.current.rpartition(",")
        prefix = head + ", " if head else ""
        fields = {f.name: f for f in await self._fields(ac.community.id)}
        f = fields.get(name or "topics")
        if f is None:
            return []
        if f.name == "timezone":
            return await self.suggest_timezone(ac)
        if f.allowed:
            found = [a for a in f.allowed if a.lower().startswith(last.strip().lower())]
        else:
            found = await self.services.profiles.values_of(ac.community.id, f.name, last.strip())
        return [(prefix + v) if f.multiple else v for v in found]

    async def suggest_fields(self, ac: Autocomplete) -> list[str]:
        cur = ac.current.strip().lower()
        return [f.name for f in await self._fields(ac.community.id) if f.name.startswith(cur)][:25]

    async def suggest_timezone(self, ac: Autocomplete) -> list[str]:
        cur = ac.current.lower()
        return [tz for tz in timezone_names() if cur in tz.lower()][:25]


def label(ctx: Context, f: FacetField) -> str:
    """A field's name in cards and forms: the translated label of a built-in field, else the extra field's
    description (what the moderator called it) or its name."""
    if f.name in _LABELS:
        return ctx._(_LABELS[f.name])
    return f.description if f.description and f.description != f.name else f.name


# Field labels translated in forms and cards (extraction needs literal strings).
_LABELS = {
    "role": N_("Role"), "team": N_("Team"), "topics": N_("Topics"), "offers": N_("Offers"),
    "wants": N_("Wants"), "timezone": N_("Timezone"), "languages": N_("Languages"), "about": N_("About"),
}
