"""Core tables: communities, members, profiles with their facets, settings overrides.

Every row carries its community so one process (or several sharing PostgreSQL) can serve many communities.
Shared tables used by every feature are declared here and in storage/*_schema.py. A feature's own tables are
declared on the same `metadata` in its package's `tables.py` (cogs/<feature>/tables.py), and get their own Alembic
branch in its `migrations/` folder, so features can add tables without touching each other's migrations.
`all_tables()` gathers them all (for Alembic and the schema test) and `migration_dirs()` their version files, both
found by looking at files, so that a new feature's tables are picked up without a central list to edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib.util import find_spec
from pathlib import Path

import sqlalchemy as sa

from storage.types import UTCDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

communities = sa.Table(
    "communities",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("external_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("platform", "external_id", name="uq_communities_platform_external"),
)

members = sa.Table(
    "members",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("display_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("username", sa.String(200), nullable=False, server_default=""),
    sa.Column("is_bot", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_staff", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("joined_at", UTCDateTime, nullable=True),
    sa.Column("left_at", UTCDateTime, nullable=True),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("community_id", "user_id", name="uq_members_community_user"),
)

profiles = sa.Table(
    "profiles",
    metadata,
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

profile_facets = sa.Table(
    "profile_facets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("field", sa.String(40), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_profile_facets_lookup", "community_id", "field", "value"),
    sa.Index("ix_profile_facets_member", "member_id"),
)

settings_overrides = sa.Table(
    "settings_overrides",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=False, server_default=""),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)


TABLE_PACKAGES = ("storage", "cogs")
"""Where table modules are looked for: `storage/*_schema.py`, and `tables.py` of each feature package in cogs/.
They are imported by name (never by an import statement here), so storage/ keeps no dependency on cogs/; a
feature's `tables.py` must import nothing but SQLAlchemy and storage/ itself."""

MIGRATIONS = "migrations"
"""A feature package's folder of Alembic version files (its own branch), e.g. cogs/matching/migrations/."""


def _package_dirs(package: str) -> list[Path]:
    spec = find_spec(package)
    if spec is None or spec.submodule_search_locations is None:
        return []
    return [Path(p) for p in spec.submodule_search_locations]


def _feature_dirs(package: str) -> list[Path]:
    """The folders of `package`'s sub-packages, found as files: finding them must not import the feature."""
    found = [d / info.name for d in _package_dirs(package)
             for info in pkgutil.iter_modules([str(d)]) if info.ispkg]
    return sorted(found, key=lambda d: d.name)


def table_modules(packages: tuple[str, ...] = TABLE_PACKAGES) -> list[str]:
    """The dotted names of every module that declares tables, in a stable order."""
    names: list[str] = []
    for package in packages:
        for info in sorted(pkgutil.iter_modules([str(d) for d in _package_dirs(package)]), key=lambda i: i.name):
            if info.ispkg:
                if (Path(getattr(info.module_finder, "path", "")) / info.name / "tables.py").is_file():
                    names.append(f"{package}.{info.name}.tables")
            elif info.name.endswith("_schema"):
                names.append(f"{package}.{info.name}")
    return names


def migration_dirs(packages: tuple[str, ...] = TABLE_PACKAGES) -> list[Path]:
    """Every folder of Alembic version files: storage's own (the core and platform branches) and each feature
    package's `migrations/` (its branch), found like the tables, so a new feature needs no list to edit. They are
    Alembic's `version_locations` (storage/engine.py)."""
    dirs: list[Path] = []
    for package in packages:
        for base in _package_dirs(package):
            if (base / MIGRATIONS / "versions").is_dir():
                dirs.append(base / MIGRATIONS / "versions")
        dirs.extend(d / MIGRATIONS for d in _feature_dirs(package) if (d / MIGRATIONS).is_dir())
    return dirs


def all_tables(packages: tuple[str, ...] = TABLE_PACKAGES) -> sa.MetaData:
    """The metadata with every table of every feature on it, whatever has been imported so far.

    Alembic's `target_metadata` must be this, not the bare `metadata`: tables register themselves when their
    module is imported, and before that autogenerate would take them for tables to drop."""
    for name in table_modules(packages):
        importlib.import_module(name)
    return metadata
