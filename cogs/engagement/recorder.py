"""The recorder: neutral events and feature calls in, log rows out through the batched writer.

It is the one place that decides what is recorded: nothing when the community switched the log off, nothing
about a member who opted out or was forgotten, message text only when the community stores it. Other features
tell it things through typed events (cogs/engagement/from_features.py) and read activity levels through the
`ActivityLevels` interface (core/interfaces.py) it provides.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cogs.engagement.kinds import MAX_TEXT, Kind, validate
from cogs.engagement.settings import EngagementSettings
from cogs.engagement.writer import BatchWriter
from core.events import CommandUsed, Event, MemberJoined, MemberLeft, MessagePosted, ProfileUpdated, ReactionAdded
from core.services import Services
from storage.engagement import EventRepo, stored_at, stored_row
from storage.engagement_identity import IdentityRepo

log = logging.getLogger(__name__)

OPTOUT_TTL = 60.0  # seconds before a community's opt-out list is read again (other processes may change it)
Row = tuple[Any, ...]
_UNKNOWN: Any = object()  # not cached yet (None is a cached answer: the log is off there)


def spill_path(store_url: str) -> Path:
    """Where events that could not be written at shutdown wait for the next start."""
    if store_url.startswith("sqlite") and ":///" in store_url:
        db = store_url.split(":///", 1)[1].split("?", 1)[0]
        if db and db != ":memory:":
            return Path(db + ".engagement-spill.jsonl")
    return Path("kindred-engagement-spill.jsonl")


class Recorder:
    def __init__(self, services: Services, *, close_timeout: float = 10.0) -> None:
        self.services = services
        self.events = EventRepo(services.store)
        self.identity = IdentityRepo(services.store)
        s = services.settings.engagement
        # Each batch waits for its turn in the `engagement` background lane: after the answers under way.
        self._lane = services.background.lane("engagement", max_size=1)
        self._urgent = 0  # flushes being waited for
        self.writer: BatchWriter[Row] = BatchWriter(
            self._write, batch_size=s.batch_size, flush_seconds=s.flush_seconds, queue_max=s.queue_max,
            health=services.store.health,
        )
        self.close_timeout = close_timeout
        self.spill = spill_path(services.settings.storage.url)
        # On SQLite rows are queued in the form the store keeps (time and metadata as text): the writer then
        # hands whole batches to the driver without touching each row (see EventRepo.write).
        self._stored_form = services.store.dialect == "sqlite"
        self._optouts: dict[int, tuple[float, set[int]]] = {}
        self._optout_loads: dict[int, asyncio.Future[set[int]]] = {}
        self._forgotten: set[int] = set()
        self._platforms: dict[int, str] = {}
        self._settings: dict[int, EngagementSettings | None] = {}
        self.closed = False
        services.config.subscribe(self._settings_changed)

    async def _write(self, rows: Sequence[Row], batch_id: str) -> None:
        if not self._urgent:
            await self._lane.turn()
        await self.events.write(rows, batch_id)

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self.writer.start()
        await self._replay_spill()

    async def close(self) -> None:
        self.closed = True
        left = await self.writer.close(self.close_timeout)
        await self.events.close()
        await asyncio.to_thread(self._settle_spill, left)

    async def flush(self, within: float | None = 5.0) -> bool:
        """Write what is queued now. Someone waits for it (a command about to read the log): these batches go
        without waiting for their turn behind the answers, which may include that very command."""
        self._urgent += 1
        try:
            return await self.writer.flush(within)
        finally:
            self._urgent -= 1

    def _settle_spill(self, rows: list[Row]) -> None:
        """Keep what the store did not take for the next start (or clear an old spill when all went in)."""
        if not rows:
            self.spill.unlink(missing_ok=True)
            return
        try:
            with self.spill.open("w", encoding="utf-8") as fh:
                for r in rows:
                    at = r[4] if isinstance(r[4], str) else r[4].isoformat()
                    fh.write(json.dumps([*r[:4], at, *r[5:]], ensure_ascii=False) + "\n")
            log.error("engagement: the store was unavailable at shutdown; %d events saved to %s and "
                      "replayed at the next start", len(rows), self.spill)
        except OSError:
            log.exception("engagement: %d events could not be written to the store or to %s and are lost",
                          len(rows), self.spill)

    def _read_spill(self) -> list[Row]:
        if not self.spill.exists():
            return []
        rows: list[Row] = []
        with self.spill.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    r = json.loads(line)
                    at = datetime.fromisoformat(r[4])
                    rows.append((*r[:4], at.replace(tzinfo=UTC) if at.tzinfo is None else at, *r[5:]))
        return rows

    async def _replay_spill(self) -> None:
        rows = await asyncio.to_thread(self._read_spill)
        if not rows:
            return
        log.warning("engagement: replaying %d events saved at the last shutdown", len(rows))
        await self.writer.put_many(rows)
        if await self.writer.flush(within=10.0):
            await asyncio.to_thread(self.spill.unlink, missing_ok=True)

    # ------------------------------------------------------------------ policy
    async def settings_for(self, community_id: int) -> EngagementSettings | None:
        """The community's engagement settings, or None when the log is off there. Cached (this is asked for
        every message) and dropped when a moderator changes settings."""
        try:
            return self._settings[community_id]
        except KeyError:
            pass
        cfg = await self.services.config.get(community_id)
        off = not cfg.engagement.enabled or "engagement" in cfg.community.disabled_modules
        found = self._settings[community_id] = None if off else cfg.engagement
        return found

    async def _settings_changed(self, community_id: int, keys: set[str]) -> None:
        self._settings.pop(community_id, None)

    async def _opted_out(self, community_id: int) -> set[int]:
        cached = self._optouts.get(community_id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < OPTOUT_TTL:
            return cached[1]
        # One read per community, however many events ask at once (the first events after a start or a burst).
        loading = self._optout_loads.get(community_id)
        if loading is None:
            loading = self._optout_loads[community_id] = asyncio.ensure_future(self._load_optouts(community_id))
        return await asyncio.shield(loading)

    async def _load_optouts(self, community_id: int) -> set[int]:
        try:
            ids = await self.identity.optouts(community_id)
            self._optouts[community_id] = (time.monotonic(), ids)
            return ids
        finally:
            self._optout_loads.pop(community_id, None)

    def note_optout(self, community_id: int, member_id: int, on: bool) -> None:
        """Apply an opt-out change at once (the store already has it)."""
        cached = self._optouts.get(community_id)
        if cached is not None:
            (cached[1].add if on else cached[1].discard)(member_id)

    def forget(self, member_id: int) -> None:
        """Record nothing more about this account id (it is being erased)."""
        self._forgotten.add(member_id)

    async def _platform(self, community_id: int) -> str:
        p = self._platforms.get(community_id)
        if p is None:
            ref = await self.services.communities.get(community_id)
            p = self._platforms[community_id] = ref.platform if ref else ""
        return p

    async def activity_levels(self, community_id: int) -> dict[int, float]:
        """member id -> activity level in [0, 1]: the `ActivityLevels` interface (core/interfaces.py) other
        features ask through. Recent events are flushed first so the answer is current."""
        from cogs.engagement.analytics import Analytics

        await self.flush(within=2.0)
        return await Analytics(self.services.store, self.services.config).activity_levels(
            community_id, self.services.clock())

    # ------------------------------------------------------------------ recording
    async def record(
        self,
        community_id: int,
        member_id: int | None,
        kind: str,
        *,
        at: datetime | None = None,
        target_id: int | None = None,
        value: int = 0,
        label: str | None = None,
        channel: str | None = None,
        text: str | None = None,
        dedupe: str | None = None,
        **meta: Any,
    ) -> bool:
        """Record one event; returns False when it was not recorded (log off, opted out, forgotten).
        Raises `InvalidEvent` for an unknown kind or a metadata key the kind does not declare."""
        k, value, label, channel, clean = validate(kind, value=value, label=label, channel=channel, meta=meta)
        if self.closed:
            log.warning("engagement: %s event arrived after shutdown and is not recorded", k.value)
            return False
        conf = await self.settings_for(community_id)
        if conf is None:
            return False
        out = await self._opted_out(community_id)
        if member_id is not None and (member_id in out or member_id in self._forgotten):
            return False
        if target_id is not None and (target_id in out or target_id in self._forgotten):
            target_id, clean = None, None
        if clean and (out or self._forgotten):
            clean = _without_members(clean, out, self._forgotten)
        if text is not None:
            text = text[:MAX_TEXT] if conf.store_message_text else None
        row = (community_id, await self._platform(community_id), member_id, k.value, at or self.services.clock(),
               channel, target_id, value, label, clean, text, dedupe[:120] if dedupe else None)
        if self._stored_form:
            row = stored_row(row)
        if not self.writer.offer(row):
            await self.writer.put(row)
        return True

    async def on_event(self, event: Event) -> None:
        """The platform events the log keeps (see `take`)."""
        pending = self.take(event)
        if pending is not None:
            await pending

    def take(self, event: Event) -> Awaitable[None] | None:
        """Queue the row for a platform event the log keeps; None when that is done, else an awaitable for the
        rest (a cache to fill, a full queue to wait on). Written for speed: this runs for every message, so it is
        a plain function while every answer it needs is cached, and costs no coroutine then."""
        community = event.community
        if community is None or self.closed:
            return None
        cid = community.id
        conf = self._settings.get(cid, _UNKNOWN)
        cached = self._optouts.get(cid)
        if conf is _UNKNOWN or cached is None or time.monotonic() - cached[0] >= OPTOUT_TTL:
            return self._take_after_lookups(event)
        return self._take(event, conf, cached[1])

    async def _take_after_lookups(self, event: Event) -> None:
        community = event.community
        assert community is not None
        conf = await self.settings_for(community.id)
        out = await self._opted_out(community.id) if conf is not None else set()
        pending = self._take(event, conf, out)
        if pending is not None:
            await pending

    def _take(self, event: Event, conf: EngagementSettings | None, out: set[int]) -> Awaitable[None] | None:
        if conf is None:
            return None
        member = getattr(event, "member", None)
        if member is None:
            return None
        community = event.community
        assert community is not None
        cid, mid = community.id, member.id
        if mid in out or mid in self._forgotten:
            return None
        dedupe = f"e:{event.event_id}" if event.event_id else None
        at = stored_at(event.at) if self._stored_form else event.at
        row: Row
        if isinstance(event, MessagePosted):
            text = event.text[:MAX_TEXT] if event.text is not None and conf.store_message_text else None
            row = (cid, community.platform, mid, "message", at, event.channel.channel_id[:64], None,
                   event.length, "thread" if event.in_thread else None, None, text, dedupe)
        elif isinstance(event, ReactionAdded):
            author = event.message_author.id if event.message_author is not None else None
            if author is not None and (author == mid or author in out or author in self._forgotten):
                author = None
            row = (cid, community.platform, mid, "reaction", at, event.channel.channel_id[:64], author,
                   0, event.emoji[:64] or None, None, None, dedupe)
        elif isinstance(event, CommandUsed):
            row = (cid, community.platform, mid, "command", at, None, None, int(event.ok),
                   event.command[:64], None, None, dedupe)
        elif isinstance(event, MemberJoined):
            if event.trigger != "join":
                return None
            row = (cid, community.platform, mid, "joined", at, None, None, 0, None, None, None, dedupe)
        elif isinstance(event, MemberLeft):
            row = (cid, community.platform, mid, "left", at, None, None, 0, None, None, None, dedupe)
        elif isinstance(event, ProfileUpdated):
            if not event.complete:
                return None
            # exactly once per member: the unique dedupe key makes repeats no-ops
            row = (cid, community.platform, mid, Kind.PROFILE_COMPLETED.value, at, None, None, 0, None,
                   None, None, f"profile_completed:{mid}")
        else:
            return None
        if self.writer.offer(row):
            return None
        return self.writer.put(row)


def _without_members(meta: dict[str, Any], *gone: set[int]) -> dict[str, Any] | None:
    """Metadata with opted-out or forgotten member ids taken out of its lists (a group match lists everyone)."""
    out: dict[str, Any] = {}
    for key, value in meta.items():
        if isinstance(value, list):
            value = [m for m in value if not any(m in g for g in gone)]
            if not value:
                continue
        out[key] = value
    return out or None
