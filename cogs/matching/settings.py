"""Matching rounds, mentoring and on-demand suggestions."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator

from core.i18n import N_
from core.settings.hints import TIMEZONE
from core.settings.registry import SettingsSection, register


class MatchingSettings(BaseModel):
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = Field("mon", description="Round weekday.")
    hour: int = Field(9, ge=0, le=23, description="Round hour, in `timezone`.")
    timezone: Annotated[str, TIMEZONE] = Field(
        "UTC", description="IANA time zone of the round schedule, e.g. Europe/Berlin.")
    cadence: Literal["weekly", "biweekly", "monthly"] = Field("weekly", description="Default round cadence.")
    group_size: int = Field(2, ge=2, le=4, description="People per intro group.")
    require_common_language: bool = Field(True, description="Only pair people who share a language.")
    prefer_cross_team: bool = Field(False, description="Prefer pairing people from different teams.")
    exclude_recent_rounds: int = Field(4, ge=0, le=52, description="Never repeat a partner within K rounds.")
    requests_per_week: int = Field(5, ge=0, le=100, description="Intro requests a member may send per week.")
    max_open_requests: int = Field(3, ge=1, le=50, description="Open requests before a member is not suggested.")
    grace_hours: int = Field(24, ge=0, le=168, description="A round missed while down runs if this late at most.")
    checkin: bool = Field(True, description="Ask 'did you meet?' halfway through the period.")
    use_activity: bool = Field(True, description="Pair quiet newcomers with active, welcoming members.")
    learning: bool = Field(True, description="Learn from check-in answers what makes pairs meet here; off uses "
                                             "the default weights.")
    explore_share: float = Field(0.1, ge=0.0, le=0.3, description="Share of each round that tries pairings the "
                                                                  "learning is unsure about (0 to 0.3).")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name such as Europe/Berlin)") from None
        return v


SECTION = register(SettingsSection("matching", community=MatchingSettings, modules=("matching", "mentoring"),
                                     order=30, module_titles=(("matching", N_("Intro rounds")),
                                                              ("mentoring", N_("Mentoring")))))
