"""The project store on SQLite and PostgreSQL: two presses at once close a project once and toggle interest in
turn, suggestions are counted per week for the cap, and forgetting a member erases their projects and traces."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from cogs.matching.collab.projects_store import ProjectRepo
from cogs.matching.store.repo import MatchingRepo
from core.refs import CommunityKey, MemberRef
from storage.communities import CommunityRepo
from storage.engine import Store
from storage.members import MemberRepo

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_projects_interest_suggestions_and_forget(stores: tuple[Store, Store]) -> None:
    one, two = stores
    c = await CommunityRepo(one).ensure(CommunityKey("discord", "G1", "Guild"))
    ana, ben, cy = [(await MemberRepo(one).upsert(c.id, MemberRef("discord", f"U{i}", n))).id
                    for i, n in enumerate(("Ana", "Ben", "Cy"))]
    repos = [ProjectRepo(one), ProjectRepo(two)]
    pid = await repos[0].create(c.id, ana, title="Garden", description="Grüße 🎉", needs=[("developer", 2)],
                                languages=["de"], commitment="2 h", until=date(2026, 6, 1), now=T0)
    row = await repos[1].get(pid)
    assert row is not None and row.needs == (("developer", 2),) and row.languages == ("de",)
    assert row.open_on(date(2026, 6, 1)) and not row.open_on(date(2026, 6, 2))
    assert [p.id for p in await repos[1].open_projects(c.id, T0.date())] == [pid]

    assert await repos[0].toggle_interest(pid, ben, T0) == (True, True)
    assert await repos[1].toggle_interest(pid, ben, T0) == (False, False)
    assert await repos[0].toggle_interest(pid, ben, T0) == (True, False)  # the owner was told already
    assert await repos[0].interested([pid]) == {pid: [ben]}

    await repos[0].record_suggestions(pid, c.id, [(ben, "developer"), (cy, "developer")], T0)
    await repos[1].record_suggestions(pid, c.id, [(ben, "developer")], T0 + timedelta(hours=1))  # no second slot
    assert await repos[0].suggested_counts(c.id, T0 - timedelta(days=7)) == {ben: 1, cy: 1}
    assert await repos[0].suggested_counts(c.id, T0 + timedelta(days=1)) == {}

    request_id = await MatchingRepo(one).create_request(c.id, ana, cy, [], T0)
    assert request_id is not None
    await repos[0].link_request(request_id, pid, "developer")
    linked = await repos[1].project_of_request(request_id)
    assert linked is not None and linked[0].id == pid and linked[1] == "developer"

    closed = await asyncio.gather(repos[0].close(pid, T0), repos[1].close(pid, T0))
    assert sorted(closed) == [False, True]
    assert await repos[0].open_projects(c.id, T0.date()) == []

    await repos[0].forget(c.id, ana)
    assert await repos[0].get(pid) is None and await repos[0].owned(c.id, ana) == 0
    assert await repos[0].project_of_request(request_id) is None
    assert await repos[0].suggested_counts(c.id, T0 - timedelta(days=7)) == {}
