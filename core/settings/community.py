"""Per-community basics: language, moderators, where intros go, which modules are on."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

MODULES = ("profiles", "matching", "mentoring", "welcome", "engagement")


class CommunitySettings(BaseModel):
    language: Literal["en", "de"] = Field("en", description="Language of the bot's messages.")
    moderator_roles: list[str] = Field(
        default_factory=list,
        description="Roles (Discord) or user groups (Slack) whose members may moderate Kindred; admins always may.",
    )
    intro_channel: str = Field("", max_length=100, description="Channel id where intro threads are created.")
    disabled_modules: list[Literal["profiles", "matching", "mentoring", "welcome", "engagement"]] = Field(
        default_factory=list, description="Modules switched off in this community."
    )
