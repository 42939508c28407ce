"""`uv run bot.py config-example [--write]`: print or rewrite config.example.toml from the settings models."""

from __future__ import annotations

from typing import Annotated

import typer


def register(cli: typer.Typer) -> None:
    @cli.command("config-example")
    def config_example(
        write: Annotated[bool, typer.Option("--write", help="Rewrite config.example.toml in the repository.")] = False,
    ) -> None:
        """Print the example configuration (every key, its description, allowed values and default)."""
        from cogs.config.example import EXAMPLE_PATH, render_example_toml, write_example

        if write:
            changed = write_example()
            typer.echo(f"{EXAMPLE_PATH.name} {'updated' if changed else 'is up to date'}.", err=True)
        else:
            typer.echo(render_example_toml(), nl=False)
