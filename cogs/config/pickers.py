"""/config channel and /config role: settings that name a channel or roles, set by picking one.

`/config set` takes any setting as text, which on Discord means copying a channel's or role's id. Settings whose
model marks them as a channel or a list of roles (core/settings/hints.py: CHANNEL, ROLES) can instead be set here
with Discord's channel and role pickers; on Slack and in the console the same commands take a mention, a name or
an id. The keys offered are read from those marks, so a new channel or roles setting is offered without an edit
here. The value then goes through the same checks, audit and answer as `/config set`.
"""

from __future__ import annotations

from cogs.config.community_checks import check_in_community
from cogs.config.editor import ConfigEditor, value_of
from cogs.config.replies import apply_as, refused, report, require_level
from cogs.config.schema import KeySpec, community_schema
from cogs.config.values import ValueRefused, check_value, format_value
from core import options as opt
from core.commands import Cog, CommandSpec, command
from core.context import Context
from core.dispatcher import App
from core.errors import NotFound
from core.i18n import N_
from core.permissions import Level
from core.refs import ChannelRef, RoleRef
from core.settings.hints import Shape

NONE = "-"


class ConfigPickers(Cog):
    name = "config-pickers"
    groups = {"config": N_("Configure Kindred for this community (moderators)")}

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.editor = ConfigEditor.of(self.services)
        self.schema = community_schema()

    def keys(self, shape: Shape) -> tuple[str, ...]:
        """The settings the models mark with `shape`."""
        return tuple(k for k, s in self.schema.items() if s.hint.shape is shape)

    def customise(self, spec: CommandSpec) -> CommandSpec:
        """The `key` choices are the settings marked as a channel (or roles), known once every feature is found."""
        shape = {"config channel": Shape.CHANNEL, "config role": Shape.ROLES}.get(spec.name)
        if shape is None:
            return spec
        return spec.with_options([o.with_(choices=self.keys(shape)) if o.name == "key" else o for o in spec.options])

    def spec(self, key: str, shape: Shape) -> KeySpec:
        spec = self.schema.get(key)
        if spec is None or spec.hint.shape is not shape:
            raise NotFound(N_("{key} does not name a channel or roles. Type /config show to see the keys."),
                           key=key[:60])
        return spec

    async def _set(self, ctx: Context, spec: KeySpec, value: object) -> None:
        require_level(ctx, [spec])
        try:
            new = (await check_in_community(ctx, {spec.key: check_value(spec, value)}, self.schema))[spec.key]
        except ValueRefused as exc:
            raise refused(exc, ctx) from None
        changes = await apply_as(ctx, self.editor, set_values={spec.key: new}, action="set")
        config = await self.services.config.get(ctx.community.id)
        shown_now = format_value(spec, value_of(config, spec.key)) or ctx._("(empty)")
        await report(ctx, changes, self.schema, ctx._("{key} is already {value}. Nothing was changed.",
                                                      key=spec.key, value=shown_now[:200]))

    @command("config channel", N_("Set a setting that names a channel by picking the channel"),
             options=[opt.choice("key", (), N_("The setting, e.g. community.intro_channel"), required=True),
                      opt.channel("channel", N_("The channel (- for none where you type it)"), required=True)],
             level=Level.MODERATOR)
    async def set_channel(self, ctx: Context, key: str, channel: ChannelRef) -> None:
        await self._set(ctx, self.spec(key, Shape.CHANNEL), channel.channel_id or NONE)

    @command("config role", N_("Add a role to a setting that lists roles, or take it out"),
             options=[opt.choice("key", (), N_("The setting, e.g. community.moderator_roles"), required=True),
                      opt.role("role", N_("The role (or user group)"), required=True),
                      opt.boolean("remove", N_("Take the role out instead of adding it"))],
             level=Level.MODERATOR)
    async def set_role(self, ctx: Context, key: str, role: RoleRef, remove: bool | None = None) -> None:
        spec = self.spec(key, Shape.ROLES)
        config = await self.services.config.get(ctx.community.id)
        current = [str(r) for r in value_of(config, spec.key) or []]
        wanted = {role.role_id.lower(), role.name.lower()} - {""}
        if remove:
            kept = [r for r in current if r.lower() not in wanted]
            if len(kept) == len(current):
                raise NotFound(N_("{role} is not in {key}. Nothing was changed."),
                               role=role.name or role.role_id, key=spec.key)
            await self._set(ctx, spec, kept)
            return
        if any(r.lower() in wanted for r in current):
            await self._set(ctx, spec, current)  # answers "already ..."
            return
        await self._set(ctx, spec, [*current, role.role_id])
