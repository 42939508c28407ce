"""/collab post, list, suggest, close: projects that need people, a card with "I'm interested" in the collab
channel, and for the owner up to three people per role with why, each one "Request intro" away.

Suggestions come from matching's own ground: only members who take part in intros now (joined, not paused or
left, still here), never the owner or anyone blocked either way, nobody holding as many open requests as
`/match find` allows or who declined the owner lately; someone already suggested for
`collab.max_projects_per_week` projects this week waits for next week. Requests go through `/match find`'s
request/accept flow with its caps, and the intro names the project. The card shows how many are interested and,
once the project is closed, says so and loses its button (edited in place, best-effort: see cards.py).

Projects close by themselves too, quietly: the day after their "until" date (the `collab:expire` job, one
process per run; the owner alone gets a short DM then) and when their owner leaves the community (nobody is
told). `/privacy forget` erases the owner's projects outright.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from cogs.matching.collab import projects_texts as texts
from cogs.matching.collab.cards import CardEditor
from cogs.matching.collab.personal_store import CollabPersonalData
from cogs.matching.collab.projects_logic import (
    ProjectInputError,
    RolePick,
    parse_project,
    project_fit,
    suggest_for_project,
)
from cogs.matching.collab.projects_store import ProjectRepo, ProjectRow
from cogs.matching.collab.settings import CollabSettings
from cogs.matching.engine import Member
from cogs.matching.messages import clean_name
from cogs.matching.people import load_members, options_for, recent_history
from cogs.matching.requests import DECLINE_REST, Requests
from cogs.matching.rounds import RoundRunner
from cogs.matching.store.repo import MatchingRepo
from core import options as opt
from core.commands import Autocomplete, Cog, command, on_component, on_event, on_form
from core.context import Capability, Context, Messenger
from core.dispatcher import App
from core.errors import DeliveryFailed, DMClosed, UserError
from core.events import MemberLeft, ProjectPosted
from core.i18n import N_, gettext
from core.interfaces import PersonalData
from core.messages import Button, ButtonStyle, FieldStyle, Form, FormField, Message
from core.permissions import Level
from core.refs import ChannelRef, CommunityRef, MessageRef

log = logging.getLogger(__name__)

PAGE = 5
WEEK = timedelta(days=7)
EXPIRE_JOB = "collab:expire"
EXPIRE_SECONDS = 3600.0  # an hour: a project closes within an hour of its end date passing (UTC)
ENDED = N_("Your project “{title}” ended on {day}; post it again with /collab post if you still look for people.")


class Collab(Cog):
    name = "collab"
    module = "collab"
    groups = {"collab": N_("Collaboration: projects and teams")}

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.repo = MatchingRepo(self.services.store)
        self.projects = ProjectRepo(self.services.store)
        self.runner = RoundRunner(app, self.repo)
        self.requests = Requests(app, self.repo, self.runner)
        self.personal = CollabPersonalData(self.services.store)
        self.cards = CardEditor()

    def now(self) -> datetime:
        return self.services.clock()

    async def setup(self) -> None:
        """Offer the member's projects, interest, events and teams (the teams cog's tables too: both cogs
        always load together) to `/privacy export`."""
        self.services.provide_many(PersonalData, self.personal)
        self.services.jobs.every(EXPIRE_JOB, EXPIRE_SECONDS, self.expire, once=True)

    async def teardown(self) -> None:
        self.services.withdraw_many(PersonalData, self.personal)
        self.services.jobs.cancel(EXPIRE_JOB)

    # ------------------------------------------------------------------ closing by itself
    async def expire(self) -> None:
        """Close every open project whose end date has passed, in communities with collab on, and tell its
        owner (and nobody else). The job runs in one process per slot, and the close is conditional, so an
        owner hears of it once. Projects of owners who left while collab was off (so the leave went unheard
        here) close too, silently."""
        today = self.now().date()
        try:
            await self.projects.close_of_departed(self.now())
        except Exception as exc:
            if not self.services.store.health.outage(exc, "closing projects of members who left"):
                log.exception("closing projects of members who left failed")
        for row in await self.projects.expired(today):
            try:
                if not await self.services.jobs.switched_on(row.community_id, self.module):
                    continue  # closed when the module is on again; /collab list never shows it meanwhile
                if await self.projects.close(row.id, self.now()):
                    await self._tell_ended(row)
            except Exception as exc:
                if not self.services.store.health.outage(exc, "closing ended projects"):
                    log.exception("closing ended project %s failed", row.id)

    async def _tell_ended(self, row: ProjectRow) -> None:
        """The card says "closed" (an edit, no new message), and the owner gets a DM in the community's language;
        an owner who is gone or not reachable is skipped."""
        community = await self.services.communities.get(row.community_id)
        if community is None:
            return
        locale = (await self.services.config.get(row.community_id)).community.language
        await self._refresh(self.app.messenger(community.platform), community, locale, row)  # shows "closed"
        owner = await self.services.members.get(row.owner_id)
        if owner is None or not owner.active or row.until is None:
            return
        text = gettext(locale, ENDED, title=row.title, day=texts.day_text(locale, row.until))
        try:
            await self.app.messenger(community.platform).dm(community, owner.ref, Message(text=text))
        except (DMClosed, DeliveryFailed):
            log.info("project %s: owner not reachable by DM about its end", row.id)

    @on_event(MemberLeft)
    async def owner_left(self, event: MemberLeft) -> None:
        """A member who left cannot take anyone into their projects any more: those close (their cards say so),
        and nobody is told."""
        assert event.community is not None
        community = event.community
        mine = [p for p in await self.projects.open_projects(community.id, self.now().date())
                if p.owner_id == event.member.id]
        if await self.projects.close_owned(community.id, event.member.id, self.now()):
            locale = (await self.services.config.get(community.id)).community.language
            for row in mine:
                await self._refresh(self.app.messenger(community.platform), community, locale, row)

    # ------------------------------------------------------------------ posting
    @command("collab post", N_("Post a project that needs people (opens a form)"), options=[
        opt.string("title", N_("The project's name"), max_length=100),
        opt.string("about", N_("What it is, in a few sentences"), max_length=1000),
        opt.string("needs", N_("Roles or skills needed with how many, e.g. developer*2, designer"), max_length=400),
        opt.string("languages", N_("Languages the project works in, e.g. de, en"), max_length=100),
        opt.string("commitment", N_("Time it takes, e.g. 3 h a week"), max_length=100),
        opt.string("until", N_("Until when, e.g. 2027-03-31"), max_length=20),
    ])
    async def post(self, ctx: Context, title: str | None = None, about: str | None = None, needs: str | None = None,
                   languages: str | None = None, commitment: str | None = None, until: str | None = None) -> None:
        if title and needs:
            await self._create(ctx, title=title, about=about, needs=needs, languages=languages,
                               commitment=commitment, until=until)
            return
        if not ctx.supports(Capability.FORMS):
            raise UserError(N_("Give at least a title and who you need, e.g. /collab post title:Website "
                               "needs:developer*2, designer"))
        when = " ".join(x for x in (commitment or "", until or "") if x)
        await ctx.open_form(Form(texts.FORM_ID, ctx._("Post a project"), (
            FormField("title", ctx._("Title"), required=True, default=title or "", max_length=100),
            FormField("about", ctx._("What it is"), FieldStyle.PARAGRAPH, default=about or "", max_length=1000),
            FormField("needs", ctx._("Who you need, with how many"), required=True, default=needs or "",
                      placeholder=ctx._("developer*2, designer"), max_length=400),
            FormField("languages", ctx._("Languages"), default=languages or "", placeholder="de, en",
                      max_length=100),
            FormField("when", ctx._("Time commitment, until when"), default=when,
                      placeholder=ctx._("3 h a week, until 2027-03-31"), max_length=120),
        )))

    @on_form(texts.FORM_ID)
    async def form_submitted(self, ctx: Context, values: dict[str, str]) -> None:
        await self._create(ctx, title=values.get("title"), about=values.get("about"), needs=values.get("needs"),
                           languages=values.get("languages"), commitment=values.get("when"), until=None)

    async def _create(self, ctx: Context, *, title: str | None, about: str | None, needs: str | None,
                      languages: str | None, commitment: str | None, until: str | None) -> None:
        cfg = await self.services.config.get(ctx.community.id)
        now = self.now()
        try:
            project = parse_project(title=title, description=about, needs=needs, languages=languages,
                                    commitment=commitment, until=until, today=now.date())
        except ProjectInputError as exc:
            params = dict(exc.params)
            if "field" in params:
                params["field"] = ctx._(texts.FIELD_NAMES[str(params["field"])])
            raise UserError(texts.INPUT_ERRORS[exc.code], **params) from None
        project_id = await self.projects.create(
            ctx.community.id, ctx.member.id, title=project.title, description=project.description,
            needs=project.needs, languages=project.languages, commitment=project.commitment, until=project.until,
            now=now)
        row = await self.projects.get(project_id)
        assert row is not None
        channel = cfg.section(CollabSettings).channel
        if not channel:
            posted = ctx._("No collab channel is set, so there is no card; your project shows in /collab list. "
                           "Moderators can set one with /config set collab.channel.")
        else:
            try:
                ref = await ctx.messenger.send(ctx.community, ChannelRef(ctx.community.platform, channel),
                                               texts.card(ctx.public_locale, row, ctx.member.display_name))
                await self.projects.set_card(project_id, ref.channel_id, ref.message_id)
                posted = ctx._("Your project card is up in the collab channel.")
            except DeliveryFailed as exc:
                log.warning("project %s: card not posted in %s: %s", project_id, channel, exc)
                posted = ctx._("I could not post the card in the collab channel (a moderator should check that I "
                               "may write there); your project shows in /collab list.")
        await self.app.emit(ProjectPosted(key=ctx.community.key, community=ctx.community, at=now,
                                          owner_id=ctx.member.id, project=str(project_id),
                                          needs=sum(c for _n, c in project.needs)))
        intro = ctx._("Posted “{title}” (#{id}).", title=project.title, id=project_id) + " " + posted
        msg = await self._suggestions(ctx, row)
        msg.text = "\n".join(p for p in (intro, msg.text) if p)
        await ctx.reply(msg, ephemeral=True)

    # ------------------------------------------------------------------ suggestions
    async def _suggestions(self, ctx: Context, project: ProjectRow) -> Message:
        """Up to `suggestions_per_role` people per need who take part in intros, with why (stored for the weekly
        cap; showing the same project's suggestions again costs nobody a second slot)."""
        cid = ctx.community.id
        cfg = await self.services.config.get(cid)
        settings = cfg.section(CollabSettings)
        now = self.now()
        taking = await self.requests.taking_part(cid, now)
        people = await load_members(self.services, self.repo, cid, taking | {project.owner_id},
                                    with_profile_only=True, use_activity=False)
        owner = people.get(project.owner_id) or Member(project.owner_id, ctx.member.display_name)
        already = await self.projects.suggested_for(project.id)
        counts = await self.projects.suggested_counts(cid, now - WEEK)
        capped = {m for m, n in counts.items() if n >= settings.max_projects_per_week and m not in already}
        if settings.max_projects_per_week == 0:
            capped |= set(people)
        capped |= await self.requests.capped(cid, cfg.matching.max_open_requests)
        capped |= await self.repo.declined_by(cid, project.owner_id, now - DECLINE_REST)
        blocked = await self.repo.blocks(cid)
        history = await recent_history(self.repo, cid, now, blocked)
        candidates = [m for m in people.values() if m.id in taking]
        picks: dict[str, list[RolePick]] = await asyncio.to_thread(
            suggest_for_project, owner, project.needs, project.languages, candidates, history, options_for(cfg, now),
            capped, settings.suggestions_per_role)
        await self.projects.record_suggestions(project.id, cid, [(p.member, p.need) for ps in picks.values()
                                                                 for p in ps], now)
        return texts.suggestions(ctx.locale, project, picks, {m.id: m.name for m in people.values()})

    @command("collab suggest", N_("People who could join your project"), options=[
        opt.string("project", N_("Which of your projects (its number or title)"), max_length=100,
                   autocomplete="suggest_project"),
    ])
    async def suggest(self, ctx: Context, project: str | None = None) -> None:
        row = await self._pick(ctx, project, own=True)
        await ctx.reply(await self._suggestions(ctx, row), ephemeral=True)

    @on_component(texts.SUGGEST_ID)
    async def suggest_pressed(self, ctx: Context, project_id: str, values: list[str]) -> None:
        row = await self._project(ctx, project_id)
        if row.owner_id != ctx.member.id:
            raise UserError(N_("This button is not for you."))
        await ctx.reply(await self._suggestions(ctx, row), ephemeral=True)

    @on_component(texts.ASK_ID)
    async def ask_pressed(self, ctx: Context, project_id: str, target_id: str, need: str,
                          values: list[str]) -> None:
        row = await self._project(ctx, project_id)
        if row.owner_id != ctx.member.id:
            raise UserError(N_("This button is not for you."))
        if not row.open_on(self.now().date()):
            raise UserError(N_("This project is closed."))
        name = row.needs[int(need)][0] if need.isdigit() and int(need) < len(row.needs) else ""
        await ctx.reply(await self.requests.request(ctx, target_id, project=row, need=name), ephemeral=True)

    # ------------------------------------------------------------------ interest
    @on_component(texts.INTEREST_ID)
    async def interest_pressed(self, ctx: Context, project_id: str, values: list[str]) -> None:
        row = await self._project(ctx, project_id)
        if not row.open_on(self.now().date()):
            raise UserError(N_("This project is closed."))
        if row.owner_id == ctx.member.id:
            raise UserError(N_("This is your project; /collab suggest shows people who could join."))
        active, tell = await self.projects.toggle_interest(row.id, ctx.member.id, self.now())
        if not active:
            await ctx.reply(ctx._("Noted: you are no longer interested in “{title}”.", title=row.title),
                            ephemeral=True)
            await self._refresh_card(ctx, row)
            return
        owner = await self.services.members.get(row.owner_id)
        if tell and owner is not None and owner.active:
            name = clean_name(ctx.member.display_name)
            try:
                await ctx.messenger.dm(ctx.community, owner.ref, Message(
                    text=ctx.public_("{name} is interested in your project “{title}”.", name=name, title=row.title),
                    buttons=[Button(ctx.public_("Request intro with {name}", name=name)[:80], texts.ASK_ID.format(
                        project_id=row.id, target_id=ctx.member.id, need="-"), ButtonStyle.PRIMARY)]))
            except (DMClosed, DeliveryFailed):
                log.info("project %s: owner not reachable by DM", row.id)
        await ctx.reply(ctx._("Thanks! {owner} knows you are interested in “{title}”. Press again to withdraw.",
                              owner=clean_name(owner.display_name if owner else "?"), title=row.title),
                        ephemeral=True)
        await self._refresh_card(ctx, row)

    # ------------------------------------------------------------------ list and close
    @command("collab list", N_("Open projects, those that fit you first"))
    async def list_projects(self, ctx: Context) -> None:
        cid = ctx.community.id
        now = self.now()
        projects = await self.projects.open_projects(cid, now.date())
        if not projects:
            await ctx.reply(ctx._("No open projects yet. Post one with /collab post."), ephemeral=True)
            return
        cfg = await self.services.config.get(cid)
        options = options_for(cfg, now)
        people = await load_members(self.services, self.repo, cid, {p.owner_id for p in projects} | {ctx.member.id},
                                    use_activity=False)
        me = people.get(ctx.member.id) or Member(ctx.member.id, ctx.member.display_name)
        ranked = sorted(projects, key=lambda p: (-project_fit(p.needs, p.languages, people.get(p.owner_id), me,
                                                              options) if p.owner_id != me.id else 1,
                                                 -p.created_at.timestamp(), -p.id))
        shown = ranked[:PAGE]
        interested = await self.projects.interested(p.id for p in shown)
        lines = [texts.list_line(ctx.locale, p, people[p.owner_id].name if p.owner_id in people else "?",
                                 len(interested.get(p.id, []))) for p in shown]
        buttons = []
        for p in shown:
            if p.owner_id == ctx.member.id:
                buttons.append(Button(ctx._("People for #{id}", id=p.id), texts.SUGGEST_ID.format(project_id=p.id)))
            elif ctx.member.id not in interested.get(p.id, []):
                buttons.append(Button(ctx._("Interested in #{id}", id=p.id), texts.INTEREST_ID.format(project_id=p.id),
                                      ButtonStyle.PRIMARY))
        more = len(ranked) - len(shown)
        if more > 0:
            lines.append(ctx._n("… and {n} more open project.", "… and {n} more open projects.", more))
        await ctx.reply(Message(title=ctx._("Open projects"), text="\n".join(lines), buttons=buttons), ephemeral=True)

    @command("collab close", N_("Close a project: it leaves the list and gets no more suggestions"), options=[
        opt.string("project", N_("Which project (its number or title)"), max_length=100,
                   autocomplete="suggest_project"),
    ])
    async def close(self, ctx: Context, project: str | None = None) -> None:
        moderator = await self._moderator(ctx)
        row = await self._pick(ctx, project, own=not moderator)
        if row.owner_id != ctx.member.id and not moderator:
            raise UserError(N_("Only the project's owner or a moderator can close it."))
        if not await self.projects.close(row.id, self.now()):
            raise UserError(N_("This project is closed already."))
        await ctx.reply(ctx._("Closed “{title}”.", title=row.title), ephemeral=True)
        await self._refresh_card(ctx, row)

    # ------------------------------------------------------------------ helpers
    async def _refresh_card(self, ctx: Context, row: ProjectRow) -> None:
        """Show the project's state on its card as the store has it now: how many are interested, or closed
        (then without its button)."""
        await self._refresh(ctx.messenger, ctx.community, ctx.public_locale, row)

    async def _refresh(self, messenger: Messenger, community: CommunityRef, locale: str, row: ProjectRow) -> None:
        """`_refresh_card` without a command's context (a project closed by itself); `locale` is the card's."""
        if not row.message_id:
            return

        async def render() -> Message | None:
            now = await self.projects.get(row.id)
            if now is None:
                return None
            owner = await self.services.members.get(now.owner_id)
            interested = len((await self.projects.interested([now.id])).get(now.id, []))
            return texts.card(locale, now, owner.display_name if owner else "?", interested)

        await self.cards.refresh(messenger, community, MessageRef(community.platform, row.channel_id,
                                                                  row.message_id), render, what=f"project {row.id}")

    async def _moderator(self, ctx: Context) -> bool:
        level = ctx.level if ctx.level is not None else await self.app.level_of(ctx.community, ctx.member,
                                                                                 ctx.messenger)
        return level >= Level.MODERATOR

    async def _project(self, ctx: Context, project_id: str) -> ProjectRow:
        """A project of this community from a button's id (another community's is "no longer active")."""
        row = await self.projects.get(int(project_id)) if project_id.isdigit() and len(project_id) < 12 else None
        if row is None or row.community_id != ctx.community.id:
            raise UserError(N_("This button is no longer active."))
        return row

    async def _pick(self, ctx: Context, text: str | None, *, own: bool) -> ProjectRow:
        """The open project `text` names ("12", "#12" or its title); without one, the caller's only open project."""
        open_ = await self.projects.open_projects(ctx.community.id, self.now().date())
        mine = [p for p in open_ if p.owner_id == ctx.member.id]
        if not text or not text.strip():
            if len(mine) == 1:
                return mine[0]
            if not mine:
                raise UserError(N_("You have no open project. Post one with /collab post."))
            raise UserError(N_("You have several open projects; name one, e.g. project:{id}"), id=mine[0].id)
        key = text.strip().lstrip("#")
        first = key.split()[0]  # "12 Website", as autocomplete offers it
        pool = mine if own else open_
        found = [p for p in pool if (first.isdigit() and p.id == int(first)) or p.title.casefold() == key.casefold()]
        if not found:
            raise UserError(N_("There is no open project “{name}” of yours here.") if own
                            else N_("There is no open project “{name}” here."), name=key[:40])
        return found[0]

    async def suggest_project(self, ac: Autocomplete) -> list[str]:
        """The caller's open projects ("12 Website"), for close and suggest."""
        projects = await self.projects.open_projects(ac.community.id, self.now().date())
        cur = ac.current.strip().casefold()
        return [f"{p.id} {p.title}"[:100] for p in projects
                if p.owner_id == ac.member_id and (not cur or cur in f"{p.id} {p.title}".casefold())]

    async def forget_member(self, community_id: int, member_id: int) -> None:
        await self.projects.forget(community_id, member_id)
