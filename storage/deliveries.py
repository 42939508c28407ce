"""The delivery ledger's repository: claims, outcomes, an intro's conversations, and what a crash left unfinished.

Every claim is one transaction that either inserts the row (`ON CONFLICT DO NOTHING` on the unique key, so two
processes claiming at once get one row) or moves an existing row with a conditional update (the row must still be
in the state and hold the claim it was read with), so exactly one claimer wins on SQLite and on PostgreSQL.
Outcomes are written only by the process holding the claim. All times come from the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from core.delivery import (
    INTRO,
    LEASE,
    MAX_FINGERPRINTS,
    Claim,
    ClaimResult,
    Placement,
    Settlement,
    State,
    new_marker,
)
from core.ports import DataStore
from storage.delivery_schema import deliveries
from storage.engine import sql_store

_D = deliveries.c
_UNIQUE = ["community_id", "key", "recipient"]
_PLACED = ("state", "kind", "claim", "claimed_at", "audience", "channel_id", "message_id", "updated_at")
CONVERSATION = "conv:"


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: int
    community_id: int
    key: str
    recipient: str
    marker: str
    fingerprints: tuple[str, ...]
    since: datetime | None
    state: str
    kind: str
    claim: str
    claimed_at: datetime | None
    audience: tuple[str, ...]
    channel_id: str
    message_id: str
    detail: str
    created_at: datetime
    updated_at: datetime


def _row(r: sa.Row[Any]) -> DeliveryRow:
    return DeliveryRow(r.id, r.community_id, r.key, r.recipient, r.marker, fingerprints_of(r.fingerprints), r.since,
                       r.state, r.kind, r.claim, r.claimed_at, audience_of(r.audience), r.channel_id, r.message_id,
                       r.detail, r.created_at, r.updated_at)


def _new_row(community_id: int, key: str, recipient: str, marker: str, token: str, now: datetime,
             **values: Any) -> dict[str, Any]:
    """Every column of a row claimed now by `token` (the prebuilt statements take them all)."""
    return {"community_id": community_id, "key": key, "recipient": recipient, "marker": marker,
            "fingerprints": "", "since": None, "state": State.SENDING, "kind": "", "claim": token, "claimed_at": now,
            "audience": "", "channel_id": "", "message_id": "", "detail": "", "created_at": now, "updated_at": now,
            **values}


def _outcome(settle: Settlement, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {"state": settle.state, "updated_at": now, "detail": settle.detail[:200]}
    if settle.kind:
        values["kind"] = settle.kind[:16]
    if settle.channel_id:
        values["channel_id"] = settle.channel_id[:300]
    if settle.message_id:
        values["message_id"] = settle.message_id[:100]
    if settle.state == State.PENDING:
        values.update(claim="", claimed_at=None)  # released: as if never claimed
    return values


def audience_text(ids: Iterable[str]) -> str:
    """`,a,b,`: a list a LIKE can search for one id in (`,a,`) on every store."""
    items = [i for i in ids if i]
    return f",{','.join(items)}," if items else ""


def audience_of(text: str) -> tuple[str, ...]:
    return tuple(i for i in (text or "").split(",") if i)


def fingerprints_of(text: str) -> tuple[str, ...]:
    return tuple(f for f in (text or "").split(",") if f)


def with_fingerprint(known: Sequence[str], fingerprint: str) -> tuple[str, ...]:
    """`known` and `fingerprint` (the newest last), at most MAX_FINGERPRINTS of them."""
    kept = tuple(f for f in known if f and f != fingerprint) + ((fingerprint,) if fingerprint else ())
    return kept[-MAX_FINGERPRINTS:]


def _chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class DeliveryRepo:
    """Implements core.delivery.Ledger on the store."""

    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)
        insert = self._insert()
        # Built once and executed with parameters: building and compiling a statement per call cost as much as
        # the transaction itself (a round writes two rows per intro).
        self._create = insert.on_conflict_do_nothing(index_elements=_UNIQUE).returning(_D.id, _D.marker)
        self._upsert = insert.on_conflict_do_update(
            index_elements=_UNIQUE, set_={c: insert.excluded[c] for c in _PLACED})
        kept = {c: sa.func.coalesce(sa.func.nullif(sa.bindparam(f"v_{c}"), ""), _D[c])
                for c in ("kind", "channel_id", "message_id")}  # an empty value keeps what is there
        self._settle = deliveries.update().where(
            _D.community_id == sa.bindparam("w_community"), _D.key == sa.bindparam("w_key"),
            _D.recipient == sa.bindparam("w_recipient"), _D.claim == sa.bindparam("w_claim"),
            _D.state == State.SENDING,
        ).values(state=sa.bindparam("v_state"), detail=sa.bindparam("v_detail"),
                 updated_at=sa.bindparam("v_updated_at", type_=_D.updated_at.type), **kept)

    def _insert(self) -> Any:
        dialect = postgresql if self.store.dialect == "postgresql" else sqlite
        return dialect.insert(deliveries)

    # ------------------------------------------------------------------ claims and outcomes
    async def claim(self, community_id: int, key: str, recipient: str, token: str, now: datetime, *,
                    force: bool = False, lease: timedelta = LEASE, audience: Sequence[str] = (),
                    fingerprint: str = "") -> Claim:
        """Claim one delivery for `token` (see core.delivery.ClaimResult for the answers).

        `fingerprint` is what this attempt will send: a fresh claim keeps it alone and starts `since` now; a
        resumed one adds it to those of the attempts before and keeps their `since` (they are not proven absent
        until read back). The claim returned carries both, for the read-back."""
        where = (_D.community_id == community_id) & (_D.key == key) & (_D.recipient == recipient)
        people = audience_text(audience)
        fresh_prints = with_fingerprint((), fingerprint)
        async with self.store.begin() as conn:
            created = (await conn.execute(self._create, _new_row(
                community_id, key, recipient, new_marker(), token, now, audience=people,
                fingerprints=",".join(fresh_prints), since=now))).first()
            if created is not None:
                return Claim(int(created.id), ClaimResult.FRESH, created.marker, fingerprints=fresh_prints, since=now)
            row = _row((await conn.execute(sa.select(deliveries).where(where))).one())
            if row.state == State.SENT:
                return Claim(row.id, ClaimResult.SENT, row.marker, row.kind, row.channel_id, row.message_id)
            if row.state == State.UNKNOWN:
                return Claim(row.id, ClaimResult.UNKNOWN, row.marker, detail=row.detail)
            if row.state in (State.PENDING, State.FAILED):
                result = ClaimResult.FRESH
            elif force or row.claimed_at is None or row.claimed_at <= now - lease:
                result = ClaimResult.RESUME
            else:
                return Claim(row.id, ClaimResult.BUSY, row.marker)
            same = (_D.id == row.id) & (_D.state == row.state) & (_D.claim == row.claim)
            same &= _D.claimed_at.is_(None) if row.claimed_at is None else (_D.claimed_at == row.claimed_at)
            values: dict[str, Any] = {"state": State.SENDING, "claim": token, "claimed_at": now, "updated_at": now}
            since: datetime | None
            if result is ClaimResult.FRESH:
                prints, since = fresh_prints, now  # nothing went out before
                if people:
                    values["audience"] = people  # a new attempt may stand for other rows than the failed one
            else:
                prints, since = with_fingerprint(row.fingerprints, fingerprint), row.since or row.claimed_at
            values.update(fingerprints=",".join(prints), since=since)
            moved = await conn.execute(deliveries.update().where(same).values(**values))
        if moved.rowcount == 0:
            return Claim(row.id, ClaimResult.BUSY, row.marker)
        return Claim(row.id, result, row.marker, row.kind, row.channel_id, row.message_id, fingerprints=prints,
                     since=since)

    async def settle(self, claim_id: int, token: str, state: State, now: datetime, *, kind: str = "",
                     channel_id: str = "", message_id: str = "", detail: str = "") -> bool:
        """Record the outcome of a claim this token holds; False when the claim was taken over meanwhile."""
        values = _outcome(Settlement(state, kind, channel_id, message_id, detail), now)
        async with self.store.begin() as conn:
            res = await conn.execute(deliveries.update().where(
                _D.id == claim_id, _D.claim == token, _D.state == State.SENDING).values(**values))
        return res.rowcount > 0

    async def peek(self, community_id: int, key: str, recipient: str) -> bool:
        """Whether the row exists (a read: no write lock)."""
        return await self.get(community_id, key, recipient) is not None

    async def prepare(self, community_id: int, items: Sequence[tuple[str, str]], now: datetime) -> None:
        """Pending rows for (key, recipient) pairs that have none yet, in a few statements: what a crash must not
        lose track of is in the store before the first of them is sent."""
        rows = [{"community_id": community_id, "key": key, "recipient": recipient, "marker": new_marker(),
                 "state": State.PENDING, "created_at": now, "updated_at": now}
                for key, recipient in sorted(set(items))]  # in key order: no lock cycle between two processes
        if not rows:
            return
        async with self.store.begin() as conn:
            for chunk in _chunks(rows):
                await conn.execute(self._insert().on_conflict_do_nothing(index_elements=_UNIQUE), list(chunk))

    # ------------------------------------------------------------------ an intro's conversations
    async def placements(self, community_id: int, key: str) -> list[Placement]:
        q = sa.select(deliveries).where(_D.community_id == community_id, _D.key == key,
                                        _D.recipient.startswith(CONVERSATION)).order_by(_D.id)
        async with self.store.read() as conn:
            rows = [_row(r) for r in await conn.execute(q)]
        return [Placement(r.channel_id, r.audience, r.kind, r.message_id if r.state == State.SENT else "", True)
                for r in rows]

    async def record(self, community_id: int, key: str, token: str, now: datetime, *, create: str = "",
                     fingerprint: str = "", placements: Sequence[Placement] = (),
                     settle: Settlement | None = None) -> int | None:
        """One transaction for an intro: create its row for `token` (with marker `create` and `fingerprint`; None
        when another process made it first), record its conversations (opened: before posting; posted: with the
        message id), and settle its outcome. Returns the intro row's id when it was created, else 0."""
        made = 0
        async with self.store.begin() as conn:
            if create:
                row = (await conn.execute(self._create, _new_row(
                    community_id, key, INTRO, create, token, now, fingerprints=fingerprint, since=now))).first()
                if row is None:
                    return None
                made = int(row.id)
            if placements:
                await conn.execute(self._upsert, [_new_row(
                    community_id, key, f"{CONVERSATION}{p.channel_id}"[:120], "", token, now,
                    state=State.SENT if p.posted else State.SENDING, kind=p.kind[:16],
                    audience=audience_text(p.user_ids), channel_id=p.channel_id[:300], message_id=p.message_id[:100],
                ) for p in placements])
            where = {"w_community": community_id, "w_key": key, "w_recipient": INTRO, "w_claim": token}
            if settle is not None and settle.state == State.PENDING:  # released (rare): the claim goes too
                await conn.execute(deliveries.update().where(
                    _D.community_id == community_id, _D.key == key, _D.recipient == INTRO, _D.claim == token,
                    _D.state == State.SENDING).values(**_outcome(settle, now)))
            elif settle is not None:
                await conn.execute(self._settle, {
                    **where, "v_state": settle.state.value, "v_detail": settle.detail[:200], "v_updated_at": now,
                    "v_kind": settle.kind[:16], "v_channel_id": settle.channel_id[:300],
                    "v_message_id": settle.message_id[:100]})
        return made

    # ------------------------------------------------------------------ reading
    async def get(self, community_id: int, key: str, recipient: str) -> DeliveryRow | None:
        q = sa.select(deliveries).where(_D.community_id == community_id, _D.key == key, _D.recipient == recipient)
        async with self.store.read() as conn:
            row = (await conn.execute(q)).first()
        return _row(row) if row else None

    async def of_key(self, community_id: int, key: str) -> list[DeliveryRow]:
        q = sa.select(deliveries).where(_D.community_id == community_id, _D.key == key).order_by(_D.id)
        async with self.store.read() as conn:
            return [_row(r) for r in await conn.execute(q)]

    async def unfinished(self, prefix: str, before: datetime, *, community_id: int | None = None,
                         limit: int = 500) -> list[DeliveryRow]:
        """Rows under a key prefix that a crash left behind: pending since before `before`, or claimed before
        it and still sending (an intro's conversations are left to their intro)."""
        stale = ((_D.state == State.PENDING) & (_D.created_at <= before)) | (
            (_D.state == State.SENDING) & (_D.claimed_at <= before))
        q = sa.select(deliveries).where(_D.key.startswith(prefix, autoescape=True), stale,
                                        ~_D.recipient.startswith(CONVERSATION))
        if community_id is not None:
            q = q.where(_D.community_id == community_id)
        q = q.order_by(_D.id).limit(limit)
        async with self.store.read() as conn:
            return [_row(r) for r in await conn.execute(q)]

    async def existing(self, community_id: int, keys: Sequence[str]) -> set[str]:
        """Which of these keys have a row (a delivery was at least begun)."""
        found: set[str] = set()
        async with self.store.read() as conn:
            for chunk in _chunks(list(keys)):
                q = sa.select(_D.key).where(_D.community_id == community_id, _D.key.in_(chunk)).distinct()
                found.update(r.key for r in await conn.execute(q))
        return found

    async def purge(self, before: datetime) -> int:
        """Drop finished rows last touched before `before`: they only matter while a feature might try the same
        message again (minutes, at most days), and they name members' accounts."""
        async with self.store.begin() as conn:
            res = await conn.execute(deliveries.delete().where(
                _D.state.in_([State.SENT, State.FAILED, State.UNKNOWN]), _D.updated_at < before))
        return int(res.rowcount or 0)

    # ------------------------------------------------------------------ privacy
    async def forget(self, community_id: int, user_id: str) -> None:
        """Erase the rows that name a member's account (their DMs, conversations they were in)."""
        async with self.store.begin() as conn:
            await conn.execute(deliveries.delete().where(
                _D.community_id == community_id,
                (_D.recipient == f"dm:{user_id}") | _D.audience.contains(f",{user_id},", autoescape=True)))
