"""Settings: file + environment, one clear line per problem, exit code 2, secrets never shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import bot
from core.settings import SettingsError, load_settings

runner = CliRunner()


def test_env_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[matching]\nhour = 7\ncadence = "biweekly"\n[discord]\nguild_ids = [1, 2]\n')
    monkeypatch.setenv("KINDRED_MATCHING__HOUR", "11")
    s = load_settings(cfg)
    assert s.matching.hour == 11
    assert s.matching.cadence == "biweekly"
    assert s.discord.guild_ids == [1, 2]
    monkeypatch.setenv("KINDRED_CONFIG", str(cfg))
    assert load_settings().matching.cadence == "biweekly"


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        ("[matching]\nhour = 25\n", "matching.hour"),
        ('[slack]\nmode = "carrier-pigeon"\n', "slack.mode"),
        ('[matching]\ntimezone = "Mars/Base"\n', "unknown time zone"),
        ("[matchng]\nhour = 3\n", "matchng: unknown setting"),
        ('[storage]\nurl = "mysql://x"\n', "storage.url"),
        ("[matching\nhour = 3\n", "not valid TOML"),
    ],
)
def test_bad_settings_exit_2_with_one_clear_line(tmp_path: Path, toml: str, fragment: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(toml)
    result = runner.invoke(bot.cli, ["check-config", "--config", str(cfg)])
    assert result.exit_code == 2
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_secrets_never_printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "xoxb-super-secret-value-123"
    monkeypatch.setenv("KINDRED_SLACK__BOT_TOKEN", secret)
    monkeypatch.setenv("KINDRED_DISCORD__TOKEN", "discord-secret-token-456")
    result = runner.invoke(bot.cli, ["check-config"])
    assert result.exit_code == 0, result.output
    assert secret not in result.output and "discord-secret-token-456" not in result.output
    data = json.loads(result.stdout.split("Settings are valid.")[0])
    assert data["slack"]["bot_token"] == "********"
    # a bad value next to a secret: the error names the key, not the secret
    monkeypatch.setenv("KINDRED_DISCORD__API_BASE_URL", "ftp://nope")
    result = runner.invoke(bot.cli, ["check-config"])
    assert result.exit_code == 2
    assert "discord.api_base_url" in result.output
    assert "discord-secret-token-456" not in result.output


def test_missing_config_file_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(bot.cli, ["check-config", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_settings_error_lines() -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(None, matching={"hour": -1, "group_size": 9})
    assert len(err.value.lines) == 2


def test_redaction_filter_hides_secrets_in_logs() -> None:
    import logging

    from core.logs import RedactSecrets

    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "token is %s", ("abcdef123456",), None)
    RedactSecrets(["abcdef123456"]).filter(record)
    assert "abcdef123456" not in record.getMessage()
