"""storage/copy.py over generated stores: whatever the rows hold (any text, times with and without a zone, JSON
values, empty and long tables, batch sizes that do and do not divide them), the copy has the same rows and
checksums, and a single changed value in the target is caught by the check."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.copy import CopyRefused, copy_store, table_summary
from storage.engine import Store, open_store
from storage.schema import communities, members, settings_overrides

text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30)
moment = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                      timezones=st.none() | st.just(UTC) | st.builds(lambda h: timezone(timedelta(hours=h)),
                                                                    st.integers(-12, 12)))
json_value: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=8)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty store at the newest schema, migrated once for every example."""
    import asyncio

    path = tmp_path_factory.mktemp("template") / "empty.db"

    async def make() -> None:
        store = await open_store(f"sqlite+aiosqlite:///{path}")
        await store.close()

    asyncio.run(make())
    return path


async def _open(template: Path, path: Path) -> Store:
    shutil.copy(template, path)
    return await open_store(f"sqlite+aiosqlite:///{path}", migrate=False)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(st.tuples(text, text, st.booleans(), moment, st.none() | moment), max_size=40),
       overrides=st.dictionaries(st.text("abcdefghij.", min_size=1, max_size=20), json_value, max_size=6),
       batch=st.integers(1, 7))
async def test_the_copy_has_the_same_rows_and_a_change_is_caught(
        template: Path, tmp_path: Path, people: list[tuple[str, str, bool, datetime, datetime | None]],
        overrides: dict[str, Any], batch: int) -> None:
    for leftover in tmp_path.glob("*.db*"):
        leftover.unlink()
    source = await _open(template, tmp_path / "source.db")
    target = await _open(template, tmp_path / "target.db")
    try:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        async with source.begin() as conn:
            await conn.execute(communities.insert(), [{"id": 1, "platform": "console", "external_id": "c",
                                                       "created_at": now}])
            if people:
                await conn.execute(members.insert(), [
                    {"community_id": 1, "platform": "console", "user_id": f"U{i}", "display_name": name,
                     "username": handle, "is_bot": bot, "first_seen_at": seen, "left_at": left}
                    for i, (name, handle, bot, seen, left) in enumerate(people)])
            if overrides:
                await conn.execute(settings_overrides.insert(), [
                    {"community_id": 1, "key": key, "value": value, "updated_at": now}
                    for key, value in overrides.items()])

        checks = await copy_store(source, target, batch=batch)
        assert all(c.ok for c in checks), [c for c in checks if not c.ok]
        counted = {c.table: c.target_rows for c in checks}
        assert counted["members"] == len(people) and counted["settings_overrides"] == len(overrides)

        with pytest.raises(CopyRefused, match="not empty"):
            await copy_store(source, target)
        if people:
            async with target.begin() as conn:
                await conn.execute(sa.update(members).where(members.c.user_id == "U0")
                                   .values(display_name=people[0][0] + "·"))
            assert (await table_summary(source, members)) != (await table_summary(target, members))
            again = await copy_store(source, target, force=True, batch=batch)
            assert all(c.ok for c in again)
    finally:
        await source.close()
        await target.close()
