"""/collab event and /collab teams: teams for an event or a cohort, each introduced in its own conversation.

A moderator posts an event card (`/collab event`) whose "I'm in" / "I'm out" buttons collect who takes part (the
card counts them, edited on each change), or uses the people of an intro round's group (`/match join group:...`).
`/collab teams` forms teams of a size that cover the roles each team needs (`engine/teams.py`, off the event
loop), stores them and shows a preview; only "Confirm" sends anything: each team gets a private thread
(Discord), a group DM (Slack) or the console's equivalent, with an intro that says who brings what. The
formation moves preview -> sending -> done by conditional updates and every team's intro goes through the
delivery ledger, so a double press or a restart midway never introduces a team twice (a formation left in
`sending` is finished when a platform connects).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from cogs.matching.cog import clean_group
from cogs.matching.collab import teams_texts as texts
from cogs.matching.collab.cards import CardEditor
from cogs.matching.collab.teams_store import EventRow, FormationRow, TeamRepo
from cogs.matching.engine import History
from cogs.matching.engine.team_needs import SIZE_MAX, SIZE_MIN, NeedsError, format_needs, parse_needs
from cogs.matching.engine.teams import TeamPlan, form_teams
from cogs.matching.messages import clean_name
from cogs.matching.people import load_members, options_for
from cogs.matching.store.repo import MatchingRepo
from core import options as opt
from core.commands import Cog, command, on_component
from core.context import Context
from core.delivery import Deliverer
from core.dispatcher import App
from core.errors import DeliveryFailed, UserError
from core.events import TeamFormed
from core.i18n import N_
from core.messages import Message
from core.permissions import Level
from core.refs import ChannelRef, CommunityRef, MessageRef
from storage.deliveries import DeliveryRepo

log = logging.getLogger(__name__)


def team_key(formation_id: int, number: int) -> str:
    """The delivery ledger's key of one team's intro."""
    return f"team:{formation_id}:{number}"


class CollabTeams(Cog):
    name = "collab_teams"
    module = "collab"
    groups = {"collab": N_("Collaboration: projects and teams")}

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.repo = MatchingRepo(self.services.store)
        self.teams = TeamRepo(self.services.store)
        self.ledger = DeliveryRepo(self.services.store)
        self.deliverer = Deliverer(self.ledger, self.now)
        self._resumes: set[asyncio.Task[None]] = set()
        self.cards = CardEditor()

    def now(self) -> datetime:
        return self.services.clock()

    async def setup(self) -> None:
        self.app.on_platform_ready(self._platform_ready)

    def _platform_ready(self, platform: str) -> None:
        """A platform (re)connected: finish formations a stopped process left halfway."""
        task = self.app.spawn(self.resume())
        self._resumes.add(task)
        task.add_done_callback(self._resumes.discard)

    async def ready(self) -> None:
        """Wait for resumed formations (tests and scripts)."""
        while self._resumes:
            await asyncio.gather(*list(self._resumes), return_exceptions=True)

    async def resume(self) -> None:
        try:
            for row in await self.teams.sending():
                community = await self.services.communities.get(row.community_id)
                if community is not None:
                    await self._send(community, row)
        except Exception as exc:
            if not self.services.store.health.outage(exc, "resuming team intros"):
                log.exception("resuming team intros failed")

    # ------------------------------------------------------------------ the event card
    @command("collab event", N_("Post an event card people join with “I'm in” (for /collab teams)"), options=[
        opt.string("title", N_("The event's name"), required=True, max_length=100),
        opt.string("details", N_("When and what, in a sentence"), max_length=400),
    ], level=Level.MODERATOR)
    async def event(self, ctx: Context, title: str, details: str | None = None) -> None:
        title = " ".join(title.split())
        if not title:
            raise UserError(N_("Give the event a title."))
        if ctx.channel is None:
            raise UserError(N_("Post the event card in a channel, not in a direct message."))
        event_id = await self.teams.create_event(ctx.community.id, ctx.member.id, title, (details or "").strip(),
                                                 self.now())
        try:
            card = texts.event_card(ctx.public_locale, event_id, title, (details or "").strip())  # public
            ref = await ctx.messenger.send(ctx.community, ctx.channel, card)
        except DeliveryFailed as exc:
            log.warning("event %s: card not posted in %s: %s", event_id, ctx.channel.channel_id, exc)
            raise UserError(N_("I could not post the event card here; check that I may write in this channel.")
                            ) from None
        await self.teams.set_card(event_id, ref.channel_id, ref.message_id)
        await ctx.reply(ctx._("Event {id} is posted. When people have joined: /collab teams event:{id} size:4",
                              id=event_id), ephemeral=True)

    @on_component(texts.EVENT_IN_ID)
    async def event_in(self, ctx: Context, event_id: str, values: list[str]) -> None:
        await self._sign_up(ctx, event_id, True)

    @on_component(texts.EVENT_OUT_ID)
    async def event_out(self, ctx: Context, event_id: str, values: list[str]) -> None:
        await self._sign_up(ctx, event_id, False)

    async def _sign_up(self, ctx: Context, event_id: str, going: bool) -> None:
        row = await self.teams.event(ctx.community.id, int(event_id)) if event_id.isdigit() else None
        if row is None:
            raise UserError(N_("This event no longer exists."))
        changed = await self.teams.sign_up(row.id, ctx.member.id, going, self.now())
        count = len(await self.teams.signed_up(row.id))
        text = (ctx._n("You're in for “{title}” ({n} person so far).", "You're in for “{title}” ({n} people so far).",
                       count, title=clean_name(row.title)) if going
                else ctx._("You're out of “{title}”.", title=clean_name(row.title)))
        await ctx.reply(text, ephemeral=True)
        if changed and row.message_id:
            await self._refresh_card(ctx, row)

    async def _refresh_card(self, ctx: Context, row: EventRow) -> None:
        """Show on the event card how many are in, counted when the edit runs (so the last edit counts last)."""

        async def render() -> Message:
            count = len(await self.teams.signed_up(row.id))
            return texts.event_card(ctx.public_locale, row.id, row.title, row.details, count)

        await self.cards.refresh(ctx.messenger, ctx.community,
                                 MessageRef(ctx.community.platform, row.channel_id, row.message_id), render,
                                 what=f"event {row.id}")

    # ------------------------------------------------------------------ forming teams
    @command("collab teams", N_("Form teams for an event or a group, preview first (moderators)"), options=[
        opt.integer("size", N_("People per team"), required=True, min_value=SIZE_MIN, max_value=SIZE_MAX),
        opt.string("needs", N_("Roles each team needs, e.g. developer*2, designer, domain"), max_length=400),
        opt.integer("event", N_("An event card's number: those who pressed “I'm in”"), min_value=1),
        opt.string("group", N_("Or a /match join group: its participants (empty: the intro round)"),
                   max_length=40),
    ], level=Level.MODERATOR)
    async def form(self, ctx: Context, size: int, needs: str | None = None, event: int | None = None,
                   group: str | None = None) -> None:
        cid = ctx.community.id
        try:
            need_list = parse_needs(needs, size)
        except NeedsError as exc:
            raise UserError(texts.NEEDS_ERRORS[exc.code], **exc.params) from None
        now = self.now()
        if event is not None:
            row = await self.teams.event(cid, event)
            if row is None:
                raise UserError(N_("There is no event {id}; /collab event posts one."), id=event)
            ids = await self.teams.signed_up(row.id)
            source, label = f"event:{row.id}", texts.source_label(ctx.locale, f"event:{row.id}", row.title)
        else:
            grp = clean_group(group)
            gone = await self.services.members.departed(cid)
            ids = [p.member_id for p in await self.repo.participants(cid, now, grp) if p.member_id not in gone]
            source, label = f"group:{grp}", texts.source_label(ctx.locale, f"group:{grp}")
        if not ids:
            raise UserError(N_("Nobody takes part in {source} yet."), source=label)
        await ctx.defer(ephemeral=True)
        cfg = await self.services.config.get(cid)
        members = await load_members(self.services, self.repo, cid, ids, use_activity=cfg.matching.use_activity)
        history = History(blocked=await self.repo.blocks(cid))
        options = options_for(cfg, now, f"{cid}:teams:{source}")
        try:
            plan: TeamPlan = await asyncio.to_thread(form_teams, list(members.values()), history, options,
                                                     size=size, needs=need_list)
        except NeedsError as exc:
            raise UserError(texts.NEEDS_ERRORS[exc.code], **exc.params) from None
        teams = [(t.members, dict(t.covers), t.missing) for t in plan.teams]
        fid = await self.teams.create_formation(cid, ctx.member.id, source, size, format_needs(need_list), teams, now)
        names = {m.id: m.name for m in members.values()}
        await ctx.reply(texts.preview(ctx.locale, fid, label, size, format_needs(need_list), teams, plan.unplaced,
                                      names, plan.uncovered), ephemeral=True)

    @on_component(texts.CANCEL_ID, level=Level.MODERATOR)
    async def cancel(self, ctx: Context, formation_id: str, values: list[str]) -> None:
        row = await self._formation(ctx, formation_id)
        if await self.teams.move(row.id, ("preview",), "cancelled", self.now()):
            await ctx.reply(ctx._("Cancelled: no team was introduced."), ephemeral=True)
        else:
            await ctx.reply(self._state(ctx, row.status), ephemeral=True)

    @on_component(texts.CONFIRM_ID, level=Level.MODERATOR)
    async def confirm(self, ctx: Context, formation_id: str, values: list[str]) -> None:
        row = await self._formation(ctx, formation_id)
        if not await self.teams.move(row.id, ("preview",), "sending", self.now()):
            await ctx.reply(self._state(ctx, row.status), ephemeral=True)
            return
        await ctx.defer(ephemeral=True)
        sent, failed = await self._send(ctx.community, row)
        text = ctx._n("Introduced {n} team.", "Introduced {n} teams.", sent)
        if failed:
            text += " " + ctx._n("{n} team could not be introduced (see the log).",
                                 "{n} teams could not be introduced (see the log).", failed)
        await ctx.reply(text, ephemeral=True)

    def _state(self, ctx: Context, status: str) -> str:
        if status == "cancelled":
            return ctx._("These teams were cancelled; run /collab teams again.")
        return ctx._("These teams are introduced already.")

    async def _formation(self, ctx: Context, formation_id: str) -> FormationRow:
        row = await self.teams.formation(ctx.community.id, int(formation_id)) if formation_id.isdigit() else None
        if row is None:
            raise UserError(N_("These teams no longer exist."))
        return row

    async def _send(self, community: CommunityRef, row: FormationRow) -> tuple[int, int]:
        """Introduce every team of a confirmed formation not introduced yet; (teams sent, teams failed)."""
        try:
            messenger = self.app.messenger(community.platform)
        except LookupError:
            log.warning("formation %s waits: no integration runs for %s", row.id, community.platform)
            return 0, 0
        cfg = await self.services.config.get(community.id)
        locale = cfg.community.language
        title = ""
        if row.source.startswith("event:") and row.source[6:].isdigit():
            found = await self.teams.event(community.id, int(row.source[6:]))
            title = found.title if found else ""
        label = texts.source_label(locale, row.source, title)
        channel = ChannelRef(community.platform, cfg.community.intro_channel) if cfg.community.intro_channel else None
        sent = failed = 0
        for team in await self.teams.teams(row.id):
            if team.status != "pending":
                continue
            refs = []
            for m in team.members:
                member = await self.services.members.get(m)
                if member is not None and member.active:
                    refs.append(member.ref)
            if len(refs) < 2:
                await self.teams.finish_team(row.id, team.number, "cancelled")
                continue
            people = [(r.user_id, r.display_name, team.covers.get(r.id)) for r in refs]
            message = texts.team_intro(locale, label, people, team.missing)
            try:
                delivery = await self.deliverer.introduce(messenger, community, team_key(row.id, team.number), refs,
                                                          message, channel=channel)
            except DeliveryFailed as exc:
                log.warning("team %s of formation %s could not be introduced: %s", team.number, row.id, exc.reason)
                await self.teams.finish_team(row.id, team.number, "failed")
                failed += 1
                continue
            if delivery.conversation is None:  # another process is introducing it right now
                continue
            await self.teams.finish_team(row.id, team.number, "sent", ",".join(delivery.conversation.channel_ids))
            sent += 1
            await self.app.emit(TeamFormed(key=community.key, community=community, at=self.now(),
                                           team=f"{row.id}:{team.number}", members=tuple(r.id for r in refs),
                                           covers={r.id: team.covers.get(r.id, "") for r in refs},
                                           source=row.source))
        if all(t.status != "pending" for t in await self.teams.teams(row.id)):
            await self.teams.move(row.id, ("sending",), "done", self.now())
        return sent, failed

    # ------------------------------------------------------------------ privacy
    async def forget_member(self, community_id: int, member_id: int) -> None:
        await self.teams.forget(community_id, member_id)


__all__ = ["CollabTeams", "team_key"]

