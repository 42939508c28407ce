"""Per-community basics: language, moderators, where intros go, which modules are on."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, Field, create_model

from core.i18n import LANGUAGES
from core.settings.hints import CHANNEL, ROLES

_DISABLED = "Modules switched off in this community."


class CommunitySettings(BaseModel):
    language: Literal[LANGUAGES] = Field("en", description="Language of the bot's messages.")  # type: ignore[valid-type]
    follow_member_locale: bool = Field(
        True, description="Answer a person only they see in their own app language (Discord, Slack) when Kindred "
                          "speaks it; public messages stay in the community's language.")
    moderator_roles: Annotated[list[str], ROLES] = Field(
        default_factory=list,
        description="Roles (Discord) or user groups (Slack) whose members may moderate Kindred; admins always may.",
    )
    intro_channel: Annotated[str, CHANNEL] = Field(
        "", max_length=100, description="Channel id where intro threads are created.")
    # the names are the features' (settings registry); `with_modules` narrows this to them
    disabled_modules: list[str] = Field(default_factory=list, description=_DISABLED)


@cache
def with_modules(names: tuple[str, ...]) -> type[CommunitySettings]:
    """`CommunitySettings` whose `disabled_modules` accepts exactly these module names (those the registered
    features declare), so config.toml, `/config` and the example file all list the same ones."""
    if not names:
        return CommunitySettings
    return create_model(
        "CommunitySettings", __base__=CommunitySettings, __module__=__name__,
        disabled_modules=(list[Literal[names]], Field(default_factory=list, description=_DISABLED)),  # type: ignore[valid-type]
    )
