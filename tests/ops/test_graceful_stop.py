"""A stop that was asked for (SIGTERM, Ctrl-C; bot.py `_serve`) lets the work under way finish within the grace
time: `App.drain` waits for a job run and background work, starts no new job run, and gives up on what takes
longer (which `App.stop` then cancels), saying so in one line."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
from pathlib import Path

import pytest

from core import metrics
from core.dispatcher import App

REPO = Path(__file__).resolve().parents[2]


async def test_work_under_way_finishes_and_no_new_run_starts(app: App) -> None:
    release = asyncio.Event()
    finished: list[str] = []
    jobs = app.services.jobs

    async def slow_job() -> None:
        await release.wait()
        finished.append("job")

    async def background() -> None:
        await release.wait()
        finished.append("spawned")

    jobs.every("test.slow", 3600, slow_job)
    ok_before = metrics.value("kindred_jobs_total", {"job": "test.slow", "outcome": "ok"})
    jobs.run_now("test.slow")
    app.spawn(background())
    await asyncio.sleep(0)
    draining = asyncio.create_task(app.drain(60))
    await asyncio.sleep(0)
    assert not draining.done()
    jobs.run_now("test.slow")  # asked for while stopping: not started
    release.set()
    await draining
    assert sorted(finished) == ["job", "spawned"]
    assert metrics.value("kindred_jobs_total", {"job": "test.slow", "outcome": "ok"}) == ok_before + 1
    assert await jobs.run("test.slow") is False


async def test_work_past_the_grace_time_is_left_to_stop(app: App, caplog: pytest.LogCaptureFixture) -> None:
    never = asyncio.Event()

    async def stuck() -> None:
        await never.wait()

    app.services.jobs.every("test.stuck", 3600, stuck)
    app.services.jobs.run_now("test.stuck")
    await asyncio.sleep(0)
    caplog.set_level(logging.WARNING)
    await app.drain(0.05)
    said = [r.getMessage() for r in caplog.records if "grace time" in r.getMessage()]
    assert len(said) == 1  # the stuck job, and whatever else the app had under way at that moment
    assert re.fullmatch(r"[1-9]\d* task\(s\) still running after the 0.05 s grace time: they are cancelled", said[0])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_the_console_stops_on_a_signal_with_exit_code_0(tmp_path: Path, sig: signal.Signals) -> None:
    """The console waits for a line that never comes (stdin open, nothing typed): a stop signal still ends it
    the way it ends the platforms: work under way finished, the store closed, exit code 0."""
    env = {**os.environ, "KINDRED_STORAGE__URL": f"sqlite+aiosqlite:///{tmp_path / 'k.db'}"}
    env = {k: v for k, v in env.items() if not k.startswith(("KINDRED_DISCORD", "KINDRED_SLACK"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "bot.py"), "console", "--out", str(tmp_path / "out"), cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert proc.stdout is not None
    banner = b""
    while b"Type /help" not in banner:
        line = await proc.stdout.readline()
        assert line, banner.decode()
        banner += line
    proc.send_signal(sig)  # stdin stays open: the end of input is not what stops it
    rest = await proc.stdout.read()
    await proc.wait()
    assert proc.returncode == 0, (banner + rest).decode()
    assert b"Traceback" not in rest
    assert "stopping: finishing the work under way" in (tmp_path / "out" / "console.log").read_text()
