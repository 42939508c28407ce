"""The drip after the greeting: a reminder to buddies, a nudge to inactive newcomers, a digest to moderators.

Each step is claimed by inserting its unique (community, member, step) row before anything is sent, so it goes out
once even across restarts; a step is only considered inside its window (see `pacing.drip_window`), so switching a
step on later does not flood members who joined long ago. Each step is switched off with 0 days.

The digest names newcomers, so it never goes to a public channel: it goes to `welcome.digest_channel` (a channel
only moderators see) or, without one, by DM to the moderators Kindred knows: members tagged as staff and members
who changed Kindred's settings here, each checked to be a moderator still.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from cogs.welcome import messages as msgs
from cogs.welcome.pacing import Activity, drip_window
from core.context import Messenger
from core.errors import DeliveryFailed
from core.i18n import Translate, translator
from core.messages import Message
from core.refs import ChannelRef, CommunityRef, MemberRef
from core.services import Services
from core.settings import CommunityConfig
from storage.config_audit import ConfigAuditRepo
from storage.members import MemberRow
from storage.welcome import Status, Step, WelcomeRepo

log = logging.getLogger(__name__)

MAX_DIGEST_DMS = 10
IsModerator = Callable[[CommunityRef, MemberRef, Messenger], Awaitable[bool]]


async def _nobody(_community: CommunityRef, _member: MemberRef, _messenger: Messenger) -> bool:
    return False


class Drip:
    """The day-N steps of onboarding for one process. `is_moderator` checks a member's level on the platform."""

    def __init__(self, services: Services, repo: WelcomeRepo, is_moderator: IsModerator = _nobody) -> None:
        self.services = services
        self.repo = repo
        self.is_moderator = is_moderator
        self.audit = ConfigAuditRepo(services.store)

    async def activity(self, community_id: int, member_id: int, posted: bool) -> Activity:
        profile = await self.services.profiles.get(member_id)
        buddy = await self.repo.buddy_of(community_id, member_id)
        matched = buddy is not None and buddy.contacted_at is not None
        if not matched:
            matched = await self._matched_elsewhere(community_id, member_id)
        return Activity(has_profile=profile is not None and not profile.empty, posted=posted, matched=matched)

    async def _matched_elsewhere(self, community_id: int, member_id: int) -> bool:
        """Whether the matching feature (when installed) has introduced this member to someone."""
        lookup = getattr(self.services.extras.get("matching"), "was_matched", None)
        if lookup is None:
            return False
        try:
            return bool(await lookup(community_id, member_id))
        except Exception:
            log.warning("matching lookup failed", exc_info=True)
            return False

    async def run(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger,
                  now: datetime) -> None:
        """Buddy reminders, the nudge and the digest that are due in one community."""
        _ = translator(cfg.community.language)
        if cfg.welcome.buddy_reminder_days > 0:
            await self._remind_buddies(community, cfg, messenger, now, _)
        if cfg.welcome.nudge_day > 0:
            await self._nudge(community, cfg, messenger, now, _)
        if cfg.welcome.digest_day > 0:
            await self._digest(community, cfg, messenger, now, _)

    async def _claim(self, community: CommunityRef, member_id: int, step: Step, now: datetime) -> bool:
        return await self.repo.claim_step(community.id, member_id, step, now, status=Status.SENDING)

    async def _settle(self, community: CommunityRef, member_id: int, step: Step, status: Status, detail: str,
                      now: datetime) -> None:
        await self.repo.update_step(community.id, member_id, step, status, detail, now)

    async def _remind_buddies(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger,
                              now: datetime, _: Translate) -> None:
        days = cfg.welcome.buddy_reminder_days
        before, after = drip_window(now, days)
        for pair in await self.repo.buddies_awaiting_reminder(community.id, before, after):
            buddy = await self.services.members.get(pair.buddy_id)
            newcomer = await self.services.members.get(pair.newcomer_id)
            if buddy is None or newcomer is None or not await self._claim(community, pair.newcomer_id,
                                                                           Step.BUDDY_REMINDED, now):
                continue
            if buddy.left_at is not None:
                await self._settle(community, pair.newcomer_id, Step.BUDDY_REMINDED, Status.SKIPPED, "buddy_left",
                                   now)
                continue
            message = msgs.buddy_reminder(_, newcomer.display_name, days, newcomer.id)
            try:
                await messenger.dm(community, buddy.ref, message)
                detail = "dm"
            except DeliveryFailed:
                detail = await self._to_channel(community, cfg, messenger, msgs.buddy_reminder(
                    _, newcomer.display_name, days, newcomer.id, (buddy.user_id, buddy.display_name)))
            status = Status.DONE if detail in ("dm", "channel") else Status.FAILED
            if status == Status.FAILED:
                log.warning("could not remind buddy %s of newcomer %s in community %s: %s", buddy.id, newcomer.id,
                            community.id, detail)
            await self._settle(community, pair.newcomer_id, Step.BUDDY_REMINDED, status, detail, now)

    async def _to_channel(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger,
                          message: Message) -> str:
        if not cfg.welcome.channel:
            return "no_channel"
        try:
            await messenger.send(community, ChannelRef(community.platform, cfg.welcome.channel,
                                                       cfg.welcome.channel), message)
            return "channel"
        except DeliveryFailed as exc:
            return f"channel_failed:{exc.reason}"[:60]

    async def _nudge(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger, now: datetime,
                     _: Translate) -> None:
        before, after = drip_window(now, cfg.welcome.nudge_day)
        for newcomer in await self.repo.newcomers_without(community.id, Step.NUDGED, before, after):
            activity = await self.activity(community.id, newcomer.member_id, newcomer.first_message_at is not None)
            if not activity.inactive:
                await self.repo.claim_step(community.id, newcomer.member_id, Step.NUDGED, now,
                                           status=Status.SKIPPED, detail="active")
                continue
            member = await self.services.members.get(newcomer.member_id)
            if member is None or not await self._claim(community, newcomer.member_id, Step.NUDGED, now):
                continue
            buddy = await self.repo.buddy_of(community.id, newcomer.member_id)
            try:
                await messenger.dm(community, member.ref,
                                   msgs.nudge(_, community.name, cfg.welcome.buddy and buddy is None))
                status, detail = Status.DONE, "dm"
            except DeliveryFailed as exc:
                # a nudge is personal: it is not posted in public; the moderators' digest lists the newcomer
                log.info("nudge to member %s in community %s not delivered (%s)", member.id, community.id,
                         exc.reason)
                status, detail = Status.FAILED, f"dm_failed:{exc.reason}"[:60]
            await self._settle(community, newcomer.member_id, Step.NUDGED, status, detail, now)

    async def _digest(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger, now: datetime,
                      _: Translate) -> None:
        before, after = drip_window(now, cfg.welcome.digest_day)
        stalled: list[tuple[int, str, int, list[str]]] = []
        for newcomer in await self.repo.newcomers_without(community.id, Step.DIGESTED, before, after):
            activity = await self.activity(community.id, newcomer.member_id, newcomer.first_message_at is not None)
            if not activity.inactive:
                await self.repo.claim_step(community.id, newcomer.member_id, Step.DIGESTED, now,
                                           status=Status.SKIPPED, detail="active")
                continue
            member = await self.services.members.get(newcomer.member_id)
            if member is None or not await self._claim(community, newcomer.member_id, Step.DIGESTED, now):
                continue
            days = max(0, (now - newcomer.started_at).days)
            stalled.append((member.id, member.display_name, days, activity.missing()))
        if not stalled:
            return
        message = msgs.digest(_, [(name, days, missing) for _id, name, days, missing in stalled])
        detail = await self._to_moderators(community, cfg, messenger, message)
        status = Status.DONE if detail in ("channel", "dm") else Status.FAILED
        if status == Status.FAILED:
            log.warning("moderators' digest of %d stalled newcomers in community %s not delivered: %s",
                        len(stalled), community.id, detail)
        for member_id, _name, _days, _missing in stalled:
            await self._settle(community, member_id, Step.DIGESTED, status, detail, now)

    async def moderators(self, community: CommunityRef, messenger: Messenger) -> list[MemberRow]:
        """The moderators Kindred knows here: staff and those who changed its settings, if still moderators."""
        candidates = {m.id: m for m in await self.services.members.staff(community.id)}
        for member_id in await self.audit.editors(community.id):
            if member_id not in candidates and (row := await self.services.members.get(member_id)) is not None:
                candidates[member_id] = row
        found = []
        for row in candidates.values():
            if row.left_at is not None or row.is_bot or row.community_id != community.id:
                continue
            if await self.is_moderator(community, row.ref, messenger):
                found.append(row)
            if len(found) >= MAX_DIGEST_DMS:
                break
        return found

    async def _to_moderators(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger,
                             message: Message) -> str:
        """The digest to the moderators' channel, else by DM to each known moderator; returns how it went."""
        if cfg.welcome.digest_channel:
            try:
                await messenger.send(community, ChannelRef(community.platform, cfg.welcome.digest_channel,
                                                           cfg.welcome.digest_channel), message)
                return "channel"
            except DeliveryFailed as exc:
                return f"channel_failed:{exc.reason}"[:60]
        reached = 0
        for moderator in await self.moderators(community, messenger):
            try:
                await messenger.dm(community, moderator.ref, message)
                reached += 1
            except DeliveryFailed as exc:
                log.info("digest DM to moderator %s in community %s not delivered (%s)", moderator.id,
                         community.id, exc.reason)
        return "dm" if reached else "no_moderator_reached"
