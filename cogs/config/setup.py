"""/setup: a guided first run for moderators, ending in a summary and a dry run before anything is switched on.

Answers (from a form, or from the command's options where forms are not available) become a draft; the summary
shows each setting now → after, the previews of matching and welcome run against the proposed settings, and only
"Switch on" applies the draft. The draft is stored (not kept in memory), so the buttons survive a restart; it is
always looked up together with the caller's community, so one community's buttons cannot touch another's.

The previews are the `/match preview` and `/welcome preview` commands when those features are installed. They are
called with `ctx.proposed` set to the proposed settings; a preview that reads its settings from there shows exactly
what would happen after "Switch on".
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from cogs.config.editor import ConfigEditor
from cogs.config.render import change_lines, modules_view
from cogs.config.replies import apply_as, changes_message, refused, require_level
from cogs.config.schema import community_schema
from cogs.config.setup_logic import answers_to_values, proposed_modules, schedule_text
from cogs.config.store.drafts import DraftRepo
from cogs.config.values import ValueRefused, explain, format_value
from core import options as opt
from core.commands import Cog, command, on_component, on_form
from core.context import Capability, Context
from core.dispatcher import App
from core.errors import UserError
from core.i18n import LANGUAGES, N_, gettext
from core.messages import Button, ButtonStyle, Form, FormField, Message
from core.options import parse_options
from core.permissions import Level
from core.refs import ChannelRef, RoleRef
from core.settings import CommunityConfig, registry

log = logging.getLogger(__name__)

PREVIEWS = (("match", "preview"), ("welcome", "preview"))


class SetupCog(Cog):
    name = "setup"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.editor = ConfigEditor.of(self.services)
        self.drafts = DraftRepo(self.services.store)
        self.schema = community_schema()

    @command("setup", N_("Guided first run: language, moderators, intros, schedule, welcome"),
             options=[
                 opt.choice("language", LANGUAGES, N_("Language of the bot's messages")),
                 opt.role("moderator_roles", N_("Roles or user groups that moderate Kindred (comma-separated)"),
                          multiple=True),
                 opt.channel("intro_channel", N_("Channel for intro threads (- for none)")),
                 opt.string("schedule", N_("Matching schedule, e.g. weekly mon 9 Europe/Berlin"), max_length=100),
                 opt.boolean("welcome", N_("Greet newcomers")),
             ],
             level=Level.MODERATOR)
    async def start(self, ctx: Context, language: str | None = None, moderator_roles: list[RoleRef] | None = None,
                    intro_channel: ChannelRef | None = None, schedule: str | None = None,
                    welcome: bool | None = None) -> None:
        # Discord's pickers give ids, typed text names or ids: the settings take either
        roles = ",".join(r.role_id for r in moderator_roles) if moderator_roles is not None else None
        answers = {"language": language, "moderator_roles": roles,
                   "intro_channel": intro_channel.channel_id if intro_channel is not None else None,
                   "schedule": schedule, "welcome": welcome}
        if all(v is None for v in answers.values()):
            if ctx.supports(Capability.FORMS):
                await ctx.open_form(await self._form(ctx))
                return
            raise UserError(N_("Give the settings as options, e.g. /setup language:de schedule:weekly mon 9 "
                               "Europe/Berlin welcome:yes"))
        await self._propose(ctx, answers)

    async def _form(self, ctx: Context) -> Form:
        c = await self.services.config.get(ctx.community.id)
        m = c.matching
        roles = format_value(self.schema["community.moderator_roles"], c.community.moderator_roles)
        return Form("setup:form", ctx._("Set up Kindred"), (
            FormField("language", ctx._("Language (en or de)"), default=c.community.language, required=True,
                      max_length=5),
            FormField("moderator_roles", ctx._("Moderator roles or groups (comma-separated)"), default=roles,
                      placeholder=ctx._("e.g. moderators, community-team"), max_length=1000),
            FormField("intro_channel", ctx._("Channel for intro threads (id)"), default=c.community.intro_channel,
                      max_length=100),
            FormField("schedule", ctx._("Matching schedule"), default=schedule_text(m.cadence, m.day, m.hour,
                                                                                      m.timezone),
                      placeholder="weekly mon 9 Europe/Berlin", required=True, max_length=100),
            FormField("welcome", ctx._("Greet newcomers? (yes or no)"), default="yes" if c.welcome.enabled else "no",
                      required=True, max_length=5),
        ))

    @on_form("setup:form", level=Level.MODERATOR)
    async def form_submitted(self, ctx: Context, values: dict[str, str]) -> None:
        await self._propose(ctx, {k: values.get(k) for k in ("language", "moderator_roles", "intro_channel",
                                                              "schedule", "welcome")})

    # ------------------------------------------------------------------ summary and dry run
    async def _propose(self, ctx: Context, answers: dict[str, Any]) -> None:
        values, problems = answers_to_values(answers, self.schema)
        if problems:
            lines = [explain(p, ctx._) for p in problems]
            await ctx.reply(Message(title=ctx._("Setup: please check"),
                                    text="\n".join([*lines, ctx._("Nothing was changed.")]), refused=True,
                                    field_errors={p.field: line for p, line in zip(problems, lines, strict=True)
                                                  if p.field}), ephemeral=True)
            return
        config = await self.services.config.get(ctx.community.id)
        values["community.disabled_modules"] = proposed_modules(config.community.disabled_modules,
                                                                values.get("welcome.enabled"), registry.modules())
        require_level(ctx, [self.schema[k] for k in values])
        try:
            changes, proposed = await self.editor.preview(ctx.community.id, values)
        except ValueRefused as exc:
            raise refused(exc, ctx) from None
        draft_id = await self.drafts.save(ctx.community.id, ctx.member.id, values, self.services.clock())
        lines = change_lines(changes, self.schema, ctx._) or [ctx._("The settings already match your answers.")]
        m = proposed.matching
        await ctx.reply(Message(
            title=ctx._("Setup: summary"),
            text="\n".join([
                *lines,
                ctx._("Matching: {cadence} on {day} at {hour}:00 ({timezone}).", cadence=m.cadence, day=m.day,
                      hour=m.hour, timezone=m.timezone),
                ctx._("Greeting newcomers: {state}.", state=ctx._("on") if proposed.welcome.enabled else ctx._("off")),
                ctx._("Nothing is switched on until you press “Switch on”. A dry run follows."),
            ]),
            buttons=[
                Button(ctx._("Switch on"), f"setup:apply:{draft_id}", ButtonStyle.SUCCESS),
                Button(ctx._("Dry run again"), f"setup:dry:{draft_id}", ButtonStyle.SECONDARY),
                Button(ctx._("Cancel"), f"setup:cancel:{draft_id}", ButtonStyle.DANGER),
            ],
        ), ephemeral=True)
        await self.dry_run(ctx, proposed)

    async def dry_run(self, ctx: Context, proposed: CommunityConfig) -> list[str]:
        """Run the installed previews with the proposed settings; says which ran and which are not available.
        Module switches are deliberately not checked: the point is to look before switching on."""
        ran: list[str] = []
        missing: list[str] = []
        failed: list[str] = []
        off: list[str] = []
        for path in PREVIEWS:
            name = "/" + " ".join(path)
            cmd = self.app.find(path)
            if cmd is None or (ctx.level is not None and ctx.level < cmd.spec.level):
                missing.append(name)
                continue
            if cmd.cog.module and cmd.cog.module in proposed.community.disabled_modules:
                off.append(name)  # a greeting preview for a community that will not greet misleads
                continue
            sub = replace(ctx, locale=proposed.community.language, community_locale=proposed.community.language,
                          proposed=proposed)
            try:
                await cmd.handler(sub, **await parse_options(cmd.spec.options, None))
                ran.append(name)
            except UserError as exc:
                await ctx.reply(f"{name}: {gettext(ctx.locale, exc.msgid, **exc.params)}", ephemeral=True)
                failed.append(name)
            except Exception:
                log.exception("dry run of %s failed in community %s", name, ctx.community.id)
                await ctx.reply(ctx._("{command} could not run; it has been logged.", command=name), ephemeral=True)
                failed.append(name)
        lines = []
        if ran:
            lines.append(ctx._("Dry run done: {commands}. Nothing was sent to members.", commands=", ".join(ran)))
        if failed:
            lines.append(ctx._("No preview from: {commands}.", commands=", ".join(failed)))
        if off:
            lines.append(ctx._("Switched off, so no preview: {commands}.", commands=", ".join(off)))
        if missing:
            lines.append(ctx._("Not installed here, so no preview: {commands}.", commands=", ".join(missing)))
        await ctx.reply("\n".join(lines), ephemeral=True)
        return ran

    async def _draft(self, ctx: Context, draft_id: str) -> dict[str, Any]:
        draft = await self.drafts.get(ctx.community.id, int(draft_id)) if _is_id(draft_id) else None
        if draft is None or any(key not in self.schema for key in draft.values):  # not a setup draft
            raise UserError(N_("This setup is no longer available. Start again with /setup."))
        return draft.values

    @on_component("setup:dry:{draft_id}", level=Level.MODERATOR)
    async def dry_pressed(self, ctx: Context, draft_id: str, values: list[str]) -> None:
        draft = await self._draft(ctx, draft_id)
        try:
            _changes, proposed = await self.editor.preview(ctx.community.id, draft)
        except ValueRefused as exc:
            raise refused(exc, ctx) from None
        await self.dry_run(ctx, proposed)

    @on_component("setup:apply:{draft_id}", level=Level.MODERATOR)
    async def apply_pressed(self, ctx: Context, draft_id: str, values: list[str]) -> None:
        draft = await self._draft(ctx, draft_id)
        changes = await apply_as(ctx, self.editor, set_values=draft, action="setup")
        await self.drafts.delete(ctx.community.id, int(draft_id))
        title = ctx._("Kindred is set up")
        msg = changes_message(ctx, changes, self.schema, title) if changes else Message(
            title=title, text=ctx._("The settings already matched; nothing needed to change."))
        await ctx.reply(msg, ephemeral=True)
        config = await self.services.config.get(ctx.community.id)
        panel = modules_view(config.community.disabled_modules, ctx._)
        panel.text = ctx._("Every module can be switched on or off here, or later with /config module.") + "\n" \
            + panel.text
        await ctx.reply(panel, ephemeral=True)

    @on_component("setup:cancel:{draft_id}", level=Level.MODERATOR)
    async def cancel_pressed(self, ctx: Context, draft_id: str, values: list[str]) -> None:
        if _is_id(draft_id):
            await self.drafts.delete(ctx.community.id, int(draft_id))
        await ctx.reply(ctx._("Setup cancelled. Nothing was changed."), ephemeral=True)

    async def forget_member(self, community_id: int, member_id: int) -> None:
        await self.drafts.forget_member(community_id, member_id)


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 12
