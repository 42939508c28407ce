"""The audit and draft tables on SQLite and PostgreSQL: migrated, scoped by community, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cogs.config.store.audit import AuditChange, ConfigAuditRepo
from cogs.config.store.drafts import DraftRepo
from core.refs import CommunityKey, MemberRef
from storage.communities import CommunityRepo
from storage.engine import open_store
from storage.members import MemberRepo

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def test_audit_and_drafts(store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    store = await open_store(url, connect_args=connect_args)
    try:
        a = await CommunityRepo(store).ensure(CommunityKey("console", "a"))
        b = await CommunityRepo(store).ensure(CommunityKey("console", "b"))
        mod = await MemberRepo(store).upsert(a.id, MemberRef("console", "mod", "Mod"))
        audit = ConfigAuditRepo(store)
        await audit.record(a.id, [AuditChange("matching.hour", 9, 10), AuditChange("welcome.messages", ["a"], [])],
                           action="import", member_id=mod.id, who="Mod", at=T0)
        await audit.record(a.id, [AuditChange("profiles.extra_fields", {}, {"x": {"multiple": True}})],
                           action="set", member_id=mod.id, who="Mod", at=T0 + timedelta(minutes=1))
        await audit.record(b.id, [AuditChange("matching.hour", 9, 12)], action="set", member_id=None, who="B",
                           at=T0)
        rows = await audit.history(a.id)
        assert [(r.key, r.old, r.new) for r in rows] == [
            ("profiles.extra_fields", {}, {"x": {"multiple": True}}),
            ("welcome.messages", ["a"], []),
            ("matching.hour", 9, 10),
        ]
        assert rows[-1].at == T0
        assert [r.key for r in await audit.history(a.id, prefix="matching.")] == ["matching.hour"]
        assert [r.new for r in await audit.history(b.id, key="matching.hour")] == [12]
        assert await audit.history(a.id, prefix="matching_") == []  # "_" is not a wildcard
        other = await MemberRepo(store).upsert(a.id, MemberRef("console", "other", "Other"))
        await audit.record(a.id, [AuditChange("welcome.dm", True, False)], action="set", member_id=other.id,
                           who="Other", at=T0 + timedelta(minutes=2))
        assert await audit.editors(a.id) == [other.id, mod.id]  # most recent first, each once
        assert await audit.editors(b.id) == []  # B's change was made by nobody known
        assert await audit.forget_member(a.id, other.id) == 1
        assert await audit.forget_member(a.id, mod.id) == 3
        assert await audit.editors(a.id) == []
        assert {(r.who, r.member_id) for r in await audit.history(a.id)} == {("", None)}

        drafts = DraftRepo(store)
        old = await drafts.save(a.id, mod.id, {"matching.hour": 8}, T0 - timedelta(days=30))
        draft_id = await drafts.save(a.id, mod.id, {"matching.hour": 10, "community.moderator_roles": ["x"]}, T0)
        assert await drafts.get(a.id, old) is None  # expired drafts are dropped
        got = await drafts.get(a.id, draft_id)
        assert got is not None and got.values == {"matching.hour": 10, "community.moderator_roles": ["x"]}
        assert await drafts.get(b.id, draft_id) is None
        assert not await drafts.delete(b.id, draft_id)
        assert await drafts.delete(a.id, draft_id)
    finally:
        await store.close()
