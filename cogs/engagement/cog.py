"""The engagement log itself: recording platform events, `/thanks`, erasure and the retention purge.

The recorder (and its batched writer) starts in `setup` and is flushed in `teardown`. Other features never
import this package: they emit typed events the cog subscribes to (cogs/engagement/from_features.py), and ask
for activity levels through the `ActivityLevels` interface (core/interfaces.py) the recorder provides.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

from cogs.engagement.crm import AccountId, match_records
from cogs.engagement.from_features import FEATURE_EVENTS, record_feature_event
from cogs.engagement.kinds import ACTIVE_KINDS, Kind
from cogs.engagement.recorder import Recorder, _without_members
from cogs.engagement.store.crm import CrmRepo
from cogs.engagement.store.events import EventRepo
from cogs.engagement.store.groups import GroupRepo
from cogs.engagement.store.identity import IdentityRepo
from cogs.engagement.store.link_requests import LinkRequestRepo
from core import options as opt
from core.commands import Cog, command, on_event
from core.context import Context
from core.dispatcher import App
from core.errors import UserError
from core.events import CommandUsed, Event, MemberJoined, MemberLeft, MessagePosted, ProfileUpdated, ReactionAdded
from core.i18n import N_
from core.interfaces import ActivityLevels
from core.messages import Message
from core.refs import MemberRef
from core.scheduling import Cron

log = logging.getLogger(__name__)

PURGE_JOB = "engagement.purge"  # nightly, in one process of those sharing the store


class Engagement(Cog):
    name = "engagement"
    module = "engagement"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.recorder = Recorder(self.services)
        self.events = EventRepo(self.services.store)
        self.identity = IdentityRepo(self.services.store)
        self._thanked: dict[tuple[int, int], str] = {}

    async def setup(self) -> None:
        self.services.provide(ActivityLevels, self.recorder)
        await self.recorder.start()
        # Process-wide, and not skipped where the module is off: retention is owed to the people in the log.
        # A failure (a store outage said once by storage/health.py) gives the night's claim back to the others.
        self.services.jobs.schedule(PURGE_JOB, Cron(hour=3, minute=17), self.purge_all, once=True)

    async def teardown(self) -> None:
        self.services.jobs.cancel(PURGE_JOB)
        await self.recorder.close()
        self.services.withdraw(ActivityLevels, self.recorder)

    @on_event(MemberJoined, MemberLeft, MessagePosted, ReactionAdded, CommandUsed, ProfileUpdated)
    def log_event(self, event: Event) -> Awaitable[None] | None:
        """A plain function (see `core.commands.on_event`): this runs for every message."""
        return self.recorder.take(event)

    @on_event(*FEATURE_EVENTS)
    async def feature_event(self, event: Event) -> None:
        """What matching and welcome tell the log (intros, check-in answers, greetings, buddies)."""
        await record_feature_event(self.recorder, event)

    # ------------------------------------------------------------------ /thanks
    @command("thanks", N_("Thank someone who helped you (helping others is what makes a community)"),
             options=[opt.member("member", N_("Who helped you"), required=True),
                      opt.string("for", N_("What for (optional)"), max_length=200)])
    async def thanks(self, ctx: Context, member: MemberRef, **rest: Any) -> None:
        reason = (rest.get("for") or "").strip()
        if reason.lower().startswith("for "):  # "/thanks @ana for the review" typed without the option name
            reason = reason[4:].strip()
        if member.id == ctx.member.id:
            raise UserError(N_("You can't thank yourself, but thanks for being here!"))
        if member.is_bot:
            raise UserError(N_("Bots don't need thanks. Thank the person who helped you."))
        now = self.services.clock()
        day = now.astimezone(UTC).strftime("%Y-%m-%d")
        pair = (ctx.member.id, member.id)
        start = datetime(now.year, now.month, now.day, tzinfo=UTC)
        if self._thanked.get(pair) == day or await self.events.exists(
            ctx.community.id, ctx.member.id, Kind.THANKS, target_id=member.id, since=start
        ):
            raise UserError(N_("You already thanked {name} today. Thanks count once a day per person."),
                            name=member.display_name)
        self._thanked[pair] = day
        if len(self._thanked) > 50_000:
            self._thanked.clear()
        await self.recorder.record(ctx.community.id, ctx.member.id, Kind.THANKS, at=now, target_id=member.id,
                                   channel=ctx.channel.channel_id if ctx.channel else None,
                                   dedupe=f"thanks:{ctx.member.id}:{member.id}:{day}", reason=reason or None)
        if reason:
            text = ctx.public_("🙏 {giver} thanked {member} for: {reason}", giver=ctx.member.display_name,
                         member=member.mention, reason=reason)
        else:
            text = ctx.public_("🙏 {giver} thanked {member} for their help.", giver=ctx.member.display_name,
                         member=member.mention)
        await ctx.reply(Message(text=text, mentions=(member.user_id,)))

    # ------------------------------------------------------------------ privacy and retention
    async def forget_member(self, community_id: int, member_id: int) -> None:
        """Anonymise the member's events (counts stay) and drop CRM rows that name the account."""
        self.recorder.forget(member_id)
        self.recorder.writer.rewrite(lambda row: _anonymised(row, member_id))
        await self.recorder.flush(within=10.0)
        await self.events.anonymise(member_id)
        account = await self.identity.account(member_id)
        if account is not None:
            await forget_crm(CrmRepo(self.services.store), account.platform, account.user_id, account.username)

    async def purge_all(self, now: datetime | None = None) -> int:
        """Roll up and delete raw events older than each community's retention; expired codes go too, and
        unanswered link requests expire."""
        now = now or self.services.clock()
        total = 0
        await self.recorder.flush(within=10.0)
        for community in await self.services.communities.all():
            days = (await self.services.config.get(community.id)).engagement.retention_days
            cutoff = (now - timedelta(days=days)).astimezone(UTC)
            cutoff = datetime(cutoff.year, cutoff.month, cutoff.day, tzinfo=UTC)  # whole days only
            try:
                n = await self.events.purge(community.id, cutoff, ACTIVE_KINDS)
            except Exception as exc:
                if not self.services.store.health.outage(exc, "the engagement purge"):
                    log.exception("engagement purge failed for community %s", community.id)
                continue
            if n:
                log.info("engagement: purged %d events older than %s in community %s", n, cutoff.date(),
                         community.id)
            total += n
        await self.identity.purge_codes(now)
        await GroupRepo(self.services.store).purge_codes(now)
        await LinkRequestRepo(self.services.store).expire(now)
        await self.events.purge_batch_marks(now - timedelta(days=2))
        return total


def _anonymised(row: tuple[Any, ...], member_id: int) -> tuple[Any, ...]:
    """A queued row without the member: as actor or target it loses who, where and the metadata (the same as
    `EventRepo.anonymise` does in the store); named in a metadata list (a group), the id leaves the list."""
    if row[2] == member_id:
        return (*row[:2], None, row[3], row[4], None, None, *row[7:9], None, None, None)
    if row[6] == member_id:
        return (*row[:6], None, *row[7:9], None, row[10], None)
    meta = row[9]
    if isinstance(meta, str):  # queued in the stored form (SQLite): JSON text
        if str(member_id) not in meta:
            return row
        parsed = json.loads(meta)
        if any(isinstance(v, list) and member_id in v for v in parsed.values()):
            kept = _without_members(parsed, {member_id})
            return (*row[:9], json.dumps(kept) if kept else None, *row[10:])
        return row
    if meta and any(isinstance(v, list) and member_id in v for v in meta.values()):
        return (*row[:9], _without_members(meta, {member_id}), *row[10:])
    return row


async def forget_crm(repo: CrmRepo, platform: str, user_id: str, username: str) -> int:
    """Delete CRM records that identify this account (the person asked to be erased everywhere)."""
    records = await repo.all()
    matches = match_records(records, [AccountId(0, platform, user_id, username)])
    return await repo.delete_ids([records[i].id for i in matches])
