"""/match commands, buttons and the round schedule; the work itself lives in rounds.py and requests.py.

Rounds are weekly jobs per community (`services.jobs`, core/scheduling.py: day, hour, time zone from its
settings, moved at once when a moderator changes them; skipped while the community has matching switched off; of
several processes sharing the store one runs each firing); a maintenance job every minute takes over rounds a
crashed process left and sends the halfway check-ins; at start-up a round missed while the bot was down runs if
it is at most `grace_hours` old.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import datetime, timedelta
from typing import Any

from cogs.matching import messages as msgs
from cogs.matching.engine.learning import insights as learned_insights
from cogs.matching.engine.learning import prior_belief
from cogs.matching.insights import component_words, insights_message, render_insights_chart
from cogs.matching.learner import DEFAULTS
from cogs.matching.requests import Requests
from cogs.matching.rounds import RoundRunner
from cogs.matching.schedule import last_fire, next_fire, period_key
from cogs.matching.store.departures import MatchingDepartures
from cogs.matching.store.personal import MatchingPersonalData
from cogs.matching.store.repo import MatchingRepo
from core import options as opt
from core.commands import Autocomplete, Cog, command, on_component, on_event, user_command
from core.context import Capability, Context
from core.dispatcher import App
from core.errors import UserError
from core.events import IntroRated, MatchFeedback, MemberLeft
from core.i18n import N_
from core.interfaces import PersonalData
from core.messages import Attachment, Button, ButtonStyle, Field, Message
from core.permissions import Level
from core.refs import CommunityRef, MemberRef
from core.scheduling import Cron
from core.settings import CommunityConfig

log = logging.getLogger(__name__)

ROUND_JOB = "match:round"  # one per community: the scheduler's job `match:round:<community id>`
MAINTENANCE_JOB = "match:maintenance"
GROUP_NAME = re.compile(r"^[\w][\w .-]{0,39}$")
MAX_PREVIEW = 25
FIND_OPTIONS = (
    ("topic", N_("A topic they work on, e.g. smart factories")),
    ("role", N_("What they do, e.g. production")),
    ("offers", N_("A skill they offer, e.g. kubernetes")),
    ("wants", N_("Something they want to learn")),
    ("language", N_("A language they speak, e.g. de")),
    ("timezone", N_("Their time zone or region, e.g. Europe/Berlin, Berlin, UTC+1")),
    ("team", N_("Their organisation or team")),
)
FACET_OF = {"topic": "topics", "role": "role", "offers": "offers", "wants": "wants", "language": "languages",
            "timezone": "timezone", "team": "team"}


def clean_group(value: str | None) -> str:
    """"" (the main round) or a short group name, lower-cased; anything else is refused."""
    text = " ".join((value or "").split()).lower()
    if text and not GROUP_NAME.match(text):
        raise UserError(N_("A group name has at most 40 letters, digits, spaces, dots or dashes."))
    return text


class Matching(Cog):
    name = "match"
    module = "matching"
    groups = {"match": N_("Meet other members: intro rounds and finding the right person")}

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.repo = MatchingRepo(self.services.store)
        self.runner = RoundRunner(app, self.repo)
        self.requests = Requests(app, self.repo, self.runner)
        self.departures = MatchingDepartures(self.services.store)
        self.personal = MatchingPersonalData(self.services.store)
        self._startup: asyncio.Task[None] | None = None
        self._resumes: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ lifecycle and schedule
    async def setup(self) -> None:
        self.services.provide_many(PersonalData, self.personal)
        self.services.config.subscribe(self._settings_changed)
        for community_id in await self.repo.communities():
            await self.schedule(community_id)
        self.services.jobs.every(MAINTENANCE_JOB, 60, self.tick)
        self._startup = self.app.spawn(self.catch_up())
        self.app.on_platform_ready(self._platform_ready)

    def _platform_ready(self, platform: str) -> None:
        """A platform (re)connected: finish what a crash left for it (a round, intros, check-ins) at once."""
        task = self.app.spawn(self.tick())
        self._resumes.add(task)
        task.add_done_callback(self._resumes.discard)

    async def ready(self) -> None:
        """Wait for the start-up catch-up and the work resumed when a platform connected (tests and scripts)."""
        if self._startup is not None:
            await self._startup
        while self._resumes:
            await asyncio.gather(*list(self._resumes), return_exceptions=True)

    async def teardown(self) -> None:
        self.services.withdraw_many(PersonalData, self.personal)
        if self._startup is not None and not self._startup.done():
            self._startup.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._startup

    async def _settings_changed(self, community_id: int, keys: set[str]) -> None:
        if any(k.startswith("matching.") for k in keys):
            await self.schedule(community_id)

    async def schedule(self, community_id: int) -> None:
        """(Re)create the community's round job from its settings."""
        m = (await self.services.config.get(community_id)).matching
        self.services.jobs.for_community(
            community_id, ROUND_JOB, Cron(day_of_week=m.day, hour=m.hour, minute=0, timezone=m.timezone),
            self._scheduled_round, module=self.module, once=True, grace=max(60, m.grace_hours * 3600))

    async def _scheduled_round(self, community: CommunityRef) -> None:
        await self._fire(community.id)

    async def _fire(self, community_id: int) -> None:
        try:
            await self.runner.run_due(community_id)
        except Exception as exc:
            if not self.services.store.health.outage(exc, "a scheduled round"):
                log.exception("scheduled round of community %s failed", community_id)

    async def catch_up(self) -> None:
        """Run rounds missed while the bot was down (at most `grace_hours` late), then finish crashed ones."""
        now = self.runner.now()
        for community_id in await self.repo.communities():
            try:
                if not await self.services.jobs.switched_on(community_id, "matching"):
                    continue  # like its scheduled rounds: none while the community has matching off
                m = (await self.services.config.get(community_id)).matching
                fired = last_fire(now, m.day, m.hour, m.timezone)
                if now - fired > timedelta(hours=m.grace_hours):
                    continue
                joined = [p for p in await self.runner.participants(community_id, now) if p.joined_at <= fired]
                if joined:
                    await self.runner.run_due(community_id, fired)
            except Exception as exc:
                if not self.services.store.health.outage(exc, "the catch-up of rounds"):
                    log.exception("catch-up of community %s failed", community_id)
        await self.tick()

    async def tick(self) -> None:
        """Maintenance: take over stale rounds, send due check-ins."""
        try:
            await self.runner.recover()
            await self.runner.send_checkins()
        except Exception as exc:
            if not self.services.store.health.outage(exc, "matching maintenance"):
                log.exception("matching maintenance failed")

    async def forget_member(self, community_id: int, member_id: int) -> None:
        row = await self.services.members.get(member_id)
        if row is not None:  # the delivery ledger names the account (its DMs, the conversations it was in)
            await self.runner.ledger.forget(community_id, row.user_id)
        await self.repo.forget(community_id, member_id)
        await self.runner.learner.rebuild(community_id)  # the belief must not depend on their answers any more

    @on_event(MemberLeft)
    async def member_left(self, event: MemberLeft) -> None:
        """Intro requests to or from a member who left can no longer be answered: they are cancelled. (Rounds
        and suggestions read only present members, so the leaver is out of those without a change here.)"""
        assert event.community is not None
        await self.departures.cancel_requests(event.community.id, event.member.id, self.runner.now())

    # ------------------------------------------------------------------ taking part
    @command("match join", N_("Join the intro rounds"), options=[
        opt.choice("cadence", ["weekly", "biweekly", "monthly"], N_("How often you want an intro")),
        opt.string("group", N_("A separate round to join, e.g. a team or a topic"), max_length=40),
    ])
    async def join(self, ctx: Context, cadence: str | None = None, group: str | None = None) -> None:
        cfg = await self.services.config.get(ctx.community.id)
        grp = clean_group(group)
        cadence = cadence or cfg.matching.cadence
        required = cfg.profiles.required_for_matching
        if required:
            profile = await self.services.profiles.get(ctx.member.id)
            missing = [f for f in required if not (profile and any(v.strip() for v in profile.values(f)))]
            if missing:
                raise UserError(N_("Before you join, please fill in your profile: {facets}. /profile set or "
                                   "/profile edit does it."), facets=", ".join(missing))
        await self.repo.join(ctx.community.id, ctx.member.id, grp, cadence, self.runner.now())
        await self.schedule(ctx.community.id)
        when = await self._next_round_text(ctx)
        label = ctx._(_CADENCES[cadence])
        text = (ctx._("You're in the group “{group}” ({cadence}). Next round: {when}", group=grp, cadence=label,
                      when=when) if grp
                else ctx._("You're in ({cadence}). Next round: {when}", cadence=label, when=when))
        await ctx.reply(text, ephemeral=True)

    @command("match leave", N_("Stop taking part in intro rounds"))
    async def leave(self, ctx: Context) -> None:
        if not await self.repo.set_status(ctx.community.id, ctx.member.id, "left", self.runner.now()):
            raise UserError(N_("You are not taking part in the intro rounds."))
        await ctx.reply(ctx._("You have left the intro rounds. /match join brings you back any time."),
                        ephemeral=True)

    @command("match pause", N_("Skip the intro rounds for a few weeks"), options=[
        opt.integer("weeks", N_("How many weeks to pause (1-52)"), min_value=1, max_value=52, default=1),
    ])
    async def pause(self, ctx: Context, weeks: int = 1) -> None:
        until = self.runner.now() + timedelta(weeks=weeks)
        if not await self.repo.set_status(ctx.community.id, ctx.member.id, "paused", self.runner.now(), until):
            raise UserError(N_("You are not taking part in the intro rounds."))
        cfg = await self.services.config.get(ctx.community.id)
        await ctx.reply(ctx._("Paused until {when}.", when=msgs.when_text(ctx.locale, until, cfg.matching.timezone)),
                        ephemeral=True)

    @command("match status", N_("Your intro rounds: taking part, next round, open requests"))
    async def status(self, ctx: Context) -> None:
        now = self.runner.now()
        cfg = await self.services.config.get(ctx.community.id)
        p = await self.repo.participant(ctx.community.id, ctx.member.id)
        fields = []
        if p is None or p.status == "left":
            state = ctx._("Not taking part. Join with /match join.")
        elif p.status == "paused" and not p.active_at(now):
            assert p.paused_until is not None
            state = ctx._("Paused until {when}.", when=msgs.when_text(ctx.locale, p.paused_until,
                                                                      cfg.matching.timezone))
        else:
            state = ctx._("Taking part ({cadence}).", cadence=ctx._(_CADENCES.get(p.cadence, p.cadence)))
            if p.grp:
                fields.append(Field(ctx._("Group"), p.grp))
            fields.append(Field(ctx._("Next round"), await self._next_round_text(ctx)))
        intros = await self.repo.intros_of(ctx.community.id, ctx.member.id, limit=1)
        if intros:
            fields.append(Field(ctx._("Last intro"), await self._intro_line(ctx, intros[0])))
        since = now - self.requests.window
        received = (await self.repo.open_counts(ctx.community.id, since)).get(ctx.member.id, 0)
        sent = await self.repo.sent_since(ctx.community.id, ctx.member.id, now - timedelta(days=7))
        fields.append(Field(ctx._("Intro requests"), ctx._n(
            "{received} waiting for your answer; {sent} of {limit} sent this week",
            "{received} waiting for your answer; {sent} of {limit} sent this week",
            received, received=received, sent=sent, limit=cfg.matching.requests_per_week)))
        buttons = await self._answer_buttons(ctx, since) if received else []
        await ctx.reply(Message(title=ctx._("Your intro rounds"), text=state, fields=fields, buttons=buttons),
                        ephemeral=True)

    async def _answer_buttons(self, ctx: Context, since: datetime) -> list[Button]:
        """Accept/decline buttons for requests still waiting for the member: the request DM may be long gone
        (or was never seen), and the answer must not depend on finding it."""
        buttons = []
        for req in await self.repo.open_requests_for(ctx.community.id, ctx.member.id, since):
            row = await self.services.members.get(req.requester_id)
            name = msgs.clean_name(row.display_name if row else "?")
            buttons.append(Button(ctx._("Accept {name}", name=name)[:80],
                                  msgs.ACCEPT_ID.format(request_id=req.id), ButtonStyle.SUCCESS))
            buttons.append(Button(ctx._("Decline {name}", name=name)[:80],
                                  msgs.DECLINE_ID.format(request_id=req.id)))
        return buttons

    @command("match history", N_("Your past intros"))
    async def history(self, ctx: Context) -> None:
        intros = await self.repo.intros_of(ctx.community.id, ctx.member.id, limit=10)
        if not intros:
            await ctx.reply(ctx._("No intros yet. Join the rounds with /match join or try /match find."),
                            ephemeral=True)
            return
        lines = [await self._intro_line(ctx, i) for i in intros]
        await ctx.reply(Message(title=ctx._("Your last intros"), text="\n".join(f"• {x}" for x in lines)),
                        ephemeral=True)

    async def _intro_line(self, ctx: Context, intro: Any) -> str:
        cfg = await self.services.config.get(ctx.community.id)
        names = []
        for m in intro.members:
            if m != ctx.member.id:
                row = await self.services.members.get(m)
                names.append(row.display_name if row else "?")
        answer = intro.feedback.get(ctx.member.id, "")
        line = ctx._("{when}: {names}", when=msgs.when_text(ctx.locale, intro.created_at, cfg.matching.timezone),
                     names=msgs.names_line(ctx.locale, names))
        if answer:
            line += " — " + ctx._(_ANSWERS[answer])
        again = intro.again.get(ctx.member.id)  # their own answer: shown to nobody else
        if again is not None:
            line += ", " + (ctx._("you would meet again") if again else ctx._("you would rather not meet again"))
        return line

    @command("match block", N_("Never be paired with this member again (they are not told)"), options=[
        opt.member("member", N_("Who you do not want to meet"), required=True),
    ])
    async def block(self, ctx: Context, member: MemberRef) -> None:
        if member.id == ctx.member.id:
            raise UserError(N_("You cannot block yourself."))
        await self.repo.block(ctx.community.id, ctx.member.id, member.id, self.runner.now())
        await ctx.reply(ctx._("Done. You will not be paired with or suggested to {name}.",
                              name=msgs.clean_name(member.display_name)), ephemeral=True)

    @command("match feedback", N_("Tell us how your last intro went"), options=[
        opt.string("note", N_("Anything you want to add (optional)"), max_length=500),
    ])
    async def feedback(self, ctx: Context, note: str | None = None) -> None:
        intros = await self.repo.intros_of(ctx.community.id, ctx.member.id, limit=1)
        if not intros:
            raise UserError(N_("You have no intro to give feedback on yet."))
        intro = intros[0]
        if note:
            await self.repo.set_feedback(intro.id, ctx.member.id, self.runner.now(), note=note)
        partners = []
        for m in intro.members:
            if m != ctx.member.id:
                row = await self.services.members.get(m)
                partners.append(row.display_name if row else "?")
        message = msgs.checkin_message(ctx.locale, intro.id, partners, mentoring=intro.kind == "mentor")
        if note:
            message.text = ctx._("Thanks, noted.") + "\n" + message.text
        await ctx.reply(message, ephemeral=True)

    @on_component(msgs.MET_ID)
    async def met(self, ctx: Context, intro_id: str, answer: str, values: list[str]) -> None:
        intro = await self.repo.intro(int(intro_id)) if intro_id.isdigit() and len(intro_id) < 12 else None
        if intro is None or answer not in msgs.ANSWERS or intro.community_id != ctx.community.id:
            raise UserError(N_("This button is no longer active."))
        if ctx.member.id not in intro.members:
            raise UserError(N_("This button is not for you."))
        await self.repo.set_feedback(intro.id, ctx.member.id, self.runner.now(), answer=answer)
        partners = [m for m in intro.members if m != ctx.member.id]
        await self.app.emit(MatchFeedback(key=ctx.community.key, community=ctx.community, at=self.runner.now(),
                                          member_id=ctx.member.id, intro=str(intro.id), partners=tuple(partners),
                                          answer=answer))
        if intro.kind == "mentor":
            await ctx.reply(ctx._(_MENTOR_THANKS[answer]), ephemeral=True)
        elif answer == "yes":  # one optional question more, in the same conversation
            names = await self._names(partners)
            await ctx.reply(msgs.again_message(ctx.locale, intro.id, names, ctx._(_THANKS[answer])), ephemeral=True)
        else:
            await ctx.reply(ctx._(_THANKS[answer]), ephemeral=True)

    @on_component(msgs.AGAIN_ID)
    async def again(self, ctx: Context, intro_id: str, answer: str, values: list[str]) -> None:
        """"Would you meet again?": stored on the member's own "we met" answer (one per intro and member; a
        second press changes it), seen by nobody but them; moderators see it only counted in /match insights."""
        intro = await self.repo.intro(int(intro_id)) if intro_id.isdigit() and len(intro_id) < 12 else None
        if intro is None or answer not in msgs.AGAIN_ANSWERS or intro.community_id != ctx.community.id:
            raise UserError(N_("This button is no longer active."))
        if ctx.member.id not in intro.members:
            raise UserError(N_("This button is not for you."))
        if answer == "skip":
            await ctx.reply(ctx._("No problem."), ephemeral=True)
            return
        repo = self.runner.learner.repo
        first = await repo.rate_first(intro.id, ctx.member.id, answer == "yes", self.runner.now())
        if not first and not await repo.set_again(intro.id, ctx.member.id, answer == "yes", self.runner.now()):
            raise UserError(N_("This button is no longer active."))
        if first:  # counted once per intro and member, as first given; a change of mind stays theirs
            await self.app.emit(IntroRated(key=ctx.community.key, community=ctx.community, at=self.runner.now(),
                                           member_id=ctx.member.id, intro=str(intro.id),
                                           partners=tuple(m for m in intro.members if m != ctx.member.id),
                                           again=answer == "yes"))
        await ctx.reply(ctx._("Thanks, noted."), ephemeral=True)

    async def _names(self, ids: list[int]) -> list[str]:
        names = []
        for m in ids:
            row = await self.services.members.get(m)
            names.append(row.display_name if row else "?")
        return names

    # ------------------------------------------------------------------ find someone
    @command("match find", N_("Find someone by topic, role, skill, language, time zone or team"), options=[
        opt.string(key, desc, max_length=100, autocomplete="suggest_facet") for key, desc in FIND_OPTIONS
    ])
    async def find(self, ctx: Context, **wishes: str | None) -> None:
        given = {k: v for k, v in wishes.items() if v}
        if not given:
            raise UserError(N_("Tell me what you are looking for, e.g. /match find topic:rust language:de"))
        text = " ".join(f"{k}:{v}" for k, v in given.items())
        await ctx.reply(await self.requests.find(ctx, text), ephemeral=True)

    async def suggest_facet(self, ac: Autocomplete) -> list[str]:
        """Values other members use, most common first (the last comma-separated item is completed)."""
        facet = FACET_OF.get(ac.option, "topics")
        if facet == "timezone":
            found = await self.services.profiles.values_of(ac.community.id, facet, "")
            return [z for z in found if ac.current.lower() in z.lower()]
        head, _, last = ac.current.rpartition(",")
        found = await self.services.profiles.values_of(ac.community.id, facet, last.strip())
        return [(head + ", " if head else "") + v for v in found]

    @on_component(msgs.REQUEST_ID)
    async def request_pressed(self, ctx: Context, target_id: str, values: list[str]) -> None:
        await ctx.reply(await self.requests.request(ctx, target_id), ephemeral=True)

    @user_command("request-intro", N_("Request intro"))
    async def request_on_member(self, ctx: Context, member: MemberRef) -> None:
        """A member's "Apps" menu (Discord): the same request, with the same caps, as /match find's button."""
        await ctx.reply(await self.requests.request(ctx, str(member.id)), ephemeral=True)

    @on_component(msgs.ACCEPT_ID)
    async def accept_pressed(self, ctx: Context, request_id: str, values: list[str]) -> None:
        await ctx.reply(await self.requests.decide(ctx, request_id, accept=True), ephemeral=True)

    @on_component(msgs.DECLINE_ID)
    async def decline_pressed(self, ctx: Context, request_id: str, values: list[str]) -> None:
        await ctx.reply(await self.requests.decide(ctx, request_id, accept=False), ephemeral=True)

    # ------------------------------------------------------------------ moderators
    @command("match run-now", N_("Run the intro round now (once per period unless forced)"), options=[
        opt.string("group", N_("Only this group (default: the main round)"), max_length=40),
        opt.boolean("force", N_("Run an extra round even if this period's round already ran"), default=False),
    ], level=Level.MODERATOR, long_running=True)
    async def run_now(self, ctx: Context, group: str | None = None, force: bool = False) -> None:
        grp = clean_group(group)
        cfg = await self.services.config.get(ctx.community.id)
        now = self.runner.now()
        period = period_key(now, cfg.matching.cadence, cfg.matching.timezone)
        existing = await self.repo.round_by_period(ctx.community.id, grp, period)
        if existing is not None and not force:
            raise UserError(N_("This period's round already ran ({when}). Use force:yes for an extra round."),
                            when=msgs.when_text(ctx.locale, existing.started_at, cfg.matching.timezone))
        if existing is not None:
            period = f"{period}+{now:%Y%m%d%H%M%S}"
        if not await self.runner.participants(ctx.community.id, now, grp):
            raise UserError(N_("Nobody takes part in this round yet. Members join with /match join."))
        rnd = await self.runner.run_round(ctx.community, grp, period, now, cfg)
        if rnd is None:
            raise UserError(N_("This round is already running."))
        outcomes = await self.repo.outcomes(rnd.id)
        unplaced = sum(1 for o, _r in outcomes.values() if o == "unplaced")
        await ctx.reply(ctx._("Round done. Introductions: {groups}. Members placed: {members}. Not placed: {unplaced}.",
                              groups=rnd.groups_count, members=rnd.members_count - unplaced, unplaced=unplaced),
                        ephemeral=True)

    @command("match preview", N_("Who would be paired now, without sending anything"), options=[
        opt.string("group", N_("Only this group (default: the main round)"), max_length=40),
    ], level=Level.MODERATOR, long_running=True)
    async def preview(self, ctx: Context, group: str | None = None) -> None:
        grp = clean_group(group)
        cfg = ctx.proposed or await self.services.config.get(ctx.community.id)  # /setup's dry run proposes one
        now = self.runner.now()
        prepared = await self.runner.prepare(ctx.community.id, grp, cfg, now)
        result = prepared.plan.result
        if not prepared.members:
            raise UserError(N_("Nobody takes part in this round yet. Members join with /match join."))
        lines = []
        for intro in prepared.plan.intros[:MAX_PREVIEW]:
            names = [prepared.members[m].name for m in intro.members]
            why = msgs.reason_text([list(p) for p in intro.reason], ctx.locale)
            lines.append(f"• {msgs.names_line(ctx.locale, names)}: {why}")
        more = len(prepared.plan.intros) - MAX_PREVIEW
        if more > 0:
            lines.append(ctx._("… and {n} more.", n=more))
        fields = [Field(ctx._("Members"), str(len(prepared.members))),
                  Field(ctx._("Intros"), str(len(result.groups))),
                  Field(ctx._("People per intro"), str(cfg.matching.group_size)),
                  Field(ctx._("Next round"), await self._next_round_text(ctx, cfg))]
        if result.unplaced:
            fields.append(Field(ctx._("Not placed"), ", ".join(
                msgs.clean_name(prepared.members[u.member].name) for u in result.unplaced)))
        if prepared.skipped:
            fields.append(Field(ctx._("Sitting this round out (cadence)"), str(len(prepared.skipped))))
        await ctx.reply(Message(title=ctx._("Preview (nothing was sent)"), text="\n".join(lines), fields=fields),
                        ephemeral=True)

    @command("match insights", N_("What makes pairs meet here, learned from the check-ins (counts only)"),
             level=Level.MODERATOR, long_running=True)
    async def insights(self, ctx: Context) -> None:
        cfg = await self.services.config.get(ctx.community.id)
        learner = self.runner.learner
        belief = await learner.belief(ctx.community.id)
        learned = belief is not None and belief.rounds > 0
        found = learned_insights(belief if belief is not None and learned else prior_belief(DEFAULTS))
        summary = await learner.repo.summary(ctx.community.id)
        community = ctx.community.name or str(ctx.community.id)
        message = insights_message(belief=belief, found=found if learned else [], summary=summary,
                                   learning=cfg.matching.learning, explore_share=cfg.matching.explore_share,
                                   community=community, locale=ctx.locale, _=ctx._, _n=ctx._n)
        if ctx.supports(Capability.FILES):
            title = ctx._("What predicts a meeting")
            subtitle = (ctx._n("{community}: {n} answered intro", "{community}: {n} answered intros",
                               summary.answered, community=community, n=summary.answered) if learned
                        else ctx._("{community}: nothing learned yet, the default weights", community=community))
            png = await asyncio.to_thread(
                render_insights_chart, found, title=title, subtitle=subtitle, locale=ctx.locale,
                xlabel=ctx._("Odds of meeting (×1: no difference; bars: 95% likely range)"),
                labels=[component_words(i.component, ctx._) for i in found])
            message.files.append(Attachment("match-insights.png", png, title))
        await ctx.reply(message, ephemeral=True)

    @command("match schedule", N_("When the next intro round runs"), level=Level.MODERATOR)
    async def schedule_cmd(self, ctx: Context) -> None:
        cfg = await self.services.config.get(ctx.community.id)
        m = cfg.matching
        now = self.runner.now()
        fields = [Field(ctx._("Next round"), await self._next_round_text(ctx)),
                  Field(ctx._("Cadence"), ctx._(_CADENCES[m.cadence])),
                  Field(ctx._("Taking part"), str(len(await self.runner.participants(ctx.community.id, now))))]
        rounds = await self.repo.rounds(ctx.community.id, limit=1)
        if rounds:
            fields.append(Field(ctx._("Last round"), ctx._n("{when}: {groups} intro", "{when}: {groups} intros",
                rounds[0].groups_count, when=msgs.when_text(ctx.locale, rounds[0].started_at, m.timezone),
                groups=rounds[0].groups_count)))
        await ctx.reply(Message(title=ctx._("Intro rounds"), fields=fields), ephemeral=True)

    async def _next_round_text(self, ctx: Context, cfg: CommunityConfig | None = None) -> str:
        """The next firing whose period has not run yet (biweekly/monthly skip firings of a done period), under
        the community's settings or the ones given (a dry run of proposed settings)."""
        m = (cfg or await self.services.config.get(ctx.community.id)).matching
        when = self.runner.now()
        ran = {r.period for r in await self.repo.rounds(ctx.community.id, limit=10)}
        for _ in range(10):
            when = next_fire(when, m.day, m.hour, m.timezone)
            if period_key(when, m.cadence, m.timezone) not in ran:
                break
        return msgs.when_text(ctx.locale, when, m.timezone)


_CADENCES = {"weekly": N_("weekly"), "biweekly": N_("every two weeks"), "monthly": N_("monthly")}
_ANSWERS = {"yes": N_("you met"), "later": N_("not yet"), "no": N_("it didn't happen")}
_MENTOR_THANKS = {
    "yes": N_("Great, thanks for telling us!"),
    "later": N_("Thanks! There is still time; a first session can be short."),
    "no": N_("Thanks for telling us. /mentor end closes the mentorship, and /mentor request finds you someone "
             "new."),
}
_THANKS = {
    "yes": N_("Great, thanks for telling us!"),
    "later": N_("Thanks! There is still time; a short call is enough."),
    "no": N_("Thanks for telling us. Better luck with the next intro."),
}
