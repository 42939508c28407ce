"""The community's own store: SQLAlchemy 2 async Core over SQLite (default) or PostgreSQL.

Features never write SQL in cogs; they use small repository classes (here for the core tables, and in each
feature's own `storage/<feature>.py`) built on `Store`.
"""

from storage.engine import Store

__all__ = ["Store"]
