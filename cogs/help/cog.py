"""/help lists what the caller may use, so members never see moderator commands they cannot run."""

from __future__ import annotations

from core.commands import Cog, command
from core.context import Context
from core.i18n import N_
from core.messages import Message
from core.permissions import Level


class Help(Cog):
    name = "help"

    @command("help", N_("Show the commands you can use here"))
    async def help(self, ctx: Context) -> None:
        config = await self.services.config.get(ctx.community.id)
        level = ctx.level if ctx.level is not None else Level.MEMBER
        lines = []
        for cmd in sorted(self.app.tree.all(), key=lambda c: c.name):
            if cmd.spec.level > level:
                continue
            if cmd.cog.module and cmd.cog.module in config.community.disabled_modules:
                continue
            args = " ".join(f"[{o.name}]" if not o.required else f"<{o.name}>" for o in cmd.spec.options[:4])
            if len(cmd.spec.options) > 4:
                args += " …"
            lines.append(f"/{cmd.name} {args}".rstrip() + f" — {ctx._(cmd.spec.description)}")
        await ctx.reply(Message(title=ctx._("Kindred commands"), text="\n".join(lines)), ephemeral=True)
