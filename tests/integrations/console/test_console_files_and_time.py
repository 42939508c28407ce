"""The console hands over its files (written to the output folder, path shown), takes several lines in a form
(a `/config import` of what `/config export` wrote), runs on a virtual clock (`/wait 2m` greets a newcomer at
once) and keeps its members when opened again; `/join` refuses someone who is a member already."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console

from bootstrap.runtime import running_app
from core.settings import load_settings
from integrations.console.clock import JobDriver, VirtualClock, parse_duration
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity
from tests.conftest import screen_text

START = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # a Tuesday


@asynccontextmanager
async def opened(tmp_path: Path, *, demo: int = 0, history: bool = False) -> AsyncIterator[ConsoleCommunity]:
    """bot.py's console: the app on a virtual clock, the scheduler not started, files into tmp_path/out."""
    settings = load_settings(None, storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'kindred.db'}"})
    async with running_app(settings, clock=VirtualClock(START), start_scheduler=False) as app:
        console = ConsoleCommunity(app, Console(file=io.StringIO(), width=200, force_terminal=False),
                                   out_dir=tmp_path / "out")
        await console.setup(demo=demo, history=history)
        yield console


async def _lines(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


def test_durations_read_as_people_write_them() -> None:
    assert parse_duration("90") == timedelta(seconds=90)
    assert parse_duration("2m") == timedelta(minutes=2)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2)
    for bad in ("", "soon", "-3m", "0", "2 fortnights"):
        assert parse_duration(bad) is None


async def test_a_chart_and_a_config_export_are_written_to_the_output_folder(tmp_path: Path) -> None:
    async with opened(tmp_path) as console:
        await console.handle("/stats chart metric:active")
        await console.handle("/config set key:matching.hour value:10")
        await console.handle("/config export")
        out = screen_text(console)
    charts = list((tmp_path / "out").glob("*.png"))
    assert len(charts) == 1 and charts[0].read_bytes().startswith(b"\x89PNG")
    assert f"→ {charts[0]}" in out
    exported = list((tmp_path / "out").glob("*.toml"))
    assert len(exported) == 1 and "hour = 10" in exported[0].read_text()
    assert f"→ {exported[0]}" in out


async def test_what_config_export_wrote_imports_again_as_several_lines(tmp_path: Path) -> None:
    async with opened(tmp_path) as console:
        await console.handle("/config set key:matching.hour value:10")
        await console.handle("/config set key:welcome.delay_seconds value:5")
        await console.handle("/config export")
        exported = next((tmp_path / "out").glob("*.toml")).read_text()
        await console.handle("/config reset key:matching.hour")
        await console.handle("/config reset key:welcome.delay_seconds")
        await console.handle("/config import")
        await console.run(_lines("<<<", *exported.splitlines(), "."))
        community = await console.app.community(KEY)
        assert await console.app.services.overrides.all(community.id) == {"matching.hour": 10,
                                                                          "welcome.delay_seconds": 5}
        assert "<<<" in screen_text(console)


async def test_wait_moves_the_virtual_clock_and_greets_the_newcomer(tmp_path: Path) -> None:
    async with opened(tmp_path) as console:
        await console.handle("/join noor")
        await console.handle("/wait 30s")
        assert not [t for t in console.outbox.texts("dm") if "Welcome" in t]
        await console.handle("/wait 2m")
        assert [t for t in console.outbox.texts("dm") if "Welcome" in t and "noor" in t]
        assert console.clock() == START + timedelta(seconds=150)
        await console.handle("/wait forever")
        assert "Usage: /wait TIME" in screen_text(console)


async def test_join_refuses_a_present_member_and_welcomes_one_who_left_back(tmp_path: Path) -> None:
    async with opened(tmp_path) as console:
        await console.handle("/join noor")
        await console.handle("/join Noor")
        assert "noor is a member already; /join is for newcomers. Pick a new name (e.g. /join noor2)" \
            in screen_text(console)
        await console.handle("/leave noor")
        await console.handle("/join noor")
        assert "noor joined the community again." in screen_text(console)


async def test_reopening_the_store_keeps_its_people(tmp_path: Path) -> None:
    async with opened(tmp_path, demo=4) as console:
        await console.handle("/join noor")
    async with opened(tmp_path) as console:
        await console.handle("/members")
        await console.handle("/as ana")
        await console.handle("/profile show")
        out = screen_text(console)
        assert all(f"- {name}" in out for name in ("admin", "ana", "ben", "chen", "dara", "noor"))
        assert console.current.ref.user_id == "demo-1"
        assert "Topics:" in out
    async with opened(tmp_path, demo=4) as console:
        assert "has its demo community already (4 demo members)" in screen_text(console)


async def test_the_driver_runs_a_weekly_job_once_per_week_and_coalesces_a_frequent_one(tmp_path: Path) -> None:
    async with opened(tmp_path) as console:
        jobs = console.app.services.jobs
        runs: list[str] = []

        async def minute() -> None:
            runs.append("minute")

        async def monday() -> None:
            runs.append(f"monday {console.clock():%a %H:%M}")

        from core.scheduling import Cron

        jobs.every("test.minute", 60, minute)
        jobs.schedule("test.monday", Cron(day_of_week="mon", hour=9), monday)
        driver = JobDriver(jobs, console.clock)
        await driver.advance(START + timedelta(minutes=3))
        assert runs.count("minute") == 3
        runs.clear()
        await driver.advance(START + timedelta(days=14), max_steps=10)
        assert runs.count("minute") <= 11
        assert [r for r in runs if r.startswith("monday")] == ["monday Mon 09:00", "monday Mon 09:00"]


async def test_every_file_command_writes_its_files(tmp_path: Path) -> None:
    async with opened(tmp_path, demo=6, history=True) as console:
        for line in ("/segment show name:at_risk file:yes", "/privacy export", "/export"):
            await console.handle(line)
        out = screen_text(console)
    written = sorted(p.name for p in (tmp_path / "out").iterdir() if p.name != "console.log")
    assert any(n.endswith(".csv") and "risk" in n for n in written), written
    assert any(n.endswith(".json") for n in written), written
    assert any(n.endswith(".zip") for n in written), written
    for name in written:
        assert f"→ {tmp_path / 'out' / name}" in out


async def test_the_demo_has_a_history_and_the_same_seed_gives_the_same_community(tmp_path: Path) -> None:
    shown = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        async with opened(tmp_path / run, demo=16, history=True) as console:
            app, community = console.app, await console.app.community(KEY)
            members = await app.services.members.list(community.id, present_only=False)
            joined = sorted(m.joined_at for m in members if m.joined_at is not None)
            assert joined and START - joined[0] > timedelta(days=80)  # joins spread over 90 days
            assert START - joined[-1] < timedelta(days=40)
            assert any(not m.active for m in members)  # some left
            for line in ("/stats overview", "/match preview", "/greeter list", "/stats top by:helpfulness",
                         "/members"):
                await console.handle(line)
            out = screen_text(console)
            assert re.search(r"Messages: [1-9]\d*", out) and re.search(r"Thanks: [1-9]", out)
            assert re.search(r"(Meetings|met): [1-9]\d* of [1-9]", out)  # check-ins were answered
            assert "Preview (nothing was sent)" in out and " and " in out
            assert "already ran" not in out
            await console.handle("/match run-now")
            assert "already ran" not in screen_text(console)
            shown.append(out.split("/stats overview", 1)[1])
    assert shown[0] == shown[1]


async def test_a_flowing_clock_runs_what_is_due_now(tmp_path: Path) -> None:
    async with opened(tmp_path) as console:
        clock = VirtualClock(START, flowing=True)
        ran: list[datetime] = []

        async def once() -> None:
            ran.append(clock())

        console.app.services.jobs.at("test.once", START, once)
        await JobDriver(console.app.services.jobs, clock).advance(clock())
        assert len(ran) == 1 and ran[0] >= START


async def test_markdown_code_is_styled_not_printed_with_backticks(tmp_path: Path) -> None:
    """Setting descriptions say "Round hour, in `timezone`": Discord and Slack render the code, the terminal
    shows it without the backticks."""
    async with opened(tmp_path) as console:
        await console.handle("/config show matching.hour")
        await console.handle("/config show")
        out = screen_text(console)
    assert "Round hour, in timezone." in out
    assert "`" not in out
