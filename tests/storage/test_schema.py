"""The schema is whole: Alembic sees every table, and the migrations at head build exactly the tables defined.

`schema_drift` is what `alembic revision --autogenerate` compares (tables, columns, types, nullability, indexes,
unique constraints, server defaults). Alembic does not compare a foreign key's ON DELETE, a partial index's
WHERE or a primary key's columns, and those carry behaviour here (erasure cascades, one open request at a time,
exactly-once keys), so the test compares them itself.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.engine import alembic_config, open_store, schema_drift
from storage.schema import all_tables, migration_dirs, table_modules


def test_every_table_module_is_found() -> None:
    modules = table_modules()
    assert "cogs.matching.tables" in modules and "cogs.engagement.tables" in modules
    tables = set(all_tables().tables)
    assert {"communities", "members", "matching_intros", "engagement_events", "welcome_steps", "deliveries",
            "seen_events", "config_audit", "engagement_link_requests"} <= tables


def test_a_new_features_tables_are_found_without_a_list_to_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A feature package with a `tables.py` and a `migrations/` folder is found by looking at files: its package
    is not imported for it."""
    root = tmp_path / "somefeatures"
    (root / "quiz" / "migrations").mkdir(parents=True)
    (root / "quiz" / "migrations" / "quiz_0001_initial.py").write_text("")
    (root / "plain").mkdir()
    (root / "plain" / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "quiz" / "__init__.py").write_text("raise RuntimeError('the package was imported')\n")
    (root / "quiz" / "tables.py").write_text("")
    (root / "quiz" / "cog.py").write_text("")
    (root / "notes_schema.py").write_text("")
    (root / "notes.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert table_modules(("somefeatures", "nothing_by_that_name")) == [
        "somefeatures.notes_schema", "somefeatures.quiz.tables"]
    assert migration_dirs(("somefeatures", "nothing_by_that_name")) == [root / "quiz" / "migrations"]


def test_each_alembic_branch_lives_with_its_owner() -> None:
    """Core and platform revisions in storage/, each feature's in its own package; every branch is found."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    revisions = list(script.walk_revisions())
    assert {"core", "platform", "config", "engagement", "matching", "welcome"} <= {
        label for rev in revisions for label in rev.branch_labels}
    project = Path(__file__).resolve().parents[2]
    for rev in revisions:
        where = Path(rev.path).resolve().relative_to(project).parts
        if where[0] == "storage":
            assert rev.revision.split("_")[0] in ("core", "platform"), rev.path
        else:
            assert where[0] == "cogs" and where[2] == "migrations", rev.path
            assert rev.revision.startswith(f"{where[1]}_"), rev.path


def _predicate(clause: Any) -> str:
    """A partial index's WHERE without the casts, quotes and spaces PostgreSQL adds when it reads it back."""
    text = "" if clause is None else str(clause)
    return re.sub(r"::[a-z ]+|[\s()\"]", "", text).lower()


def _what_alembic_misses(sync: Connection) -> list[tuple[Any, ...]]:
    inspector = sa.inspect(sync)
    dialect = sync.dialect.name
    out: list[tuple[Any, ...]] = []
    for name, table in all_tables().tables.items():
        stored = {(tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]),
                   (fk.get("options", {}).get("ondelete") or "").upper()) for fk in inspector.get_foreign_keys(name)}
        defined = {(tuple(c.name for c in fk.columns), fk.referred_table.name,
                    tuple(e.column.name for e in fk.elements), (fk.ondelete or "").upper())
                   for fk in table.foreign_key_constraints}
        if stored != defined:
            out.append(("foreign keys", name, sorted(stored - defined), sorted(defined - stored)))
        stored_pk = inspector.get_pk_constraint(name)["constrained_columns"]
        if stored_pk != [c.name for c in table.primary_key.columns]:
            out.append(("primary key", name, stored_pk))
        wheres = {ix["name"]: _predicate(ix.get("dialect_options", {}).get(f"{dialect}_where"))
                  for ix in inspector.get_indexes(name)}
        for index in table.indexes:
            if wheres.get(index.name) != _predicate(index.dialect_options[dialect].get("where")):
                out.append(("index predicate", name, index.name, wheres.get(index.name)))
    return out


async def test_migrations_at_head_match_every_table(store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url
    store = await open_store(url, connect_args=connect_args)
    try:
        async with store.engine.connect() as conn:
            diff = await conn.run_sync(schema_drift)
            missed = await conn.run_sync(_what_alembic_misses)
    finally:
        await store.close()
    assert diff == []
    assert missed == []


async def test_a_drift_is_seen(store_url: tuple[str, dict[str, Any]]) -> None:
    """The comparison is not blind: a store whose column lost its default and gained a wider type is reported."""
    url, connect_args = store_url
    store = await open_store(url, connect_args=connect_args)
    try:
        async with store.engine.begin() as conn:
            def alter(sync: Connection) -> None:
                from alembic.migration import MigrationContext
                from alembic.operations import Operations

                ops = Operations(MigrationContext.configure(sync))
                with ops.batch_alter_table("welcome_greeters") as batch:
                    batch.alter_column("active", server_default=None, existing_type=sa.Boolean,
                                       existing_nullable=False)
                ops.drop_index("ix_deliveries_state", table_name="deliveries")
            await conn.run_sync(alter)
        async with store.engine.connect() as conn:
            diff = await conn.run_sync(schema_drift)
    finally:
        await store.close()
    flat = [d[0] if isinstance(d, list) else d for d in diff]
    assert {(d[0], d[2], d[3]) if d[0] == "modify_default" else (d[0], d[1].name) for d in flat} == {
        ("modify_default", "welcome_greeters", "active"), ("add_index", "ix_deliveries_state")}
