"""/help lists what the caller may use, so members never see moderator commands they cannot run.

`/help` alone is short: a few commands to start with, then one line per feature naming its subcommands; `/help
match` (a feature, or a command such as `match find`) shows that feature's commands with their options. A 60-line
alphabetical wall is what people stop reading.

Commands are named as the caller's platform shows them: on Discord a group's moderator subcommands sit under a
command of their own (`/match-admin preview`, see core/affordances.py), which `/help match-admin` also finds.

The list depends only on the platform's naming, the language, the caller's level, the modules switched off and the
topic, and the command tree does not change while the bot runs: each combination is rendered once and kept (a
burst of `/help` after a big announcement then costs a lookup each, not a translated line per command).
"""

from __future__ import annotations

from core import options as opt
from core.affordances import neutral_path, shown_path
from core.commands import Cog, command
from core.context import Capability, Context
from core.dispatcher import App, Command
from core.errors import UserError
from core.i18n import N_
from core.messages import Field, Message
from core.permissions import Level

# What a newcomer tries first, then what a moderator sets up first (each shown only when it exists and may be used).
START_HERE = ("profile edit", "match join", "match find", "mentor request", "privacy show",
              "setup", "config show", "stats overview")
MAX_ARGS = 4

Key = tuple[str, Level, frozenset[str], str, bool]


class Help(Cog):
    name = "help"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self._rendered: dict[Key, Message] = {}

    @command("help", N_("Show the commands you can use here"), stored_member=False,
             options=[opt.string("topic", N_("A feature or command to show in detail, e.g. match"),
                                 max_length=60)])
    async def help(self, ctx: Context, topic: str | None = None) -> None:
        config = await self.services.config.get(ctx.community.id)
        level = ctx.level if ctx.level is not None else Level.MEMBER
        wanted = " ".join(neutral_path(self.app.tree, (topic or "").lower().lstrip("/").split()))
        split = ctx.supports(Capability.MODERATOR_COMMANDS)
        key = (ctx.locale, level, frozenset(config.community.disabled_modules), wanted, split)
        rendered = self._rendered.get(key)
        if rendered is None:
            usable = self._usable(level, key[2])
            rendered = self._detail(ctx, usable, wanted, split) if wanted else self._overview(ctx, usable, split)
            self._rendered[key] = rendered
        await ctx.reply(rendered, ephemeral=True)

    def _usable(self, level: Level, disabled: frozenset[str]) -> list[Command]:
        return [cmd for cmd in sorted(self.app.tree.all(), key=lambda c: c.name)
                if cmd.spec.level <= level and not (cmd.cog.module and cmd.cog.module in disabled)]

    def _shown(self, cmd: Command, split: bool) -> tuple[str, ...]:
        return shown_path(self.app.tree, cmd, split=split)

    def _line(self, ctx: Context, cmd: Command, split: bool) -> str:
        args = " ".join(f"[{o.name}]" if not o.required else f"<{o.name}>" for o in cmd.spec.options[:MAX_ARGS])
        if len(cmd.spec.options) > MAX_ARGS:
            args += " …"
        return f"/{' '.join(self._shown(cmd, split))} {args}".rstrip() + f" — {ctx._(cmd.spec.description)}"

    def _overview(self, ctx: Context, usable: list[Command], split: bool) -> Message:
        by_name = {cmd.name: cmd for cmd in usable}
        start = [self._line(ctx, by_name[name], split) for name in START_HERE if name in by_name]
        fields = [Field(ctx._("Start here"), "\n".join(start), inline=False)] if start else []
        features: list[str] = []
        shown = [(self._shown(cmd, split), cmd) for cmd in usable if len(cmd.spec.path) == 2]
        for top in sorted({path[0] for path, _cmd in shown}):
            group = self.app.tree.groups[next(cmd for path, cmd in shown if path[0] == top).spec.path[0]]
            subs = [path[1] for path, _cmd in shown if path[0] == top]
            about = f" — {ctx._(group.description)}" if group.description else ""
            features.append(f"/{top} {' · '.join(subs)}{about}")
        features += [self._line(ctx, cmd, split) for cmd in usable if " " not in cmd.name]
        fields.append(Field(ctx._("Everything, by feature"), "\n".join(features), inline=False))
        return Message(title=ctx._("Kindred commands"), fields=fields,
                       text=ctx._("Details of a feature: /help match (or any other name below)."))

    def _detail(self, ctx: Context, usable: list[Command], wanted: str, split: bool) -> Message:
        head = wanted.partition(" ")[0]
        shown = [cmd for cmd in usable if cmd.name == wanted or cmd.name.partition(" ")[0] == head]
        if wanted != head:  # a command such as "match find": that one alone when it exists
            shown = [cmd for cmd in shown if cmd.name == wanted] or shown
        if not shown:
            raise UserError(N_("I know no command “{topic}” you can use here. /help lists them."), topic=wanted[:60])
        group = self.app.tree.groups.get(head)
        title = f"/{head}" + (f" — {ctx._(group.description)}" if group and group.description else "")
        return Message(title=title, text="\n".join(self._line(ctx, cmd, split) for cmd in shown))
