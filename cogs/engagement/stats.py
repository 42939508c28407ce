"""Answers for moderators (`/stats ...`, `/segment ...`) and for each member (`/stats me`)."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

from cogs.engagement.analytics import Analytics
from cogs.engagement.api import recorder
from cogs.engagement.charts import number, render_chart
from cogs.engagement.metrics import activity_label, percent
from cogs.engagement.report_data import headline
from cogs.engagement.report_page import HEADLINE, fmt_change, fmt_value
from cogs.engagement.segments import SEGMENTS, segment_id
from core import options as opt
from core.commands import Cog, command
from core.context import Capability, Context
from core.dispatcher import App
from core.errors import UserError
from core.i18n import N_
from core.messages import Attachment, Field, Message
from core.permissions import Level
from core.refs import MemberRef

PERIODS = {"week": 7, "month": 30, "quarter": 90, "year": 365}
CHART_METRICS = ("active", "messages", "members", "joins", "leaves", "thanks", "reactions")
PLATFORMS = ("discord", "slack", "console")
MAX_LISTED = 25

# Chart titles and level words, declared here so that they are extracted for translation.
CHART_TITLES = {
    "active": N_("Active people per day"),
    "messages": N_("Messages per day"),
    "members": N_("Members"),
    "joins": N_("New members per day"),
    "leaves": N_("Members who left, per day"),
    "thanks": N_("Thanks per day"),
    "reactions": N_("Reactions per day"),
}
BAR_METRICS = ("joins", "leaves")


def chart_summary(metric: str, series: list[tuple[str, float]], _: Any, locale: str = "en") -> str:
    """The one number a chart is read for, in words: the count now, the daily average or the period total."""
    if not series:
        return ""
    if metric == "members":
        return _("{n} now", n=number(series[-1][1], locale))
    if metric == "active":
        return _("{n} a day on average", n=number(sum(v for _d, v in series) / len(series), locale))
    return _("{n} in total", n=number(sum(v for _d, v in series), locale))


LEVEL_WORDS = {"quiet": N_("quiet"), "occasional": N_("occasional"), "active": N_("active"),
               "very active": N_("very active")}
PERIOD_OPTION = opt.choice("period", tuple(PERIODS), N_("Time span (default: month)"), default="month")


class Stats(Cog):
    name = "stats"
    module = "engagement"
    groups = {"stats": N_("Community numbers: activity, superusers, retention"),
              "segment": N_("Ready-made member segments to list and export")}

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.analytics = Analytics(self.services.store, self.services.config)

    async def _fresh(self) -> None:
        """Write queued events first, so that answers include what just happened."""
        rec = recorder(self.services)
        if rec is not None:
            await rec.flush(within=3.0)

    # ------------------------------------------------------------------ overview
    @command("stats overview", N_("Members, newcomers, active people, messages, match and meeting rates"),
             options=[PERIOD_OPTION], level=Level.MODERATOR)
    async def overview(self, ctx: Context, period: str = "month") -> None:
        await self._fresh()
        days = PERIODS[period]
        stats = await headline(self.analytics, ctx.community.id, days, self.services.clock())
        units = {"matched": ctx._("members"), "newcomers_matched": ctx._("newcomers"), "met": ctx._("answers"),
                 "again": ctx._("ratings")}
        fields = []
        for key, stat in stats.items():
            label, note = HEADLINE[key]
            change = fmt_change(stat, ctx.locale, ctx._, days)
            value = fmt_value(stat, ctx.locale, ctx._, units.get(key, ""))
            fields.append(Field(ctx._(label), f"{value} · {ctx._(note)}" + (f"\n{change}" if change else "")))
        title = ctx._n("{community}: the last {days} day", "{community}: the last {days} days", days,
                       community=ctx.community.name or ctx.community.id, days=days)
        if (await self.services.config.get(ctx.community.id)).engagement.exclude_staff:
            note = ctx._("People are counted once across linked accounts; staff and bots are left out.")
        else:
            note = ctx._("People are counted once across linked accounts; staff and bots are counted too.")
        await ctx.reply(Message(title=title, text=note, fields=fields), ephemeral=True)

    # ------------------------------------------------------------------ superusers
    @command("stats top", N_("Superusers per platform, by helpfulness (thanks received) or activity"),
             options=[opt.choice("platform", PLATFORMS, N_("Only this platform")),
                      opt.choice("by", ("helpfulness", "activity"), N_("Rank by (default: helpfulness)"),
                                 default="helpfulness")],
             level=Level.MODERATOR)
    async def top(self, ctx: Context, platform: str | None = None, by: str = "helpfulness") -> None:
        await self._fresh()
        ranked = await self.analytics.top(ctx.community.id, self.services.clock(), platform=platform, by=by)
        fields = []
        for plat, rows in ranked.items():
            if by == "helpfulness":
                lines = [ctx._n("{rank}. {name}: {n} thank-you", "{rank}. {name}: {n} thanks", r.thanks,
                                rank=i + 1, name=r.name)
                         for i, r in enumerate(rows)]
            else:
                lines = [ctx._("{rank}. {name}: score {score}", rank=i + 1, name=r.name, score=r.score)
                         for i, r in enumerate(rows)]
            fields.append(Field(plat, "\n".join(lines) or ctx._("Nobody yet."), inline=False))
        title = ctx._("Top helpers (last 90 days)") if by == "helpfulness" else ctx._("Most active (last 90 days)")
        if not fields:
            await ctx.reply(Message(title=title, text=ctx._("Nobody yet.")), ephemeral=True)
            return
        await ctx.reply(Message(title=title, fields=fields), ephemeral=True)

    # ------------------------------------------------------------------ me
    @command("stats me", N_("Your own numbers: messages, thanks, matches, activity level"))
    async def me(self, ctx: Context) -> None:
        await self._fresh()
        t = await self.analytics.me(ctx.member.id, ctx.community.id, self.services.clock())
        c, r = t.counts, t.received

        def n(d: dict[str, int], k: str) -> str:
            return str(d.get(k, 0))

        fields = [
            Field(ctx._("Messages"), n(c, "message")),
            Field(ctx._("Reactions"), n(c, "reaction")),
            Field(ctx._("Thanks given"), n(c, "thanks")),
            Field(ctx._("Thanks received"), n(r, "thanks")),
            Field(ctx._("Matches"), n(c, "matched")),
            Field(ctx._("Meetings"), n(c, "met")),
            Field(ctx._("Active days (last 30)"), str(t.active_days_30)),
            Field(ctx._("Activity level"), ctx._(LEVEL_WORDS[activity_label(t.level, t.active_days_30)])),
        ]
        await ctx.reply(Message(title=ctx._("Your numbers"), fields=fields,
                                text=ctx._("Only you can see this. /privacy show lists everything stored.")),
                        ephemeral=True)

    # ------------------------------------------------------------------ CRM segments
    @command("stats segments", N_("Active vs passive members vs people not in the community (from the CRM)"),
             options=[opt.string("attribute", N_("Compare by this CRM attribute, e.g. plan"), max_length=40,
                                 autocomplete="suggest_attribute")],
             level=Level.MODERATOR, long_running=True)
    async def segments(self, ctx: Context, attribute: str | None = None) -> None:
        await self._fresh()
        attribute = attribute.strip().lower() if attribute else None
        counts, names, total = await self.analytics.crm_segments(ctx.community.id, attribute,
                                                                 self.services.clock())
        if total == 0:
            raise UserError(N_("No CRM data yet. Import it with: uv run bot.py import-members crm.csv --key email"))
        if attribute and attribute not in names:
            raise UserError(N_("There is no CRM attribute “{name}”. Known: {known}."), name=attribute[:40],
                            known=", ".join(names) or "-")
        fields = [Field(group[:80], ctx._("active {a} · passive {p} · not in the community {o}", a=c.active,
                                          p=c.passive, o=c.outside), inline=False)
                  for group, c in list(counts.items())[:MAX_LISTED]]
        title = ctx._("CRM people by {attribute}", attribute=attribute) if attribute else ctx._("CRM people")
        text = ctx._("Active: active in the last 30 days. Attributes: {names}.", names=", ".join(names) or "-")
        await ctx.reply(Message(title=title, text=text, fields=fields), ephemeral=True)

    async def suggest_attribute(self, ac: Any) -> list[str]:
        _counts, names, _total = await self.analytics.crm_segments(ac.community.id, None, self.services.clock())
        return [n for n in names if n.startswith(ac.current.lower())]

    async def suggest_segment(self, ac: Any) -> list[str]:
        """The segment ids (what every platform accepts), those containing what was typed first."""
        typed = ac.current.strip().lower().replace(" ", "_")
        return sorted(SEGMENTS, key=lambda seg: typed not in seg)

    # ------------------------------------------------------------------ retention
    @command("stats retention", N_("30/60/90-day retention of newcomers who were matched or had a buddy vs not"),
             level=Level.MODERATOR, long_running=True)
    async def retention(self, ctx: Context) -> None:
        await self._fresh()
        rows = await self.analytics.retention(ctx.community.id, self.services.clock())
        fields = [Field(ctx._n("{days} day", "{days} days", r.horizon, days=r.horizon),
                        ctx._("matched or buddy: {a} of {an} ({ar}) · others: {b} of {bn} ({br})",
                              a=r.supported_retained, an=r.supported, ar=percent(r.supported_rate),
                              b=r.others_retained, bn=r.others, br=percent(r.others_rate)), inline=False)
                  for r in rows]
        text = ctx._("Retained: still here and active on day N or later. Newcomers of the last year.")
        await ctx.reply(Message(title=ctx._("Newcomer retention"), text=text, fields=fields), ephemeral=True)

    # ------------------------------------------------------------------ charts
    @command("stats chart", N_("A chart as a picture: active people, messages, members, joins, thanks"),
             options=[opt.choice("metric", CHART_METRICS, N_("What to draw"), required=True), PERIOD_OPTION],
             level=Level.MODERATOR, long_running=True)
    async def chart(self, ctx: Context, metric: str, period: str = "month") -> None:
        if not ctx.supports(Capability.FILES):
            raise UserError(N_("I can't send files here."))
        await self._fresh()
        days = PERIODS[period]
        series = await self.analytics.series(ctx.community.id, metric, days, self.services.clock())
        title = ctx._(CHART_TITLES[metric])
        subtitle = ctx._n("{community}, last {days} day", "{community}, last {days} days", days,
                          community=ctx.community.name or ctx.community.id, days=days)
        png = await asyncio.to_thread(render_chart, series, title=title, subtitle=subtitle,
                                      summary=chart_summary(metric, series, ctx._, ctx.locale),
                                      bars=metric in BAR_METRICS, locale=ctx.locale)
        await ctx.reply(Message(title=title, files=[Attachment(f"{metric}-{period}.png", png, title)]),
                        ephemeral=True)

    # ------------------------------------------------------------------ staff
    @command("stats staff", N_("Tag a member as staff (left out of community metrics) or untag them"),
             options=[opt.member("member", N_("Who"), required=True),
                      opt.boolean("staff", N_("yes: staff, no: community member (default yes)"), default=True)],
             level=Level.MODERATOR)
    async def staff(self, ctx: Context, member: MemberRef, staff: bool = True) -> None:
        await self.services.members.set_staff(member.id, staff)
        if staff:
            await ctx.reply(ctx._("{name} is tagged as staff and left out of community metrics.",
                                  name=member.display_name), ephemeral=True)
        else:
            await ctx.reply(ctx._("{name} counts as a community member again.", name=member.display_name),
                            ephemeral=True)

    # ------------------------------------------------------------------ ready-made segments
    @command("segment list", N_("The ready-made segments and how many members are in each"),
             level=Level.MODERATOR, long_running=True)
    async def segment_list(self, ctx: Context) -> None:
        await self._fresh()
        now = self.services.clock()
        fields = []
        for name, description in SEGMENTS.items():
            found = await self.analytics.segment(ctx.community.id, name, now)
            fields.append(Field(f"{name} ({len(found)})", ctx._(description), inline=False))
        await ctx.reply(Message(title=ctx._("Segments"), fields=fields,
                                text=ctx._("Show one with /segment show name:at_risk (file:yes for a CSV).")),
                        ephemeral=True)

    @command("segment show", N_("List the members of a segment, or get them as a CSV file"),
             options=[opt.string("name", N_("Which segment, e.g. at_risk or newcomers at risk"), required=True,
                                 max_length=60, autocomplete="suggest_segment"),
                      opt.boolean("file", N_("Send a CSV file (default: list)"), default=False)],
             level=Level.MODERATOR, long_running=True)
    async def segment_show(self, ctx: Context, name: str, file: bool = False) -> None:
        found_id = segment_id(name, ctx._)
        if found_id is None:
            names = ", ".join(f"{seg} ({ctx._(d).partition(':')[0]})" for seg, d in SEGMENTS.items())
            raise UserError(N_("There is no segment “{name}”. Choose one of: {names}."), name=name[:60], names=names)
        name = found_id
        await self._fresh()
        found = await self.analytics.segment(ctx.community.id, name, self.services.clock())
        title = ctx._(SEGMENTS[name])
        if file:
            if not ctx.supports(Capability.FILES):
                raise UserError(N_("I can't send files here."))
            buf = io.StringIO()
            w = csv.writer(buf)
            w.writerow(["member_id", "platform", "user_id", "username", "display_name", "detail"])
            for a, detail in found:
                w.writerow([a.member_id, a.platform, a.user_id, a.username, a.display_name, detail])
            data = buf.getvalue().encode("utf-8")
            await ctx.reply(Message(title=title, text=ctx._n("{n} member.", "{n} members.", len(found)),
                                    files=[Attachment(f"segment-{name}.csv", data)]), ephemeral=True)
            return
        if not found:
            await ctx.reply(Message(title=title, text=ctx._("Nobody in this segment right now.")), ephemeral=True)
            return
        lines = [f"• {a.display_name or a.username or a.user_id} ({detail})" for a, detail in found[:MAX_LISTED]]
        if len(found) > MAX_LISTED:
            lines.append(ctx._("… and {n} more (file:yes sends all).", n=len(found) - MAX_LISTED))
        await ctx.reply(Message(title=title, text="\n".join(lines)), ephemeral=True)
