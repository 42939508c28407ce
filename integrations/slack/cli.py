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

SHIPPED_PATH = Path(__file__).resolve().parent / "manifest.yaml"
"""The repository's copy (`uv run bot.py slack-manifest --out integrations/slack/manifest.yaml` renews it)."""


async def generate(open_app: OpenApp, out: Path | None, config: Path | None, request_url: str | None,
                   distribution_url: str | None = None, token_rotation: bool = False) -> Path | str:
    """Load the cogs on a throw-away store (only the command tree is needed) and write the manifest to `out`
    (for distribution when `distribution_url` is given: see distribution.py); with no `out`, return its text."""
    from core.settings import load_settings
    from integrations.slack.manifest import write_manifest

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(config, storage={"url": f"sqlite+aiosqlite:///{Path(tmp) / 'manifest.db'}"})
        target = out or Path(tmp) / "manifest.yaml"
        async with open_app(settings, start_scheduler=False) as app:
            if distribution_url is None:
                written = write_manifest(target, app, request_url=request_url)
            else:
                from integrations.slack.distribution import write_distribution_manifest

                written = write_distribution_manifest(target, app, distribution_url, token_rotation=token_rotation)
        return written if out is not None else written.read_text(encoding="utf-8")


def register(cli: typer.Typer, open_app: OpenApp) -> None:
    @cli.command("slack-manifest")
    def slack_manifest(
        out: Annotated[Path | None, typer.Option(
            "--out", "-o", help="Where to write the manifest (default: print it; the repository's copy is "
                                "integrations/slack/manifest.yaml).")] = None,
        request_url: Annotated[
            str | None,
            typer.Option(help="HTTP mode: the public URL of /slack/events; without it the manifest uses Socket Mode."),
        ] = None,
        distribution: Annotated[
            bool,
            typer.Option(help="For many workspaces installing Kindred through OAuth: HTTP request URLs, the OAuth "
                         "redirect URL and the uninstall events, all under --url."),
        ] = False,
        url: Annotated[
            str | None, typer.Option(help="With --distribution: the public https:// address of Kindred.")
        ] = None,
        token_rotation: Annotated[
            bool, typer.Option(help="With --distribution: bot tokens expire and Kindred refreshes them.")
        ] = False,
        config: Annotated[Path | None, typer.Option("--config", "-c", help="config.toml to read.")] = None,
    ) -> None:
        """Write the Slack app manifest (one slash command per command group) for 'Create app from manifest'."""
        if request_url is not None and not request_url.startswith("https://"):
            typer.echo("kindred: --request-url must be a public https:// URL ending in /slack/events", err=True)
            raise typer.Exit(2)
        if distribution and (url is None or not url.startswith("https://")):
            typer.echo("kindred: --distribution needs --url, the public https:// address Kindred is reached at "
                       "(e.g. https://kindred.example.org)", err=True)
            raise typer.Exit(2)
        if not distribution and (url is not None or token_rotation):
            typer.echo("kindred: --url and --token-rotation go with --distribution", err=True)
            raise typer.Exit(2)
        # a bad setting: one line, exit 2 (bot.py)
        written = asyncio.run(generate(open_app, out, config, request_url, url if distribution else None,
                                       token_rotation))
        if isinstance(written, str):
            typer.echo(written, nl=False)  # paste into "Create app from manifest", or redirect into a file
        else:
            typer.echo(f"Wrote {written}", err=True)
