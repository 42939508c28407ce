"""On-demand intros: `/match find` suggestions, "request intro" buttons, accept/decline, with caps.

Only members who take part now are suggested or can be requested: joined with `/match join`, not paused, not
left, still in the community, not blocked either way. Partners a member met lately (in any group's round, or
through a request or mentoring) rank below strangers who fit as well.

A member may send `requests_per_week` requests, and does not see (nor can ask) a member who declined them in
the last four weeks; a member holding `max_open_requests` unanswered requests is not suggested (nor can be
requested) until they answer, so popular members are not overrun. Both caps are checked again after the
request is stored, so two presses at the same moment (or two processes) cannot pass them together. Requests
expire after `window` unanswered. Deciding is a conditional update, so a double press or two processes make
one intro.

/collab's "Request intro" comes here too, with its project: the request is linked to the project (its tables in
cogs/matching/collab/), the request names it, and the accepted intro names it and is told as `CollabIntro`.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from cogs.matching import messages as msgs
from cogs.matching.collab.projects_store import ProjectRepo, ProjectRow
from cogs.matching.engine import (
    FilterError,
    History,
    ScoringContext,
    conversation_starters,
    explain_group,
    find_people,
    parse_filters,
)
from cogs.matching.engine import Member as EngineMember
from cogs.matching.people import load_members, options_for, recent_history
from cogs.matching.rounds import RoundRunner
from cogs.matching.store.departures import CANCELLED
from cogs.matching.store.repo import MatchingRepo
from cogs.matching.texts import FILTER_ERRORS
from core.context import Context
from core.dispatcher import App
from core.errors import DeliveryFailed, DMClosed, UserError
from core.events import CollabIntro
from core.i18n import N_, N_n
from core.messages import Button, ButtonStyle, Field, Message

DECLINE_REST = timedelta(days=28)  # after "not now", the same requester does not see or ask that member again

WEEKLY_CAP = N_n("You have sent {n} intro request this week, the most this community allows. Try again in a few days.",
                 "You have sent {n} intro requests this week, the most this community allows. Try again in a few days.")


class Requests:
    window = timedelta(days=7)

    def __init__(self, app: App, repo: MatchingRepo, runner: RoundRunner) -> None:
        self.app = app
        self.services = app.services
        self.repo = repo
        self.runner = runner
        self.projects = ProjectRepo(self.services.store)

    async def capped(self, community_id: int, limit: int) -> set[int]:
        """Members holding `limit` open requests or more: not suggested (nor askable) until they answer."""
        since = self.runner.now() - self.window
        return {m for m, n in (await self.repo.open_counts(community_id, since)).items() if n >= limit}

    async def taking_part(self, community_id: int, now: datetime) -> set[int]:
        """Members who take part now: joined, not paused, not left, still in the community."""
        return {p.member_id for p in await self.runner.participants(community_id, now)}

    async def find(self, ctx: Context, text: str) -> Message:
        try:
            filters = parse_filters(text)
        except FilterError as exc:
            raise UserError(FILTER_ERRORS[exc.code], **exc.params) from None
        cfg = await self.services.config.get(ctx.community.id)
        now = self.runner.now()
        taking = await self.taking_part(ctx.community.id, now)
        people = await load_members(self.services, self.repo, ctx.community.id, taking | {ctx.member.id},
                                    with_profile_only=True, use_activity=False)
        me = people.get(ctx.member.id) or EngineMember(ctx.member.id, ctx.member.display_name)
        candidates = [m for m in people.values() if m.id in taking]
        blocked = await self.repo.blocks(ctx.community.id)
        capped = await self.capped(ctx.community.id, cfg.matching.max_open_requests)
        capped |= await self.repo.declined_by(ctx.community.id, ctx.member.id, now - DECLINE_REST)
        history = await recent_history(self.repo, ctx.community.id, now, blocked)
        found = await asyncio.to_thread(find_people, me, candidates, filters, history, options_for(cfg, now), capped)
        if not found:
            return Message(text=ctx._("Nobody matches all of that right now. Try fewer or broader wishes."))
        msg = Message(title=ctx._("People you could meet"))
        for s in found:
            name = msgs.clean_name(people[s.member].name)
            msg.fields.append(Field(name, msgs.reason_text([list(p) for p in s.reasons], ctx.locale), inline=False))
            msg.buttons.append(Button(ctx._("Request intro with {name}", name=name)[:80],
                                      msgs.REQUEST_ID.format(target_id=s.member), ButtonStyle.PRIMARY))
        return msg

    async def request(self, ctx: Context, target_text: str, *, project: ProjectRow | None = None,
                      need: str = "") -> str:
        """Ask `target_text` for an intro, under the caps; `project` (/collab's "Request intro") is named in the
        request and the intro."""
        if not (target_text.isdigit() and len(target_text) < 12):
            raise UserError(N_("This button is no longer active."))
        target_id = int(target_text)
        cfg = await self.services.config.get(ctx.community.id)
        m = cfg.matching
        now = self.runner.now()
        target = await self.services.members.get(target_id)
        if target is None or target.community_id != ctx.community.id or not target.active:
            raise UserError(N_("This member is no longer here."))
        if target_id == ctx.member.id:
            raise UserError(N_("You cannot request an intro with yourself."))
        if target_id not in await self.taking_part(ctx.community.id, now):  # paused or left since the suggestion
            raise UserError(N_("{name} is not taking part in intros right now."),
                            name=msgs.clean_name(target.display_name))
        blocked = await self.repo.blocks(ctx.community.id)
        if (ctx.member.id, target_id) in blocked or (target_id, ctx.member.id) in blocked:
            raise UserError(N_("This intro is not possible."))
        if m.requests_per_week == 0:
            raise UserError(N_("Intro requests are switched off in this community."))
        if await self.repo.sent_since(ctx.community.id, ctx.member.id, now - timedelta(days=7)) >= m.requests_per_week:
            raise UserError(WEEKLY_CAP, n=m.requests_per_week)
        if target_id in await self.repo.declined_by(ctx.community.id, ctx.member.id, now - DECLINE_REST):
            raise UserError(N_("{name} could not take on an intro with you lately. Try someone else."),
                            name=msgs.clean_name(target.display_name))
        since = now - self.window
        if await self.repo.open_request_between(ctx.community.id, ctx.member.id, target_id, since):
            raise UserError(N_("You have already asked {name}; they have not answered yet."),
                            name=msgs.clean_name(target.display_name))
        if target_id in await self.capped(ctx.community.id, m.max_open_requests):
            raise UserError(N_("{name} has many open requests right now. Try someone else or ask again later."),
                            name=msgs.clean_name(target.display_name))
        people = await load_members(self.services, self.repo, ctx.community.id, [ctx.member.id, target_id],
                                    use_activity=False)
        reason: list[Any] = []  # from the target's side: "you both ...", "they offer ..., which you want"
        if ctx.member.id in people and target_id in people:
            found = find_people(people[target_id], [people[ctx.member.id]], [], options=options_for(cfg, now))
            reason = [list(p) for p in found[0].reasons] if found else []
        request_id = await self.repo.create_request(ctx.community.id, ctx.member.id, target_id, reason, now, since)
        if request_id is None:  # a second press at the same moment made it first
            raise UserError(N_("You have already asked {name}; they have not answered yet."),
                            name=msgs.clean_name(target.display_name))
        await self._hold_caps(ctx, request_id, target_id, target.display_name)
        note = ""
        if project is not None:
            await self.projects.link_request(request_id, project.id, need)
            note = ctx.public_("It is about their project “{title}”, which needs {need}.", title=project.title,
                               need=need) if need else ctx.public_("It is about their project “{title}”.",
                                                                   title=project.title)
        try:
            await ctx.messenger.dm(ctx.community, target.ref, msgs.request_message(
                ctx.public_locale, ctx.member.display_name, reason, request_id, note=note))
        except DeliveryFailed:
            await self.repo.decide_request(request_id, "failed", now)
            raise UserError(N_("I could not reach {name} by direct message, so I did not send the request."),
                            name=msgs.clean_name(target.display_name)) from None
        return ctx._("Request sent to {name}. I'll introduce you when they accept.",
                     name=msgs.clean_name(target.display_name))

    async def _hold_caps(self, ctx: Context, request_id: int, target_id: int, target_name: str) -> None:
        """Check both caps again now that the request is stored: of requests that passed the first check at the
        same moment, only the oldest within each cap stay (the others are cancelled, with the cap's message)."""
        m = (await self.services.config.get(ctx.community.id)).matching
        now = self.runner.now()
        held = await self.repo.open_requests_for(ctx.community.id, target_id, now - self.window,
                                                 limit=m.max_open_requests)
        if request_id not in {r.id for r in held}:
            await self.repo.decide_request(request_id, CANCELLED, now)
            raise UserError(N_("{name} has many open requests right now. Try someone else or ask again later."),
                            name=msgs.clean_name(target_name))
        if await self.repo.sent_since(ctx.community.id, ctx.member.id, now - timedelta(days=7)) > m.requests_per_week:
            await self.repo.decide_request(request_id, CANCELLED, now)
            raise UserError(WEEKLY_CAP, n=m.requests_per_week)

    async def decide(self, ctx: Context, request_text: str, *, accept: bool) -> str:
        req = await self.repo.request(int(request_text)) if request_text.isdigit() and len(request_text) < 12 \
            else None
        if req is None or req.community_id != ctx.community.id:
            raise UserError(N_("This button is no longer active."))
        if ctx.member.id != req.target_id:
            raise UserError(N_("This button is not for you."))
        now = self.runner.now()
        requester = await self.services.members.get(req.requester_id)
        if requester is None or not requester.active:  # left after asking (and the leave was not heard yet)
            if await self.repo.decide_request(req.id, CANCELLED, now):
                raise UserError(N_("This member is no longer here."))
            raise UserError(N_("This request was already answered or has expired."))
        if not await self.repo.decide_request(req.id, "accepted" if accept else "declined", now,
                                              since=now - self.window):
            raise UserError(N_("This request was already answered or has expired."))
        if not accept:
            try:
                await ctx.messenger.dm(ctx.community, requester.ref, Message(text=ctx.public_(
                    "{name} can't take on an intro right now. /match find shows others who could help.",
                    name=msgs.clean_name(ctx.member.display_name))))
            except (DMClosed, DeliveryFailed):
                pass
            return ctx._("No problem, I have let them know.")
        cfg = await self.services.config.get(ctx.community.id)
        people = await load_members(self.services, self.repo, ctx.community.id, [req.requester_id, req.target_id],
                                    use_activity=False)
        group = [people[i] for i in (req.requester_id, req.target_id) if i in people]
        reason = [list(p) for p in explain_group(group, ScoringContext(History(), options_for(cfg, now)))] \
            if len(group) == 2 else []
        starters = [list(p) for p in conversation_starters(group)] if len(group) == 2 else []
        linked = await self.projects.project_of_request(req.id)
        intro_id = await self.repo.create_intro(ctx.community.id, "collab" if linked else "request",
                                                [req.requester_id, req.target_id], reason, starters, now, None)
        await self.repo.attach_intro(req.id, intro_id)
        intro = await self.repo.intro(intro_id)
        assert intro is not None
        note = ctx.public_("{name} asked for this intro.", name=msgs.clean_name(requester.display_name))
        if linked is not None:
            note = ctx.public_("{name} asked for this intro for the project “{title}”.",
                               name=msgs.clean_name(requester.display_name), title=linked[0].title)
        if not await self.runner.send_intro(ctx.community, intro, cfg, note=note, fresh=True):
            return ctx._("Accepted, but I could not open a conversation; please contact {name} directly.",
                         name=msgs.clean_name(requester.display_name))
        if linked is not None:
            await self.app.emit(CollabIntro(key=ctx.community.key, community=ctx.community, at=now,
                                            requester_id=req.requester_id, member_id=req.target_id,
                                            project=str(linked[0].id), intro=str(intro_id), need=linked[1]))
        return ctx._("Thanks! I have introduced you to {name}.", name=msgs.clean_name(requester.display_name))
