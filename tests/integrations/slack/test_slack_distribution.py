"""`bot.py slack-manifest --distribution --url URL`: the manifest for one deployment that many workspaces
install, with every request URL and the OAuth redirect URL under URL, the uninstall events and the scopes the
code uses (the same the install link asks for)."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from integrations.slack.manifest import BOT_EVENTS, BOT_SCOPES


def test_the_distribution_manifest_names_every_url_under_the_public_address(tmp_path: Path) -> None:
    from bot import cli

    out = tmp_path / "dist.yaml"
    result = CliRunner().invoke(cli, ["slack-manifest", "--distribution", "--url", "https://kindred.example.org/",
                                      "--token-rotation", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(out.read_text(encoding="utf-8"))
    events = "https://kindred.example.org/slack/events"

    assert manifest["oauth_config"]["redirect_urls"] == ["https://kindred.example.org/slack/oauth_redirect"]
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False and settings["token_rotation_enabled"] is True
    assert settings["event_subscriptions"]["request_url"] == events
    assert settings["interactivity"]["request_url"] == events
    assert set(settings["event_subscriptions"]["bot_events"]) == {*BOT_EVENTS, "app_uninstalled", "tokens_revoked"}
    commands = manifest["features"]["slash_commands"]
    assert "/profile" in {c["command"] for c in commands} and {c["url"] for c in commands} == {events}


def test_distribution_needs_a_public_https_address(tmp_path: Path) -> None:
    from bot import cli

    out = str(tmp_path / "dist.yaml")
    for args in (["--distribution"], ["--distribution", "--url", "http://kindred.example.org"],
                 ["--url", "https://kindred.example.org"], ["--token-rotation"]):
        refused = CliRunner().invoke(cli, ["slack-manifest", "--out", out, *args])
        assert refused.exit_code == 2, args
        assert not Path(out).exists()
