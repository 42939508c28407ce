"""The community's own store: SQLAlchemy 2 async Core over SQLite (default) or PostgreSQL.

Only what every feature shares lives here: the engine, errors, health, the core tables (communities, members,
profiles, settings overrides), deliveries, seen platform events and job runs, each with its repository. A feature's own
tables, repositories and Alembic branch live in its package (cogs/<feature>/tables.py, store/, migrations/), built
on `Store`; storage/ never imports cogs/ (found by file, see storage/schema.py).
"""

from storage.engine import Store

__all__ = ["Store"]
