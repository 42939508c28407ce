"""The Orbit-style activities file of an export: each event as `{"activity": {...}, "identity": {...}}`.

Written as a stream (see cogs/engagement/export.py): identities are loaded batch by batch into a bounded cache.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from cogs.engagement.kinds import Kind
from cogs.engagement.metrics import THANKS_RECEIVED_WEIGHT, WEIGHTS
from cogs.engagement.store.identity import Account

ACTIVITIES_FILE = "activities.json"
HELPED_TITLE = "Was thanked for helping"
ACTIVITY_TITLES: dict[str, str] = {
    Kind.JOINED: "Joined the community", Kind.LEFT: "Left the community", Kind.MESSAGE: "Posted a message",
    Kind.REACTION: "Reacted to a message", Kind.THANKS: "Thanked someone for their help",
    Kind.COMMAND: "Used a Kindred command", Kind.PROFILE_COMPLETED: "Completed their profile",
    Kind.MATCHED: "Was matched for an intro", Kind.INTRO_SENT: "Was introduced", Kind.MET: "Answered a check-in",
    Kind.MENTOR_SESSION: "Had a mentor session", Kind.GREETED: "Was welcomed",
    Kind.PROFILE_STARTED: "Started their profile", Kind.BUDDY_ASSIGNED: "Got an onboarding buddy",
    Kind.PROJECT_POSTED: "Posted a project", Kind.COLLAB_INTRO: "Was introduced for a project",
    Kind.TEAM_FORMED: "Joined a team",
    "helped": HELPED_TITLE,
}



def match_partners(meta: str | None, target: int | None) -> list[int | None]:
    """The partners of a `matched` event: those its metadata names in `group`, else its target (events of
    older versions name only one), else one unknown partner."""
    group: Any = None
    if meta:
        try:
            group = json.loads(meta).get("group")
        except (ValueError, AttributeError):
            group = None
    found: list[int | None] = [m for m in group if isinstance(m, int)] if isinstance(group, list) else []
    return found or ([target] if target is not None else [None])


class ActivitiesFile:
    """A JSON array of Orbit-style `{"activity": {...}, "identity": {...}}` objects, written as a stream.

    Items are encoded one by one and joined as bytes: one emoji in a joined *str* would make Python store the
    whole batch at four bytes per character."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = path.open("wb")
        self._fh.write(b"[")
        self._first = True

    def write(self, items: list[bytes]) -> None:
        if not items:
            return
        self._fh.write(b"\n" if self._first else b",\n")
        self._fh.write(b",\n".join(items))
        self._first = False
        self._fh.flush()

    def close(self) -> None:
        self._fh.write(b"\n]\n")
        self._fh.close()


AccountLoader = Callable[[list[int]], Awaitable[Iterable[Account]]]


class ActivityEncoder:
    """Events as Orbit-style activities (member identity, activity type, timestamp, weight), one JSON text each.

    Built from cached fragments (each account's identity and each kind's type, title and weight are encoded
    once), since a large export has millions of activities but only thousands of accounts. Identities are
    loaded batch by batch (`prepare`) into a bounded cache, so no table is held in memory whole."""

    CACHE_MAX = 100_000

    def __init__(self, accounts: dict[int, Account] | AccountLoader, person: Callable[[int], str | None]) -> None:
        self._load: AccountLoader | None = None if isinstance(accounts, dict) else accounts
        self.accounts: dict[int, Account] = accounts if isinstance(accounts, dict) else {}
        self.person = person
        self._identity: dict[int, str] = {}
        self._unknown: set[int] = set()
        self._texts: dict[str, str] = {}
        self._prefixes: dict[str, str] = {}

    async def prepare(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Load the identities this batch of event rows needs and the cache does not have (one query)."""
        if self._load is None:
            return
        need = {r[3] for r in rows} | {r[7] for r in rows if r[4] == "thanks"}
        need.discard(None)
        need -= self._identity.keys()
        need -= self._unknown
        if not need:
            return
        if len(self._identity) + len(self._unknown) + len(need) > self.CACHE_MAX:
            self._identity.clear()
            self._unknown.clear()
        found = {a.member_id: a for a in await self._load(sorted(need))}
        for m in need:
            a = found.get(m)
            if a is None:
                self._unknown.add(m)
            else:
                self._identity[m] = self._encode_identity(a)

    @staticmethod
    def _encode_identity(a: Account) -> str:
        return json.dumps({"source": a.platform, "uid": a.user_id, "username": a.username or None,
                           "name": a.display_name or None}, ensure_ascii=False)

    def _id(self, member_id: int) -> str | None:
        got = self._identity.get(member_id)
        if got is None:
            a = self.accounts.get(member_id)
            if a is None:
                return None
            got = self._identity[member_id] = self._encode_identity(a)
        return got

    def _q(self, text: str) -> str:
        got = self._texts.get(text)
        if got is None:
            if len(self._texts) > 100_000:
                self._texts.clear()
            got = self._texts[text] = json.dumps(text, ensure_ascii=False)
        return got

    def _prefix(self, kind: str) -> str:
        got = self._prefixes.get(kind)
        if got is None:
            weight = THANKS_RECEIVED_WEIGHT if kind == "helped" else WEIGHTS.get(kind, 0.0)
            got = self._prefixes[kind] = (
                f'{{"activity": {{"activity_type_key": "kindred:{kind}", '
                f'"title": {self._q(ACTIVITY_TITLES.get(kind, kind))}, "weight": "{weight:g}", ')
        return got

    def _match_props(self, member: int | None, target: int | None, value: int | None, meta: str | None) -> str:
        """A match's round number and every partner of the member's group (a trio's member has two)."""
        partners = [p for p in match_partners(meta, target) if p is not None and p != member]
        keys = ", ".join(f'"{self.person(p)}"' for p in partners)
        return f', "round": {value or "null"}, "partners": [{keys}]'

    def encode_rows(self, rows: Sequence[tuple[Any, ...]]) -> list[bytes]:
        """The activities of event rows (storage EVENT_COLUMNS order), UTF-8 encoded: the actor's, and for a
        thanks also the helper's ("kindred:helped", weighted highest)."""
        out: list[bytes] = []
        add = out.append
        ident, q, prefix, person = self._identity, self._q, self._prefix, self.person
        for (eid, cid, _platform, member, kind, at, channel, target, value, label, meta, _text) in rows:
            extra = self._match_props(member, target, value, meta) if kind == Kind.MATCHED else ""
            props = (f'"community_id": {cid}, "channel": {q(channel) if channel else "null"}, '
                     f'"label": {q(label) if label else "null"}, "value": {value or 0}{extra}}}}}')
            when = f"{at[:10]}T{at[11:]}Z"
            if member is not None:
                identity = ident.get(member) or self._id(member)
                if identity is not None:
                    add(f'{prefix(kind)}"key": "kindred-{cid}-{eid}", "occurred_at": "{when}", '
                        f'"properties": {{"person": "{person(member)}", {props}, "identity": {identity}}}'.encode())
            if target is not None and kind == "thanks":
                helper = ident.get(target) or self._id(target)
                if helper is not None:
                    add(f'{prefix("helped")}"key": "kindred-{cid}-{eid}-helped", "occurred_at": "{when}", '
                        f'"properties": {{"person": "{person(target)}", {props}, "identity": {helper}}}'.encode())
        return out
