"""Applying a change on behalf of the person in `ctx` and telling them what happened (shared by /config and
/setup), including the refusal for keys above their level."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cogs.config.editor import Change, ConfigEditor
from cogs.config.render import change_lines
from cogs.config.schema import KeySpec
from cogs.config.values import ValueRefused, explain
from core.context import Context
from core.errors import PermissionDenied, UserError
from core.i18n import N_
from core.messages import Button, ButtonStyle, Message
from core.permissions import Level, level_name


def require_level(ctx: Context, specs: Iterable[KeySpec]) -> None:
    """Some keys need more than a moderator (process-wide knobs): refuse them by name."""
    level = ctx.level if ctx.level is not None else Level.MEMBER
    for spec in specs:
        if level < spec.level:
            raise PermissionDenied(N_("Only a {level} can change {key}. Your level here: {yours}."),
                                   level=level_name(spec.level), key=spec.key, yours=level_name(level))


def refused(exc: ValueRefused, ctx: Context) -> UserError:
    """The refusal as the person reads it: what is wrong, what is allowed, that nothing changed."""
    return UserError(N_("{problem} Nothing was changed."), problem=explain(exc, ctx._))


async def apply_as(ctx: Context, editor: ConfigEditor, *, set_values: Mapping[str, Any] | None = None,
                   reset_keys: Iterable[str] = (), action: str) -> list[Change]:
    """Apply for `ctx.member` in `ctx.community` (never any other community)."""
    require_level(ctx, [editor.schema[k] for k in [*(set_values or {}), *reset_keys] if k in editor.schema])
    try:
        changes = await editor.apply(ctx.community.id, set_values=set_values, reset_keys=reset_keys,
                                     who=ctx.member, action=action)
    except ValueRefused as exc:
        raise refused(exc, ctx) from None
    for change in changes:
        if change.key == "community.language" and isinstance(change.new, str):
            ctx.locale = change.new  # answer in the language just chosen
    return changes


def changes_message(ctx: Context, changes: list[Change], schema: Mapping[str, KeySpec], title: str) -> Message:
    lines = change_lines(changes, schema, ctx._)
    return Message(title=title, text="\n".join([*lines, ctx._("In effect now.")]))


async def report(ctx: Context, changes: list[Change], schema: Mapping[str, KeySpec], nothing: str) -> None:
    if not changes:
        await ctx.reply(nothing, ephemeral=True)
        return
    await ctx.reply(changes_message(ctx, changes, schema, ctx._("Settings changed")), ephemeral=True)


IMPORT_DRAFT = "config.import"
"""The one key of a stored replace-import draft (never a settings key, so /setup's buttons refuse such a draft)."""


def replace_question(ctx: Context, changes: list[Change], schema: Mapping[str, KeySpec], draft_id: int) -> Message:
    """What a replace-import would do, the resets first, with buttons to go ahead or cancel."""
    resets = [c for c in changes if c.reset]
    lines = [ctx._n("Importing with mode:replace returns {count} setting to its default:",
                    "Importing with mode:replace returns {count} settings to the defaults:", len(resets),
                    count=len(resets))]
    lines += change_lines(resets, schema, ctx._)
    if len(resets) < len(changes):
        lines.append(ctx._("and sets:"))
        lines += change_lines([c for c in changes if not c.reset], schema, ctx._)
    return Message(title=ctx._("Replace the settings?"), text="\n".join(lines), buttons=[
        Button(ctx._("Yes, replace"), f"config:import:apply:{draft_id}", ButtonStyle.DANGER),
        Button(ctx._("Cancel"), f"config:import:cancel:{draft_id}"),
    ])
