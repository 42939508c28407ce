"""`bot.py run` as a supervisor runs it, on the fake Slack: /readyz turns 200 once Slack is connected, /metrics
counts a slash command, and SIGTERM ends the process with exit code 0 after it finished what was under way."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from tests.fakes.slack import FakeSlack
from tests.integrations.process import REPO, closed_port


async def _get(port: int, path: str) -> tuple[int, str]:
    try:
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}{path}") as resp:
            return resp.status, await resp.text()
    except aiohttp.ClientConnectionError:
        return 0, ""


async def _until(check: object, what: str) -> None:
    for _ in range(600):
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_sigterm_finishes_and_exits_0(slack: FakeSlack, tmp_path: Path) -> None:
    port = closed_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINDRED_")}
    env.update({"KINDRED_STORAGE__URL": f"sqlite+aiosqlite:///{tmp_path / 'kindred.db'}",
                "KINDRED_SLACK__BOT_TOKEN": slack.bot_token, "KINDRED_SLACK__APP_TOKEN": slack.app_token,
                "KINDRED_SLACK__API_BASE_URL": slack.api_url, "KINDRED_OPS__LISTEN": f"127.0.0.1:{port}",
                "KINDRED_OPS__GRACE_SECONDS": "10"})
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "bot.py"), "run", cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        async def alive() -> bool:
            return (await _get(port, "/healthz"))[0] == 200

        async def ready() -> bool:
            return (await _get(port, "/readyz")) == (200, "ready\n")

        await _until(alive, "/healthz")
        await _until(ready, "/readyz (store and Slack)")
        await slack.socket.wait_for_connection()
        payload = slack.payloads.slash_command("/profile", "show")
        await slack.socket.deliver("slash_commands", payload)

        async def counted() -> bool:
            text = (await _get(port, "/metrics"))[1]
            return 'kindred_commands_total{command="profile show",outcome="ok"} 1.0' in text

        await _until(counted, "the command in /metrics")
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stderr = err.decode()
    assert process.returncode == 0, stderr[-3000:]
    assert "stopping: finishing the work under way (at most 10 s)" in stderr
    assert "Kindred stopped" in stderr
    assert "Traceback" not in stderr + out.decode()
    assert (await _get(port, "/healthz"))[0] == 0  # the endpoint went with the process
