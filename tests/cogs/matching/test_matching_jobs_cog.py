"""The round is a community job of the scheduling API: switched-off matching gets no round (scheduled or caught up
at start-up), and switched on again it runs on the next firing."""

from __future__ import annotations

from datetime import UTC, datetime

from integrations.console.community import KEY

from .conftest import FakeClock, Opener, cog, intros, join_all


async def test_a_community_with_matching_off_gets_no_round(open_console: Opener, clock: FakeClock) -> None:
    clock.now = datetime(2026, 3, 9, 9, 0, 1, tzinfo=UTC)  # the default schedule's firing time
    async with open_console(demo=6) as (app, console):
        await join_all(console, ["ana", "ben", "chen", "dara"])
        community = await app.community(KEY)
        await console.handle("/as admin")
        await console.handle("/config module matching off")
        job = app.services.scheduler.get_job(f"match:round:{community.id}")
        assert job is not None
        assert not await job.func(*job.args)  # fired by the scheduler: skipped
        assert intros(console) == []
    async with open_console() as (app, console2):  # a restart: the catch-up skips it too
        assert intros(console2) == []
        await console2.handle("/as admin")
        await console2.handle("/config module matching on")
        assert await app.services.jobs.run("match:round", community.id)
        assert len(intros(console2)) == 2
        assert not await app.services.jobs.run("match:round", community.id)  # once per firing
        assert len(intros(console2)) == 2 and len(await cog(app).repo.rounds(community.id)) == 1
