"""Profile commands: show, set, edit (a form), clear."""

from __future__ import annotations

from typing import Any

from cogs.profiles.facets import (
    FacetField,
    clean_values,
    fields_for,
    is_complete,
    language_name,
    timezone_names,
)
from core import options as opt
from core.commands import Autocomplete, Cog, CommandSpec, command, on_component, on_form
from core.context import Context
from core.errors import OptionError, UserError
from core.events import ProfileUpdated
from core.i18n import N_
from core.messages import Button, ButtonStyle, Field, FieldStyle, Form, FormField, Message
from core.refs import CommunityKey, MemberRef
from storage.profiles import Profile

FORM_MAIN = ("role", "topics", "offers", "wants", "about")
FORM_MORE = ("team", "timezone", "languages")


class Profiles(Cog):
    name = "profiles"
    module = "profiles"
    groups = {"profile": N_("Your profile: what you do, know and want to learn")}

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.fields = fields_for(self.services.settings.profiles)
        self.by_name = {f.name: f for f in self.fields}

    def customise(self, spec: CommandSpec) -> CommandSpec:
        if spec.path == ("profile", "set"):
            ps = self.services.settings.profiles
            built = []
            for f in self.fields:
                auto = "suggest_timezone" if f.name == "timezone" else (
                    None if f.name == "about" else "suggest_values")
                built.append(opt.string(
                    f.name, f.description, multiple=f.multiple,
                    max_length=ps.about_max_length if f.name == "about" else ps.value_max_length,
                    max_items=ps.max_items, autocomplete=auto,
                ))
            return spec.with_options(built)
        return spec

    # ------------------------------------------------------------------ rendering
    def render(self, ctx: Context, member: MemberRef, profile: Profile | None) -> Message:
        title = ctx._("Profile of {name}", name=member.display_name)
        if profile is None or profile.empty:
            return Message(title=title, text=ctx._("No profile yet. Set one with /profile set or /profile edit."))
        fields = []
        for f in self.fields:
            values = profile.values(f.name)
            if not values:
                continue
            if f.name == "languages":
                values = [f"{language_name(v, ctx.locale)} ({v})" for v in values]
            fields.append(Field(ctx._(_LABELS[f.name]) if f.name in _LABELS else f.name, ", ".join(values),
                                inline=f.name != "about"))
        missing = [f.name for f in self.fields if f.name in ("role", "topics", "timezone", "languages")
                   and not profile.values(f.name)]
        text = ctx._("Still missing: {fields}.", fields=", ".join(missing)) if missing else ""
        return Message(title=title, text=text, fields=fields)

    # ------------------------------------------------------------------ commands
    @command("profile show", N_("Show your profile or another member's"),
             options=[opt.member("member", N_("Whose profile (default: yours)"))])
    async def show(self, ctx: Context, member: MemberRef | None = None) -> None:
        who = member or ctx.member
        profile = await self.services.profiles.get(who.id)
        await ctx.reply(self.render(ctx, who, profile), ephemeral=True)

    @command("profile set", N_("Set one or more profile fields, e.g. topics:python,rust timezone:Europe/Berlin"))
    async def set(self, ctx: Context, **values: Any) -> None:
        given = {k: v for k, v in values.items() if v not in (None, "", [])}
        if not given:
            raise UserError(N_("Tell me what to set, e.g. /profile set topics:python,rust timezone:Europe/Berlin"))
        await self._save(ctx, {k: v if isinstance(v, list) else [v] for k, v in given.items()})

    @command("profile edit", N_("Edit your profile in a form"))
    async def edit(self, ctx: Context) -> None:
        await ctx.open_form(await self._form(ctx, "main"))

    @command("profile clear", N_("Delete your profile"))
    async def clear(self, ctx: Context) -> None:
        await ctx.reply(Message(
            text=ctx._("Delete your whole profile? This cannot be undone."),
            buttons=[Button(ctx._("Yes, delete it"), f"profile:clear:{ctx.member.id}", ButtonStyle.DANGER)],
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
        if part not in ("main", "more"):
            raise UserError(N_("This button is no longer active."))
        await ctx.open_form(await self._form(ctx, part))

    @on_form("profile:edit:{part}")
    async def form_submitted(self, ctx: Context, part: str, values: dict[str, str]) -> None:
        names = FORM_MAIN if part == "main" else FORM_MORE
        given: dict[str, list[str]] = {}
        for name in names:
            if name not in values:
                continue
            f = self.by_name[name]
            text = values[name] or ""
            given[name] = [v for v in text.split(",")] if f.multiple else [text]
        await self._save(ctx, given, allow_clear=True, offer_more=part == "main")

    async def _form(self, ctx: Context, part: str) -> Form:
        profile = await self.services.profiles.get(ctx.member.id)
        names = FORM_MAIN if part == "main" else FORM_MORE
        fields = []
        for name in names:
            f = self.by_name[name]
            current = ", ".join(profile.values(name)) if profile else ""
            fields.append(FormField(
                id=name,
                label=(ctx._(_LABELS[name]) if name in _LABELS else name)[:45],
                style=FieldStyle.PARAGRAPH if name == "about" else FieldStyle.SHORT,
                default=current,
                placeholder=ctx._(f.description)[:100],
                max_length=f.max_length if not f.multiple else min(4000, f.max_length * 10),
            ))
        return Form(f"profile:edit:{part}", ctx._("Your profile"), tuple(fields))

    async def _save(self, ctx: Context, given: dict[str, list[str]], *, allow_clear: bool = False,
                    offer_more: bool = False) -> None:
        ps = (await self.services.config.get(ctx.community.id)).profiles
        cleaned: dict[str, list[str]] = {}
        for name, raw in given.items():
            f: FacetField | None = self.by_name.get(name)
            if f is None:
                raise OptionError(N_("Unknown option “{name}”. This command takes: {allowed}."),
                                  name=name, allowed=", ".join(self.by_name))
            vals = clean_values(f, raw, ps.max_items)
            if vals or allow_clear:
                cleaned[name] = vals
        if not cleaned:
            raise UserError(N_("Tell me what to set, e.g. /profile set topics:python,rust timezone:Europe/Berlin"))
        profile = await self.services.profiles.set_fields(ctx.community.id, ctx.member.id, cleaned)
        msg = self.render(ctx, ctx.member, profile)
        msg.text = "\n".join(p for p in (ctx._("Saved."), msg.text) if p)
        if offer_more:
            msg.buttons.append(Button(ctx._("More: team, time zone, languages"), "profile:form:more"))
        await ctx.reply(msg, ephemeral=True)
        await self.app.emit(ProfileUpdated(
            key=CommunityKey(ctx.community.platform, ctx.community.external_id), community=ctx.community,
            member=ctx.member, fields=tuple(cleaned), complete=is_complete(profile.facets),
        ))

    async def forget_member(self, community_id: int, member_id: int) -> None:
        await self.services.profiles.clear(member_id)

    # ------------------------------------------------------------------ autocomplete
    async def suggest_values(self, ac: Autocomplete) -> list[str]:
        field = ac.option or "topics"
        head, _, last = ac.current.rpartition(",")
        found = await self.services.profiles.values_of(ac.community.id, field, last.strip())
        prefix = head + ", " if head else ""
        return [prefix + v for v in found]

    async def suggest_timezone(self, ac: Autocomplete) -> list[str]:
        cur = ac.current.lower()
        return [tz for tz in timezone_names() if cur in tz.lower()][:25]


# Field labels translated in forms and cards (extraction needs literal strings).
_LABELS = {
    "role": N_("Role"), "team": N_("Team"), "topics": N_("Topics"), "offers": N_("Offers"),
    "wants": N_("Wants"), "timezone": N_("Timezone"), "languages": N_("Languages"), "about": N_("About"),
}
