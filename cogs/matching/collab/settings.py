"""[collab]: where project cards are posted and how often a member may be suggested for projects."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from core.i18n import N_
from core.settings.hints import CHANNEL
from core.settings.registry import SettingsSection, register


class CollabSettings(BaseModel):
    channel: Annotated[str, CHANNEL] = Field(
        "", max_length=100, description="Channel where project cards are posted; empty: /collab list only.")
    max_projects_per_week: int = Field(
        2, ge=0, le=20, description="Projects a member may be suggested for per week (0: nobody is suggested).")
    suggestions_per_role: int = Field(3, ge=1, le=3, description="People suggested for each open role.")


SECTION = register(SettingsSection("collab", community=CollabSettings, modules=("collab",), order=35,
                                     module_titles=(("collab", N_("Collaboration")),)))
