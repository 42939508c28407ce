"""Core repositories on SQLite and (when reachable) PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from core.refs import CommunityKey, MemberRef
from storage.communities import CommunityRepo
from storage.engine import open_store
from storage.members import MemberRepo
from storage.overrides import OverrideRepo
from storage.profiles import ProfileRepo


async def test_communities_members_profiles(store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    store = await open_store(url, connect_args=connect_args)
    try:
        await store.migrate()  # idempotent
        communities, members, profiles = CommunityRepo(store), MemberRepo(store), ProfileRepo(store)
        a = await communities.ensure(CommunityKey("discord", "111", "Guild A"))
        b = await communities.ensure(CommunityKey("slack", "T1", "Workspace B"))
        assert a.id != b.id
        assert (await communities.ensure(CommunityKey("discord", "111", "Guild A2"))).name == "Guild A2"

        ana = await members.upsert(a.id, MemberRef("discord", "42", "Ana", username="ana"))
        ana_b = await members.upsert(b.id, MemberRef("slack", "42", "Ana B"))
        assert ana.id != ana_b.id
        again = await members.upsert(a.id, MemberRef("discord", "42", "Ana R."))
        assert again.id == ana.id and again.display_name == "Ana R."
        assert (await members.find(a.id, "@ANA")).id == ana.id
        assert await members.find(a.id, "nobody") is None

        await profiles.set_fields(a.id, ana.id, {"topics": ["rust", "python"], "timezone": ["Europe/Berlin"]})
        await profiles.set_fields(a.id, ana.id, {"topics": ["go"]})
        prof = await profiles.get(ana.id)
        assert prof is not None and prof.facets == {"topics": ["go"], "timezone": ["Europe/Berlin"]}
        assert list((await profiles.all(a.id)).keys()) == [ana.id]
        assert await profiles.all(b.id) == {}
        assert await profiles.values_of(a.id, "topics", "g") == ["go"]
        assert await profiles.member_ids(a.id) == {p.member_id for p in (await profiles.all(a.id)).values()}
        assert await profiles.member_ids(b.id) == set()

        assert await members.staff(a.id) == []
        await members.set_staff(ana.id, True)
        assert [m.id for m in await members.staff(a.id)] == [ana.id]
        assert await members.staff(b.id) == []

        await members.mark_left(ana.id)
        assert await members.count(a.id) == 0
        assert await members.staff(a.id) == []  # only present members
        await profiles.clear(ana.id)
        assert await profiles.get(ana.id) is None

        overrides = OverrideRepo(store)
        await overrides.set_many(a.id, {"matching.hour": 10, "community.moderator_roles": ["mods"]}, by="test")
        await overrides.set_many(a.id, {"matching.hour": 11}, by="test")
        assert await overrides.all(a.id) == {"matching.hour": 11, "community.moderator_roles": ["mods"]}
        assert await overrides.all(b.id) == {}
        assert await overrides.delete(a.id, "matching.hour")
    finally:
        await store.close()


async def test_concurrent_ensure_creates_one_row(store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    store = await open_store(url, connect_args=connect_args)
    try:
        repo = CommunityRepo(store)
        refs = await asyncio.gather(*(repo.ensure(CommunityKey("console", "same")) for _ in range(10)))
        assert len({r.id for r in refs}) == 1
    finally:
        await store.close()


async def test_two_processes_migrating_share_one_schema(store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    one = await open_store(url, connect_args=connect_args, migrate=False)
    two = await open_store(url, connect_args=connect_args, migrate=False)
    try:
        await asyncio.gather(one.migrate(), two.migrate())
        assert await CommunityRepo(two).all() == []
    finally:
        await one.close()
        await two.close()


async def test_upserts_that_arrive_together_are_answered_together(store_url: tuple[str, dict[str, Any]]) -> None:
    """A raid: many first sightings, a few returning members, renames and joins of one account at the same moment.
    Every caller gets its own row; one account is one row; a join is recorded even when a command created the
    account a moment earlier in the same batch."""
    from datetime import UTC, datetime

    url, connect_args = store_url
    store = await open_store(url, connect_args=connect_args)
    try:
        communities, members = CommunityRepo(store), MemberRepo(store)
        a = await communities.ensure(CommunityKey("discord", "111", "Guild A"))
        b = await communities.ensure(CommunityKey("discord", "222", "Guild B"))
        back = await members.upsert(a.id, MemberRef("discord", "7", "Back", username="back"))
        await members.mark_left(back.id)
        joined = datetime(2026, 1, 2, tzinfo=UTC)
        calls = [members.upsert(a.id, MemberRef("discord", str(1000 + i), f"New {i}")) for i in range(120)]
        calls += [members.upsert(b.id, MemberRef("discord", str(1000 + i), f"Other {i}")) for i in range(5)]
        calls += [members.upsert(a.id, MemberRef("discord", "1003", "New 3")),  # a command, then the join
                  members.upsert(a.id, MemberRef("discord", "1003", "New 3"), joined_at=joined),
                  members.upsert(a.id, MemberRef("discord", "7", "Back again"), joined_at=joined),
                  members.upsert(a.id, MemberRef("discord", "1005", "Renamed"))]
        rows = await asyncio.gather(*calls)
        assert [r.user_id for r in rows[:120]] == [str(1000 + i) for i in range(120)]
        assert all(r.community_id == a.id for r in rows[:120]) and all(r.community_id == b.id for r in rows[120:125])
        assert len({r.id for r in rows[:125]}) == 125  # one row per account and community
        assert rows[120].id != rows[0].id  # the same user id in another community is another member
        assert rows[125].id == rows[126].id == rows[3].id
        stored = await members.by_user_id(a.id, "1003")
        assert stored is not None and stored.joined_at == joined
        returned = await members.by_user_id(a.id, "7")
        assert returned is not None and returned.id == back.id and returned.left_at is None
        assert returned.display_name == "Back again"
        renamed = await members.by_user_id(a.id, "1005")
        assert renamed is not None and renamed.display_name == "Renamed"
        assert await members.count(a.id) == 121
    finally:
        await store.close()
