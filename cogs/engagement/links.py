"""Cross-platform identity: `/link start|confirm|show|remove`, and `/link suggest` for moderators.

A person runs `/link start` on one platform and `/link confirm CODE` on the other; from then on both accounts are
one person in every metric. Accounts that merely look alike (same username or display name on two platforms)
are only ever *suggested* to moderators; nothing merges without a confirmation.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from cogs.engagement.codes import TTL, code_hash, new_code, normalise_code
from core import options as opt
from core.commands import Cog, command, on_component
from core.context import Context
from core.errors import NotFound, UserError
from core.i18n import N_
from core.messages import Button, ButtonStyle, Field, Message
from core.permissions import Level
from storage.engagement_identity import Account, IdentityRepo

MAX_FAILURES = 5
FAILURE_WINDOW = 600.0  # seconds
SUGGESTIONS_SHOWN = 5


def describe(account: Account) -> str:
    name = account.display_name or account.username or account.user_id
    where = account.community_name or str(account.community_id)
    return f"{name} ({account.platform}: {where})"


class Links(Cog):
    name = "links"
    module = "engagement"
    groups = {"link": N_("Link your accounts on different platforms into one person")}

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.identity = IdentityRepo(self.services.store)
        self._failures: dict[int, deque[float]] = {}

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
        self._check_attempts(ctx.member.id)
        normal = normalise_code(code)
        if normal is None:
            self._failed(ctx.member.id)
            raise UserError(N_("That is not a link code. Codes look like ABCD-EFGH."))
        found = await self.identity.take_code(code_hash(normal), self.services.clock())
        if found is None:
            self._failed(ctx.member.id)
            raise UserError(N_("This code is unknown or has expired. Run /link start again on your other account."))
        other_id, other_community = found
        if other_id == ctx.member.id:
            raise UserError(N_("This code was made by this same account. Use it on your other platform."))
        if other_community == ctx.community.id:
            raise UserError(N_("Both accounts are in this community. Link an account from another platform."))
        await self.identity.link(ctx.member.id, other_id, via="code", at=self.services.clock())
        accounts = await self.identity.person_accounts(ctx.member.id)
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
        await ctx.reply(Message(title=ctx._("Your linked accounts"),
                                text="\n".join(f"• {describe(a)}" for a in accounts)), ephemeral=True)

    @command("link remove", N_("Unlink this account from your other accounts"))
    async def remove(self, ctx: Context) -> None:
        if await self.identity.unlink(ctx.member.id):
            await ctx.reply(ctx._("This account is no longer linked to your other accounts."), ephemeral=True)
        else:
            await ctx.reply(ctx._("This account is not linked to any other."), ephemeral=True)

    def _check_attempts(self, member_id: int) -> None:
        q = self._failures.get(member_id)
        if not q:
            return
        now = time.monotonic()
        while q and now - q[0] > FAILURE_WINDOW:
            q.popleft()
        if len(q) >= MAX_FAILURES:
            raise UserError(N_("Too many wrong codes. Try again in a few minutes."))

    def _failed(self, member_id: int) -> None:
        self._failures.setdefault(member_id, deque(maxlen=MAX_FAILURES)).append(time.monotonic())

    # ------------------------------------------------------------------ moderators: merge suggestions
    @command("link suggest", N_("Accounts on other platforms that look like the same person, to confirm"),
             level=Level.MODERATOR)
    async def suggest(self, ctx: Context) -> None:
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
        text = ctx._("Nothing is merged until you confirm. {more}",
                     more=ctx._("{n} more after these.", n=len(pairs) - len(shown)) if len(pairs) > len(shown)
                     else "")
        await ctx.reply(Message(title=ctx._("Possible same people"), text=text.strip(), fields=fields,
                                buttons=buttons), ephemeral=True)

    async def _pair(self, ctx: Context, a: str, b: str) -> tuple[Account, Account]:
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
        return here, other

    @on_component("link:merge:{a}:{b}", level=Level.MODERATOR)
    async def merge(self, ctx: Context, a: str, b: str, values: list[str]) -> None:
        here, other = await self._pair(ctx, a, b)
        await self.identity.link(here.member_id, other.member_id, via="moderator", at=self.services.clock())
        await ctx.reply(ctx._("Linked: {a} and {b} are now one person.", a=describe(here), b=describe(other)),
                        ephemeral=True)

    @on_component("link:reject:{a}:{b}", level=Level.MODERATOR)
    async def reject(self, ctx: Context, a: str, b: str, values: list[str]) -> None:
        here, other = await self._pair(ctx, a, b)
        await self.identity.reject(here.member_id, other.member_id, self.services.clock())
        await ctx.reply(ctx._("Noted: {a} and {b} are different people. I won't suggest them again.",
                              a=describe(here), b=describe(other)), ephemeral=True)

    async def forget_member(self, community_id: int, member_id: int) -> None:
        await self.identity.forget(member_id)
