"""Command-line tools for the engagement log (picked up by bot.py):

    uv run bot.py import-members crm.csv --key email|discord|slack
    uv run bot.py export --format csv|jsonl|parquet --out DIR [--since DATE] [--community ID]
    uv run bot.py report --out DIR [--community ID] [--days 90]

They open the store directly (migrating it if needed), so they also work while the bot is not running. A setting
or a store that cannot be opened ends them with one line and exit code 2 (bot.py's `KindredCommands`).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from core.settings import Settings, load_settings

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="config.toml to read")]


def _settings(config: Path | None, ctx: typer.Context | None = None) -> Settings:
    """The settings of `--config` given after the command, else of `bot.py --config PATH <command>`."""
    if config is None and ctx is not None and ctx.parent is not None:
        config = ctx.parent.params.get("config")
    return load_settings(config)


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        typer.echo(f"kindred: --since must be a date like 2025-01-31 (got {text!r})", err=True)
        raise typer.Exit(2) from None


def import_members(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with a header line, e.g. email,discord,plan,company")],
    key: Annotated[str, typer.Option("--key", help="The column that identifies a person: email, discord or slack")],
    config: ConfigOption = None,
) -> None:
    """Attach CRM attributes (customer, plan, company, ...) to people, for segment comparisons."""
    from cogs.engagement.crm import KEYS, parse_crm_csv

    if key not in KEYS:
        typer.echo(f"kindred: --key must be one of: {', '.join(KEYS)}", err=True)
        raise typer.Exit(2)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        typer.echo(f"kindred: cannot read {file}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    except UnicodeDecodeError:
        typer.echo(f"kindred: {file} is not UTF-8 text (save the CSV as UTF-8)", err=True)
        raise typer.Exit(2) from None
    parsed = parse_crm_csv(text.splitlines(), key)
    if not parsed.ok:
        typer.echo(f"kindred: {file} was not imported; nothing changed:", err=True)
        for line in parsed.errors:
            typer.echo(f"  {line}", err=True)
        raise typer.Exit(2)
    settings = _settings(config, ctx)

    async def go() -> tuple[int, int, int]:
        from cogs.engagement.crm import AccountId, match_records
        from cogs.engagement.store.crm import CrmRepo
        from cogs.engagement.store.identity import IdentityRepo
        from storage.engine import open_store

        store = await open_store(settings.storage.url)
        try:
            inserted, updated = await CrmRepo(store).upsert_many(parsed.records, datetime.now(UTC))
            accounts = await IdentityRepo(store).accounts()
            matched = match_records(parsed.records, [AccountId(a.member_id, a.platform, a.user_id, a.username)
                                                     for a in accounts])
            return inserted, updated, len(matched)
        finally:
            await store.close()

    inserted, updated, matched = asyncio.run(go())
    people = len(parsed.records)
    typer.echo(f"Imported {people} {'person' if people == 1 else 'people'} ({inserted} new, {updated} updated); "
               f"{matched} {'matches an account' if matched == 1 else 'match accounts'} in the store.")


def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Directory to write the files to (created)")],
    format: Annotated[str, typer.Option("--format", help="csv, jsonl or parquet")] = "csv",
    since: Annotated[str | None, typer.Option("--since", help="Only events from this day on (YYYY-MM-DD)")] = None,
    community: Annotated[int | None, typer.Option("--community", help="Only this community id")] = None,
    config: ConfigOption = None,
) -> None:
    """Export people, accounts, profiles, events and matches (plus an Orbit-style activities.json)."""
    from cogs.engagement.export import FORMATS, export_all

    if format not in FORMATS:
        typer.echo(f"kindred: --format must be one of: {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    start = _since(since)
    settings = _settings(config, ctx)

    async def go() -> None:
        from storage.communities import CommunityRepo
        from storage.engine import open_store

        store = await open_store(settings.storage.url)
        try:
            if community is not None and community not in {c.id for c in await CommunityRepo(store).all()}:
                typer.echo(f"kindred: there is no community {community} (`bot.py export` without --community "
                           "exports every community)", err=True)
                raise typer.Exit(2)
            began = time.perf_counter()
            result = await export_all(store, out, format, since=start,
                                      community_ids=[community] if community is not None else None)
            took = time.perf_counter() - began
        finally:
            await store.close()
        for path in result.files:
            typer.echo(f"{path}  ({path.stat().st_size} bytes)")
        rows = ", ".join(f"{t} {n}" for t, n in result.rows.items())
        typer.echo(f"Exported {rows} in {took:.1f}s.", err=True)

    asyncio.run(go())


def report(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Directory for the charts and index.html (created)")],
    community: Annotated[int | None, typer.Option("--community", help="Only this community id")] = None,
    days: Annotated[int, typer.Option("--days", min=7, max=3650, help="Period of the charts")] = 90,
    config: ConfigOption = None,
) -> None:
    """Write every chart as PNG and an index.html that shows them with the overview numbers."""
    settings = _settings(config, ctx)
    asyncio.run(_report(settings, out, community, days))
    typer.echo(f"Report written to {out / 'index.html'}")


async def _report(settings: Settings, out: Path, community: int | None, days: int,
                  now: datetime | None = None) -> Path:
    """Write the report of each community (or of one) to `out`; returns the page's path."""
    from cogs.engagement.analytics import Analytics
    from cogs.engagement.charts import chart_alt, render_chart
    from cogs.engagement.report_data import gather
    from cogs.engagement.report_page import page, section
    from cogs.engagement.stats import BAR_METRICS, CHART_METRICS, CHART_TITLES, chart_summary
    from core.community_config import CommunityConfigResolver
    from core.i18n import N_n, normalise_locale, translator
    from storage.communities import CommunityRepo
    from storage.engine import open_store
    from storage.overrides import OverrideRepo

    store = await open_store(settings.storage.url)
    try:
        config = CommunityConfigResolver(settings.community_defaults(), OverrideRepo(store))
        analytics = Analytics(store, config)
        communities = await CommunityRepo(store).all()
        if community is not None:
            communities = [c for c in communities if c.id == community]
            if not communities:
                typer.echo(f"kindred: there is no community {community}", err=True)
                raise typer.Exit(2)
        await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
        now = now or datetime.now(UTC)
        sections = []
        locales = []
        for c in communities:
            locale = normalise_locale((await config.get(c.id)).community.language)
            locales.append(locale)
            _ = translator(locale)
            name = c.name or c.external_id
            rep = await gather(analytics, c.id, name, c.platform, days, now, CHART_METRICS)
            images = []
            for metric in CHART_METRICS:
                series = rep.series[metric]
                title = _(CHART_TITLES[metric])
                summary = chart_summary(metric, series, _, locale)
                png = await asyncio.to_thread(render_chart, series, title=title,
                                              subtitle=_(N_n("{community}, last {days} day",
                                                             "{community}, last {days} days", "days"),
                                                         community=name, days=days),
                                              summary=summary, bars=metric in BAR_METRICS, locale=locale)
                file = f"community-{c.id}-{metric}.png"
                await asyncio.to_thread((out / file).write_bytes, png)
                images.append((file, title, chart_alt(series, title=title, summary=summary, locale=locale, _=_)))
            sections.append(section(rep, images, locale, _))
        locale = locales[0] if locales else normalise_locale(settings.community_defaults().community.language)
        text = page(sections, locale=locale, generated=now, _=translator(locale))
        path = out / "index.html"
        await asyncio.to_thread(path.write_text, text, encoding="utf-8")
        return path
    finally:
        await store.close()


def register(cli: typer.Typer) -> None:
    cli.command("import-members")(import_members)
    cli.command("export")(export)
    cli.command("report")(report)
