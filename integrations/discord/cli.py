"""`kindred discord-invite`: print the URL that adds Kindred to a Discord server with the permissions it needs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer


def register(cli: typer.Typer, open_app: Callable[..., Any]) -> None:
    """`open_app` (the composition root's `running_app`) is not needed here."""

    @cli.command("discord-invite")
    def discord_invite(
        client_id: Annotated[
            int | None, typer.Option(help="Application (client) id; default: read from [discord] token.")
        ] = None,
        config: Annotated[Path | None, typer.Option("--config", "-c", help="config.toml to read.")] = None,
    ) -> None:
        """Print the invite URL (scopes bot + applications.commands, only the permissions Kindred uses)."""
        from core.settings import load_settings
        from integrations.discord.invite import client_id_from_token, invite_url

        if client_id is None:
            settings = load_settings(config)  # a bad setting: one line and exit code 2 (bot.py)
            token = settings.discord.token.get_secret_value() if settings.discord.token else ""
            client_id = client_id_from_token(token) if token else None
        if client_id is None:
            typer.echo("kindred: pass --client-id or set [discord] token", err=True)
            raise typer.Exit(2)
        typer.echo(invite_url(client_id))
