"""How much the bot logs, and in which shape."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class LoggingSettings(BaseModel):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")
    json_lines: bool = Field(False, description="Log JSON lines instead of text (for log collectors).")
