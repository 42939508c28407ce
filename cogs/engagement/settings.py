"""The engagement log: what is recorded and for how long.

The writer's tuning (`batch_size`, `flush_seconds`, `queue_max`) is process-wide: one writer serves every
community, so it is declared as the section's `process` model, and in chat only the bot owner may change it.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.i18n import N_
from core.settings.registry import SettingsSection, register


class EngagementSettings(BaseModel):
    enabled: bool = Field(True, description="Record engagement events.")
    store_message_text: bool = Field(False, description="Also store message text (off: counts and lengths only).")
    retention_days: int = Field(365, ge=7, le=3650, description="Raw events older than this are purged.")
    exclude_staff: bool = Field(True, description="Leave staff and bots out of community metrics.")


class EngagementWriterSettings(BaseModel):
    batch_size: int = Field(500, ge=1, le=100000, description="Events written per transaction.")
    flush_seconds: float = Field(1.0, gt=0, le=60, description="Longest wait before queued events are written.")
    queue_max: int = Field(50000, ge=100, le=5000000, description="Queued events before back-pressure.")


SECTION = register(SettingsSection("engagement", community=EngagementSettings, process=EngagementWriterSettings,
                                   modules=("engagement",), order=50,
                                   module_titles=(("engagement", N_("Engagement and stats")),)))
