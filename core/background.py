"""Background work that never makes a member wait: named lanes behind a foreground gate.

Why: the bot answers people (slash commands, buttons, forms) and also does work nobody is waiting for at that
moment: recording joins, greeting newcomers, writing the engagement log, digests. All of it shares one event loop,
one store and one platform rate limit. When a raid or a big announcement brings hundreds of joins at once, that
background work must queue, not the answers.

- **The foreground gate.** An interaction holds the gate (`foreground()`) from its arrival until its first answer.
  Background work asks for its `turn()` before each step; while answers are being worked on it waits (at most
  `max_defer` seconds, so that a never-ending stream of commands cannot starve it).
- **Lanes.** Each lane has a bounded queue (`max_size`), its own concurrency limit, an optional rate limit
  (steps per second, as a token bucket with room for a small burst) and a policy for a full queue:
  `Full.WAIT` makes the producer wait for room (back-pressure: nothing is lost), `Full.SKIP` refuses the item and
  returns False (for work that is also kept elsewhere, e.g. greetings due in the store, which a later tick picks
  up). Items with the same key run one at a time, in the order they were submitted (a member's join before their
  leave); items with different keys run concurrently up to the limit.
- A failing item is logged and does not stop its lane.

Lanes are declared once (`Background.lane(name, ...)`); `stop()` cancels the workers. Nothing here knows a
platform: an integration's limits come in as the lanes' rates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from core.aio import bounded

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from core.context import Messenger
    from core.delivery import IntroJournal
    from core.messages import Message
    from core.refs import ChannelRef, CommunityRef, ConversationRef, MemberRef, MessageRef, RoleRef

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[Any]]

MAX_DEFER = 2.0
"""Seconds background work waits for the answers under way before it takes a step anyway: a burst of answers
is over well before, and a never-ending stream of them still lets each worker take a step this often."""


class Full(StrEnum):
    """What `Lane.submit` does when the lane's queue is full."""

    WAIT = "wait"  # wait for room: back-pressure, nothing lost
    SKIP = "skip"  # refuse the item (return False): only for work that is kept elsewhere too


@dataclass(slots=True)
class LaneStats:
    """What a lane has done; `max_queued` shows the bound held."""

    submitted: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    waited_for_room: int = 0
    max_queued: int = 0
    max_running: int = 0


class ForegroundGate:
    """Counts the interactions being answered; background work waits while there are any."""

    def __init__(self, max_defer: float = MAX_DEFER) -> None:
        self.max_defer = max_defer
        self._holding = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def busy(self) -> bool:
        return self._holding > 0

    def hold(self) -> Hold:
        """Mark one interaction as being answered, until `release()` (idempotent) is called."""
        self._holding += 1
        self._idle.clear()
        return Hold(self)

    def _release(self) -> None:
        self._holding -= 1
        if self._holding <= 0:
            self._holding = 0
            self._idle.set()

    async def idle(self) -> None:
        """Return when no interaction is being answered, or after `max_defer` seconds at the latest."""
        if self._holding == 0:
            return
        with contextlib.suppress(TimeoutError):
            await bounded(self._idle.wait(), self.max_defer)


class Hold:
    """One interaction's hold on the foreground gate."""

    __slots__ = ("_gate",)

    def __init__(self, gate: ForegroundGate) -> None:
        self._gate: ForegroundGate | None = gate

    def release(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate._release()


class RateLimit:
    """A token bucket: `rate` steps per second on average, up to `burst` at once after a quiet spell."""

    def __init__(self, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate and burst must be positive")
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._at: float | None = None

    def _refill(self, now: float) -> None:
        if self._at is not None:
            self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = now

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._refill(loop.time())
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return
            await asyncio.sleep((1.0 - self._tokens) / self.rate)


class Lane:
    """A bounded queue of jobs with its own workers; see the module docstring. `max_size` may be changed while
    the lane runs (it applies from the next `submit`)."""

    def __init__(self, name: str, gate: ForegroundGate, *, max_size: int, concurrency: int = 1,
                 rate: float | None = None, burst: int = 1, when_full: Full = Full.WAIT) -> None:
        if max_size < 1 or concurrency < 1:
            raise ValueError("max_size and concurrency must be positive")
        self.name = name
        self.gate = gate
        self.max_size = max_size
        self.concurrency = concurrency
        self.when_full = when_full
        self.limit = RateLimit(rate, burst) if rate is not None else None
        self.stats = LaneStats()
        self._ready: deque[tuple[Hashable, Job]] = deque()  # runnable now (their key is free)
        self._held: dict[Hashable, deque[Job]] = {}  # waiting behind a running job of the same key
        self._busy_keys: set[Hashable] = set()
        self._queued = 0
        self._running = 0
        self._workers: set[asyncio.Task[None]] = set()
        self._room = asyncio.Condition()
        self._drained = asyncio.Event()
        self._drained.set()
        self._closed = False

    # ------------------------------------------------------------------ producers
    @property
    def queued(self) -> int:
        """Jobs waiting to start (running ones not counted): never more than `max_size`."""
        return self._queued

    @property
    def running(self) -> int:
        return self._running

    async def submit(self, job: Job, *, key: Hashable | None = None) -> bool:
        """Queue `job` (a coroutine function called without arguments). Returns False when it was refused
        (the lane is full with `Full.SKIP`, or stopped)."""
        if self._closed:
            return False
        if self._queued >= self.max_size:
            if self.when_full is Full.SKIP:
                self.stats.skipped += 1
                return False
            self.stats.waited_for_room += 1
            async with self._room:
                await self._room.wait_for(lambda: self._queued < self.max_size or self._closed)
            if self._closed:
                return False
        self._enqueue(key if key is not None else object(), job)
        return True

    def _enqueue(self, key: Hashable, job: Job) -> None:
        self.stats.submitted += 1
        self._queued += 1
        self.stats.max_queued = max(self.stats.max_queued, self._queued)
        self._drained.clear()
        if key in self._busy_keys or key in self._held:
            self._held.setdefault(key, deque()).append(job)
        else:
            self._ready.append((key, job))
            self._busy_keys.add(key)
        self._spawn()

    def _spawn(self) -> None:
        """Start workers for the runnable jobs, up to the concurrency limit."""
        while len(self._workers) < min(self.concurrency, len(self._ready) + self._running):
            task = asyncio.get_running_loop().create_task(self._work(), name=f"lane-{self.name}")
            self._workers.add(task)

    # ------------------------------------------------------------------ workers
    async def turn(self) -> None:
        """Wait until this lane may take a step: the answers under way first, then the lane's rate limit.
        Long background jobs (a greeting round) call this before each outbound step."""
        await self.gate.idle()
        if self.limit is not None:
            await self.limit.acquire()

    async def _work(self) -> None:
        me = asyncio.current_task()
        try:
            while self._ready and not self._closed:
                await self.turn()
                if not self._ready or self._closed:
                    break
                key, job = self._ready.popleft()
                self._queued -= 1
                self._running += 1
                self.stats.max_running = max(self.stats.max_running, self._running)
                await self._notify_room()
                try:
                    await job()
                    self.stats.done += 1
                except Exception:
                    self.stats.failed += 1
                    log.exception("background job in lane %s failed", self.name)
                finally:
                    self._running -= 1
                    self._next_of(key)
                    if self._queued == 0 and self._running == 0:
                        self._drained.set()
        finally:
            # Leave the worker set before returning (no await in between), so a job queued from now on
            # starts a new worker instead of counting on this one.
            self._workers.discard(me)
            if not self._closed:
                self._spawn()

    def _next_of(self, key: Hashable) -> None:
        """The key's job finished: its next job (if any) becomes runnable, behind the others already ready."""
        held = self._held.get(key)
        if held:
            self._ready.append((key, held.popleft()))
            if not held:
                del self._held[key]
        else:
            self._busy_keys.discard(key)

    async def _notify_room(self) -> None:
        if self.stats.waited_for_room:
            async with self._room:
                self._room.notify(1)

    async def drain(self, within: float | None = None) -> bool:
        """Wait until everything queued has run (True), or `within` seconds passed (False)."""
        try:
            await bounded(self._drained.wait(), within)
        except TimeoutError:
            return False
        return True

    async def stop(self) -> None:
        """Refuse new jobs, cancel the workers and forget what was still queued."""
        self._closed = True
        async with self._room:
            self._room.notify_all()
        workers = list(self._workers)
        for task in workers:
            task.cancel()
        if workers:
            await asyncio.wait(workers, timeout=10)
        dropped = self._queued
        self._ready.clear()
        self._held.clear()
        self._queued = 0
        if dropped:
            log.info("lane %s stopped with %d jobs still queued", self.name, dropped)


class Background:
    """The foreground gate and the process's lanes (one instance per App, in `Services.background`)."""

    def __init__(self, *, max_defer: float = MAX_DEFER) -> None:
        self.gate = ForegroundGate(max_defer)
        self.lanes: dict[str, Lane] = {}

    def lane(self, name: str, *, max_size: int = 10_000, concurrency: int = 1, rate: float | None = None,
             burst: int = 1, when_full: Full = Full.WAIT) -> Lane:
        """The lane called `name`, created with these limits on first use (later calls get the same lane)."""
        existing = self.lanes.get(name)
        if existing is not None:
            return existing
        lane = self.lanes[name] = Lane(name, self.gate, max_size=max_size, concurrency=concurrency, rate=rate,
                                       burst=burst, when_full=when_full)
        return lane

    def foreground(self) -> Hold:
        """Hold the gate for one interaction; call `release()` on the returned hold at its first answer."""
        return self.gate.hold()

    async def stop(self) -> None:
        for lane in self.lanes.values():
            await lane.stop()


class PacedMessenger:
    """A Messenger whose outbound sends (messages, DMs, intros) each wait for `lane.turn()` first: how
    background jobs (a round of greetings, the drip, digests) stay behind the answers and within the lane's rate,
    i.e. within the platform's limits for the bot as a whole. Look-ups pass straight through."""

    def __init__(self, messenger: Messenger, lane: Lane) -> None:
        self.inner = messenger
        self.lane = lane
        self.platform = messenger.platform
        self.capabilities = messenger.capabilities

    async def send(self, community: CommunityRef, channel: ChannelRef, message: Message) -> MessageRef:
        await self.lane.turn()
        return await self.inner.send(community, channel, message)

    async def dm(self, community: CommunityRef, member: MemberRef, message: Message) -> MessageRef:
        await self.lane.turn()
        return await self.inner.dm(community, member, message)

    async def edit(self, community: CommunityRef, ref: MessageRef, message: Message) -> None:
        await self.lane.turn()
        await self.inner.edit(community, ref, message)

    async def introduce(self, community: CommunityRef, members: list[MemberRef], message: Message, *,
                        channel: ChannelRef | None = None, journal: IntroJournal | None = None) -> ConversationRef:
        await self.lane.turn()
        return await self.inner.introduce(community, members, message, channel=channel, journal=journal)

    def fingerprint(self, message: Message) -> str:
        return self.inner.fingerprint(message)

    async def find_delivered(self, community: CommunityRef, place: MemberRef | ChannelRef, marker: str, *,
                             fingerprints: Sequence[str] = (), since: datetime | None = None) -> MessageRef | None:
        await self.lane.turn()  # a history read is an API call like a send
        return await self.inner.find_delivered(community, place, marker, fingerprints=fingerprints, since=since)

    async def roles(self, community: CommunityRef) -> list[RoleRef]:
        return await self.inner.roles(community)

    async def is_admin(self, community: CommunityRef, member: MemberRef) -> bool:
        return await self.inner.is_admin(community, member)

    async def groups_of(self, community: CommunityRef, member: MemberRef) -> set[str]:
        return await self.inner.groups_of(community, member)
