"""Every command of the command line fails the same way: one line, no traceback, exit code 2 for a setting or a
store that cannot be opened (bot.py's KindredCommands, shared by the commands of cogs/*/cli.py and
integrations/*/cli.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import bot

REPO = Path(bot.__file__).resolve().parent

STORE_COMMANDS = {  # every command that opens the store, with what it needs besides
    "run": [],
    "console": [],
    "migrate": [],
    "export": ["--out", "out"],
    "report": ["--out", "out"],
    "import-members": ["crm.csv", "--key", "email"],
}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bot(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`uv run bot.py ARGS` as a supervisor starts it: its own process, no terminal, the project's interpreter."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KINDRED_")}
    return subprocess.run([sys.executable, str(REPO / "bot.py"), *args], cwd=cwd, env={**clean, **env},
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("store", ["postgresql", "sqlite"])
@pytest.mark.parametrize("command", sorted(STORE_COMMANDS))
def test_a_store_that_cannot_be_opened_is_one_line_and_exit_2(tmp_path: Path, command: str, store: str) -> None:
    (tmp_path / "crm.csv").write_text("email,plan\nana@example.org,pro\n")
    url = (f"postgresql+asyncpg://kindred:pw-secret-7@127.0.0.1:{_closed_port()}/kindred" if store == "postgresql"
           else f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'kindred.db'}")
    done = _bot([command, *STORE_COMMANDS[command]], tmp_path, KINDRED_STORAGE__URL=url)

    assert done.returncode == 2, done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("kindred:")]
    assert len(errors) == 1 and "storage.url: cannot open the store" in errors[0]
    assert "Traceback" not in done.stderr + done.stdout and "pw-secret-7" not in done.stderr + done.stdout
    noise = [line for line in done.stderr.splitlines() if not line.startswith(("kindred:", "No Discord or Slack"))]
    assert noise == []


def test_check_config_refuses_what_migrate_refuses(tmp_path: Path) -> None:
    """A SQLite path in a missing directory: check-config says so the way migrate would, not "valid"."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'kindred.db'}"
    checked = _bot(["check-config"], tmp_path, KINDRED_STORAGE__URL=url)
    migrated = _bot(["migrate"], tmp_path, KINDRED_STORAGE__URL=url)
    assert checked.returncode == migrated.returncode == 2
    said = [line for line in checked.stderr.splitlines() if line.startswith("kindred:")]
    assert said == [line for line in migrated.stderr.splitlines() if line.startswith("kindred:")]
    assert "does not exist" in said[0] and "Settings are valid" not in checked.stderr


def test_migrate_leaves_nothing_beside_the_database(tmp_path: Path) -> None:
    done = _bot(["migrate"], tmp_path, KINDRED_STORAGE__URL=f"sqlite+aiosqlite:///{tmp_path / 'kindred.db'}")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kindred.db"]


@pytest.mark.parametrize("command", [*sorted(STORE_COMMANDS), "check-config", "discord-invite", "slack-manifest"])
def test_a_bad_setting_is_one_line_and_exit_2_for_every_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                command: str) -> None:
    (tmp_path / "crm.csv").write_text("email,plan\nana@example.org,pro\n")
    monkeypatch.setenv("KINDRED_MATCHING__HOUR", "25")
    result = CliRunner().invoke(bot.cli, [command, *STORE_COMMANDS.get(command, [])], input="/quit\n")
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == ["kindred: config error: matching.hour: Input should be less than "
                                                  "or equal to 23 (got '25')"]


def test_exit_codes_are_the_documented_ones() -> None:
    from core.errors import ExitCode

    readme = (REPO / "README.md").read_text()
    for code in (ExitCode.CONFIG, ExitCode.REJECTED, ExitCode.UNREACHABLE, ExitCode.INTERRUPTED):
        assert f"| {int(code)} |" in readme


def test_no_command_help_shows_a_type_for_a_flag() -> None:
    """`--help` and every other flag take no value, so no help page shows `<bool>` after them."""
    runner = CliRunner()
    root = runner.invoke(bot.cli, ["--help"], terminal_width=200)
    assert root.exit_code == 0 and "<bool>" not in root.output and "--help" in root.output
    group: Any = typer.main.get_command(bot.cli)
    names = group.list_commands(group.make_context("bot.py", ["--help"], resilient_parsing=True))
    assert {"console", "match-roster", "report", "export"} <= set(names)
    for name in names:
        page = runner.invoke(bot.cli, [name, "--help"], terminal_width=200)
        assert page.exit_code == 0, (name, page.output)
        assert "--help" in page.output and "<bool>" not in page.output, (name, page.output)
