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


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("KINDRED_MATCHING__HOURS", "3", "KINDRED_MATCHING__HOURS: unknown setting (matching.hours)"),
    ("KINDRED_DISCORD_TOKEN", "abc", "KINDRED_DISCORD_TOKEN: unknown setting"),
    ("KINDRED_SLACK__PORT__X", "1", "KINDRED_SLACK__PORT__X: unknown setting"),
    ("KINDRED_DISCORD__GUILD_IDS", "1,2", "KINDRED_DISCORD__GUILD_IDS: write the value as JSON, e.g. [1, 2]"),
    ("KINDRED_OWNERS", "discord:1", 'KINDRED_OWNERS: write the value as JSON, e.g. ["a", "b"]'),
    ("KINDRED_MATCHING__HOUR", "noon", "matching.hour: Input should be a valid integer"),
])
def test_a_bad_environment_variable_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch, name: str, value: str,
                                                           fragment: str) -> None:
    monkeypatch.setenv(name, value)
    result = runner.invoke(bot.cli, ["check-config"])
    assert result.exit_code == 2
    assert fragment in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_json_environment_values_and_tables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINDRED_DISCORD__GUILD_IDS", "[1, 2]")
    monkeypatch.setenv("KINDRED_PROFILES__EXTRA_FIELDS", '{"plant": {"allowed": ["Linz"]}}')
    s = load_settings()
    assert s.discord.guild_ids == [1, 2]
    assert s.profiles.extra_fields["plant"].allowed == ["Linz"]


def test_a_store_url_password_is_never_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINDRED_STORAGE__URL", "postgresql+asyncpg://kindred:hunter2-secret@db.example/kindred")
    result = runner.invoke(bot.cli, ["check-config"])
    assert result.exit_code == 0
    assert "hunter2-secret" not in result.output and "kindred:********@db.example" in result.output
    monkeypatch.setenv("KINDRED_STORAGE__URL", "mysql://kindred:hunter2-secret@db.example/kindred")
    result = runner.invoke(bot.cli, ["check-config"])
    assert result.exit_code == 2 and "storage.url" in result.output and "hunter2-secret" not in result.output

    from core.logs import secret_values

    s = load_settings(None, storage={"url": "postgresql+asyncpg://kindred:hunter2-secret@db/kindred"})
    assert "hunter2-secret" in secret_values(s)  # the log filter blanks it out


@pytest.mark.parametrize("command", ["migrate", "console"])
def test_a_store_that_cannot_be_opened_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               command: str) -> None:
    monkeypatch.setenv("KINDRED_STORAGE__URL", f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'kindred.db'}")
    result = runner.invoke(bot.cli, [command], input="/quit\n")
    assert result.exit_code == 2
    assert "storage.url: cannot open the store" in result.output and "does not exist" in result.output
    assert "Traceback" not in result.output


def test_an_unreachable_database_server_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("KINDRED_STORAGE__URL", f"postgresql+asyncpg://kindred:pw-secret-1@127.0.0.1:{port}/x")
    result = runner.invoke(bot.cli, ["migrate"])
    assert result.exit_code == 2
    assert "storage.url: cannot open the store" in result.output
    assert "pw-secret-1" not in result.output and "Traceback" not in result.output


def test_an_unreadable_config_file_is_one_line(tmp_path: Path) -> None:
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b'name = "\xff"\n')
    for path, fragment in ((binary, "not UTF-8"), (tmp_path, "cannot be read")):
        result = runner.invoke(bot.cli, ["check-config", "--config", str(path)])
        assert result.exit_code == 2, path
        assert fragment in result.output and "Traceback" not in result.output
