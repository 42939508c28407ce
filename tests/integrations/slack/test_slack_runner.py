"""The entry point bot.py uses: `integrations.slack.runner.serve` runs until told to stop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bootstrap.runtime import running_app
from integrations.slack.runner import serve
from tests.fakes.slack import FakeSlack
from tests.integrations.slack.conftest import bot_settings


async def test_serve_connects_answers_and_stops(slack: FakeSlack, tmp_path: Path) -> None:
    settings = bot_settings(slack, tmp_path)
    stop = asyncio.Event()
    async with running_app(settings, start_scheduler=False) as app:
        task = asyncio.create_task(serve(app, settings, stop))
        await slack.wait_for_socket()
        await slack.socket.deliver("slash_commands", slack.payloads.slash_command("/help"))
        await slack.wait_for_response()
        stop.set()
        await asyncio.wait_for(task, 10)
    assert "/profile" in str(slack.responses[0].body)
    assert not slack.socket.connected
