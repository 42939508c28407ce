"""Where the community's data lives."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator


class StorageSettings(BaseModel):
    url: str = Field(
        "sqlite+aiosqlite:///kindred.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///file.db or postgresql+asyncpg://user@host/db.",
    )
    echo: bool = Field(False, description="Log every SQL statement (debugging only).")

    @field_validator("url")
    @classmethod
    def _check_url(cls, v: str) -> str:
        if not v.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return v
