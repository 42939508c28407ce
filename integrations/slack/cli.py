"""``kindred slack-manifest``: regenerate the Slack app manifest from the current command tree."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from core.dispatcher import App

OpenApp = Callable[..., AbstractAsyncContextManager["App"]]
"""The composition root's `running_app` (bootstrap/runtime.py), handed in by bot.py: integrations sit below it."""

DEFAULT_PATH = Path(__file__).resolve().parent / "manifest.yaml"


async def generate(open_app: OpenApp, out: Path, config: Path | None, request_url: str | None) -> Path:
    """Load the cogs on a throw-away store (only the command tree is needed) and write the manifest."""
    from core.settings import load_settings
    from integrations.slack.manifest import write_manifest

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(config, storage={"url": f"sqlite+aiosqlite:///{Path(tmp) / 'manifest.db'}"})
        async with open_app(settings, start_scheduler=False) as app:
            return write_manifest(out, app, request_url=request_url)


def register(cli: typer.Typer, open_app: OpenApp) -> None:
    @cli.command("slack-manifest")
    def slack_manifest(
        out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the manifest.")] = DEFAULT_PATH,
        request_url: Annotated[
            str | None,
            typer.Option(help="HTTP mode: the public URL of /slack/events; without it the manifest uses Socket Mode."),
        ] = None,
        config: Annotated[Path | None, typer.Option("--config", "-c", help="config.toml to read.")] = None,
    ) -> None:
        """Write the Slack app manifest (one slash command per command group) for 'Create app from manifest'."""
        if request_url is not None and not request_url.startswith("https://"):
            typer.echo("kindred: --request-url must be a public https:// URL ending in /slack/events", err=True)
            raise typer.Exit(2)
        written = asyncio.run(generate(open_app, out, config, request_url))  # a bad setting: one line, exit 2 (bot.py)
        typer.echo(f"Wrote {written}")
