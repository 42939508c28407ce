"""/help lists what the caller may use, so members never see moderator commands they cannot run.

Commands are named as the caller's platform shows them: on Discord a group's moderator subcommands sit under a
command of their own (`/match-admin preview`, see core/affordances.py).

The list depends only on the platform, the language, the caller's level and the modules switched off, and the
command tree does not change while the bot runs: each combination is rendered once and kept (a burst of `/help`
after a big announcement then costs a lookup each, not a translated line per command).
"""

from __future__ import annotations

from core.affordances import shown_path
from core.commands import Cog, command
from core.context import Capability, Context
from core.dispatcher import App
from core.i18n import N_
from core.messages import Message
from core.permissions import Level


class Help(Cog):
    name = "help"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self._rendered: dict[tuple[str, Level, frozenset[str], bool], tuple[str, str]] = {}

    @command("help", N_("Show the commands you can use here"), stored_member=False)
    async def help(self, ctx: Context) -> None:
        config = await self.services.config.get(ctx.community.id)
        level = ctx.level if ctx.level is not None else Level.MEMBER
        split = ctx.supports(Capability.MODERATOR_COMMANDS)
        key = (ctx.locale, level, frozenset(config.community.disabled_modules), split)
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = self._rendered[key] = self._render(ctx, level, key[2], split)
        title, text = rendered
        await ctx.reply(Message(title=title, text=text), ephemeral=True)

    def _render(self, ctx: Context, level: Level, disabled: frozenset[str], split: bool) -> tuple[str, str]:
        lines = []
        shown = sorted(((" ".join(shown_path(self.app.tree, c, split=split)), c) for c in self.app.tree.all()),
                       key=lambda named: named[0])
        for name, cmd in shown:
            if cmd.spec.level > level:
                continue
            if cmd.cog.module and cmd.cog.module in disabled:
                continue
            args = " ".join(f"[{o.name}]" if not o.required else f"<{o.name}>" for o in cmd.spec.options[:4])
            if len(cmd.spec.options) > 4:
                args += " …"
            lines.append(f"/{name} {args}".rstrip() + f" — {ctx._(cmd.spec.description)}")
        return ctx._("Kindred commands"), "\n".join(lines)
