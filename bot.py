"""Kindred: the composition root and command line.

    uv run bot.py                  run on every platform that has credentials (the console when none has)
    uv run bot.py console --demo 20
    uv run bot.py check-config     validate settings and print them with secrets masked
    uv run bot.py migrate          bring the store's schema up to date
    uv run bot.py backup --out F   copy the store while the bot runs
    uv run bot.py copy-store --to URL   move the store (e.g. SQLite -> PostgreSQL)
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import pkgutil
import signal
import sys
from collections.abc import Coroutine
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from core.errors import ExitCode, StartupFailed
from core.logs import setup_logging
from core.settings import Settings, load_settings, masked_dump
from storage.errors import describe_failure, is_outage

if TYPE_CHECKING:
    from core.dispatcher import App

log = logging.getLogger("kindred")


class KindredCommands(TyperGroup):
    """Every command of the command line, those of cogs/*/cli.py and integrations/*/cli.py included, fails the
    same way: one line per problem on stderr, no traceback, and an exit code a supervisor can act on
    (README "Command line"): 2 for settings and a store that cannot be opened or stops answering, 3 for
    credentials a platform refuses, 4 for a platform that does not answer, 130 for Ctrl-C."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _flags_without_type(command, ctx)
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _flags_without_type(self, ctx)
        super().format_help(ctx, formatter)

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StartupFailed as exc:
            fail(exc.report(), exc.code)
        except KeyboardInterrupt:
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.debug("the store stopped answering", exc_info=True)
            fail([f"kindred: the store stopped answering: {describe_failure(exc)} (details with "
                  "KINDRED_LOGGING__LEVEL=DEBUG)"], ExitCode.CONFIG)


def _flags_without_type(command: Any, ctx: Any) -> None:
    """A flag takes no value, so its help shows no type: Typer would print `--help <bool>`. (Typer carries its
    own copy of click, so the options are recognised by what they are, not by click's classes.)"""
    for param in [*command.params, command.get_help_option(ctx)]:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""


def fail(lines: list[str], code: ExitCode) -> None:
    """Print the lines on stderr and end the command with `code`."""
    for line in lines:
        typer.echo(line, err=True)
    raise typer.Exit(code)


cli = typer.Typer(add_completion=False, no_args_is_help=False, help="Kindred: makes community members meet.",
                  cls=KindredCommands)
ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="config.toml to read (default: $KINDRED_CONFIG or ./config.toml)")
]
_state: dict[str, Path | None] = {"config": None}


def settings_or_exit(config: Path | None = None) -> Settings:
    """Load settings; a problem raises `SettingsError`, which `KindredCommands` prints as one line per key with
    exit code 2 (no traceback, no secret)."""
    return load_settings(config or _state["config"])


def run_async(main: Coroutine[Any, Any, None]) -> None:
    """Run the bot's event loop (failures are reported by `KindredCommands`)."""
    asyncio.run(main)


@cli.callback(invoke_without_command=True)
def main(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Run the bot (same as `run` when no command is given)."""
    _state["config"] = config
    if ctx.invoked_subcommand is None:
        run(config=None)


@cli.command()
def run(config: ConfigOption = None) -> None:
    """Run on every configured platform; with no platform configured, open the console community."""
    settings = settings_or_exit(config)
    setup_logging(settings)
    platforms = [name for name, section in (("discord", settings.discord), ("slack", settings.slack))
                 if section.configured]
    if not platforms:
        typer.echo("No Discord or Slack credentials configured: starting the console community. To connect, set "
                   "discord.token, or slack.bot_token with slack.app_token (socket mode) or slack.signing_secret "
                   "(http mode), or slack.client_id with slack.client_secret (many workspaces), in config.toml or "
                   "as KINDRED_DISCORD__TOKEN, KINDRED_SLACK__BOT_TOKEN, ...",
                   err=True)
        run_async(_console(settings, demo=0, seed=1, out=DEFAULT_OUT))
        return
    run_async(_serve(settings, platforms))


DEFAULT_OUT = Path("kindred-out")


@cli.command()
def console(
    demo: Annotated[int, typer.Option(help="Create N synthetic members with 90 days of history.", min=0,
                                      max=100_000)] = 0,
    seed: Annotated[int, typer.Option(help="Random seed for --demo (the same seed, the same community).")] = 1,
    out: Annotated[Path, typer.Option("--out", envvar="KINDRED_CONSOLE_OUT",
                                      help="Folder for the files the bot sends (charts, exports) and the log.")]
    = DEFAULT_OUT,
    config: ConfigOption = None,
) -> None:
    """Open the local console community (scriptable through stdin)."""
    settings = settings_or_exit(config)
    run_async(_console(settings, demo=demo, seed=seed, out=out))


@cli.command()
def migrate(config: ConfigOption = None) -> None:
    """Bring the store's schema to the newest version (this also happens at every start)."""
    settings = settings_or_exit(config)
    setup_logging(settings)

    async def go() -> None:
        from storage.engine import open_store

        store = await open_store(settings.storage.url)
        await store.close()

    run_async(go())
    typer.echo("Store is up to date.")


@cli.command()
def backup(
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write the copy to.")],
    force: Annotated[bool, typer.Option(help="Replace --out if it exists.")] = False,
    config: ConfigOption = None,
) -> None:
    """Copy the SQLite store to --out while the bot runs (PostgreSQL: prints the pg_dump command to use)."""
    settings = settings_or_exit(config)
    setup_logging(settings)
    from bootstrap.store_tools import backup as go

    run_async(go(settings, out, force=force, say=typer.echo))


@cli.command("copy-store")
def copy_store(
    to: Annotated[str, typer.Option("--to", help="URL of the store to copy into (its schema is migrated first).")],
    force: Annotated[bool, typer.Option(help="Empty the target first if it holds rows.")] = False,
    batch: Annotated[int, typer.Option(help="Rows per batch.", min=1, max=100_000)] = 1000,
    config: ConfigOption = None,
) -> None:
    """Copy every table of the configured store into another (e.g. SQLite -> PostgreSQL) and check the copy."""
    settings = settings_or_exit(config)
    setup_logging(settings)
    from rich.console import Console

    from bootstrap.store_tools import copy as go

    run_async(go(settings, to, force=force, batch=batch, console=Console(highlight=False)))


@cli.command("check-config")
def check_config(config: ConfigOption = None) -> None:
    """Validate the settings and print them with secrets masked."""
    from storage.engine import StoreUnavailable, sqlite_directory_problem

    settings = settings_or_exit(config)
    typer.echo(json.dumps(masked_dump(settings), indent=2, ensure_ascii=False))
    if settings.storage.url.startswith("sqlite") and (problem := sqlite_directory_problem(settings.storage.url)):
        raise StoreUnavailable(problem, settings.storage.url)  # what `migrate` and every start would say
    typer.echo("Settings are valid.", err=True)


@cli.command("i18n-update")
def i18n_update() -> None:
    """Add new texts of the source to locales/*.po and each feature's cogs/<feature>/locales/*.po (existing
    entries stay as they are); lists how many each language still lacks."""
    from bootstrap.discovery import discover
    from core.i18n_catalog import update_catalogues

    discover()  # every feature's settings (their descriptions are texts) and catalogue folder

    for locale, missing in update_catalogues().items():
        typer.echo(f"{locale}: {missing} untranslated")


def open_app(settings: Settings, **options: Any) -> AbstractAsyncContextManager[App]:
    """`bootstrap.runtime.running_app`, imported when first used so that `--help` stays quick."""
    from bootstrap.runtime import running_app

    return running_app(settings, **options)


def _log_to_file(settings: Settings, path: Path) -> None:
    """The console's chat is stdout: log lines go to a file in its output folder (stderr when that cannot be
    written), so they never land between the messages."""
    setup_logging(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        stream = path.open("a", encoding="utf-8")
    except OSError as exc:
        typer.echo(f"kindred: cannot write the log to {path} ({exc.strerror or exc}); logging to stderr", err=True)
        return
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(stream)


async def _console(settings: Settings, *, demo: int, seed: int, out: Path) -> None:
    from bootstrap.ops_http import serving_ops
    from integrations.console.clock import VirtualClock
    from integrations.console.repl import ConsoleCommunity, stdin_lines

    _log_to_file(settings, out / "console.log")
    clock = VirtualClock(flowing=sys.stdin.isatty())
    async with open_app(settings, clock=clock, start_scheduler=False) as app, \
            serving_ops(app, settings.ops, ["console"]):
        community = ConsoleCommunity(app, out_dir=out)
        await community.setup(demo=demo, seed=seed, history=True)
        signalled = asyncio.Event()
        _on_stop_signals(signalled)
        session = asyncio.create_task(community.run(stdin_lines(community.prompt)), name="console")
        stopping = asyncio.create_task(signalled.wait())
        await asyncio.wait([session, stopping], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not session.done():  # SIGTERM or SIGINT: finish what is under way, like a platform would
            log.info("stopping: finishing the work under way (at most %g s)", settings.ops.grace_seconds)
            await app.drain(settings.ops.grace_seconds)
            session.cancel()
            await asyncio.gather(session, return_exceptions=True)
        else:
            session.result()


def _on_stop_signals(signalled: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, signalled.set)
        except (NotImplementedError, RuntimeError):
            pass


async def _serve(settings: Settings, platforms: list[str]) -> None:
    """Serve until a platform stops or SIGTERM/SIGINT arrives. On a signal the work under way (a round being
    stored, its intros being sent, queued events) gets `[ops] grace_seconds` to finish while the platforms are
    still connected; then the platforms disconnect, the engagement writer flushes, and the exit code is 0."""
    from bootstrap.ops_http import serving_ops

    signalled = asyncio.Event()
    _on_stop_signals(signalled)
    stop = asyncio.Event()
    async with open_app(settings) as app, \
            serving_ops(app, settings.ops, platforms):
        tasks = []
        for name in platforms:
            module = importlib.import_module(f"integrations.{name}.runner")
            tasks.append(asyncio.create_task(module.serve(app, settings, stop), name=name))
        log.info("Kindred running on %s", ", ".join(platforms))
        stopping = asyncio.create_task(signalled.wait())
        done, _pending = await asyncio.wait([*tasks, stopping], return_when=asyncio.FIRST_COMPLETED)
        if stopping in done:
            grace = settings.ops.grace_seconds
            log.info("stopping: finishing the work under way (at most %g s)", grace)
            await app.drain(grace)
        stop.set()
        stopping.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    failure = _first_failure(tasks, ended_first=done)
    if failure is not None:
        raise failure
    log.info("Kindred stopped")


def _first_failure(tasks: list[asyncio.Task[None]], ended_first: set[asyncio.Task[Any]]) -> StartupFailed | None:
    """Why the platforms stopped, as the failure bot.py exits with: a platform's own `StartupFailed` (its exit
    code says whether restarting helps), anything else as a crash (exit code 1, logged with its traceback, since
    it is a bug), as is a platform that ended by itself. A stop that was asked for (Ctrl-C, SIGTERM) is none."""
    finished = [t for t in tasks if not t.cancelled()]
    errors = [(t, e) for t in finished if (e := t.exception()) is not None]
    for _task, error in errors:
        if isinstance(error, StartupFailed):
            return error
    for task, error in errors:
        log.error("%s stopped", task.get_name(), exc_info=error)
        return StartupFailed(f"{task.get_name()} stopped: {type(error).__name__} (see the log)", ExitCode.CRASH)
    for task in finished:
        if task in ended_first:
            return StartupFailed(f"{task.get_name()} stopped by itself", ExitCode.CRASH)
    return None


def _register_plugins() -> None:
    """Features and integrations may add CLI commands with a `cli.py` exposing `register(typer_app)`; an
    integration's gets `open_app` too, since integrations sit below the composition root (bootstrap/).

    Every feature package is imported here, the installed ones too (bootstrap/discovery.py), so their settings
    sections are registered before config.toml is read."""
    from bootstrap.discovery import feature_packages

    integrations = importlib.import_module("integrations")
    platforms = [f"integrations.{info.name}" for info in pkgutil.iter_modules(integrations.__path__)]
    for package in [*feature_packages(), *platforms]:
        try:
            module = importlib.import_module(f"{package}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.cli":
                raise
            continue
        if package.startswith("integrations."):
            module.register(cli, open_app)
        else:
            module.register(cli)


_register_plugins()

if __name__ == "__main__":
    sys.exit(cli())
