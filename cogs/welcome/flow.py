"""The onboarding engine: greetings after the delay, batched channel posts and buddies (the drip: drip.py).

No commands here (see cog.py) and no platform code: it reads the store, decides with the pure rules in
templates/buddy/pacing, and sends through the platform's `Messenger`. Everything due is found in the store by
`tick()`, which the cog's background loop calls when the next step is due, and tests call after moving a fake
clock, so that a restart loses nothing and nothing goes out twice: every greeting, channel post and buddy intro
goes out through the delivery ledger (core/delivery.py), and one a crash cut off is looked for on the platform
before it is sent again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cogs.welcome import messages as msgs
from cogs.welcome.buddy import Greeter, choose_buddy
from cogs.welcome.drip import Drip
from cogs.welcome.pacing import (
    CHANNEL_BATCH,
    CHANNEL_GAP,
    GREET_CHUNK,
    GREETING_BURST,
    GREETINGS_PER_SECOND,
    LOAD_WINDOW,
    MAX_LATE,
    STUCK_AFTER,
    WORK_WINDOW,
    channel_ready,
    seconds_until,
)
from cogs.welcome.store.repo import Status, Step, StepRow, WelcomeRepo
from cogs.welcome.templates import (
    Newcomer,
    Rendered,
    TemplateError,
    TemplateValues,
    clean_name,
    pick_variant,
    render,
    validate_template,
)
from core.background import PacedMessenger
from core.context import Messenger
from core.delivery import LEASE, Deliverer
from core.errors import DeliveryFailed, DeliveryUnverified, DMClosed
from core.events import BuddyAssigned, IntroSent, NewcomerGreeted
from core.i18n import Translate, translator
from core.messages import Message
from core.permissions import Level
from core.ports import MemberRecord
from core.refs import ChannelRef, CommunityRef, MemberRef, Platform
from core.settings import CommunityConfig
from storage.deliveries import DeliveryRepo

if TYPE_CHECKING:
    from core.dispatcher import App

log = logging.getLogger(__name__)
MODULE = "welcome"
POSTS = "greet-post:"  # ledger keys of batched channel greetings (their audience: the greeting steps)


def greet_key(step_id: int) -> str:
    return f"greet:{step_id}"


def buddy_key(newcomer_id: int) -> str:
    return f"buddy:{newcomer_id}"


@dataclass(frozen=True, slots=True)
class BuddyOutcome:
    """What happened when a newcomer asked for (or was given) a buddy."""

    status: str  # "assigned", "existing", "none_free", "failed"
    buddy: MemberRecord | None = None
    shared: tuple[str, ...] = ()


class Onboarding:
    """Greets, pairs and nudges newcomers of every community this process serves."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.services = app.services
        self.repo = WelcomeRepo(self.services.store)
        self.ledger = DeliveryRepo(self.services.store)
        self.deliverer = Deliverer(self.ledger, self.now)
        self.drip = Drip(self.services, self.repo, self.deliverer, self.is_moderator)
        self.rng = random.Random()
        self._lock = asyncio.Lock()
        self._buddy_lock = asyncio.Lock()
        self._last_post: dict[int, datetime] = {}
        self.pace = app.services.background.lane("greetings", max_size=1, rate=GREETINGS_PER_SECOND,
                                                 burst=GREETING_BURST)

    def now(self) -> datetime:
        return self.services.clock()

    def live_platforms(self) -> list[str]:
        """Platforms with a running integration (greetings for others wait until it is back)."""
        live = []
        for p in Platform:
            try:
                self.app.messenger(p.value)
                live.append(p.value)
            except LookupError:
                continue
        return live

    async def is_moderator(self, community: CommunityRef, member: MemberRef, messenger: Messenger) -> bool:
        return await self.app.level_of(community, member, messenger) >= Level.MODERATOR

    @staticmethod
    def switched_on(cfg: CommunityConfig) -> bool:
        return cfg.welcome.enabled and MODULE not in cfg.community.disabled_modules

    # ------------------------------------------------------------------ starting
    async def begin(self, community: CommunityRef, member: MemberRef, trigger: str) -> datetime | None:
        """A newcomer arrived (by the configured trigger): store a greeting due after the delay; returns when."""
        cfg = await self.services.config.get(community.id)
        if not self.switched_on(cfg) or member.is_bot or trigger != cfg.welcome.trigger:
            return None
        now = self.now()
        due = now + timedelta(seconds=cfg.welcome.delay_seconds)
        return due if await self.repo.start(community.id, member.id, trigger, now, due) else None

    # ------------------------------------------------------------------ the periodic work
    async def tick(self, *, drip: bool = True) -> None:
        """Do everything that is due now, in every community served by a running integration."""
        async with self._lock:
            now = self.now()
            if drip:
                await self.recover()
            live = set(self.live_platforms())
            for community_id in await self.repo.communities_with_work(now - WORK_WINDOW):
                community = await self.services.communities.get(community_id)
                if community is None or community.platform not in live:
                    continue
                messenger = PacedMessenger(self.app.messenger(community.platform), self.pace)
                try:
                    cfg = await self.services.config.get(community_id)
                    await self._greet_due(community, cfg, messenger, now)
                    await self._flush_channel(community, cfg, messenger, now)
                    if drip and self.switched_on(cfg):
                        await self.drip.run(community, cfg, messenger, now)
                except Exception as exc:
                    if not self.services.store.health.outage(exc, "welcome work"):
                        log.exception("welcome work failed in community %s", community_id)

    async def seconds_to_next(self) -> float:
        """How long the background loop may sleep before something is due."""
        now = self.now()
        platforms = self.live_platforms()
        due = await self.repo.next_due(platforms)
        for community_id in await self.repo.communities_waiting_for_channel(platforms):
            last = self._last_post.get(community_id)
            ready = now if last is None else last + CHANNEL_GAP
            due = ready if due is None else min(due, ready)
        return seconds_until(due, now)

    async def recover(self) -> None:
        """Greetings a crashed process left half-done (claimed long ago, never finished) are greeted again through
        the ledger, which sends only what did not go out. Runs at start-up and with the drip (drip steps a crash
        cut off are finished by the drip itself)."""
        now = self.now()
        for row in await self.repo.requeue_interrupted(now, now - STUCK_AFTER):
            log.warning("welcome step %s of member %s in community %s was interrupted by a restart; finishing it "
                        "(what already went out is not sent again)", row.step, row.member_id, row.community_id)

    # ------------------------------------------------------------------ greetings
    async def _greet_due(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger,
                         now: datetime) -> None:
        """Greet everyone due by `now`, a chunk at a time (never before the delay is over)."""
        while True:
            rows = await self.repo.due_greetings(community.id, now, limit=GREET_CHUNK)
            if not rows:
                return
            if not self.switched_on(cfg):
                await self.repo.finish([r.id for r in rows], Status.SKIPPED, "disabled", now)
                return
            claimed = await self.repo.claim([r.id for r in rows], now)
            if claimed:
                await self._greet_claimed(community, cfg, messenger, claimed, now)
            if len(rows) < GREET_CHUNK:
                return

    async def _greet_claimed(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger,
                             claimed: list[StepRow], now: datetime) -> None:
        _ = translator(cfg.community.language)
        people = await self.repo.members_by_id([r.member_id for r in claimed])
        with_profile = await self.repo.with_profile([r.member_id for r in claimed])
        begun = await self.ledger.existing(community.id, [greet_key(r.id) for r in claimed])
        base = await self.template_values(community, cfg, [], _)
        outcomes: list[tuple[int, Status, str]] = []
        greeted: list[int] = []
        for row in claimed:
            try:
                outcome = await self._greet_one(community, cfg, messenger, row, people.get(row.member_id),
                                                row.member_id in with_profile, base, now, _,
                                                resumed=greet_key(row.id) in begun)
            except Exception as exc:
                if not self.services.store.health.outage(exc, "a greeting"):
                    log.exception("greeting member %s in community %s failed", row.member_id, community.id)
                outcome = Status.FAILED, "error"
            if outcome is None:
                continue  # another process is greeting them right now and records it
            status, detail = outcome
            outcomes.append((row.id, status, detail))
            if status == Status.DONE:
                greeted.append(row.member_id)
            if len(outcomes) >= 50:  # write progress in batches (the ledger holds each greeting's own record)
                await self.repo.finish_each(outcomes, now)
                outcomes = []
        await self.repo.finish_each(outcomes, now)
        for member_id in greeted:
            await self._greeted(community, member_id, "dm", now)

    async def _greet_one(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger, row: StepRow,
                         member: MemberRecord | None, has_profile: bool, base: TemplateValues, now: datetime,
                         _: Translate, *, resumed: bool = False) -> tuple[Status, str] | None:
        """Greet one newcomer personally; returns the step's new status (CHANNEL: the channel post follows), or
        None when another process is sending the greeting right now. A greeting begun before a crash
        (`resumed`) is finished even when late: it may have gone out already."""
        if member is None or member.left_at is not None:
            return Status.SKIPPED, "left"
        if not resumed and row.due_at is not None and row.due_at < now - MAX_LATE:
            log.warning("greeting of member %s in community %s is more than a day overdue; skipped",
                        row.member_id, community.id)
            return Status.SKIPPED, "stale"
        ref = member.ref
        buddy_name, no_free = "", False
        if cfg.welcome.buddy:
            outcome = await self.find_buddy(community, ref, messenger, cfg, with_greeting=True)
            if outcome.buddy is not None:
                buddy_name = clean_name(outcome.buddy.display_name)
            no_free = outcome.status == "none_free"
        detail = ""
        if cfg.welcome.dm:
            message = self.personal_greeting_for(cfg, ref, has_profile, base, _, buddy_name=buddy_name,
                                                 no_greeter_free=no_free)
            try:
                delivery = await self.deliverer.send(messenger, community, greet_key(row.id), ref, message)
                if not delivery.delivered:
                    return None
                detail = "dm"
            except DMClosed:
                detail = "dm_closed"
            except DeliveryFailed as exc:
                detail = f"dm_failed:{exc.reason}"[:60]
        if cfg.welcome.channel:
            return Status.CHANNEL, detail  # the batched channel greeting follows (and is the fallback)
        if detail == "dm":
            return Status.DONE, detail
        log.warning("could not greet member %s in community %s: %s and no welcome channel is set; moderators "
                    "see it in /welcome status", row.member_id, community.id, detail or "DMs off")
        return Status.FAILED, f"{detail or 'dm_off'}+no_channel"

    async def _flush_channel(self, community: CommunityRef, cfg: CommunityConfig, messenger: Messenger,
                             now: datetime) -> None:
        """Post one batched channel greeting, if the channel's pace allows it now."""
        if not channel_ready(self._last_post.get(community.id), now):
            return
        await self._settle_interrupted_posts(community, messenger, now)
        rows = await self.repo.channel_queue(community.id, CHANNEL_BATCH)
        if not rows:
            return
        if not self.switched_on(cfg) or not cfg.welcome.channel:
            await self._settle_without_channel(community, rows, "no_channel", now)
            return
        people = await self.repo.members_by_id([r.member_id for r in rows])
        present: list[tuple[StepRow, MemberRecord]] = []
        gone: list[tuple[int, Status, str]] = []
        for row in rows:
            member = people.get(row.member_id)
            if member is None or member.left_at is not None:
                gone.append((row.id, Status.SKIPPED, f"{row.detail}+left".lstrip("+")))
            else:
                present.append((row, member))
        await self.repo.finish_each(gone, now)
        if not present:
            return
        _ = translator(cfg.community.language)
        newcomers = [(m.user_id, m.display_name) for _r, m in present]
        rendered = await self.render_greeting(community, cfg, [Newcomer(*n) for n in newcomers], _)
        message = msgs.channel_greeting(_, rendered, newcomers, cfg.welcome.buddy)
        channel = ChannelRef(community.platform, cfg.welcome.channel, cfg.welcome.channel)
        try:
            delivery = await self.deliverer.send(messenger, community, f"{POSTS}{present[0][0].id}", channel, message,
                                                 audience=[str(r.id) for r, _m in present])
        except DeliveryUnverified as exc:  # it may have gone out: never posted twice, reported
            log.warning("welcome channel post of community %s could not be verified (%s)", community.id, exc.reason)
            await self.repo.finish_each([(r.id, Status.DONE, f"{r.detail}+channel_unverified".lstrip("+"))
                                         for r, _m in present], now)
            return
        except DeliveryFailed as exc:
            if exc.retry_after:
                self._last_post[community.id] = now  # try again after the gap
                return
            log.warning("welcome channel %s of community %s refused the greeting (%s)", cfg.welcome.channel,
                        community.id, exc.reason)
            await self._settle_without_channel(community, [r for r, _m in present], "channel_failed", now)
            return
        self._last_post[community.id] = now
        if not delivery.delivered:
            return  # another process posts this batch and records it
        await self._posted(community, [r for r, _m in present], now)

    async def _posted(self, community: CommunityRef, rows: list[StepRow], now: datetime) -> None:
        await self.repo.finish_each([(r.id, Status.DONE, f"{r.detail}+channel".lstrip("+")) for r in rows], now)
        for row in rows:
            if row.detail != "dm":
                await self._greeted(community, row.member_id, "channel", now)

    async def _settle_interrupted_posts(self, community: CommunityRef, messenger: Messenger, now: datetime) -> None:
        """Channel greetings a crash cut off: the greetings of a post that went out are done; those of a post
        that did not stay queued and go into the next post."""
        for row in await self.ledger.unfinished(POSTS, now - LEASE, community_id=community.id):
            channel = ChannelRef(community.platform, row.recipient.removeprefix("ch:"))
            outcome = await self.deliverer.reconcile(messenger, community, row.key, channel)
            if outcome not in ("found", "earlier", "unknown"):
                continue
            waiting = await self.repo.channel_steps([int(i) for i in row.audience if i.isdigit()])
            if outcome == "unknown":
                log.warning("welcome channel post %s of community %s could not be verified", row.key, community.id)
                await self.repo.finish_each([(r.id, Status.DONE, f"{r.detail}+channel_unverified".lstrip("+"))
                                             for r in waiting], now)
            else:
                await self._posted(community, waiting, now)

    async def _settle_without_channel(self, community: CommunityRef, rows: list[StepRow], why: str,
                                      now: datetime) -> None:
        """Queued channel greetings that cannot be posted: fine for those greeted by DM, reported otherwise."""
        outcomes: list[tuple[int, Status, str]] = []
        for row in rows:
            if row.detail == "dm":
                outcomes.append((row.id, Status.DONE, "dm"))
            else:
                log.warning("could not greet member %s in community %s: %s (%s)", row.member_id, community.id,
                            why, row.detail or "DMs off")
                outcomes.append((row.id, Status.FAILED, f"{row.detail}+{why}".lstrip("+")))
        await self.repo.finish_each(outcomes, now)

    # ------------------------------------------------------------------ rendering
    def variants(self, cfg: CommunityConfig, _: Translate) -> list[str]:
        """The usable greeting variants (a bad one from config.toml is skipped and logged, never rendered)."""
        if list(cfg.welcome.messages) == [msgs.DEFAULT_GREETING]:
            return [_("Welcome to {community}, {member}! Tell us a little about yourself.")]
        good = []
        for text in cfg.welcome.messages:
            try:
                good.append(validate_template(text))
            except TemplateError:
                log.warning("skipping a welcome message that is not a valid template: %r", text[:80])
        return good or [_("Welcome to {community}, {member}! Tell us a little about yourself.")]

    async def template_values(self, community: CommunityRef, cfg: CommunityConfig, newcomers: list[Newcomer],
                              _: Translate) -> TemplateValues:
        staff = await self.repo.staff_names(community.id)
        roles = list(cfg.community.moderator_roles)
        moderators = msgs.join_names(_, staff or roles[:5]) or _("the moderators")
        return TemplateValues(
            newcomers=tuple(newcomers),
            community=community.name or _("our community"),
            member_count=await self.services.members.count(community.id),
            moderators=moderators,
            join_names=lambda names: msgs.join_names(_, names),
        )

    async def render_greeting(self, community: CommunityRef, cfg: CommunityConfig, newcomers: list[Newcomer],
                              _: Translate, template: str | None = None) -> Rendered:
        text = template or pick_variant(self.variants(cfg, _), self.rng)
        return render(text, await self.template_values(community, cfg, newcomers, _))

    def personal_greeting_for(self, cfg: CommunityConfig, member: MemberRef, has_profile: bool,
                              base: TemplateValues, _: Translate, *, buddy_name: str = "",
                              no_greeter_free: bool = False, template: str | None = None,
                              test: bool = False) -> Message:
        """The personal greeting from values computed once per batch (`test`: a moderator's /welcome test)."""
        text = template or pick_variant(self.variants(cfg, _), self.rng)
        rendered = render(text, replace(base, newcomers=(Newcomer(member.user_id, member.display_name),)))
        parts = msgs.GreetingParts(
            has_profile=has_profile,
            channel=cfg.welcome.channel,
            buddy_name=buddy_name,
            offer_buddy=cfg.welcome.buddy and not buddy_name,
            no_greeter_free=no_greeter_free,
            test=test,
        )
        return msgs.greeting_dm(_, rendered, parts)

    async def personal_greeting(self, community: CommunityRef, cfg: CommunityConfig, member: MemberRef,
                                _: Translate, *, buddy_name: str = "", no_greeter_free: bool = False,
                                template: str | None = None, test: bool = False) -> Message:
        profile = await self.services.profiles.get(member.id)
        base = await self.template_values(community, cfg, [], _)
        return self.personal_greeting_for(cfg, member, profile is not None and not profile.empty, base, _,
                                          buddy_name=buddy_name, no_greeter_free=no_greeter_free,
                                          template=template, test=test)

    # ------------------------------------------------------------------ buddies
    async def pick_buddy(self, community: CommunityRef, newcomer: MemberRef) -> tuple[Greeter, tuple[str, ...]] | None:
        """Who would be this newcomer's buddy now (nothing is stored)."""
        now = self.now()
        pool = await self.repo.greeters(community.id)
        if not pool:
            return None
        loads = await self.repo.loads(community.id, now - LOAD_WINDOW)
        mine = await self.services.profiles.get(newcomer.id)
        greeters = []
        for g in pool:
            prof = await self.services.profiles.get(g.member_id)
            greeters.append(Greeter(g.member_id, g.capacity, loads.get(g.member_id, 0), prof.facets if prof else {}))
        choice = choose_buddy(newcomer.id, mine.facets if mine else {}, greeters, at=now, rng=self.rng)
        return (choice.greeter, choice.shared) if choice else None

    async def find_buddy(self, community: CommunityRef, newcomer: MemberRef, messenger: Messenger,
                         cfg: CommunityConfig, *, with_greeting: bool = False) -> BuddyOutcome:
        """Give the newcomer a buddy from the greeter pool and introduce them (once per newcomer). With the
        greeting, the engagement log hears of the buddy through the `greeted` event; later, through its own.
        An assignment whose intro a crash cut off (no conversation recorded) is finished, not made again."""
        async with self._buddy_lock:
            existing = await self.repo.buddy_of(community.id, newcomer.id)
            if existing is not None:
                buddy = await self.services.members.get(existing.buddy_id)
                if existing.conversation or buddy is None:
                    return BuddyOutcome("existing", buddy)
                shared: tuple[str, ...] = ()
            else:
                picked = await self.pick_buddy(community, newcomer)
                if picked is None:
                    log.info("no greeter with room for member %s in community %s", newcomer.id, community.id)
                    return BuddyOutcome("none_free")
                greeter, shared = picked
                buddy = await self.services.members.get(greeter.member_id)
                if buddy is None or not await self.repo.assign_buddy(community.id, newcomer.id, greeter.member_id,
                                                                     self.now()):
                    return BuddyOutcome("failed")
        now = self.now()
        _ = translator(cfg.community.language)
        intro = msgs.buddy_intro(_, (newcomer.user_id, newcomer.display_name), (buddy.user_id, buddy.display_name),
                                 community.name, shared, newcomer.id)
        where = (ChannelRef(community.platform, cfg.community.intro_channel, cfg.community.intro_channel)
                 if cfg.community.intro_channel else None)
        try:
            delivery = await self.deliverer.introduce(messenger, community, f"{buddy_key(newcomer.id)}:{buddy.id}",
                                                      [newcomer, buddy.ref], intro, channel=where)
        except DeliveryUnverified as exc:  # it may have gone out: the assignment stands, reported
            log.warning("the intro of member %s to buddy %s in community %s could not be verified (%s)",
                        newcomer.id, buddy.id, community.id, exc.reason)
            await self.repo.set_conversation(community.id, newcomer.id, "unverified")
            return BuddyOutcome("existing", buddy)
        except Exception as exc:  # no intro, no assignment: the newcomer can be offered a buddy again
            if isinstance(exc, DeliveryFailed):
                log.warning("could not introduce member %s to buddy %s in community %s (%s)", newcomer.id,
                            buddy.id, community.id, exc.reason)
            elif not self.services.store.health.outage(exc, "a buddy intro"):
                log.exception("introducing member %s to buddy %s failed", newcomer.id, buddy.id)
            await self.repo.unassign_buddy(community.id, newcomer.id)
            return BuddyOutcome("failed")
        conversation = delivery.conversation
        if conversation is None:  # another process is introducing them right now
            return BuddyOutcome("existing", buddy)
        conv_ids = ",".join(conversation.channel_ids)
        await self.repo.set_conversation(community.id, newcomer.id, conv_ids)
        await self.record(community, newcomer.id, Step.BUDDY_ASSIGNED, detail=str(buddy.id))
        await self.app.emit(IntroSent(key=community.key, community=community, at=now, members=(newcomer.id, buddy.id),
                                      conversation=conversation.kind, intro=conv_ids[:200]))
        await self.app.emit(BuddyAssigned(key=community.key, community=community, at=now, member_id=newcomer.id,
                                          buddy_id=buddy.id, with_greeting=with_greeting))
        return BuddyOutcome("assigned", buddy, shared)

    # ------------------------------------------------------------------ steps and the funnel
    async def record(self, community: CommunityRef, member_id: int, step: Step, *, status: Status = Status.DONE,
                     detail: str = "") -> bool:
        """Record a step of a newcomer once (no-op for members who are not being onboarded)."""
        if await self.repo.newcomer(community.id, member_id) is None:
            return False
        return await self.repo.claim_step(community.id, member_id, step, self.now(), status=status, detail=detail)

    async def _greeted(self, community: CommunityRef, member_id: int, via: str, at: datetime) -> None:
        """Tell the other features (the engagement log) a newcomer was greeted (with their buddy, when one was
        assigned)."""
        buddy = await self.repo.buddy_of(community.id, member_id)
        await self.app.emit(NewcomerGreeted(key=community.key, community=community, at=at, member_id=member_id,
                                            via=via, buddy_id=buddy.buddy_id if buddy else None))
