"""`bot.py run` on Slack ends with the exit code of its cause (README "Command line"), after one clear line."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.fakes.slack import FakeSlack
from tests.integrations.process import Finished, closed_port, run_bot


def _env(slack: FakeSlack, **changes: str) -> dict[str, str]:
    return {"KINDRED_SLACK__BOT_TOKEN": slack.bot_token, "KINDRED_SLACK__APP_TOKEN": slack.app_token,
            "KINDRED_SLACK__SIGNING_SECRET": slack.signing_secret, "KINDRED_SLACK__API_BASE_URL": slack.api_url,
            **changes}


def _clear(done: Finished, fragment: str) -> None:
    assert len(done.lines()) == 1 and fragment in done.lines()[0], done.stderr[-3000:]
    assert "Traceback" not in done.stderr + done.stdout


async def test_a_bot_token_slack_refuses_exits_3(slack: FakeSlack, tmp_path: Path) -> None:
    done = await run_bot(["run"], tmp_path, _env(slack, KINDRED_SLACK__BOT_TOKEN="xoxb-wrong-1"))
    assert done.code == 3
    _clear(done, "Slack refused the bot token ([slack] bot_token): invalid_auth")
    assert "xoxb-wrong-1" not in done.stderr + done.stdout


async def test_an_app_token_slack_refuses_exits_3(slack: FakeSlack, tmp_path: Path) -> None:
    done = await run_bot(["run"], tmp_path, _env(slack, KINDRED_SLACK__APP_TOKEN="xapp-wrong-2"))
    assert done.code == 3
    _clear(done, "Slack refused the app-level token ([slack] app_token): invalid_auth")
    assert "xapp-wrong-2" not in done.stderr + done.stdout


async def test_an_api_that_does_not_answer_after_retries_with_backoff_exits_4(slack: FakeSlack,
                                                                              tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{closed_port()}/api/"
    done = await run_bot(["run"], tmp_path, _env(slack, KINDRED_SLACK__API_BASE_URL=nowhere,
                                                 KINDRED_SLACK__CONNECT_ATTEMPTS="2"))
    assert done.code == 4
    _clear(done, f"the Slack API at {nowhere} did not answer after 2 tries")
    assert len([line for line in done.stderr.splitlines() if "trying again in 1 s (2 of 2)" in line]) == 1


async def test_a_port_in_use_in_http_mode_exits_2(slack: FakeSlack, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = await run_bot(["run"], tmp_path, _env(slack, KINDRED_SLACK__MODE="http",
                                                     KINDRED_SLACK__PORT=str(port)))
    assert done.code == 2
    _clear(done, f"cannot listen on 127.0.0.1:{port} ([slack] host and port)")
