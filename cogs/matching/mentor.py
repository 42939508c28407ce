"""/mentor: mentors offer topics and a capacity, mentees ask with a goal, the engine assigns (an assignment
problem over free mentor slots), the mentor confirms with a button and both are introduced.

Assignment runs whenever something changes (an offer, a request, a decline, an end), over every waiting
request at once, so a mentor's last slot goes where it fits best rather than to whoever asked first.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from cogs.matching import messages as msgs
from cogs.matching.engine import (
    History,
    MenteeRequest,
    MentorOffer,
    ScoringContext,
    assign_mentors,
    conversation_starters,
    explain_group,
)
from cogs.matching.mentor_texts import ended_lines
from cogs.matching.people import load_members, options_for, recent_history
from cogs.matching.rounds import RoundRunner
from cogs.matching.store.departures import MatchingDepartures
from cogs.matching.store.personal import MentoringPersonalData
from cogs.matching.store.repo import MatchingRepo
from core import options as opt
from core.commands import Cog, command, on_component, on_event
from core.context import Context
from core.dispatcher import App
from core.errors import DeliveryFailed, UserError
from core.events import MemberLeft, MentorSessionStarted
from core.i18n import N_, translator
from core.interfaces import PersonalData
from core.messages import Button, ButtonStyle, Field, Message
from core.refs import CommunityRef

log = logging.getLogger(__name__)

MAX_CAPACITY = 20
RETRY_JOB = "mentor:assign"
RETRY_SECONDS = 3600
MENTOR_CHECKIN = timedelta(days=14)  # when mentor and mentee are asked whether their sessions have started


class Mentoring(Cog):
    name = "mentor"
    module = "mentoring"
    groups = {"mentor": N_("Mentoring: offer your experience or ask for a mentor")}

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.repo = MatchingRepo(self.services.store)
        self.runner = RoundRunner(app, self.repo)
        self.departures = MatchingDepartures(self.services.store)
        self.personal = MentoringPersonalData(self.services.store)

    def now(self) -> Any:
        return self.services.clock()

    async def setup(self) -> None:
        self.services.provide_many(PersonalData, self.personal)
        self.services.jobs.every(RETRY_JOB, RETRY_SECONDS, self.retry, once=True)

    async def teardown(self) -> None:
        self.services.withdraw_many(PersonalData, self.personal)

    async def retry(self) -> None:
        """Assign again where mentees wait: a mentor whose `/match pause` ran out is free again without any
        command or event this cog hears, and a mentee must not wait for the next offer to get them."""
        for community in await self.services.communities.all():
            try:
                if await self.services.jobs.switched_on(community.id, self.module):
                    await self.assign(community)
            except Exception as exc:
                if not self.services.store.health.outage(exc, "the mentor assignment"):
                    log.exception("mentor assignment of community %s failed", community.id)

    # ------------------------------------------------------------------ commands
    @command("mentor offer", N_("Offer to mentor others in some topics"), options=[
        opt.string("topics", N_("Topics you can mentor in, comma-separated"), multiple=True, max_length=60,
                   max_items=10),
        opt.integer("capacity", N_("How many mentees at a time (0 stops offering)"), min_value=0,
                    max_value=MAX_CAPACITY, default=2),
    ])
    async def offer(self, ctx: Context, topics: list[str] | None = None, capacity: int = 2) -> None:
        topics = [t for t in dict.fromkeys(t.strip() for t in topics or []) if t]
        mentor = [m for m in await self.repo.mentors(ctx.community.id) if m.member_id == ctx.member.id]
        if not topics:
            if not mentor:
                raise UserError(N_("Tell me the topics you can mentor in, e.g. /mentor offer topics:rust,go"))
            topics = mentor[0].topics
        await self.repo.set_mentor(ctx.community.id, ctx.member.id, topics, capacity, self.now())
        if capacity == 0:
            await ctx.reply(ctx._("You no longer take new mentees. Running mentorships continue."), ephemeral=True)
            return
        await ctx.reply(ctx._n("Thank you! You mentor in {topics}, up to {n} mentee at a time.",
                               "Thank you! You mentor in {topics}, up to {n} mentees at a time.", capacity,
                               topics=", ".join(topics)), ephemeral=True)
        await self.assign(ctx.community)

    @command("mentor request", N_("Ask for a mentor"), options=[
        opt.string("topic", N_("What you want to be mentored in, comma-separated"), required=True, multiple=True,
                   max_length=60, max_items=5),
        opt.string("goal", N_("What you want to achieve"), max_length=300),
    ])
    async def request(self, ctx: Context, topic: list[str], goal: str | None = None) -> None:
        topics = [t for t in dict.fromkeys(t.strip() for t in topic) if t]
        if not topics:
            raise UserError(N_("Tell me the topic, e.g. /mentor request topic:rust goal:ship my first crate"))
        open_ = await self.repo.mentor_requests(ctx.community.id, mentee_id=ctx.member.id,
                                                statuses=("waiting", "proposed", "matched"))
        if open_:
            raise UserError(N_("You already have a mentor request or mentorship. /mentor end closes it."))
        request_id = await self.repo.create_mentor_request(ctx.community.id, ctx.member.id, topics, goal or "",
                                                           self.now())
        outcome = await self.assign(ctx.community)
        reason = outcome.get(request_id)
        if reason is None:
            text = ctx._("I have asked a mentor for you; you will be introduced when they confirm.")
        elif reason == "no_capacity":
            text = ctx._("The mentors for {topics} are busy right now; you will hear from me when one is free.",
                         topics=", ".join(topics))
        elif reason == "no_common_language":
            text = ctx._("No mentor for {topics} shares a language with you yet; I keep looking.",
                         topics=", ".join(topics))
        else:
            text = ctx._("Nobody mentors in {topics} yet; you will hear from me when someone does.",
                         topics=", ".join(topics))
        await ctx.reply(text, ephemeral=True)

    @command("mentor status", N_("Your mentoring: offers, requests, mentorships"))
    async def status(self, ctx: Context) -> None:
        fields = []
        buttons: list[Button] = []
        mine = [m for m in await self.repo.mentors(ctx.community.id) if m.member_id == ctx.member.id]
        ships = await self.repo.mentorships(ctx.community.id, member_id=ctx.member.id)
        names = {}
        for s in ships:
            for m in (s.mentor_id, s.mentee_id):
                row = await self.services.members.get(m)
                names[m] = msgs.clean_name(row.display_name) if row else "?"
        if mine and mine[0].capacity > 0:
            mentees = [names[s.mentee_id] for s in ships if s.mentor_id == ctx.member.id and s.status == "active"]
            waiting = [names[s.mentee_id] for s in ships if s.mentor_id == ctx.member.id and s.status == "proposed"]
            fields.append(Field(ctx._("You mentor in"), ", ".join(mine[0].topics)))
            fields.append(Field(ctx._("Mentees"), ctx._("{n} of {capacity}: {names}", n=len(mentees),
                                                       capacity=mine[0].capacity, names=", ".join(mentees) or "-")))
            if waiting:
                fields.append(Field(ctx._("Waiting for your answer"), ", ".join(waiting)))
            for s in ships:  # the request DM may be long gone: answer here too, as /match status does
                if s.mentor_id == ctx.member.id and s.status == "proposed":
                    buttons.append(Button(ctx._("Accept {name}", name=names[s.mentee_id])[:80],
                                          msgs.MENTOR_OK_ID.format(mentorship_id=s.id), ButtonStyle.SUCCESS))
                    buttons.append(Button(ctx._("Decline {name}", name=names[s.mentee_id])[:80],
                                          msgs.MENTOR_NO_ID.format(mentorship_id=s.id)))
        for s in ships:
            if s.mentee_id == ctx.member.id:
                state = ctx._("active") if s.status == "active" else ctx._("waiting for the mentor's answer")
                fields.append(Field(ctx._("Your mentor"), f"{names[s.mentor_id]} ({', '.join(s.topics)}): {state}"))
        for r in await self.repo.mentor_requests(ctx.community.id, mentee_id=ctx.member.id):
            fields.append(Field(ctx._("Your request"), ctx._("{topics}: looking for a mentor",
                                                            topics=", ".join(r.topics))))
        if not fields:
            await ctx.reply(ctx._("No mentoring yet. Offer with /mentor offer or ask with /mentor request."),
                            ephemeral=True)
            return
        await ctx.reply(Message(title=ctx._("Your mentoring"), fields=fields, buttons=buttons), ephemeral=True)

    @command("mentor end", N_("End your mentorships and withdraw your mentor request"))
    async def end(self, ctx: Context) -> None:
        ships = await self.repo.mentorships(ctx.community.id, member_id=ctx.member.id)
        requests = await self.repo.mentor_requests(ctx.community.id, mentee_id=ctx.member.id,
                                                   statuses=("waiting", "proposed", "matched"))
        names = {}
        for m in {i for s in ships for i in (s.mentor_id, s.mentee_id)}:
            row = await self.services.members.get(m)
            names[m] = msgs.clean_name(row.display_name) if row else "?"
        ended, withdrawn = await self.repo.end_mentoring(ctx.community.id, ctx.member.id, self.now())
        if not ended and not withdrawn:
            raise UserError(N_("You have no mentorship or mentor request to end."))
        lines = ended_lines(ctx.member.id, ships, requests, names, ctx._, ctx._n)
        await ctx.reply("\n".join([*lines, ctx._("Thank you!")]), ephemeral=True)
        await self.assign(ctx.community)  # freed capacity may help someone waiting

    # ------------------------------------------------------------------ buttons
    @on_component(msgs.MENTOR_OK_ID)
    async def accepted(self, ctx: Context, mentorship_id: str, values: list[str]) -> None:
        ship = await self._mine(ctx, mentorship_id)
        mentee = await self.services.members.get(ship.mentee_id)
        if mentee is None or not mentee.active:  # left meanwhile (and the leave was not heard yet)
            await self.departures.close_mentoring(ctx.community.id, ship.mentee_id, self.now())
            await self.assign(ctx.community)  # the freed slot may help someone waiting
            raise UserError(N_("This member is no longer here."))
        if not await self.repo.decide_mentorship(ship.id, "active", self.now()):
            raise UserError(N_("This request was already answered or has expired."))
        request = await self.repo.mentor_request(ship.request_id)
        cfg = await self.services.config.get(ctx.community.id)
        people = await load_members(self.services, self.repo, ctx.community.id, [ship.mentor_id, ship.mentee_id],
                                    use_activity=False)
        group = [people[m] for m in (ship.mentor_id, ship.mentee_id) if m in people]
        opts = options_for(cfg, self.now())
        reason = [list(p) for p in explain_group(group, ScoringContext(History(), opts))] if len(group) == 2 else []
        starters = [list(p) for p in conversation_starters(group)] if len(group) == 2 else []
        due = self.now() + MENTOR_CHECKIN if cfg.matching.checkin else None  # "have your sessions started?"
        intro_id = await self.repo.create_intro(ctx.community.id, "mentor", [ship.mentor_id, ship.mentee_id],
                                                reason, starters, self.now(), due)
        await self.repo.attach_mentorship_intro(ship.id, intro_id)
        intro = await self.repo.intro(intro_id)
        assert intro is not None
        _ = translator(cfg.community.language)
        mentee_name = people[ship.mentee_id].name if ship.mentee_id in people else "?"
        note = _("{mentor} mentors {mentee} in {topics}.", mentor=msgs.clean_name(ctx.member.display_name),
                 mentee=msgs.clean_name(mentee_name), topics=", ".join(ship.topics))
        if request and request.goal:
            note += "\n" + _("The goal: {goal}", goal=request.goal)
        if await self.runner.send_intro(ctx.community, intro, cfg, note=note, fresh=True):
            await self.app.emit(MentorSessionStarted(key=ctx.community.key, community=ctx.community,
                                                     at=self.services.clock(), mentor_id=ship.mentor_id,
                                                     mentee_id=ship.mentee_id, intro=str(intro_id)))
        await ctx.reply(ctx._("Thank you! I have introduced you to {name}.", name=msgs.clean_name(mentee_name)),
                        ephemeral=True)

    @on_component(msgs.MENTOR_NO_ID)
    async def declined(self, ctx: Context, mentorship_id: str, values: list[str]) -> None:
        ship = await self._mine(ctx, mentorship_id)
        if not await self.repo.decide_mentorship(ship.id, "declined", self.now()):
            raise UserError(N_("This request was already answered or has expired."))
        await ctx.reply(ctx._("No problem. I will look for another mentor for them."), ephemeral=True)
        await self.assign(ctx.community)

    async def _mine(self, ctx: Context, mentorship_id: str) -> Any:
        ship = (await self.repo.mentorship(int(mentorship_id))
                if mentorship_id.isdigit() and len(mentorship_id) < 12 else None)
        if ship is None or ship.community_id != ctx.community.id:
            raise UserError(N_("This button is no longer active."))
        if ship.mentor_id != ctx.member.id:
            raise UserError(N_("This button is not for you."))
        return ship

    # ------------------------------------------------------------------ assignment
    async def assign(self, community: CommunityRef) -> dict[int, str]:
        """Propose mentors for every waiting request; returns {request id: reason} for those left waiting."""
        cid = community.id
        now = self.now()
        waiting = await self.repo.mentor_requests(cid)
        if not waiting:
            return {}
        cfg = await self.services.config.get(cid)
        mentors = await self.repo.mentors(cid)
        used = Counter(s.mentor_id for s in await self.repo.mentorships(cid))
        ids = {r.mentee_id for r in waiting} | {m.member_id for m in mentors}
        people = await load_members(self.services, self.repo, cid, ids, use_activity=False)
        away = await self._away(cid, now, [m.member_id for m in mentors])
        # Full mentors, and mentors who paused or left the intros, stay in with no free slot, so a mentee hears
        # "busy" rather than "nobody mentors this" (and is proposed to them once they are back).
        offers = [MentorOffer(people[m.member_id], tuple(m.topics),
                              0 if m.member_id in away else max(0, m.capacity - used[m.member_id]))
                  for m in mentors if m.member_id in people and m.capacity > 0]
        # a mentee who left is not assigned while gone (their request waits, and is closed when the leave is heard)
        requests = [MenteeRequest(people[r.mentee_id], tuple(r.topics), r.goal) for r in waiting
                    if r.mentee_id in people]
        blocks = await self.repo.blocks(cid)
        excluded = set(await self.repo.declined_pairs(cid))
        excluded |= {(a, b) for a, b in blocks} | {(b, a) for a, b in blocks}
        history = await recent_history(self.repo, cid, now, blocks)
        result = assign_mentors(requests, offers, options_for(cfg, now), excluded, history)
        by_mentee = {r.mentee_id: r for r in waiting}
        capacity = {m.member_id: m.capacity for m in mentors}
        left = {by_mentee[mentee].id: reason for mentee, reason in result.unassigned}
        messenger = self.app.messenger(community.platform)
        for match in result.matches:
            req = by_mentee[match.mentee]
            ship_id = await self.repo.propose(cid, req.id, match.mentor, match.mentee, list(match.topics),
                                              capacity[match.mentor], now)
            if ship_id is None:
                left[req.id] = "no_capacity"
                continue
            mentor_row = await self.services.members.get(match.mentor)
            try:
                assert mentor_row is not None
                await messenger.dm(community, mentor_row.ref, msgs.mentor_proposal(
                    cfg.community.language, people[match.mentee].name if match.mentee in people else "?",
                    list(match.topics), req.goal, ship_id))
            except (DeliveryFailed, AssertionError):
                log.info("mentor %s unreachable; proposal %s declined", match.mentor, ship_id)
                await self.repo.decide_mentorship(ship_id, "declined", now)
                left[req.id] = "no_capacity"
        return left

    async def _away(self, community_id: int, now: datetime, ids: list[int]) -> set[int]:
        """Mentors who said "no intros now": paused with `/match pause` (until the pause ends) or left with
        `/match leave` (until `/match join`). A mentor who never joined the rounds is not away: offering to
        mentor is taking part in mentoring."""
        away = set()
        for member_id in ids:
            p = await self.repo.participant(community_id, member_id)
            if p is not None and not p.active_at(now):
                away.add(member_id)
        return away

    async def forget_member(self, community_id: int, member_id: int) -> None:
        await self.repo.forget(community_id, member_id)  # the Matching cog rebuilds the community's learning

    @on_event(MemberLeft)
    async def member_left(self, event: MemberLeft) -> None:
        """A member who left can neither mentor nor be mentored: their mentorships end and their request closes.
        Mentees whose mentor left wait again, and the assignment runs at once to find them someone new (or to
        give a mentor's freed slot to someone waiting). A mentor offer stays, for when they come back (the
        assignment offers only present mentors)."""
        assert event.community is not None
        closed = await self.departures.close_mentoring(event.community.id, event.member.id, self.now())
        if closed.mentorships or closed.mentees_waiting_again:
            await self.assign(event.community)
