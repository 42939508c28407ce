"""`/link communities start|confirm|show|leave`: moderators join communities into one linked group, or leave it.

Communities share nothing by default. Only when a moderator of each agrees (a one-time code made on one side and
used on the other) do they become one linked group: then people who link their accounts there count once across
the group, and `/link suggest` may propose look-alike accounts across it. Either side can leave at any time; the
links between its accounts and accounts elsewhere are then undone. Who joined or left, and when, is kept.
"""

from __future__ import annotations

from cogs.engagement.codes import TTL, AttemptLimiter, code_hash, new_code, normalise_code
from cogs.engagement.store.groups import GroupCommunity, GroupError, GroupRepo
from core import options as opt
from core.commands import Cog, command, on_component
from core.context import Context
from core.dispatcher import App
from core.errors import UserError
from core.i18n import N_
from core.messages import Button, ButtonStyle, Message
from core.permissions import Level

ACTIONS = ("show", "start", "confirm", "leave")
JOIN_REFUSED = {
    "same": N_("This code was made in this community. A moderator of the other community must use it there."),
    "already": N_("These communities are already joined."),
    "other_group": N_("Both communities are already in other linked groups. One of them must leave its group first "
                      "(/link communities leave)."),
}


def _where(c: GroupCommunity) -> str:
    return f"{c.name or c.community_id} ({c.platform})"


class LinkGroups(Cog):
    name = "link_groups"
    module = "engagement"
    groups = {"link": N_("Link your accounts on different platforms into one person")}

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.groups_repo = GroupRepo(self.services.store)
        self.limiter = AttemptLimiter()

    @command("link communities", N_("Join this community with another one (a moderator of each agrees), or leave"),
             options=[opt.choice("action", ACTIONS, N_("show, start (get a code), confirm (use a code) or leave"),
                                 default="show"),
                      opt.string("code", N_("For confirm: the code a moderator of the other community got"),
                                 max_length=40)],
             level=Level.MODERATOR)
    async def communities(self, ctx: Context, action: str = "show", code: str | None = None) -> None:
        if action == "start":
            await self._start(ctx)
        elif action == "confirm":
            await self._confirm(ctx, code)
        elif action == "leave":
            await self._ask_leave(ctx)
        else:
            await self._show(ctx)

    async def _start(self, ctx: Context) -> None:
        code = new_code()
        await self.groups_repo.put_code(ctx.community.id, ctx.member.id, code_hash(code), self.services.clock() + TTL)
        text = ctx._("Within 15 minutes, a moderator of the other community runs /link communities confirm {code} "
                     "there.", code=code) + "\n" + ctx._(
            "Once joined, people who link their accounts count once across both communities, and /link suggest "
            "can propose look-alike accounts across them. Nobody's accounts are linked without their own "
            "confirmation.") + "\n" + ctx._("Give the code only to that moderator.")
        await ctx.reply(Message(title=ctx._("Code to join communities: {code}", code=code), text=text),
                        ephemeral=True)

    async def _confirm(self, ctx: Context, code: str | None) -> None:
        if not code:
            raise UserError(N_("Give the code a moderator of the other community got: /link communities confirm "
                               "ABCD-EFGH."))
        if self.limiter.blocked(ctx.member.id):
            raise UserError(N_("Too many wrong codes. Try again in a few minutes."))
        normal = normalise_code(code)
        if normal is None:
            self.limiter.failed(ctx.member.id)
            raise UserError(N_("That is not a code. Codes look like ABCD-EFGH."))
        now = self.services.clock()
        found = await self.groups_repo.take_code(code_hash(normal), now)
        if found is None:
            self.limiter.failed(ctx.member.id)
            raise UserError(N_("This code is unknown or has expired. A moderator of the other community can run "
                               "/link communities start again."))
        started, started_by = found
        try:
            await self.groups_repo.join(started, started_by, ctx.community.id, ctx.member.id, now)
        except GroupError as exc:
            raise UserError(JOIN_REFUSED[exc.reason]) from None
        names = ", ".join(_where(c) for c in await self.groups_repo.communities(ctx.community.id))
        await ctx.reply(Message(title=ctx._("Communities joined"), text=ctx._(
            "These communities are now one linked group: {names}.", names=names) + "\n" + ctx._(
            "People who link their accounts now count once across them. /link communities leave undoes it.")),
            ephemeral=True)

    async def _show(self, ctx: Context) -> None:
        found = await self.groups_repo.communities(ctx.community.id)
        if not found:
            await ctx.reply(ctx._("This community is not joined with any other: nothing is shared or counted "
                                  "across communities. /link communities start begins joining one."), ephemeral=True)
            return
        lines = []
        for c in found:
            line = f"• {_where(c)}, " + ctx._("joined {day}", day=c.joined_at.strftime("%Y-%m-%d"))
            if c.community_id == ctx.community.id and c.member_id is not None:
                who = await self.services.members.get(c.member_id)
                if who is not None and who.display_name:
                    line += " " + ctx._("by {name}", name=who.display_name)
            lines.append(line)
        await ctx.reply(Message(title=ctx._("Linked group of this community"), text="\n".join(lines) + "\n" + ctx._(
            "People who linked their accounts count once across these communities.")), ephemeral=True)

    async def _ask_leave(self, ctx: Context) -> None:
        if await self.groups_repo.group_of(ctx.community.id) is None:
            raise UserError(N_("This community is not in a linked group."))
        cid = ctx.community.id
        await ctx.reply(Message(
            title=ctx._("Leave the linked group?"),
            text=ctx._("From then on people here are counted in this community alone, and every link between an "
                       "account here and an account in another community is undone. Members can link again if "
                       "the communities are joined again."),
            buttons=[Button(ctx._("Leave the group"), f"link:leave:{cid}", ButtonStyle.DANGER),
                     Button(ctx._("Cancel"), f"link:stay:{cid}")]), ephemeral=True)

    @on_component("link:stay:{community}", level=Level.MODERATOR)
    async def stay(self, ctx: Context, community: str, values: list[str]) -> None:
        await ctx.reply(ctx._("Nothing changed."), ephemeral=True)

    @on_component("link:leave:{community}", level=Level.MODERATOR)
    async def leave(self, ctx: Context, community: str, values: list[str]) -> None:
        if community != str(ctx.community.id):
            raise UserError(N_("This button is not for you."))
        if not await self.groups_repo.leave(ctx.community.id, ctx.member.id, self.services.clock()):
            raise UserError(N_("This community is not in a linked group."))
        await ctx.reply(ctx._("This community has left its linked group. Nothing is shared or counted across "
                              "communities any more."), ephemeral=True)
