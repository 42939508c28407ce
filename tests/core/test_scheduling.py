"""The one scheduling API (core/scheduling.py) on the real app and store: module switches, one community per
run, exactly once per slot across processes sharing a store, wake-ups, one-off and cancelled jobs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bootstrap.runtime import running_app
from core.dispatcher import App
from core.refs import CommunityKey, CommunityRef
from core.scheduling import At, Cron, Every, slot_of
from core.settings import Settings, load_settings
from storage.job_runs import JobRunRepo
from tests.clock import FakeClock

START = datetime(2026, 3, 9, 3, 17, 5, tzinfo=UTC)  # a Monday, just after the nightly 03:17 firing


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    async with running_app(settings, cogs=[], clock=clock) as running:
        yield running


async def _switch(app: App, community: CommunityRef, *disabled: str) -> None:
    await app.services.overrides.set_many(community.id, {"community.disabled_modules": list(disabled)}, by="test")
    await app.services.config.changed(community.id, {"community.disabled_modules"})


async def _fire(app: App, job_id: str) -> Any:
    """What the scheduler runs when the job's trigger fires."""
    job = app.services.scheduler.get_job(job_id)
    assert job is not None, [j.id for j in app.services.scheduler.get_jobs()]
    return await job.func(*job.args)


async def test_the_features_timed_work_is_all_on_the_api(settings: Settings) -> None:
    async with running_app(settings, start_scheduler=False) as app:
        ids = {job.id for job in app.services.scheduler.get_jobs()}
        assert {"match:maintenance", "welcome", "engagement.purge", "core.job_runs.purge"} <= ids
        assert all(app.services.jobs.scheduled(i) for i in ids)  # nothing scheduled around the API


async def test_a_community_job_sees_only_its_community_and_honours_the_module_switch(app: App) -> None:
    jobs = app.services.jobs
    one = await app.community(CommunityKey("console", "c1", "C1"))
    two = await app.community(CommunityKey("console", "c2", "C2"))
    seen: list[int] = []

    async def digest(community: CommunityRef) -> None:
        seen.append(community.id)

    for community in (one, two):
        assert jobs.for_community(community.id, "digest", Every(3600), digest, module="engagement") == \
            f"digest:{community.id}"
    await _fire(app, f"digest:{one.id}")
    assert seen == [one.id]

    await _switch(app, two, "engagement")
    assert not await jobs.run("digest", two.id)  # a job of a switched-off module does not run
    assert await jobs.run("digest", one.id)  # the other community is not affected
    assert seen == [one.id, one.id]
    await _switch(app, two)
    assert await jobs.run("digest", two)
    assert seen == [one.id, one.id, two.id]


async def test_a_community_its_platform_cannot_reach_has_its_module_jobs_skipped(app: App) -> None:
    """A Slack workspace that uninstalled the app: its rounds are skipped, jobs of no module (purges) still run."""
    jobs = app.services.jobs
    gone = await app.community(CommunityKey("console", "gone", "Gone"))
    here = await app.community(CommunityKey("console", "here", "Here"))
    unreachable = {gone.id}
    seen: list[tuple[str, int]] = []

    async def reachable(community: CommunityRef) -> bool:
        return community.id not in unreachable

    def job(name: str) -> Any:
        async def run(community: CommunityRef) -> None:
            seen.append((name, community.id))
        return run

    jobs.add_reachability(reachable)
    for community in (gone, here):
        jobs.for_community(community.id, "round", Every(3600), job("round"), module="matching")
        jobs.for_community(community.id, "purge", Every(3600), job("purge"), module=None)
    assert not await jobs.run("round", gone.id)
    assert await jobs.run("round", here.id)
    assert await jobs.run("purge", gone.id)
    assert not await jobs.switched_on(gone.id, "matching") and await jobs.switched_on(here.id, "matching")
    unreachable.clear()  # installed again
    assert await jobs.run("round", gone.id)
    assert seen == [("round", here.id), ("purge", gone.id), ("round", gone.id)]


async def test_scheduling_again_replaces_and_cancel_removes(app: App) -> None:
    jobs = app.services.jobs
    community = await app.community(CommunityKey("console", "c1", "C1"))
    calls: list[str] = []

    async def first(_c: CommunityRef) -> None:
        calls.append("first")

    async def second(_c: CommunityRef) -> None:
        calls.append("second")

    jobs.for_community(community, "round", Cron(day_of_week="mon", hour=9), first, module=None)
    jobs.for_community(community, "round", Cron(day_of_week="fri", hour=17, timezone="Europe/Berlin"), second,
                       module=None)
    job = app.services.scheduler.get_job(f"round:{community.id}")
    assert job is not None and "day_of_week='fri'" in str(job.trigger)
    assert [j.id for j in app.services.scheduler.get_jobs() if j.id.startswith("round:")] == [job.id]
    await _fire(app, job.id)
    assert calls == ["second"]
    assert jobs.cancel("round", community)
    assert not jobs.cancel("round", community)
    assert app.services.scheduler.get_job(job.id) is None
    assert not await jobs.run("round", community)


async def test_a_job_fired_by_the_running_scheduler(app: App) -> None:
    done = asyncio.Event()
    app.services.jobs.every("heartbeat", 0.05, lambda: _set(done))
    await asyncio.wait_for(done.wait(), 5)
    at = asyncio.Event()
    app.services.jobs.at("soon", datetime.now(UTC) + timedelta(seconds=0.05), lambda: _set(at))
    await asyncio.wait_for(at.wait(), 5)
    assert not app.services.jobs.scheduled("soon")  # a one-off job is gone once it ran


async def _set(event: asyncio.Event) -> None:
    event.set()


async def test_wake_ups_during_a_run_make_exactly_one_more_run(app: App) -> None:
    jobs = app.services.jobs
    runs = 0
    release = asyncio.Event()

    async def work() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            await release.wait()

    jobs.every("work", 3600, work)
    first = asyncio.create_task(jobs.run("work"))
    await asyncio.sleep(0.01)
    for _ in range(5):  # a burst of joins while the run is under way
        jobs.run_now("work")
    also = asyncio.create_task(jobs.run("work"))
    await asyncio.sleep(0.01)
    assert runs == 1
    release.set()
    assert await first and await also
    await asyncio.sleep(0.01)
    assert runs == 2


def test_slots_are_the_latest_firing_and_agree_between_processes() -> None:
    now = datetime(2026, 3, 11, 12, 34, 56, 789, tzinfo=UTC)  # a Wednesday
    assert slot_of(Cron(day_of_week="mon", hour=9), now) == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert slot_of(Cron(hour=3, minute=17), now) == datetime(2026, 3, 11, 3, 17, tzinfo=UTC)
    berlin = slot_of(Cron(day_of_week="wed", hour=13, timezone="Europe/Berlin"), now)
    assert berlin == datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
    assert slot_of(Every(600), now) == datetime(2026, 3, 11, 12, 30, tzinfo=UTC)
    assert slot_of(Every(600), now + timedelta(minutes=5)) == slot_of(Every(600), now)
    when = datetime(2026, 3, 12, 8, 0, tzinfo=UTC)
    assert slot_of(At(when), now) == when


async def test_a_once_job_runs_once_per_slot_across_two_processes(
        store_url: tuple[str, dict[str, Any]], clock: FakeClock) -> None:
    url, connect_args = store_url
    settings = load_settings(None, storage={"url": url})
    ran: list[tuple[str, datetime]] = []
    per_community: list[tuple[str, int]] = []

    def nightly(process: str) -> Any:
        async def purge() -> None:
            ran.append((process, clock()))
        return purge

    def weekly(process: str) -> Any:
        async def round_(community: CommunityRef) -> None:
            per_community.append((process, community.id))
        return round_

    async with (running_app(settings, cogs=[], clock=clock, connect_args=connect_args) as one,
                running_app(settings, cogs=[], clock=clock, connect_args=connect_args) as two):
        community = await one.community(CommunityKey("console", "c1", "C1"))
        apps = {"one": one, "two": two}
        for name, app in apps.items():
            app.services.jobs.schedule("purge", Cron(hour=3, minute=17), nightly(name), once=True)
            app.services.jobs.for_community(community.id, "round", Cron(day_of_week="mon", hour=3), weekly(name),
                                            module="matching", once=True)
        # Both schedulers fire both jobs at once, twice each (as after a restart, or a late second firing).
        await asyncio.gather(*(_fire(app, job) for app in (one, two, one, two) for job in
                               ("purge", f"round:{community.id}")))
        assert len(ran) == 1 and len(per_community) == 1 and per_community[0][1] == community.id
        clock.advance(hours=6)  # the same slot, later the same day: still done
        assert not any([await two.services.jobs.run("purge"), await one.services.jobs.run("round", community.id)])
        assert len(ran) == 1

        clock.advance(days=1)  # the next night: the next slot, once again
        await asyncio.gather(*(_fire(app, "purge") for app in (one, two, two)))
        assert len(ran) == 2 and ran[1][1] == clock()
        assert await JobRunRepo(one.services.store).count() == 3  # two nights and one round claimed


async def test_a_failed_once_run_gives_its_slot_back(app: App) -> None:
    attempts = 0

    async def flaky() -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("boom")

    app.services.jobs.schedule("digest", Cron(hour=3, minute=17), flaky, once=True)
    assert not await app.services.jobs.run("digest")
    assert await app.services.jobs.run("digest")  # the same slot again: it was not used up by the failure
    assert not await app.services.jobs.run("digest")
    assert attempts == 2
