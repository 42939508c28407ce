"""Cross-platform identity: `/link start|confirm|show|remove`, and `/link suggest` for moderators.

A person runs `/link start` on one platform and `/link confirm CODE` on the other; from then on both accounts are
one person in every metric of their communities' linked group. Accounts are only ever linked inside one linked
group (see cogs/engagement/link_groups.py): a community that no moderator joined with another shares nothing.
Accounts that merely look alike (same username or display name) are only *suggested* to moderators, and a
moderator's "same person" only asks each account's owner by direct message: nothing is linked before both
confirm, a decline ends it, and an unanswered request expires.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from cogs.engagement.codes import TTL, AttemptLimiter, code_hash, new_code, normalise_code
from cogs.engagement.store.identity import Account, IdentityRepo, LinkRefused
from cogs.engagement.store.link_requests import LinkRequest, LinkRequestRepo
from core import options as opt
from core.commands import Cog, command, on_component
from core.context import Context, Messenger
from core.dispatcher import App
from core.errors import DeliveryFailed, DMClosed, NotFound, UserError
from core.i18n import N_, gettext
from core.messages import Button, ButtonStyle, Field, Message
from core.permissions import Level
from core.refs import MemberRef

log = logging.getLogger(__name__)

SUGGESTIONS_SHOWN = 5
REQUEST_TTL = timedelta(days=7)

REFUSED = {
    "same_account": N_("This code was made by this same account. Use it on your other platform."),
    "same_community": N_("One person has one account per community, and one of these accounts is already linked "
                         "with another account in the same community. Unlink it first with /link remove."),
    "not_joined": N_("These two communities are not joined, so their accounts can't be linked. A moderator of each "
                     "community must join them first: /link communities start on one side, /link communities "
                     "confirm on the other."),
}
CLOSED = {
    "linked": N_("These accounts are already linked."),
    "declined": N_("This request was declined, so nothing was linked."),
}
NOT_OPEN = N_("This request is no longer open: it expired, or the communities are no longer joined.")


def describe(account: Account) -> str:
    name = account.display_name or account.username or account.user_id
    where = account.community_name or str(account.community_id)
    return f"{name} ({account.platform}: {where})"


class Links(Cog):
    name = "links"
    module = "engagement"
    groups = {"link": N_("Link your accounts on different platforms into one person")}

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.identity = IdentityRepo(self.services.store)
        self.requests = LinkRequestRepo(self.services.store)
        self.limiter = AttemptLimiter()

    # ------------------------------------------------------------------ member commands
    @command("link start", N_("Get a one-time code to link this account with your account on another platform"))
    async def start(self, ctx: Context) -> None:
        code = new_code()
        await self.identity.put_code(ctx.member.id, ctx.community.id, code_hash(code), self.services.clock() + TTL)
        text = ctx._("Within 15 minutes, run /link confirm {code} with your account on the other platform.",
                     code=code)
        await ctx.reply(Message(title=ctx._("Your link code: {code}", code=code),
                                text=text + "\n" + ctx._("Don't share the code with anyone.")), ephemeral=True)

    @command("link confirm", N_("Confirm a link code from your account on another platform"),
             options=[opt.string("code", N_("The code /link start gave you, e.g. ABCD-EFGH"), required=True,
                                 max_length=40)])
    async def confirm(self, ctx: Context, code: str) -> None:
        if self.limiter.blocked(ctx.member.id):
            raise UserError(N_("Too many wrong codes. Try again in a few minutes."))
        normal = normalise_code(code)
        if normal is None:
            self.limiter.failed(ctx.member.id)
            raise UserError(N_("That is not a link code. Codes look like ABCD-EFGH."))
        found = await self.identity.take_code(code_hash(normal), self.services.clock())
        if found is None:
            self.limiter.failed(ctx.member.id)
            raise UserError(N_("This code is unknown or has expired. Run /link start again on your other account."))
        other_id, other_community = found
        if other_id == ctx.member.id:
            raise UserError(REFUSED["same_account"])
        if other_community == ctx.community.id:
            raise UserError(N_("Both accounts are in this community. Link an account from another platform."))
        try:
            await self.identity.link(ctx.member.id, other_id, via="code", at=self.services.clock())
        except LinkRefused as exc:
            raise UserError(REFUSED[exc.reason]) from None
        accounts = await self.identity.counted_accounts(ctx.member.id)
        await ctx.reply(Message(title=ctx._("Linked"), text=ctx._(
            "These accounts are now one person: {accounts}", accounts="; ".join(describe(a) for a in accounts))),
            ephemeral=True)

    @command("link show", N_("Show the accounts linked with this one"))
    async def show(self, ctx: Context) -> None:
        accounts = await self.identity.person_accounts(ctx.member.id)
        if len(accounts) <= 1:
            await ctx.reply(ctx._("This account is not linked to any other. Use /link start to link one."),
                            ephemeral=True)
            return
        counted = {a.member_id for a in await self.identity.counted_accounts(ctx.member.id)}
        lines = [f"• {describe(a)}" + ("" if a.member_id in counted else " " + ctx._(
            "(not counted together with this account: the communities are not joined)")) for a in accounts]
        await ctx.reply(Message(title=ctx._("Your linked accounts"), text="\n".join(lines)), ephemeral=True)

    @command("link remove", N_("Unlink this account from your other accounts"))
    async def remove(self, ctx: Context) -> None:
        if await self.identity.unlink(ctx.member.id):
            await ctx.reply(ctx._("This account is no longer linked to your other accounts."), ephemeral=True)
        else:
            await ctx.reply(ctx._("This account is not linked to any other."), ephemeral=True)

    # ------------------------------------------------------------------ moderators: suggestions
    @command("link suggest", N_("Accounts in joined communities that look like the same person, to ask them"),
             level=Level.MODERATOR)
    async def suggest(self, ctx: Context) -> None:
        if len(await self.identity.scope(ctx.community.id)) <= 1:
            await ctx.reply(ctx._("This community is not joined with another, so there is nothing to suggest. "
                                  "Join communities first with /link communities start."), ephemeral=True)
            return
        await self.requests.expire(self.services.clock())  # an unanswered request no longer hides its pair
        pairs = await self.identity.look_alikes(ctx.community.id)
        if not pairs:
            await ctx.reply(ctx._("No look-alike accounts to suggest."), ephemeral=True)
            return
        shown = pairs[:SUGGESTIONS_SHOWN]
        accounts = {a.member_id: a for a in await self.identity.accounts(
            member_ids=[m for pair in shown for m in pair])}
        fields, buttons = [], []
        for i, (a, b) in enumerate(shown, start=1):
            if a not in accounts or b not in accounts:
                continue
            fields.append(Field(f"{i}.", f"{describe(accounts[a])} ↔ {describe(accounts[b])}", inline=False))
            buttons.append(Button(ctx._("{n}: same person", n=i), f"link:merge:{a}:{b}", ButtonStyle.SUCCESS))
            buttons.append(Button(ctx._("{n}: different", n=i), f"link:reject:{a}:{b}"))
        text = ctx._("“Same person” asks both account owners to confirm; nothing is linked unless both do. {more}",
                     more=ctx._("{n} more after these.", n=len(pairs) - len(shown)) if len(pairs) > len(shown)
                     else "")
        await ctx.reply(Message(title=ctx._("Possible same people"), text=text.strip(), fields=fields,
                                buttons=buttons), ephemeral=True)

    async def _pair(self, ctx: Context, a: str, b: str) -> tuple[Account, Account]:
        """The account of this community and the one in a joined community that a suggestion button names."""
        try:
            ids = int(a), int(b)
        except ValueError:
            raise UserError(N_("This button is no longer active.")) from None
        found = {x.member_id: x for x in await self.identity.accounts(member_ids=ids)}
        if ids[0] not in found or ids[1] not in found:
            raise NotFound(N_("One of these accounts no longer exists."))
        here, other = found[ids[0]], found[ids[1]]
        if here.community_id != ctx.community.id:
            raise UserError(N_("This button is not for you."))
        if other.community_id == here.community_id or other.community_id not in await self.identity.scope(
                ctx.community.id):
            raise UserError(N_("This community is not joined with that account's community (any more)."))
        if not (here.present and other.present):
            raise NotFound(N_("One of these accounts no longer exists."))
        return here, other

    @on_component("link:merge:{a}:{b}", level=Level.MODERATOR)
    async def merge(self, ctx: Context, a: str, b: str, values: list[str]) -> None:
        here, other = await self._pair(ctx, a, b)
        if here.person_id is not None and here.person_id == other.person_id:
            await ctx.reply(ctx._("{a} and {b} are already one person.", a=describe(here), b=describe(other)),
                            ephemeral=True)
            return
        now = self.services.clock()
        request = await self.requests.create(here.member_id, other.member_id, ctx.community.id, ctx.member.id, now,
                                             now + REQUEST_TTL)
        if request is None:
            raise UserError(N_("A confirmation request for these two accounts is already waiting for their owners."))
        for account, partner in ((here, other), (other, here)):
            problem = await self._ask(ctx, request, account, partner)
            if problem is not None:
                await self.requests.finish(request, "cancelled")
                await ctx.reply(ctx._(problem, who=describe(account)) + " " + ctx._(
                    "Nothing was linked. The owner can link the accounts with /link start and /link confirm."),
                    ephemeral=True)
                return
        await ctx.reply(ctx._n("I asked the owners of {a} and {b} by direct message. Nothing is linked until both "
                               "confirm; the request expires in {days} day.",
                               "I asked the owners of {a} and {b} by direct message. Nothing is linked until both "
                               "confirm; the request expires in {days} days.", REQUEST_TTL.days, a=describe(here),
                               b=describe(other), days=REQUEST_TTL.days), ephemeral=True)

    async def _ask(self, ctx: Context, request: int, account: Account, partner: Account) -> str | None:
        """DM one owner the confirmation request (on their own platform); the problem's message id, or None."""
        community = await self.services.communities.get(account.community_id)
        messenger: Messenger | None = ctx.messenger if account.platform == ctx.platform else None
        if messenger is None:
            try:
                messenger = self.app.messenger(account.platform)
            except LookupError:
                log.info("link request %s: no %s integration is running", request, account.platform)
                return N_("I couldn't reach {who}: Kindred is not connected to that platform right now.")
        if community is None:
            return N_("I couldn't reach {who}: Kindred is not connected to that platform right now.")
        locale = await self.app.locale(community)

        def _(msgid: str, **params: Any) -> str:
            return gettext(locale, msgid, **params)

        mid = account.member_id
        message = Message(
            title=_("Are both of these accounts yours?"),
            text=_("A moderator of {community} thinks that your account {mine} and the account {other} belong to the "
                   "same person.", community=ctx.community.name or ctx.community.external_id,
                   mine=describe(account), other=describe(partner)) + "\n" + _(
                "If both are yours, confirm: once both accounts confirm, they count as one person in the joined "
                "communities. If not, decline and nothing is linked."),
            buttons=[Button(_("Yes, both are mine"), f"link:yes:{request}:{mid}", ButtonStyle.SUCCESS),
                     Button(_("No"), f"link:no:{request}:{mid}")])
        target = MemberRef(account.platform, account.user_id, account.display_name, mid, account.username)
        try:
            await messenger.dm(community, target, message)
        except DMClosed:
            return N_("I couldn't ask {who}: their direct messages are closed.")
        except DeliveryFailed as exc:
            log.info("link request %s: the DM to member %s failed: %s", request, mid, exc.reason)
            return N_("I couldn't reach {who}: the platform refused the direct message.")
        return None

    @on_component("link:reject:{a}:{b}", level=Level.MODERATOR)
    async def reject(self, ctx: Context, a: str, b: str, values: list[str]) -> None:
        here, other = await self._pair(ctx, a, b)
        await self.identity.reject(here.member_id, other.member_id, self.services.clock())
        await ctx.reply(ctx._("Noted: {a} and {b} are different people. I won't suggest them again.",
                              a=describe(here), b=describe(other)), ephemeral=True)

    # ------------------------------------------------------------------ owners: answering a request
    async def _request(self, ctx: Context, request: str, member: str) -> LinkRequest:
        """The request a Yes/No button names, once the presser is shown to be the account it was sent to."""
        if member != str(ctx.member.id):
            raise UserError(N_("This button is not for you."))
        try:
            found = await self.requests.get(int(request))
        except ValueError:
            found = None
        if found is None or ctx.member.id not in (found.member_a, found.member_b):
            raise UserError(N_("This button is no longer active."))
        if found.status != "open":
            raise UserError(CLOSED.get(found.status, NOT_OPEN))
        if found.expires_at <= self.services.clock():
            raise UserError(N_("This request has expired. A moderator can suggest the accounts again."))
        return found

    @on_component("link:yes:{request}:{member}")
    async def confirm_request(self, ctx: Context, request: str, member: str, values: list[str]) -> None:
        found = await self._request(ctx, request, member)
        now = self.services.clock()
        found = await self.requests.confirm(found.id, ctx.member.id, now) or found
        if found.status != "open" or not found.confirmed(ctx.member.id):
            raise UserError(CLOSED.get(found.status, NOT_OPEN))
        if not found.both_confirmed:
            await ctx.reply(ctx._("Thank you. The accounts are linked as soon as the other account confirms too."),
                            ephemeral=True)
            return
        try:
            await self.identity.link(found.member_a, found.member_b, via="suggestion", at=now)
        except LinkRefused as exc:
            await self.requests.finish(found.id, "cancelled")
            raise UserError(REFUSED["not_joined"] if exc.reason == "not_joined" else REFUSED["same_community"]
                            ) from None
        await self.requests.finish(found.id, "linked")
        accounts = await self.identity.counted_accounts(ctx.member.id)
        await ctx.reply(Message(title=ctx._("Linked"), text=ctx._(
            "These accounts are now one person: {accounts}", accounts="; ".join(describe(a) for a in accounts))),
            ephemeral=True)

    @on_component("link:no:{request}:{member}")
    async def decline_request(self, ctx: Context, request: str, member: str, values: list[str]) -> None:
        found = await self._request(ctx, request, member)
        if not await self.requests.finish(found.id, "declined"):
            raise UserError(NOT_OPEN)
        await self.identity.reject(found.member_a, found.member_b, self.services.clock())
        await ctx.reply(ctx._("Nothing was linked, and these two accounts won't be suggested again."),
                        ephemeral=True)

    async def forget_member(self, community_id: int, member_id: int) -> None:
        await self.identity.forget(member_id)
