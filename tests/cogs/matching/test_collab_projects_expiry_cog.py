"""Projects close by themselves: after their end date (the `collab:expire` job, its owner told once, in one of
two processes) and when their owner leaves; /collab list never shows them. Through the console and the store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from cogs.matching.collab.projects import EXPIRE_JOB
from cogs.matching.collab.projects_tables import collab_projects
from integrations.console.repl import ConsoleCommunity
from storage.engine import sql_store

from .conftest import FakeClock, Opener, last_reply, sent
from .test_collab_projects_cog import POST, press, seeded

ENDED = "ended on"


async def statuses(console: ConsoleCommunity) -> dict[str, str]:
    async with sql_store(console.app.services.store).read() as conn:
        rows = await conn.execute(sa.select(collab_projects.c.title, collab_projects.c.status))
        return {r.title: r.status for r in rows}


def ended_dms(*consoles: ConsoleCommunity) -> list[tuple[str, str]]:
    return [(t, m.text) for c in consoles for k, t, m in c.outbox.sent if k == "dm" and ENDED in m.text]


async def test_a_project_past_its_date_closes_and_only_its_owner_hears_once(open_console: Opener,
                                                                             clock: FakeClock) -> None:
    async with open_console() as (app, console):
        await seeded(console)
        await console.handle(POST + " until:2026-03-10")
        await console.handle("/collab post title:Open ended needs:designer")
        card = sent(console, "channel", "projects")[-2]
        await console.handle("/as dev1")
        await press(console, card, "I'm interested")
        before = len(console.outbox.sent)
        clock.now = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # its last day: still open
        assert await app.services.jobs.run(EXPIRE_JOB)
        assert (await statuses(console))["Website relaunch"] == "open" and not ended_dms(console)
        clock.now = datetime(2026, 3, 11, 0, 30, tzinfo=UTC)
        await console.handle("/collab list")
        assert "Website relaunch" not in last_reply(console) and "Open ended" in last_reply(console)
        assert await app.services.jobs.run(EXPIRE_JOB)
        assert await statuses(console) == {"Website relaunch": "closed", "Open ended": "open"}
        assert ended_dms(console) == [("owner", "Your project “Website relaunch” ended on Mar 10, 2026; post it "
                                                "again with /collab post if you still look for people.")]
        clock.advance(hours=2)
        assert await app.services.jobs.run(EXPIRE_JOB)  # a later run: nothing more
        assert len(ended_dms(console)) == 1
        news = [(k, t) for k, t, _m in console.outbox.sent[before:] if k not in ("reply", "ephemeral")]
        assert news == [("dm", "owner")]  # nobody else: no channel note, nothing to the interested
        edited = sent(console, "channel", "projects")[-2]  # the card, edited in place
        assert ("Status", "closed") in [(f.name, f.value) for f in edited.fields] and not edited.buttons
        assert "Status" not in [f.name for f in sent(console, "channel", "projects")[-1].fields]
        await console.handle("/as dev1")
        await press(console, card, "I'm interested")
        assert "This project is closed." in last_reply(console)


async def test_two_processes_close_it_once(open_console: Opener, clock: FakeClock,
                                           store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    async with open_console(url=url, connect_args=connect_args) as (app, console):
        await seeded(console)
        await console.handle(POST + " until:2026-03-10")
        clock.now = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
        async with open_console(url=url, connect_args=connect_args) as (app2, console2):
            jobs = [a.services.scheduler.get_job(EXPIRE_JOB) for a in (app, app2)]
            assert all(j is not None for j in jobs)
            await asyncio.gather(*(j.func(*j.args) for j in jobs + jobs))  # type: ignore[union-attr]
            assert len(ended_dms(console, console2)) == 1
            clock.advance(hours=1)  # the next slot: the project is closed already
            await asyncio.gather(*(j.func(*j.args) for j in jobs))  # type: ignore[union-attr]
            assert len(ended_dms(console, console2)) == 1


async def test_in_german_and_not_while_collab_is_off(open_console: Opener, clock: FakeClock) -> None:
    async with open_console() as (app, console):
        await seeded(console)
        await console.handle("/as admin")
        await console.handle("/config set community.language de")
        await console.handle("/as owner")
        await console.handle(POST + " until:31.03.2026")
        await console.handle("/as admin")
        await console.handle("/config module collab off")
        clock.now = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
        assert await app.services.jobs.run(EXPIRE_JOB)
        assert (await statuses(console))["Website relaunch"] == "open" and not ended_dms(console)
        await console.handle("/config module collab on")
        clock.advance(hours=1)  # the job's next hourly run
        assert await app.services.jobs.run(EXPIRE_JOB)
        assert (await statuses(console))["Website relaunch"] == "closed"
        dms = [m.text for k, t, m in console.outbox.sent if k == "dm" and t == "owner"]
        assert dms[-1] == ("Dein Projekt „Website relaunch“ ist am 31.03.2026 ausgelaufen; poste es mit "
                           "/collab post erneut, wenn du noch Leute suchst.")


async def test_an_owner_who_leaves_closes_their_projects_silently(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle(POST)
        await console.handle("/collab post title:Second needs:designer")
        await console.handle("/as dev1")
        await console.handle("/collab post title:Stays needs:designer")
        await press(console, sent(console, "channel", "projects")[0], "I'm interested")
        before = len(console.outbox.sent)
        await console.handle("/as owner")
        await console.handle("/leave")
        assert await statuses(console) == {"Website relaunch": "closed", "Second": "closed", "Stays": "open"}
        cards = sent(console, "channel", "projects")
        assert [("Status", "closed") in [(f.name, f.value) for f in c.fields] for c in cards] == [True, True, False]
        assert [k for k, _t, _m in console.outbox.sent[before:] if k in ("dm", "channel")] == []
        await console.handle("/as dev1")
        await console.handle("/collab list")
        assert "Stays" in last_reply(console) and "Website relaunch" not in last_reply(console)
        assert "Second" not in last_reply(console)


async def test_a_leave_unheard_while_collab_was_off_is_caught_by_the_job(open_console: Opener) -> None:
    async with open_console() as (app, console):
        await seeded(console)
        await console.handle(POST)
        await console.handle("/as admin")
        await console.handle("/config module collab off")
        await console.handle("/as owner")
        await console.handle("/leave")
        assert (await statuses(console))["Website relaunch"] == "open"
        await console.handle("/as admin")
        await console.handle("/config module collab on")
        assert await app.services.jobs.run(EXPIRE_JOB)
        assert (await statuses(console))["Website relaunch"] == "closed"
        assert not ended_dms(console)
