"""`bot.py run` on Discord ends with the exit code of its cause (README "Command line"), after one clear line."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.discord import FakeDiscord, default_world
from tests.integrations.process import Finished, closed_port, run_bot


def _env(fake: FakeDiscord, **changes: str) -> dict[str, str]:
    return {"KINDRED_DISCORD__TOKEN": fake.token, "KINDRED_DISCORD__API_BASE_URL": fake.api_base_url,
            "KINDRED_DISCORD__GATEWAY_URL": fake.gateway_url, **changes}


def _clear(done: Finished, fragment: str) -> None:
    assert len(done.lines()) == 1 and fragment in done.lines()[0], done.stderr[-3000:]
    assert "Traceback" not in done.stderr + done.stdout


async def test_a_token_discord_rejects_exits_3(fake: FakeDiscord, tmp_path: Path) -> None:
    done = await run_bot(["run"], tmp_path, _env(fake, KINDRED_DISCORD__TOKEN="not-the-token-at-all"))
    assert done.code == 3
    _clear(done, "Discord rejected the bot token: check [discord] token")
    assert "not-the-token-at-all" not in done.stderr + done.stdout


async def test_intents_discord_refuses_exit_3(tmp_path: Path) -> None:
    async with FakeDiscord(default_world(), privileged_intents=0) as strict:
        done = await run_bot(["run"], tmp_path, _env(strict))
    assert done.code == 3
    _clear(done, "Server Members Intent")


async def test_an_api_that_does_not_answer_after_retries_with_backoff_exits_4(fake: FakeDiscord,
                                                                              tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{closed_port()}/api/v10"
    done = await run_bot(["run"], tmp_path, _env(fake, KINDRED_DISCORD__API_BASE_URL=nowhere,
                                                 KINDRED_DISCORD__CONNECT_ATTEMPTS="3"))
    assert done.code == 4
    _clear(done, f"the Discord API at {nowhere} did not answer after 3 tries")
    retries = [line for line in done.stderr.splitlines() if "trying again in" in line]
    assert len(retries) == 2 and "in 1 s (2 of 3)" in retries[0] and "in 2 s (3 of 3)" in retries[1]


async def test_a_missing_setting_exits_2(fake: FakeDiscord, tmp_path: Path) -> None:
    done = await run_bot(["run"], tmp_path, _env(fake, KINDRED_DISCORD__SHARD_IDS="[3]",
                                                 KINDRED_DISCORD__SHARD_COUNT="2"))
    assert done.code == 2
    _clear(done, "[discord] shard_ids must be below shard_count")
