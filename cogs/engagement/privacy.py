"""Each member's control over their data: `/privacy show|export|forget|optout|optin`.

Not part of a switchable module: a community that turns the engagement log off must still let people see,
export and erase what is stored. `forget` erases the person everywhere, on every linked account, by calling
every cog's `forget_member` hook and then deleting the account rows; aggregate counts stay, identities go.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from functools import partial
from typing import Any

from cogs.engagement.api import recorder
from cogs.engagement.cog import _anonymised, forget_crm
from cogs.engagement.crm import AccountId, match_records
from cogs.engagement.kinds import LABELS, Kind
from cogs.engagement.store.crm import CrmRepo
from cogs.engagement.store.events import EventRepo
from cogs.engagement.store.identity import Account, IdentityRepo
from core.commands import Cog, command, on_component
from core.context import Capability, Context
from core.dispatcher import App
from core.errors import DMClosed, UserError
from core.i18n import N_
from core.interfaces import PersonalData
from core.messages import Attachment, Button, ButtonStyle, Field, Message

log = logging.getLogger(__name__)


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


_KINDS = frozenset(k.value for k in Kind)


def _event_counts(ctx: Context, counts: dict[str, int]) -> str:
    """"31 commands, 1 completed profile": each kind by its translated name, the most frequent first."""
    parts = []
    for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        label = LABELS.get(Kind(kind)) if kind in _KINDS else None
        parts.append(ctx._(label, n=n) if label else f"{kind} {n}")  # a kind from a newer version: as stored
    return ", ".join(parts) or ctx._("none")


SECTION_LABELS = {"matching": N_("intro rounds"), "mentoring": N_("mentoring"), "collab": N_("collaboration"),
                  "welcome": N_("onboarding"), "config": N_("settings changes")}


def record_count(part: dict[str, Any]) -> int:
    """How many records one feature's part of the export holds: each list item, each single record."""
    return sum(len(v) if isinstance(v, list) else int(v is not None) for v in part.values())


def _feature_counts(ctx: Context, features: dict[str, dict[str, dict[str, Any]]]) -> str:
    """"intro rounds 7, collaboration 2": the records of each feature that stores any, by its translated name."""
    parts = []
    for section, by_account in features.items():
        n = sum(record_count(part) for part in by_account.values())
        if n:
            label = SECTION_LABELS.get(section)
            parts.append(f"{ctx._(label) if label else section} {n}")
    return ", ".join(parts) or ctx._("none")


class Privacy(Cog):
    name = "privacy"
    groups = {"privacy": N_("What Kindred stores about you, and your choices")}

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.identity = IdentityRepo(self.services.store)
        self.events = EventRepo(self.services.store)
        self.crm = CrmRepo(self.services.store)

    async def _accounts(self, ctx: Context) -> list[Account]:
        return await self.identity.person_accounts(ctx.member.id) or []

    async def _crm_of(self, accounts: list[Account]) -> list[dict[str, str]]:
        records = await self.crm.all()
        matches = match_records(records, [AccountId(a.member_id, a.platform, a.user_id, a.username)
                                          for a in accounts])
        return [records[i].attributes for i in sorted(matches)]

    # ------------------------------------------------------------------ show
    @command("privacy show", N_("What is stored about you"))
    async def show(self, ctx: Context) -> None:
        rec = recorder(self.services)
        if rec is not None:
            await rec.flush(within=3.0)
        accounts = await self._accounts(ctx)
        ids = [a.member_id for a in accounts]
        own = await self.events.kind_counts_of(ids)
        about = await self.events.received_counts_of(ids)
        facets = 0
        for a in accounts:
            prof = await self.services.profiles.get(a.member_id)
            facets += sum(len(v) for v in prof.facets.values()) if prof else 0
        cfg = (await self.services.config.get(ctx.community.id)).engagement
        opted_out = await self.identity.is_opted_out(ctx.member.id)
        crm = await self._crm_of(accounts)
        fields = [
            Field(ctx._("Accounts"), "\n".join(f"{a.platform}: {a.display_name or a.username}" for a in accounts),
                  inline=False),
            Field(ctx._("Profile values"), str(facets)),
            Field(ctx._("Events you did"), _event_counts(ctx, own), inline=False),
            Field(ctx._("Events about you"), _event_counts(ctx, about), inline=False),
            Field(ctx._("Message text stored"), ctx._("yes") if cfg.store_message_text else ctx._("no")),
            Field(ctx._("Raw events kept for"), ctx._n("{days} day", "{days} days", cfg.retention_days,
                                                      days=cfg.retention_days)),
            Field(ctx._("Opted out"), ctx._("yes") if opted_out else ctx._("no")),
            Field(ctx._("CRM records"), str(len(crm))),
            Field(ctx._("Records of other features"), _feature_counts(ctx, await self.feature_data(accounts)),
                  inline=False),
        ]
        await ctx.reply(Message(title=ctx._("What Kindred stores about you"), fields=fields, text=ctx._(
            "/privacy export sends it all to you, /privacy forget erases it, /privacy optout stops recording.")),
            ephemeral=True)

    # ------------------------------------------------------------------ export
    async def personal_data(self, ctx: Context) -> dict[str, Any]:
        rec = recorder(self.services)
        if rec is not None:
            await rec.flush(within=3.0)
        accounts = await self._accounts(ctx)
        data: dict[str, Any] = {"exported_at": self.services.clock().isoformat(), "accounts": [], "profiles": {},
                                "events": [], "opted_out": await self.identity.is_opted_out(ctx.member.id),
                                "crm": await self._crm_of(accounts)}
        for a in accounts:
            data["accounts"].append({
                "member_id": a.member_id, "community": a.community_name, "platform": a.platform,
                "user_id": a.user_id, "username": a.username, "display_name": a.display_name,
                "joined_at": a.joined_at, "left_at": a.left_at, "first_seen_at": a.first_seen_at,
                "staff": a.is_staff, "person": a.person_key,
            })
            prof = await self.services.profiles.get(a.member_id)
            if prof is not None:
                data["profiles"][str(a.member_id)] = prof.facets
            data["events"] += await self.events.of_member(a.member_id)
        data["features"] = await self.feature_data(accounts)
        return data

    async def feature_data(self, accounts: list[Account]) -> dict[str, dict[str, dict[str, Any]]]:
        """Every feature's part (`PersonalData` providers: matching, mentoring, collab, welcome, ...): section ->
        account (member id) -> that feature's records. A failing feature is named in its section instead of
        breaking the whole export."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for provider in self.services.all_of(PersonalData):
            section = out.setdefault(provider.section, {})
            for a in accounts:
                try:
                    section[str(a.member_id)] = await provider.personal_data(a.community_id, a.member_id)
                except Exception:
                    log.exception("personal data of %s failed for member %s", provider.section, a.member_id)
                    section[str(a.member_id)] = {"error": "could not be read, please try again later"}
        return out

    @command("privacy export", N_("Get everything stored about you as a file, by direct message"), long_running=True)
    async def export(self, ctx: Context) -> None:
        if not ctx.supports(Capability.FILES):
            raise UserError(N_("I can't send files here."))
        data = await self.personal_data(ctx)
        blob = json.dumps(data, default=_json_default, ensure_ascii=False, indent=1).encode("utf-8")
        file = Attachment("kindred-my-data.json", blob, ctx._("Your data"))
        try:
            await ctx.dm(ctx.member, Message(text=ctx._("Here is everything Kindred stores about you."),
                                             files=[file]))
        except DMClosed:
            await ctx.reply(Message(text=ctx._("Your direct messages are closed, so here it is, visible only to you."),
                                    files=[file]), ephemeral=True)
            return
        await ctx.reply(ctx._("I sent your data to you by direct message."), ephemeral=True)

    # ------------------------------------------------------------------ forget
    @command("privacy forget", N_("Erase everything about you, on every linked account"))
    async def forget(self, ctx: Context) -> None:
        mid = ctx.member.id
        await ctx.reply(Message(
            title=ctx._("Erase everything about you?"),
            text=ctx._("Your accounts, profile, links and your name in the activity log are erased everywhere.")
            + "\n" + ctx._("Counts without names stay. This cannot be undone."),
            buttons=[Button(ctx._("Yes, erase me"), f"privacy:forget:{mid}", ButtonStyle.DANGER),
                     Button(ctx._("Cancel"), f"privacy:keep:{mid}")],
        ), ephemeral=True)

    @on_component("privacy:keep:{member_id}")
    async def keep(self, ctx: Context, member_id: str, values: list[str]) -> None:
        await ctx.reply(ctx._("Nothing was erased."), ephemeral=True)

    @on_component("privacy:forget:{member_id}")
    async def forget_confirmed(self, ctx: Context, member_id: str, values: list[str]) -> None:
        if member_id != str(ctx.member.id):
            raise UserError(N_("This button is not for you."))
        failed = await self.erase(ctx.member.id)
        if failed:
            await ctx.reply(ctx._("Most of your data is erased, but these parts failed: {parts}.",
                                  parts=", ".join(failed)) + " " + ctx._("Please try again later or tell a moderator."),
                            ephemeral=True)
            return
        await ctx.reply(ctx._("Done. Everything about you is erased."), ephemeral=True)

    async def erase(self, member_id: int) -> list[str]:
        """Erase the person behind this account on every linked account; returns the cogs that failed."""
        accounts = await self.identity.person_accounts(member_id)
        rec = recorder(self.services)
        if rec is not None:
            for a in accounts:
                rec.forget(a.member_id)
                rec.writer.rewrite(partial(_anonymised, member_id=a.member_id))
        failed: list[str] = []
        for a in accounts:
            for cog in self.app.cogs:
                try:
                    await cog.forget_member(a.community_id, a.member_id)
                except Exception:
                    log.exception("forget_member of %s failed for member %s", cog.name, a.member_id)
                    failed.append(cog.name)
            try:  # the engagement tables, also when the engagement cogs are not loaded
                await self.events.anonymise(a.member_id)
                await self.identity.forget(a.member_id)
                await forget_crm(self.crm, a.platform, a.user_id, a.username)
                await self.services.profiles.clear(a.member_id)
                await self.identity.erase_member(a.member_id, self.services.clock())
            except Exception:
                log.exception("erasing member %s failed", a.member_id)
                failed.append(self.name)
            forget_cache = getattr(self.app, "forget_cached_member", None)
            if forget_cache is not None:
                forget_cache(a.member_id)
        return sorted(set(failed))

    # ------------------------------------------------------------------ opt-out
    async def _set_optout(self, ctx: Context, on: bool) -> None:
        rec = recorder(self.services)
        for a in await self._accounts(ctx):
            await self.identity.set_optout(a.member_id, a.community_id, on, self.services.clock())
            if rec is not None:
                rec.note_optout(a.community_id, a.member_id, on)

    @command("privacy optout", N_("Stop recording anything about you from now on"))
    async def optout(self, ctx: Context) -> None:
        await self._set_optout(ctx, True)
        more = ctx._("What is stored already stays until you use /privacy forget; /privacy optin undoes this.")
        await ctx.reply(ctx._("From now on nothing about you is recorded.") + " " + more, ephemeral=True)

    @command("privacy optin", N_("Record your activity again (undo /privacy optout)"))
    async def optin(self, ctx: Context) -> None:
        await self._set_optout(ctx, False)
        await ctx.reply(ctx._("Your activity is recorded again."), ephemeral=True)
