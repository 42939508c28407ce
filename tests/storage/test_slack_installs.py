"""The Slack installation and OAuth state tables (migration platform_0002), on SQLite and PostgreSQL: a
workspace's installation is saved, replaced (reinstall, rotated token) and deleted; a state is consumed once,
even by two processes at the same moment, and never after it expired; the migration goes down and up."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command

from storage.engine import Store, alembic_config
from storage.slack_installs import OAuthStateRepo, SlackInstall, SlackInstallRepo

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def install(team_id: str, token: str, **fields: object) -> SlackInstall:
    return SlackInstall(team_id=team_id, bot_token=token, installed_at=T0, **fields)  # type: ignore[arg-type]


async def test_installations_are_saved_replaced_and_deleted(stores: tuple[Store, Store]) -> None:
    repo, other = SlackInstallRepo(stores[0]), SlackInstallRepo(stores[1])
    await repo.save(install("T0ONE", "xoxb-1", team_name="One", bot_user_id="U0B1", bot_scopes="chat:write"))
    await repo.save(install("T0TWO", "xoxb-2", bot_refresh_token="xoxe-2", bot_token_expires_at=T0))
    await other.save(install("T0ONE", "xoxb-1b", team_name="One renamed", bot_user_id="U0B1"))

    one = await repo.find("T0ONE")
    assert one is not None and (one.bot_token, one.team_name, one.bot_scopes) == ("xoxb-1b", "One renamed", "")
    two = await other.find_team("T0TWO")
    assert two is not None and two.bot_refresh_token == "xoxe-2" and two.bot_token_expires_at == T0
    assert "xoxb" not in repr(two) and "xoxe" not in repr(two), "a row's repr never shows a token"
    assert await repo.teams() == ["T0ONE", "T0TWO"]

    assert await other.delete("T0ONE") == 1
    assert await repo.delete("T0ONE") == 0
    assert await repo.find("T0ONE") is None and await repo.teams() == ["T0TWO"]


async def test_an_organisation_wide_install_serves_its_workspaces(stores: tuple[Store, Store]) -> None:
    repo = SlackInstallRepo(stores[0])
    await repo.save(install("", "xoxb-org", enterprise_id="E0ORG", is_enterprise_install=True))
    found = await repo.find("T0ANY", "E0ORG")
    assert found is not None and found.bot_token == "xoxb-org"
    assert await repo.find("T0ANY") is None


async def test_a_state_is_consumed_once_even_by_two_processes(stores: tuple[Store, Store]) -> None:
    repos = [OAuthStateRepo(store) for store in stores]
    await repos[0].issue("state-a", T0 + timedelta(minutes=10))
    answers = await asyncio.gather(*(repos[k % 2].consume("state-a", T0) for k in range(6)))
    assert sorted(answers) == [False] * 5 + [True]
    assert not await repos[0].consume("never-issued", T0)


async def test_an_expired_state_is_refused_and_purged(stores: tuple[Store, Store]) -> None:
    repo = OAuthStateRepo(stores[0])
    await repo.issue("old", T0)
    await repo.issue("young", T0 + timedelta(minutes=10))
    assert not await repo.consume("old", T0 + timedelta(minutes=1))
    await repo.issue("older", T0 - timedelta(minutes=1))
    assert await repo.purge(T0) == 1
    assert await repo.consume("young", T0)


async def test_the_migration_goes_down_and_up(stores: tuple[Store, Store]) -> None:
    store = stores[0]
    await SlackInstallRepo(store).save(install("T0ONE", "xoxb-1"))

    def step(sync: sa.Connection, target: str, down: bool) -> list[str]:
        (command.downgrade if down else command.upgrade)(alembic_config(sync), target)
        return sa.inspect(sync).get_table_names()

    async with store.engine.begin() as conn:
        tables = await conn.run_sync(step, "platform_0001", True)
    assert "slack_installations" not in tables and "seen_events" in tables
    async with store.engine.begin() as conn:
        tables = await conn.run_sync(step, "heads", False)
    assert {"slack_installations", "slack_oauth_states"} <= set(tables)
    assert await SlackInstallRepo(store).teams() == []
