"""Running rounds: claim (exactly once), plan (off the event loop), store the plan, send the intros, and
pick up rounds a crashed process left behind (the halfway check-ins are in checkins.py).

The unique (community, group, period) row decides who runs a round. The plan is stored in one transaction
before anything is sent, so a restart never plans a round twice; each intro is claimed before it is sent, so
two processes never send the same intro; and each goes out through the delivery ledger (core/delivery.py), so
an intro a dead process may or may not have sent is looked for on the platform before it is sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cogs.matching import messages as msgs
from cogs.matching.checkins import CheckIns
from cogs.matching.engine import History, MatchOptions, Member, RoundPlan, plan_round
from cogs.matching.learner import Learner, intro_components
from cogs.matching.people import HISTORY_ROUNDS, load_members, options_for
from cogs.matching.schedule import checkin_at, last_fire, member_due, period_key
from cogs.matching.store.recovery import requeue_single_intro, stuck_single_intros
from cogs.matching.store.repo import IntroRow, MatchingRepo, Participant, PlannedIntro, RoundRow
from cogs.matching.texts import UNPLACED
from core import metrics
from core.delivery import LEASE, Deliverer
from core.dispatcher import App
from core.errors import DeliveryFailed
from core.events import IntroSent
from core.i18n import gettext
from core.messages import Message
from core.refs import ChannelRef, CommunityRef, MemberRef
from core.settings import CommunityConfig
from storage.deliveries import DeliveryRepo

log = logging.getLogger(__name__)

STALE = timedelta(minutes=2)  # a round whose holder has not beaten for this long is taken over
HEARTBEAT_EVERY = 20  # intros between heartbeats while sending
HEARTBEAT_SECONDS = 20.0  # heartbeat period while a round is planned and stored
RECENT_REQUESTS = timedelta(days=28)
LEDGER_KEPT = timedelta(days=90)  # finished delivery-ledger rows are dropped after this
TIME_LEAD = timedelta(hours=12)  # an intro's first suggested meeting time is at least this far ahead


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything one round's plan was made from, kept to persist and to preview it."""

    plan: RoundPlan
    members: dict[int, Member]
    skipped: tuple[int, ...]  # taking part, but sitting this round out (cadence)
    components: tuple[dict[str, float] | None, ...] = ()  # per intro, what learning reads (when asked for)


class RoundRunner:
    def __init__(self, app: App, repo: MatchingRepo) -> None:
        self.app = app
        self.services = app.services
        self.repo = repo
        self.token = uuid.uuid4().hex
        self.ledger = DeliveryRepo(self.services.store)
        self.deliverer = Deliverer(self.ledger, self.now, token=self.token)
        self.checkins = CheckIns(self)
        self.learner = Learner(self.services)

    def now(self) -> datetime:
        return self.services.clock()

    # ------------------------------------------------------------------ planning
    async def participants(self, community_id: int, now: datetime, grp: str | None = None) -> list[Participant]:
        """Members taking part now who are still in the community. A member who left keeps their choice to take
        part, which counts again when they come back, but no round plans, counts or waits for them meanwhile."""
        parts = await self.repo.participants(community_id, now, grp)
        if not parts:
            return parts
        gone = await self.services.members.departed(community_id)
        return [p for p in parts if p.member_id not in gone] if gone else parts

    async def prepare(self, community_id: int, grp: str, cfg: CommunityConfig, now: datetime,
                      salt: str = "", round_index: int | None = None, *, components: bool = False) -> Prepared:
        """Who takes part now, their history, blocks and priority -> the engine's plan (run in a thread), with
        the community's learned weights; `components`: also each intro's learning components (to store)."""
        parts = await self.participants(community_id, now, grp)
        last_at = await self.repo.last_round_dates(community_id)
        due = [p for p in parts if member_due(p.cadence, last_at.get(p.member_id), now)]
        skipped = tuple(p.member_id for p in parts if p not in due)
        members = await load_members(self.services, self.repo, community_id, [p.member_id for p in due],
                                     use_activity=cfg.matching.use_activity)
        horizon = max(cfg.matching.exclude_recent_rounds, HISTORY_ROUNDS)
        current, rounds = await self.repo.history(community_id, grp, horizon, round_index)
        recent = await self._recent_request_groups(community_id, now)
        if recent:
            rounds = {**rounds, current - 1: [*rounds.get(current - 1, []), *recent]}
        history = History(current_round=current, rounds=rounds, blocked=await self.repo.blocks(community_id))
        priority = await self._priority(community_id, grp)
        base = options_for(cfg, now, salt or f"{community_id}:{grp}:{current}")
        options = await self.learner.options(community_id, cfg, base)
        people = list(members.values())
        plan, comps = await asyncio.to_thread(_plan_with_components, people, history, options, priority,
                                              base if components else None)
        return Prepared(plan, members, skipped, comps)

    async def _recent_request_groups(self, community_id: int, now: datetime) -> list[tuple[int, ...]]:
        """People introduced on request lately count as just met (no round partner right after)."""
        return await self.repo.met_pairs(community_id, now - RECENT_REQUESTS)

    async def _priority(self, community_id: int, grp: str) -> set[int]:
        """Members left out of, or put in a group of another than the planned size in, the group's last
        finished round."""
        for rnd in await self.repo.rounds(community_id, grp, limit=5):
            if rnd.status == "done":
                outcomes = await self.repo.outcomes(rnd.id)
                return {m for m, (outcome, _r) in outcomes.items() if outcome in ("trio", "odd", "unplaced")}
        return set()

    # ------------------------------------------------------------------ running
    async def run_due(self, community_id: int, scheduled_for: datetime | None = None) -> list[RoundRow]:
        """Run the period's round for every group of the community (a no-op for periods already run)."""
        community = await self._community(community_id)
        cfg = await self.services.config.get(community_id)
        m = cfg.matching
        when = scheduled_for or last_fire(self.now(), m.day, m.hour, m.timezone)
        period = period_key(when, m.cadence, m.timezone)
        groups = sorted({p.grp for p in await self.participants(community_id, self.now())})
        done = []
        for grp in groups:
            rnd = await self.run_round(community, grp, period, when, cfg)
            if rnd is not None:
                done.append(rnd)
        return done

    async def run_round(self, community: CommunityRef, grp: str, period: str, scheduled_for: datetime,
                        cfg: CommunityConfig | None = None) -> RoundRow | None:
        """Claim, plan, store and send one round; None when it ran (or runs) elsewhere already."""
        cfg = cfg or await self.services.config.get(community.id)
        now = self.now()
        rnd = await self.repo.claim_round(community.id, grp, period, scheduled_for, now, self.token)
        if rnd is None:
            return None
        log.info("round %s/%r/%s claimed (#%d)", community.id, grp, period, rnd.round_index)
        return await self._plan_and_send(community, rnd, cfg)

    async def _plan_and_send(self, community: CommunityRef, rnd: RoundRow, cfg: CommunityConfig) -> RoundRow:
        started = time.perf_counter()
        beat = asyncio.create_task(self._beat(rnd.id))
        try:
            stored = await self._plan(community, rnd, cfg)
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        if stored is None:
            return rnd
        if await self.send_pending(community, rnd, cfg, fresh=True) is not None:
            await self._tell_unplaced(community, rnd, cfg)
        outcomes = await self.repo.outcomes(rnd.id)
        unplaced = sum(1 for outcome, _reason in outcomes.values() if outcome == "unplaced")
        metrics.round_done(time.perf_counter() - started, len(outcomes) - unplaced, unplaced)
        return await self.repo.round(rnd.id) or rnd

    async def _beat(self, round_id: int) -> None:
        """Keep the round's heartbeat fresh while it is planned and stored: a large community's plan can take
        longer than `STALE`, and without a beat another process would take the round over and plan it again."""
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            if not await self.repo.update_round(round_id, self.token, heartbeat_at=self.now()):
                return

    async def _plan(self, community: CommunityRef, rnd: RoundRow, cfg: CommunityConfig) -> Sequence[Any] | None:
        """Plan the round and store the plan (with each member's outcome, the unplaced ones' reasons included);
        the members who could not be placed, or None when the round was lost before its plan was stored."""
        now = self.now()
        await self._learn(community.id, rnd, cfg)
        prepared = await self.prepare(community.id, rnd.grp, cfg, now, salt=f"{community.id}:{rnd.grp}:{rnd.period}",
                                      round_index=rnd.round_index, components=True)
        result = prepared.plan.result
        outcomes: dict[int, tuple[str, str]] = {}
        size = cfg.matching.group_size
        for g in result.groups:
            # "pair"/"group": the planned size; "trio"/"odd": a group of another size, which earns priority
            n = len(g.members)
            outcome = ("pair" if size == 2 else "group") if n == size else ("trio" if n == 3 else "odd")
            for m in g.members:
                outcomes[m] = (outcome, "")
        for u in result.unplaced:
            outcomes[u.member] = ("unplaced", u.reason)
        comps = prepared.components or (None,) * len(prepared.plan.intros)
        intros = [PlannedIntro(i.members, i.score, [list(p) for p in i.reason], [list(p) for p in i.starters], c)
                  for i, c in zip(prepared.plan.intros, comps, strict=True)]
        due = checkin_at(now, cfg.matching.cadence) if cfg.matching.checkin else None
        if not await self.repo.save_plan(rnd, self.token, intros, outcomes, now, due):
            log.warning("round %s lost its claim before the plan was stored", rnd.id)
            return None
        return result.unplaced

    async def _learn(self, community_id: int, rnd: RoundRow, cfg: CommunityConfig) -> None:
        """The community's learning step before its round is planned: a failure costs this round its update
        (it plans with the belief stored so far), never the round."""
        try:
            await self.learner.step(community_id, rnd.id, cfg)
        except Exception as exc:
            if not self.services.store.health.outage(exc, "the learning step of a round"):
                log.exception("learning step of community %s failed", community_id)

    async def send_pending(self, community: CommunityRef, rnd: RoundRow, cfg: CommunityConfig, *,
                           fresh: bool = False) -> int | None:
        """Send every pending intro of the round (each claimed first) and finish the round. None when no
        integration runs for the community's platform: the round is left for when one does (its heartbeat
        stops, and recovery takes it over once the platform is connected). `fresh`: this process planned the
        round just now, so no intro of it was ever tried."""
        try:
            self.app.messenger(community.platform)
        except LookupError:
            log.warning("round %s waits: no integration runs for %s", rnd.id, community.platform)
            return None
        sent = 0
        for k, intro in enumerate(await self.repo.round_intros(rnd.id, "pending")):
            if k and k % HEARTBEAT_EVERY == 0:
                await self.repo.update_round(rnd.id, self.token, heartbeat_at=self.now())
            if await self.send_intro(community, intro, cfg, fresh=fresh):
                sent += 1
        await self.repo.update_round(rnd.id, self.token, status="done", finished_at=self.now(),
                                     heartbeat_at=self.now())
        return sent

    async def send_intro(self, community: CommunityRef, intro: IntroRow, cfg: CommunityConfig,
                         note: str = "", *, fresh: bool = False) -> bool:
        """Claim one intro and open its conversation. False when someone else has it or delivery failed.

        The claim (pending -> sending) fences the intro: only a process that took its round over puts it back
        to pending, so the ledger row an earlier holder left is taken over at once and read back first.
        `fresh`: the intro was made by this process moments ago and never tried (the ledger is not asked).
        An intro of a group's round (`/match join group:...`) names the group."""
        try:
            messenger = self.app.messenger(community.platform)
        except LookupError:
            log.warning("intro %s waits: no integration runs for %s", intro.id, community.platform)
            return False
        if not await self.repo.claim_intro(intro.id, self.token):
            return False
        refs = await self.refs(intro.members)
        if len(refs) < 2:  # someone left after the plan was made: nobody left to introduce to
            log.info("intro %s cancelled: its members left", intro.id)
            await self.repo.finish_intro(intro.id, "cancelled", self.now())
            return False
        profiles = {m: await self.services.profiles.get(m) for m in intro.members}
        people = [(r.user_id, r.display_name, (p.first("timezone") if (p := profiles[r.id]) else None))
                  for r in refs]
        locale = cfg.community.language
        rnd = await self.repo.round(intro.round_id) if intro.round_id is not None else None
        group = rnd.grp if rnd is not None else ""
        after = self.now() + TIME_LEAD  # suggested times must not have passed, and leave time to plan
        message = msgs.intro_message(locale, people, intro.reason, intro.starters, after,
                                     cfg.matching.timezone, note=note, group=group)
        channel = ChannelRef(community.platform, cfg.community.intro_channel) if cfg.community.intro_channel else None
        try:
            delivery = await self.deliverer.introduce(messenger, community, intro_key(intro.id), refs, message,
                                                      channel=channel, force=True, fresh=fresh)
        except DeliveryFailed as exc:
            log.warning("intro %s could not be delivered: %s", intro.id, exc.reason)
            await self.repo.finish_intro(intro.id, "failed", self.now())
            return False
        conv = delivery.conversation
        if conv is None:  # another process took it over this very moment; it finishes the intro
            return False
        await self.repo.finish_intro(intro.id, "sent", self.now(), ",".join(conv.channel_ids))
        await self.app.emit(IntroSent(key=community.key, community=community, at=self.now(),
                                      members=tuple(r.id for r in refs), conversation=conv.kind,
                                      intro=str(intro.id), match=intro.kind,
                                      round=rnd.round_index if rnd is not None else None))
        return True

    async def _tell_unplaced(self, community: CommunityRef, rnd: RoundRow, cfg: CommunityConfig) -> None:
        """Someone who could not be placed hears why (and that they have priority next time), once: the reasons
        are read from the stored plan, so a round taken over after a crash tells those not told yet."""
        unplaced = [(m, reason) for m, (outcome, reason) in (await self.repo.outcomes(rnd.id)).items()
                    if outcome == "unplaced"]
        if not unplaced:
            return
        messenger = self.app.messenger(community.platform)
        for member_id, reason in sorted(unplaced):
            row = await self.services.members.get(member_id)
            if row is None:
                continue
            text = gettext(cfg.community.language, UNPLACED.get(reason, UNPLACED["no_free_partner"]))
            try:
                await self.deliverer.send(messenger, community, f"unplaced:{rnd.id}:{member_id}", row.ref,
                                          Message(text=text))
            except DeliveryFailed:
                log.info("could not tell member %s they were not placed", member_id)

    async def refs(self, ids: Sequence[int], *, present: bool = True) -> list[MemberRef]:
        """The members as references; by default only those still in the community (nothing is sent to a
        member who left)."""
        refs = []
        for m in ids:
            row = await self.services.members.get(m)
            if row is not None and (row.active or not present):
                refs.append(row.ref)
        return refs

    async def _community(self, community_id: int) -> CommunityRef:
        found = await self.services.communities.get(community_id)
        if found is None:
            raise LookupError(f"community {community_id} not found")
        return found

    # ------------------------------------------------------------------ recovery and check-ins
    async def recover(self) -> int:
        """Take over rounds whose process stopped (no heartbeat) and finish them, and finish intros outside
        rounds (requests, mentoring) that a crash cut off. Returns how many rounds were taken over."""
        count = 0
        for rnd in await self.repo.stale_rounds(self.now() - STALE):
            community = await self._community(rnd.community_id)
            if not self.live(community):
                continue  # taken over once its platform is connected
            if not await self.repo.take_over(rnd, self.token, self.now()):
                continue
            mine = await self.repo.round(rnd.id)
            if mine is None:
                continue
            cfg = await self.services.config.get(rnd.community_id)
            log.info("taking over round %s (%s)", rnd.id, rnd.status)
            await self._reset_unfinished(rnd.id)
            if mine.status == "planning":
                await self._plan_and_send(community, mine, cfg)
            elif await self.send_pending(community, mine, cfg) is not None:
                await self._tell_unplaced(community, mine, cfg)
            count += 1
        await self._recover_single_intros()
        await self.ledger.purge(self.now() - LEDGER_KEPT)
        return count

    async def _reset_unfinished(self, round_id: int) -> None:
        """Intros the dead process had claimed but not finished go back to pending; sending them again goes
        through the ledger, which first looks on the platform for what the dead process may have sent."""
        for intro in await self.repo.round_intros(round_id, "sending"):
            await self.repo.reset_intro(intro.id)

    async def _recover_single_intros(self) -> None:
        """Request and mentor intros (no round) whose delivery a crash cut off: finished through the ledger,
        which looks for what may have gone out first."""
        for intro_id, claim in await stuck_single_intros(self.services.store, self.now() - LEASE):
            intro = await self.repo.intro(intro_id)
            if intro is None:
                continue
            community = await self._community(intro.community_id)
            if not self.live(community) or not await requeue_single_intro(self.services.store, intro_id, claim):
                continue
            cfg = await self.services.config.get(intro.community_id)
            await self.send_intro(community, intro, cfg)

    def live(self, community: CommunityRef) -> bool:
        """Whether an integration runs for the community's platform (work for it waits until one does)."""
        try:
            self.app.messenger(community.platform)
        except LookupError:
            return False
        return True

    async def send_checkins(self) -> int:
        """Ask each member of intros halfway through their period whether they met (once per intro)."""
        return await self.checkins.send_due()


def _plan_with_components(people: list[Member], history: History, options: MatchOptions, priority: set[int],
                          base: MatchOptions | None) -> tuple[RoundPlan, tuple[dict[str, float] | None, ...]]:
    """The plan, and (with `base`, the options before learning) each intro's learning components: measured
    with the default options, so that answers from different rounds are comparable."""
    plan = plan_round(people, history, options, priority)
    if base is None:
        return plan, ()
    return plan, tuple(intro_components(plan, {m.id: m for m in people}, history, base))


def intro_key(intro_id: int) -> str:
    """The delivery ledger's key of an intro."""
    return f"intro:{intro_id}"
