"""One way to run timed work: `Jobs`, on APScheduler, for every periodic, daily, weekly or one-off job.

Why one API: a feature's timed work must obey the same rules as its commands and events, and several processes
may share one PostgreSQL store. So every job goes through `Jobs`, which adds what each feature would otherwise
have to remember:

- **Module switches.** A community's job (`for_community`) names its module; when the community switched that
  module off, the run is skipped (the check `App.emit` and the command guard make). Its handler gets that one
  community and nothing else.
- **Exactly once across processes.** A job marked `once=True` claims its run (job, community, scheduled slot) in
  the store before it starts (`JobClaims`, a unique key with "insert, on conflict do nothing"): of the processes
  whose schedulers fire the same slot, one runs it. The slot is the time the run was due (the latest firing at or
  before the app's clock), so processes agree on it without talking to each other. This is an extra layer: the
  work itself stays idempotent (a round claims its period, a greeting its row), because a crash after the claim
  must still be recovered by the feature.
- **One run at a time.** A job never runs twice at once in a process. A run asked for while one is under way (a
  wake-up, the trigger firing) runs once more right after it, so nothing asked for is lost, and any number of
  such requests make one extra run.
- **Failures are logged once.** A store outage is said by the store's health (storage/health.py), anything else
  is logged with its traceback; the scheduler keeps going. A `once` job that failed gives its claim back.

Jobs are identified by name (process-wide) or name and community (`"match:round"` for community 7 is the
scheduler job `match:round:7`); scheduling a job again replaces it. The scheduler's time is the wall clock;
the app's clock (`services.clock`, moved by tests) decides the slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core import metrics
from core.community_config import CommunityConfigResolver
from core.ports import CommunityDirectory, JobClaims, StoreHealth
from core.refs import CommunityRef

__all__ = ["AsyncIOScheduler", "At", "Cron", "Every", "Jobs", "Schedule", "job_id", "next_fire", "slot_of",
           "trigger_for"]

log = logging.getLogger(__name__)

Handler = Callable[[], Awaitable[Any]]
CommunityHandler = Callable[[CommunityRef], Awaitable[Any]]
Reachable = Callable[[CommunityRef], Awaitable[bool]]

EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday: `once` intervals are counted from here in every process
GRACE = 3600.0
"""Seconds a run may start late (the event loop was busy, the machine slept) and still run; later it is skipped
until the next firing. A missed series of firings runs once (coalesced)."""
MAX_WAITING = 16  # scheduler firings of one job that may wait for the run under way (more are dropped)


@dataclass(frozen=True, slots=True)
class Every:
    """Every `seconds` seconds."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Cron:
    """Cron fields as APScheduler reads them (`day_of_week="mon"`, `hour=9`); fields left out are not set."""

    day_of_week: str | None = None
    hour: int | str | None = None
    minute: int | str | None = 0
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class At:
    """Once, at `when` (an aware datetime)."""

    when: datetime


Schedule = Every | Cron | At


def trigger_for(schedule: Schedule, *, once: bool = False) -> BaseTrigger:
    """The APScheduler trigger for a schedule. A `once` interval counts from `EPOCH`, so that every process
    fires (and claims) the same slots."""
    if isinstance(schedule, Every):
        if once:
            return IntervalTrigger(seconds=schedule.seconds, start_date=EPOCH, timezone=UTC)
        return IntervalTrigger(seconds=schedule.seconds, timezone=UTC)
    if isinstance(schedule, Cron):
        fields = {k: v for k, v in (("day_of_week", schedule.day_of_week), ("hour", schedule.hour),
                                    ("minute", schedule.minute)) if v is not None}
        return CronTrigger(timezone=schedule.timezone, **fields)
    return DateTrigger(run_date=schedule.when, timezone=UTC)


def slot_of(schedule: Schedule, now: datetime) -> datetime:
    """The firing a run at `now` belongs to: the latest one at or before `now` (whole seconds, UTC)."""
    now = now.astimezone(UTC)
    if isinstance(schedule, Every):
        step = timedelta(seconds=schedule.seconds)
        slot = EPOCH + step * ((now - EPOCH) // step)
    elif isinstance(schedule, At):
        slot = schedule.when
    else:
        slot = _last_cron_fire(trigger_for(schedule), now) or now
    return slot.astimezone(UTC).replace(microsecond=0)


def next_fire(schedule: Schedule, after: datetime) -> datetime | None:
    """The first firing strictly after `after` (None: a one-off job whose time is past). For a driver that moves
    a virtual clock instead of starting the scheduler (the console's `/wait`): an interval counts from `after`,
    the previous firing."""
    after = after.astimezone(UTC)
    if isinstance(schedule, Every):
        return after + timedelta(seconds=schedule.seconds)
    if isinstance(schedule, At):
        return schedule.when if schedule.when > after else None
    fire = trigger_for(schedule).get_next_fire_time(None, after + timedelta(seconds=1))
    return fire.astimezone(UTC) if fire is not None else None


def _last_cron_fire(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The latest firing of a cron trigger at or before `now` (APScheduler only looks forward, so look back
    from ever earlier points until one is found)."""
    window = timedelta(hours=1)
    while window < timedelta(days=800):
        fire = trigger.get_next_fire_time(None, now - window)
        if fire is not None and fire <= now:
            while True:
                later = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
                if later is None or later > now:
                    return fire
                fire = later
        window *= 2
    return None


@dataclass(slots=True)
class _Spec:
    """One scheduled job: what to run, for whom, under which rules."""

    name: str
    schedule: Schedule
    handler: Handler | CommunityHandler
    community_id: int | None = None
    community: CommunityRef | None = None
    module: str | None = None
    once: bool = False

    @property
    def label(self) -> str:
        return self.name if self.community_id is None else f"{self.name} of community {self.community_id}"


@dataclass(slots=True)
class _Runs:
    """A job's runs in this process: one at a time, and at most one more waiting behind it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: asyncio.Future[bool] | None = None


def job_id(name: str, community_id: int | None = None) -> str:
    """The scheduler's id of a job: its name, with the community's id for a community's job."""
    return name if community_id is None else f"{name}:{community_id}"


class Jobs:
    """Every timed job of the bot (see the module docstring). Built by the composition root, in `Services.jobs`."""

    def __init__(self, scheduler: AsyncIOScheduler, *, claims: JobClaims, config: CommunityConfigResolver,
                 communities: CommunityDirectory, health: StoreHealth, clock: Callable[[], datetime]) -> None:
        self.scheduler = scheduler
        self.claims = claims
        self.config = config
        self.communities = communities
        self.health = health
        self.clock = clock
        self._specs: dict[str, _Spec] = {}
        self._runs: dict[str, _Runs] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False
        self._reachable: list[Reachable] = []

    # ------------------------------------------------------------------ scheduling
    def every(self, name: str, seconds: float, handler: Handler, *, once: bool = False,
              grace: float = GRACE) -> str:
        """Run `handler()` every `seconds` seconds in this process (with `once`, in one process of those
        sharing the store). Returns the scheduler's job id."""
        return self.schedule(name, Every(seconds), handler, once=once, grace=grace)

    def schedule(self, name: str, when: Schedule, handler: Handler, *, once: bool = False,
                 grace: float = GRACE) -> str:
        """Run the process-wide `handler()` on `when` (`Every`, `Cron`, `At`). Such a job spans communities:
        where it acts for one, it asks `switched_on` itself (e.g. a retention purge must not: erasure is owed
        whether or not the module is on)."""
        return self._add(_Spec(name, when, handler, once=once), grace)

    def for_community(self, community: CommunityRef | int, name: str, when: Schedule, handler: CommunityHandler,
                      *, module: str | None, once: bool = False, grace: float = GRACE) -> str:
        """Run `handler(community)` on `when` for one community, skipped while the community has `module`
        switched off (None: a job of no switchable module). Given as an id, the community is read from the store
        at each run; a community no longer there ends its job."""
        ref = community if isinstance(community, CommunityRef) else None
        community_id = community.id if isinstance(community, CommunityRef) else community
        return self._add(_Spec(name, when, handler, community_id, ref, module, once), grace)

    def at(self, name: str, when: datetime, handler: Handler | CommunityHandler, *,
           community: CommunityRef | int | None = None, module: str | None = None, once: bool = False,
           grace: float = GRACE) -> str:
        """Run the handler once, at `when`; for a community (`handler(community)`) when one is given."""
        if community is None:
            return self.schedule(name, At(when), handler, once=once, grace=grace)  # type: ignore[arg-type]
        return self.for_community(community, name, At(when), handler, module=module,  # type: ignore[arg-type]
                                  once=once, grace=grace)

    def _add(self, spec: _Spec, grace: float) -> str:
        key = job_id(spec.name, spec.community_id)
        self._specs[key] = spec
        with contextlib.suppress(JobLookupError):  # also a job added before the scheduler started
            self.scheduler.remove_job(key)
        self.scheduler.add_job(self._fire, trigger_for(spec.schedule, once=spec.once), args=[key], id=key,
                               replace_existing=True, coalesce=True, max_instances=MAX_WAITING,
                               misfire_grace_time=max(1, int(grace)))
        return key

    def cancel(self, name: str, community: CommunityRef | int | None = None) -> bool:
        """Stop a job; False when there was none."""
        key = job_id(name, community.id if isinstance(community, CommunityRef) else community)
        known = self._specs.pop(key, None) is not None
        try:
            self.scheduler.remove_job(key)
        except JobLookupError:
            return known
        return True

    def scheduled(self, name: str, community: CommunityRef | int | None = None) -> bool:
        return job_id(name, community.id if isinstance(community, CommunityRef) else community) in self._specs

    def next_run(self, name: str, in_seconds: float, community: CommunityRef | int | None = None) -> None:
        """Move the job's next run to `in_seconds` from now (wall clock), e.g. when the next piece of work is
        due sooner than the job's interval or later runs are not needed before then."""
        key = job_id(name, community.id if isinstance(community, CommunityRef) else community)
        when = datetime.now(UTC) + timedelta(seconds=max(0.0, in_seconds))
        with contextlib.suppress(JobLookupError):
            self.scheduler.modify_job(key, next_run_time=when)

    def planned(self) -> dict[str, Schedule]:
        """Every job's schedule by scheduler id: what a driver of a virtual clock (the console's `/wait`) fires
        itself with `fire`, since the scheduler only knows the wall clock."""
        return {key: spec.schedule for key, spec in self._specs.items()}

    async def fire(self, key: str) -> bool:
        """Run the job with this scheduler id now, as its trigger would (see `planned`); True when it ran."""
        return await self._fire(key)

    # ------------------------------------------------------------------ running
    async def run(self, name: str, community: CommunityRef | int | None = None) -> bool:
        """Run the job now, as its trigger would, and wait for it; True when its handler ran (False when it
        was skipped: unknown job, module off, slot claimed elsewhere, or it failed)."""
        return await self._fire(job_id(name, community.id if isinstance(community, CommunityRef) else community))

    def run_now(self, name: str, community: CommunityRef | int | None = None) -> None:
        """Start a run now in the background (a wake-up: new work arrived). Works without a started scheduler:
        it is asked for, not timed."""
        if self._closed:
            return
        key = job_id(name, community.id if isinstance(community, CommunityRef) else community)
        runs = self._runs.get(key)
        if runs is not None and runs.waiting is not None:
            return  # a run waits behind the one under way already: a burst of wake-ups makes one more run
        task = asyncio.get_running_loop().create_task(self._fire(key), name=f"job-{key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fire(self, key: str) -> bool:
        """What the scheduler calls when a job's trigger fires (and `run`, `run_now`)."""
        spec = self._specs.get(key)
        if spec is None or self._closed:
            return False
        slot = slot_of(spec.schedule, self.clock()) if spec.once else None
        runs = self._runs.setdefault(key, _Runs())
        if runs.waiting is not None:  # a run is already waiting behind the one under way: it covers this one
            return await asyncio.shield(runs.waiting)
        if runs.lock.locked():
            waiting = runs.waiting = asyncio.get_running_loop().create_future()
            try:
                async with runs.lock:
                    runs.waiting = None
                    ran = await self._tracked(spec, slot)
            except BaseException:
                if not waiting.done():
                    waiting.set_result(False)
                raise
            waiting.set_result(ran)
            return ran
        async with runs.lock:
            return await self._tracked(spec, slot)

    async def _tracked(self, spec: _Spec, slot: datetime | None) -> bool:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            return await self._run_once(spec, slot)
        except asyncio.CancelledError:
            if self._closed:  # stopped on purpose (APScheduler would log a cancelled job as a failure)
                log.debug("job %s cancelled at shutdown", spec.label)
                return False
            raise
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def _run_once(self, spec: _Spec, slot: datetime | None) -> bool:
        if self._closed or self._specs.get(job_id(spec.name, spec.community_id)) is not spec:
            return False  # stopped, cancelled or replaced while this run waited
        claimed = False
        try:
            community = None
            if spec.community_id is not None:
                community = spec.community or await self.communities.get(spec.community_id)
                if community is None:
                    log.info("job %s ends: the community is gone", spec.label)
                    self.cancel(spec.name, spec.community_id)
                    return False
                if spec.module and not await self.config.switched_on(community.id, spec.module):
                    log.debug("job %s skipped: module %s is switched off", spec.label, spec.module)
                    return False
                if spec.module and not await self.reachable(community):
                    log.debug("job %s skipped: the community's platform cannot reach it", spec.label)
                    return False
            if slot is not None:
                if not await self.claims.claim(spec.name, spec.community_id or 0, slot, self.clock()):
                    log.debug("job %s for %s already ran in another process", spec.label, slot)
                    return False
                claimed = True
            if community is not None:
                await spec.handler(community)  # type: ignore[call-arg]
            else:
                await spec.handler()  # type: ignore[call-arg]
            metrics.job_done(spec.name, "ok")
            return True
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            metrics.job_done(spec.name, "failed")
            if not self.health.outage(exc, f"the job {spec.label}"):
                log.exception("job %s failed", spec.label)
            if claimed and slot is not None:
                with contextlib.suppress(Exception):  # the store may be down: the claim then stays
                    await self.claims.release(spec.name, spec.community_id or 0, slot)
            return False
        finally:
            if isinstance(spec.schedule, At) and self._specs.get(job_id(spec.name, spec.community_id)) is spec:
                self._specs.pop(job_id(spec.name, spec.community_id), None)  # a one-off job is done

    async def switched_on(self, community_id: int, module: str) -> bool:
        """Whether `module` is on in the community (for process-wide jobs acting per community), and the
        community can be reached (see `add_reachability`)."""
        if not await self.config.switched_on(community_id, module):
            return False
        if not self._reachable:
            return True
        community = await self.communities.get(community_id)
        return community is not None and await self.reachable(community)

    def add_reachability(self, check: Reachable) -> None:
        """An integration that can lose a community while the store keeps it (a Slack workspace that
        uninstalled the app) says here whether it can still reach one: a module's jobs (rounds, intros,
        check-ins) are skipped while it cannot. Jobs of no module, such as the retention purge, still run:
        the community's data follows its retention."""
        self._reachable.append(check)

    async def reachable(self, community: CommunityRef) -> bool:
        """Whether every integration that can tell says the community can be reached."""
        for check in self._reachable:
            if not await check(community):
                return False
        return True

    async def drain(self, seconds: float) -> int:
        """No more runs; give the runs under way (a round being stored, its intros being sent) up to `seconds` to
        finish by themselves. The number still running after that (`stop` cancels them)."""
        self._closed = True
        tasks = [t for t in self._tasks if not t.done() and t is not asyncio.current_task()]
        if not tasks or seconds <= 0:
            return len(tasks)
        _done, left = await asyncio.wait(tasks, timeout=seconds)
        return len(left)

    async def stop(self) -> None:
        """No more runs; cancel the runs under way and wait for them to unwind (before the store closes)."""
        self._closed = True
        tasks = [t for t in self._tasks if not t.done() and t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        if tasks:
            _done, stuck = await asyncio.wait(tasks, timeout=10)
            for task in stuck:
                log.warning("job task %s did not stop within 10 s", task.get_name())
