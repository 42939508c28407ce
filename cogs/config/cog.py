"""/config: moderators read and change this community's settings in chat; every change is audited and live.

Everything here is scoped to `ctx.community`: no command, option, button or form names another community, and
stored drafts and history are always looked up together with the caller's community id.
"""

from __future__ import annotations

import re

from cogs.config.community_checks import check_in_community
from cogs.config.editor import ConfigEditor, value_of
from cogs.config.render import (
    close_keys,
    history_view,
    key_view,
    module_name,
    modules_view,
    overview,
    section_view,
)
from cogs.config.replies import IMPORT_DRAFT, apply_as, refused, replace_question, report, require_level
from cogs.config.schema import KeySpec, Kind, community_schema, find_key, sections, suggest_keys
from cogs.config.store.drafts import DraftRepo
from cogs.config.store.personal import ConfigPersonalData
from cogs.config.toml_io import export_toml, parse_import
from cogs.config.values import ValueRefused, check_value, explain, format_value, shown, timezones
from core import options as opt
from core.commands import Autocomplete, Cog, CommandSpec, command, on_component, on_form
from core.context import Capability, Context
from core.dispatcher import App
from core.errors import NotFound, UserError
from core.i18n import N_
from core.interfaces import PersonalData
from core.messages import Attachment, Button, ButtonStyle, FieldStyle, Form, FormField, Message
from core.permissions import Level
from core.settings import registry

MAX_PROBLEMS = 10
_FILE_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _key_option(description: str, *, required: bool, autocomplete: str) -> opt.Option:
    return opt.string("key", description, required=required, max_length=100, autocomplete=autocomplete)


class ConfigCog(Cog):
    name = "config"
    groups = {"config": N_("Configure Kindred for this community (moderators)")}

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.editor = ConfigEditor.of(self.services)
        self.drafts = DraftRepo(self.services.store)
        self.personal = ConfigPersonalData(self.services.store)
        self.schema = community_schema()

    async def setup(self) -> None:
        self.services.provide_many(PersonalData, self.personal)  # the settings changes a member made

    async def teardown(self) -> None:
        self.services.withdraw_many(PersonalData, self.personal)

    def customise(self, spec: CommandSpec) -> CommandSpec:
        """`/config module` offers the modules the features registered (known once every feature is found)."""
        if spec.name != "config module":
            return spec
        return spec.with_options([o.with_(choices=registry.modules()) if o.name == "name" else o for o in spec.options])

    # ------------------------------------------------------------------ helpers
    def spec(self, key: str) -> KeySpec:
        spec = find_key(key, self.schema)
        if spec is None:
            raise self.unknown(key)
        return spec

    def unknown(self, key: str) -> UserError:
        close = close_keys(key, [*self.schema, *sections(self.schema)])
        if close:
            return NotFound(N_("Unknown key {key}. Did you mean {suggestion}?"), key=shown(key)[:60],
                            suggestion=", ".join(close))
        return NotFound(N_("Unknown key {key}. Type /config show to see the keys."), key=shown(key)[:60])

    # ------------------------------------------------------------------ show
    @command("config show", N_("Show this community's settings, a section or one key"),
             options=[_key_option(N_("A key such as matching.hour, or a section such as matching"),
                                  required=False, autocomplete="suggest_show")],
             level=Level.MODERATOR)
    async def show(self, ctx: Context, key: str | None = None) -> None:
        config = await self.services.config.get(ctx.community.id)
        overrides = await self.editor.overrides(ctx.community.id)
        wanted = (key or "").strip().lower()
        if not wanted:
            msg = overview(config, overrides, self.schema, ctx._, ctx.community.name)
        elif wanted in sections(self.schema):
            msg = section_view(wanted, config, overrides, self.schema, ctx._)
        else:
            spec = self.spec(wanted)
            last = await self.editor.audit.last_change(ctx.community.id, spec.key)
            msg = key_view(spec, config, self.editor.defaults, spec.key in overrides, last, ctx._)
        await ctx.reply(msg, ephemeral=True)

    # ------------------------------------------------------------------ set / reset
    @command("config set", N_("Change a setting for this community"),
             options=[_key_option(N_("The key, e.g. matching.hour"), required=True, autocomplete="suggest_keys"),
                      opt.string("value", N_("The new value; - for none"), required=True, max_length=4000,
                                 autocomplete="suggest_values")],
             level=Level.MODERATOR)
    async def set(self, ctx: Context, key: str, value: str) -> None:
        spec = self.spec(key)
        require_level(ctx, [spec])
        try:
            new = (await check_in_community(ctx, {spec.key: check_value(spec, value)}, self.schema))[spec.key]
        except ValueRefused as exc:
            raise refused(exc, ctx) from None
        changes = await apply_as(ctx, self.editor, set_values={spec.key: new}, action="set")
        config = await self.services.config.get(ctx.community.id)
        shown_now = format_value(spec, value_of(config, spec.key)) or ctx._("(empty)")
        await report(ctx, changes, self.schema, ctx._("{key} is already {value}. Nothing was changed.", key=spec.key,
                                               value=shown_now[:200]))

    @command("config reset", N_("Return a key, a section or all settings to the defaults from config.toml"),
             options=[_key_option(N_("A key, a section, or all"), required=True, autocomplete="suggest_reset")],
             level=Level.MODERATOR)
    async def reset(self, ctx: Context, key: str) -> None:
        wanted = key.strip().lower()
        overrides = await self.editor.overrides(ctx.community.id)
        if wanted == "all":
            if not overrides:
                await ctx.reply(ctx._("Nothing is set for this community; all defaults apply already."),
                                ephemeral=True)
                return
            await ctx.reply(Message(
                text=ctx._n("Return the {count} setting of this community to its default?",
                            "Return all {count} settings of this community to the defaults?", len(overrides),
                            count=len(overrides)),
                buttons=[Button(ctx._("Yes, reset all"), "config:resetall", ButtonStyle.DANGER)]), ephemeral=True)
            return
        if wanted in sections(self.schema):
            specs = [s for s in self.schema.values() if s.section == wanted and s.key in overrides]
        else:
            specs = [self.spec(wanted)]
        require_level(ctx, specs)
        changes = await apply_as(ctx, self.editor, reset_keys=[s.key for s in specs], action="reset")
        nothing = ctx._("{key} already uses the default. Nothing was changed.", key=wanted)
        await report(ctx, changes, self.schema, nothing)

    @on_component("config:resetall", level=Level.MODERATOR)
    async def reset_all(self, ctx: Context, values: list[str]) -> None:
        overrides = await self.editor.overrides(ctx.community.id)
        specs = [s for s in self.schema.values() if s.key in overrides]
        require_level(ctx, specs)
        changes = await apply_as(ctx, self.editor, reset_keys=[s.key for s in specs], action="reset")
        await report(ctx, changes, self.schema, ctx._("Nothing is set for this community; all defaults apply already."))

    # ------------------------------------------------------------------ modules
    @command("config module", N_("Switch a module on or off for this community, or list them"),
             options=[opt.choice("name", (), N_("The module")),  # the registered modules, see `customise`
                      opt.choice("state", ("on", "off"), N_("on or off"))],
             level=Level.MODERATOR)
    async def switch_module(self, ctx: Context, name: str | None = None, state: str | None = None) -> None:
        # Not named `module`: that would hide `Cog.module`, the switchable module a cog belongs to (config has none).
        if name is None or state is None:
            config = await self.services.config.get(ctx.community.id)
            await ctx.reply(modules_view(config.community.disabled_modules, ctx._), ephemeral=True)
            return
        await self._switch(ctx, name, state)

    @on_component("config:module:{name}:{state}", level=Level.MODERATOR)
    async def module_pressed(self, ctx: Context, name: str, state: str, values: list[str]) -> None:
        if name not in registry.modules() or state not in ("on", "off"):
            raise UserError(N_("This button is no longer active."))
        await self._switch(ctx, name, state)

    async def _switch(self, ctx: Context, name: str, state: str) -> None:
        config = await self.services.config.get(ctx.community.id)
        disabled: list[str] = [m for m in config.community.disabled_modules if m != name]
        if state == "off":
            disabled.append(name)
        changes = await apply_as(ctx, self.editor, set_values={"community.disabled_modules": sorted(disabled)},
                                    action="module")
        if not changes:
            await ctx.reply(ctx._("{module} is already {state}.", module=module_name(name, ctx._),
                                  state=ctx._(state)), ephemeral=True)
            return
        msg = modules_view(disabled, ctx._)
        msg.text = ctx._("{module} is now {state}.", module=module_name(name, ctx._), state=ctx._(state)) + "\n" \
            + msg.text
        await ctx.reply(msg, ephemeral=True)

    # ------------------------------------------------------------------ history
    @command("config history", N_("Who changed which setting, when, from what to what"),
             options=[_key_option(N_("Only this key or section"), required=False, autocomplete="suggest_show"),
                      opt.integer("limit", N_("How many changes (default 20)"), min_value=1, max_value=100)],
             level=Level.MODERATOR)
    async def history(self, ctx: Context, key: str | None = None, limit: int | None = None) -> None:
        wanted = (key or "").strip().lower()
        count = limit or 20
        if not wanted:
            rows = await self.editor.audit.history(ctx.community.id, limit=count)
        elif wanted in sections(self.schema):
            rows = await self.editor.audit.history(ctx.community.id, prefix=wanted + ".", limit=count)
        else:
            spec = self.spec(wanted)
            wanted = spec.key
            rows = await self.editor.audit.history(ctx.community.id, key=spec.key, limit=count)
        await ctx.reply(history_view(rows, self.schema, ctx._, wanted), ephemeral=True)

    # ------------------------------------------------------------------ export / import
    @command("config export", N_("Download this community's settings as a TOML file"), level=Level.MODERATOR)
    async def export(self, ctx: Context) -> None:
        overrides = await self.editor.overrides(ctx.community.id)
        header = [
            ctx._("Kindred settings of {community}", community=ctx.community.name or ctx.community.external_id),
            ctx._("Only what differs from config.toml. Load it with /config import."),
        ]
        text = export_toml(overrides, self.schema, header)
        name = _FILE_SAFE.sub("-", f"kindred-{ctx.community.platform}-{ctx.community.external_id}")[:80] + ".toml"
        summary = ctx._n("{count} setting is set for this community.",
                          "{count} settings are set for this community.", len(overrides), count=len(overrides))
        if ctx.supports(Capability.FILES):
            msg = Message(text=summary, files=[Attachment(name, text.encode("utf-8"), "Kindred settings")])
        else:
            msg = Message(text=f"{summary}\n```toml\n{text}```")
        await ctx.reply(msg, ephemeral=True)

    @command("config import", N_("Load settings from TOML text (as written by /config export)"),
             options=[opt.choice("mode", ("merge", "replace"),
                                 N_("merge: change only the keys in the file; replace: reset all others"),
                                 default="merge")],
             level=Level.MODERATOR)
    async def import_(self, ctx: Context, mode: str = "merge") -> None:
        if not ctx.supports(Capability.FORMS):
            raise UserError(N_("Importing needs a form, which this platform cannot show."))
        await ctx.open_form(Form(f"config:import:{mode}", ctx._("Import settings (TOML)"), (
            FormField("toml", ctx._("TOML settings"), FieldStyle.PARAGRAPH, required=True,
                      placeholder='[matching]\nhour = 10', max_length=4000),
        )))

    @on_form("config:import:{mode}", level=Level.MODERATOR)
    async def import_submitted(self, ctx: Context, mode: str, values: dict[str, str]) -> None:
        if mode not in ("merge", "replace"):
            raise UserError(N_("This form is no longer active."))
        data, problems = parse_import(values.get("toml", "") or "", self.schema)
        if not problems:
            try:
                data = await check_in_community(ctx, data, self.schema)
            except ValueRefused as exc:
                problems = [exc]
        if problems:
            lines = [f"• {_prefixed(p.key, explain(p, ctx._))}" for p in problems[:MAX_PROBLEMS]]
            if len(problems) > MAX_PROBLEMS:
                lines.append(ctx._("… and {count} more.", count=len(problems) - MAX_PROBLEMS))
            await ctx.reply(Message(title=ctx._("Nothing was imported"), text="\n".join(lines)), ephemeral=True)
            return
        current = await self.editor.overrides(ctx.community.id)
        resets = [k for k in current if k not in data and k in self.schema] if mode == "replace" else []
        require_level(ctx, [self.schema[k] for k in [*data, *resets]])
        if resets:  # a replace that resets settings is shown first and applied only when confirmed
            try:
                changes, _after = await self.editor.preview(ctx.community.id, data, resets)
            except ValueRefused as exc:
                raise refused(exc, ctx) from None
            draft_id = await self.drafts.save(ctx.community.id, ctx.member.id,
                                              {IMPORT_DRAFT: {"set": data, "reset": resets}}, self.services.clock())
            await ctx.reply(replace_question(ctx, changes, self.schema, draft_id), ephemeral=True)
            return
        changes = await apply_as(ctx, self.editor, set_values=data, reset_keys=resets, action="import")
        await report(ctx, changes, self.schema, ctx._("The file matches the current settings. Nothing was changed."))

    @on_component("config:import:apply:{draft_id}", level=Level.MODERATOR)
    async def import_confirmed(self, ctx: Context, draft_id: str, values: list[str]) -> None:
        """Apply exactly what the question showed (the keys it named), then forget the draft."""
        draft = await self.drafts.get(ctx.community.id, int(draft_id)) if _is_id(draft_id) else None
        pending = draft.values.get(IMPORT_DRAFT) if draft is not None else None
        if not isinstance(pending, dict):
            raise UserError(N_("This import is no longer available. Import the file again."))
        data, resets = dict(pending.get("set") or {}), [k for k in pending.get("reset") or [] if k in self.schema]
        changes = await apply_as(ctx, self.editor, set_values=data, reset_keys=resets, action="import")
        await self.drafts.delete(ctx.community.id, int(draft_id))
        await report(ctx, changes, self.schema, ctx._("The file matches the current settings. Nothing was changed."))

    @on_component("config:import:cancel:{draft_id}", level=Level.MODERATOR)
    async def import_cancelled(self, ctx: Context, draft_id: str, values: list[str]) -> None:
        if _is_id(draft_id):
            await self.drafts.delete(ctx.community.id, int(draft_id))
        await ctx.reply(ctx._("Import cancelled. Nothing was changed."), ephemeral=True)

    # ------------------------------------------------------------------ owner
    @command("config system", N_("Bot-wide facts: storage, platforms, communities (bot owner)"),
             level=Level.OWNER)
    async def system(self, ctx: Context) -> None:
        s = self.services.settings
        communities = await self.services.communities.all()
        platforms = [name for name, section in (("discord", s.discord), ("slack", s.slack)) if section.configured]
        lines = [
            ctx._("Storage: {dialect}", dialect=self.services.store.dialect),
            ctx._("Platforms: {platforms}", platforms=", ".join(platforms) or "-"),
            ctx._("Communities: {count}", count=len(communities)),
            ctx._("Log level: {level}", level=s.logging.level),
            ctx._("Owners: {count}", count=len(s.owners)),
        ]
        await ctx.reply(Message(title=ctx._("Kindred system"), text="\n".join(lines)), ephemeral=True)

    # ------------------------------------------------------------------ privacy
    async def forget_member(self, community_id: int, member_id: int) -> None:
        await self.editor.audit.forget_member(community_id, member_id)

    # ------------------------------------------------------------------ autocomplete
    async def suggest_keys(self, ac: Autocomplete) -> list[str]:
        return suggest_keys(ac.current, schema=self.schema)

    async def suggest_show(self, ac: Autocomplete) -> list[str]:
        return suggest_keys(ac.current, extra=tuple(sections(self.schema)), schema=self.schema)

    async def suggest_reset(self, ac: Autocomplete) -> list[str]:
        return suggest_keys(ac.current, extra=(*sections(self.schema), "all"), schema=self.schema)

    async def suggest_values(self, ac: Autocomplete) -> list[str]:
        """Values the chosen key allows (never the community's current values: autocomplete has no level check)."""
        spec = find_key(str(ac.options.get("key") or ""), self.schema)
        if spec is None:
            return []
        cur = ac.current.strip().lower()
        match spec.kind:
            case Kind.BOOL:
                pool = ["true", "false"]
            case Kind.CHOICE:
                pool = list(spec.choices)
            case Kind.TIMEZONE:
                pool = [z for lo, z in timezones().items() if cur in lo][:25]
            case Kind.LIST if spec.choices:
                head, _, last = ac.current.rpartition(",")
                prefix = head + ", " if head else ""
                return [prefix + c for c in spec.choices if c.startswith(last.strip().lower())][:25]
            case Kind.INT if spec.minimum is not None and spec.maximum is not None and spec.maximum - spec.minimum < 25:
                pool = [str(i) for i in range(int(spec.minimum), int(spec.maximum) + 1)]
            case _:
                pool = [format_value(spec, spec.default)] if spec.default not in ("", [], {}) else []
        starts = [p for p in pool if p.lower().startswith(cur)]
        return [*starts, *(p for p in pool if cur in p.lower() and p not in starts)][:25]


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 12


def _prefixed(key: str, text: str) -> str:
    """Name the key in front of a problem, unless the text already does."""
    return text if key in text else f"{key}: {text}"
