"""The drip after the greeting: a reminder to buddies, a nudge to inactive newcomers, a digest to moderators.

Each step is claimed by inserting its unique (community, member, step) row before anything is sent, so it goes out
once even across restarts; a step is only considered inside its window (see `pacing.drip_window`), so switching a
step on later does not flood members who joined long ago. Each step is switched off with 0 days. Every message goes
out through the delivery ledger (core/delivery.py): a step a crash cut off (claimed long ago, still sending) is
finished by the next run, which looks on the platform for what may have gone out before sending anything.

The digest names newcomers, so it never goes to a public channel: it goes to `welcome.digest_channel` (a channel
only moderators see) or, without one, by DM to the moderators Kindred knows: members tagged as staff and members
who changed Kindred's settings here, each checked to be a moderator still.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

from cogs.welcome import messages as msgs
from cogs.welcome.pacing import STUCK_AFTER, Activity, drip_window
from core.context import Messenger
from core.delivery import Deliverer
from core.errors import DeliveryFailed, DeliveryUnverified
from core.i18n import Translate, translator
from core.interfaces import MatchHistory
from core.messages import Message
from core.ports import MemberRecord
from core.refs import ChannelRef, CommunityRef, MemberRef
from core.services import Services
from core.settings import CommunityConfig
from storage.config_audit import ConfigAuditRepo
from storage.welcome import Status, Step, WelcomeRepo

log = logging.getLogger(__name__)

MAX_DIGEST_DMS = 10
IsModerator = Callable[[CommunityRef, MemberRef, Messenger], Awaitable[bool]]
BUSY = "busy"  # another process is sending this step right now: it records the outcome
DRIP_STEPS = (Step.BUDDY_REMINDED, Step.NUDGED, Step.DIGESTED)


def drip_key(step: Step, member_id: int) -> str:
    return f"drip:{step}:{member_id}"


def digest_key(member_ids: list[int]) -> str:
    """One digest stands for the newcomers it names: the same set gives the same key after a crash."""
    digest = hashlib.sha1(",".join(str(m) for m in sorted(member_ids)).encode()).hexdigest()[:16]
    return f"drip:digest:{digest}"


async def _nobody(_community: CommunityRef, _member: MemberRef, _messenger: Messenger) -> bool:
    return False


class Drip:
    """The day-N steps of onboarding for one process. `is_moderator` checks a member's level on the platform."""

    def __init__(self, services: Services, repo: WelcomeRepo, deliverer: Deliverer,
                 is_moderator: IsModerator = _nobody) -> None:
        self.services = services
        self.repo = repo
        self.deliverer = deliverer
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
        """Whether the matching feature (when it provides `MatchHistory`) has introduced this member to someone."""
        history = self.services.interface(MatchHistory)
        return history is not None and await history.was_matched(community_id, member_id)

    async def run(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger,
                  now: datetime) -> None:
        """Buddy reminders, the nudge and the digest that are due in one community (and those a crash cut off)."""
        _ = translator(cfg.community.language)
        await self.resume(community, cfg, messenger, now, _)
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
            if await self._claim(community, pair.newcomer_id, Step.BUDDY_REMINDED, now):
                await self._remind(community, cfg, messenger, pair.newcomer_id, pair.buddy_id, now, _)

    async def _remind(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger, newcomer_id: int,
                      buddy_id: int, now: datetime, _: Translate) -> None:
        """Remind the buddy by DM, or in the welcome channel when their DMs are closed (the claimed step)."""
        buddy = await self.services.members.get(buddy_id)
        newcomer = await self.services.members.get(newcomer_id)
        if buddy is None or newcomer is None or buddy.left_at is not None:
            await self._settle(community, newcomer_id, Step.BUDDY_REMINDED, Status.SKIPPED, "buddy_left", now)
            return
        days = cfg.welcome.buddy_reminder_days
        key = drip_key(Step.BUDDY_REMINDED, newcomer_id)
        detail = await self._send(messenger, community, key, buddy.ref,
                                  msgs.buddy_reminder(_, newcomer.display_name, days, newcomer.id), "dm")
        if detail.startswith(("dm_failed", "dm_closed")):
            detail = await self._to_channel(community, cfg, messenger, key, msgs.buddy_reminder(
                _, newcomer.display_name, days, newcomer.id, (buddy.user_id, buddy.display_name)))
        if detail == BUSY:
            return
        status = Status.DONE if detail in ("dm", "channel") else Status.FAILED
        if status == Status.FAILED:
            log.warning("could not remind buddy %s of newcomer %s in community %s: %s", buddy.id, newcomer.id,
                        community.id, detail)
        await self._settle(community, newcomer_id, Step.BUDDY_REMINDED, status, detail, now)

    async def _send(self, messenger: Messenger, community: CommunityRef, key: str, to: MemberRef | ChannelRef,
                    message: Message, done: str) -> str:
        """One drip message through the ledger; `done` when it went out (now or before a crash), else why not."""
        where = "dm" if isinstance(to, MemberRef) else "channel"
        try:
            delivery = await self.deliverer.send(messenger, community, key, to, message)
        except DeliveryUnverified as exc:  # it may have gone out: not sent again, nor elsewhere
            return f"unverified:{exc.reason}"[:60]
        except DeliveryFailed as exc:
            return f"{where}_failed:{exc.reason}"[:60]
        return done if delivery.delivered else BUSY

    async def _to_channel(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger, key: str,
                          message: Message) -> str:
        if not cfg.welcome.channel:
            return "no_channel"
        channel = ChannelRef(community.platform, cfg.welcome.channel, cfg.welcome.channel)
        return await self._send(messenger, community, key, channel, message, "channel")

    async def _inactive(self, community: CommunityRef, step: Step, day: int, now: datetime) -> AsyncIterator[int]:
        """The newcomers inside `step`'s window who are still inactive, each claimed for `step` as it is yielded
        (the nudge and the digest differ only in what they do with them); active ones are marked skipped."""
        before, after = drip_window(now, day)
        for newcomer in await self.repo.newcomers_without(community.id, step, before, after):
            activity = await self.activity(community.id, newcomer.member_id, newcomer.first_message_at is not None)
            if not activity.inactive:
                await self.repo.claim_step(community.id, newcomer.member_id, step, now,
                                           status=Status.SKIPPED, detail="active")
                continue
            if await self.services.members.get(newcomer.member_id) is not None and await self._claim(
                    community, newcomer.member_id, step, now):
                yield newcomer.member_id

    async def _nudge(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger, now: datetime,
                     _: Translate) -> None:
        async for member_id in self._inactive(community, Step.NUDGED, cfg.welcome.nudge_day, now):
            await self._nudge_one(community, cfg, messenger, member_id, now, _)

    async def _nudge_one(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger, member_id: int,
                         now: datetime, _: Translate) -> None:
        """The nudge by DM (a nudge is personal: never posted in public; the moderators' digest lists them)."""
        member = await self.services.members.get(member_id)
        if member is None:
            await self._settle(community, member_id, Step.NUDGED, Status.SKIPPED, "left", now)
            return
        buddy = await self.repo.buddy_of(community.id, member_id)
        detail = await self._send(messenger, community, drip_key(Step.NUDGED, member_id), member.ref,
                                  msgs.nudge(_, community.name, cfg.welcome.buddy and buddy is None), "dm")
        if detail == BUSY:
            return
        if detail != "dm":
            log.info("nudge to member %s in community %s not delivered (%s)", member.id, community.id, detail)
        await self._settle(community, member_id, Step.NUDGED, Status.DONE if detail == "dm" else Status.FAILED,
                           detail, now)

    async def _digest(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger, now: datetime,
                      _: Translate) -> None:
        stalled = [m async for m in self._inactive(community, Step.DIGESTED, cfg.welcome.digest_day, now)]
        if stalled:
            await self._send_digest(community, cfg, messenger, stalled, now, _)

    async def _send_digest(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger,
                           member_ids: list[int], now: datetime, _: Translate) -> None:
        """One digest naming these newcomers (their steps are claimed), to the moderators."""
        lines: list[tuple[str, int, list[str]]] = []
        for member_id in member_ids:
            member = await self.services.members.get(member_id)
            newcomer = await self.repo.newcomer(community.id, member_id)
            if member is None or newcomer is None:
                continue
            activity = await self.activity(community.id, member_id, newcomer.first_message_at is not None)
            lines.append((member.display_name, max(0, (now - newcomer.started_at).days), activity.missing()))
        message = msgs.digest(_, lines)
        detail = await self._to_moderators(community, cfg, messenger, digest_key(member_ids), message)
        if detail == BUSY:
            return
        status = Status.DONE if detail in ("channel", "dm") else Status.FAILED
        if status == Status.FAILED:
            log.warning("moderators' digest of %d stalled newcomers in community %s not delivered: %s",
                        len(member_ids), community.id, detail)
        for member_id in member_ids:
            await self._settle(community, member_id, Step.DIGESTED, status, detail, now)

    async def resume(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger, now: datetime,
                     _: Translate) -> None:
        """Finish drip steps a crash cut off (claimed long ago, still sending), through the ledger."""
        stuck = await self.repo.stuck(community.id, DRIP_STEPS, now - STUCK_AFTER)
        digested: list[int] = []
        for row in stuck:
            log.warning("drip step %s of member %s in community %s was interrupted by a restart; finishing it "
                        "(what already went out is not sent again)", row.step, row.member_id, community.id)
            if row.step == Step.BUDDY_REMINDED:
                pair = await self.repo.buddy_of(community.id, row.member_id)
                if pair is None:
                    await self._settle(community, row.member_id, Step.BUDDY_REMINDED, Status.SKIPPED, "no_buddy", now)
                else:
                    await self._remind(community, cfg, messenger, row.member_id, pair.buddy_id, now, _)
            elif row.step == Step.NUDGED:
                await self._nudge_one(community, cfg, messenger, row.member_id, now, _)
            else:
                digested.append(row.member_id)
        if digested:
            await self._send_digest(community, cfg, messenger, digested, now, _)

    async def moderators(self, community: CommunityRef, messenger: Messenger) -> list[MemberRecord]:
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

    async def _to_moderators(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger, key: str,
                             message: Message) -> str:
        """The digest to the moderators' channel, else by DM to each known moderator; returns how it went."""
        if cfg.welcome.digest_channel:
            channel = ChannelRef(community.platform, cfg.welcome.digest_channel, cfg.welcome.digest_channel)
            return await self._send(messenger, community, key, channel, message, "channel")
        outcomes = [await self._send(messenger, community, key, moderator.ref, message, "dm")
                    for moderator in await self.moderators(community, messenger)]
        if "dm" in outcomes:
            return "dm"
        return BUSY if BUSY in outcomes else "no_moderator_reached"
